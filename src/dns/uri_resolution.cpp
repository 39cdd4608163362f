#include "dns/uri_resolution.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "dns/naptr_order.hpp"
#include "dns/srv_order.hpp"

namespace polyport::detail {

namespace {

std::string cannot(const std::string& name, const std::string& why) {
  return "cannot resolve \"" + name + "\": " + why;
}

// The URL's transport, else the protocol's first that can reach a host (unix cannot).
transport chosen_transport(const resolve_request& request) {
  if (request.transport) {
    return *request.transport;
  }
  for (transport t : request.handler->transports(request.scheme)) {
    if (t != transport::unix_stream) {
      return t;
    }
  }
  return transport::tcp;
}

result<std::uint16_t> port_for(const resolve_request& request, transport t) {
  if (request.port) {
    return *request.port;
  }
  if (request.listen) {
    return std::uint16_t{0};  // any free port
  }
  if (auto known = request.handler->default_port(t)) {
    return *known;
  }
  return error{"the \"" + request.scheme + "\" protocol has no default port for " +
               std::string(to_string(t))};
}

// A name to turn into addresses, and where they lead.
struct target {
  transport via_transport;
  std::string name;
  std::uint16_t port;
  std::string srv_name;  // the SRV record that named it, for messages; "" for the URL's host
};

class resolution : public std::enable_shared_from_this<resolution> {
 public:
  resolution(dns_lookup& lookup, std::mt19937_64& random, resolve_request request, destinations_handler done)
      : lookup_(lookup), random_(random), request_(std::move(request)), done_(std::move(done)) {}

  void start() {
    if (request_.listen || request_.port) {
      resolve_host_addresses();
    } else if (request_.transport) {
      try_srv(fallback_candidates(), false);
    } else {
      lookup_.find(request_.host, record_type::naptr, request_.policy,
                   [self = shared_from_this()](result<dns_answer> found) { self->naptr_answered(std::move(found)); });
    }
  }

 private:
  void naptr_answered(result<dns_answer> found) {
    if (!found) {
      done_(error{cannot(request_.host, "NAPTR query: " + found.error().message)});
      return;
    }
    auto candidates = naptr_candidates(std::move(found->naptrs), *request_.handler, request_.scheme);
    if (candidates.empty()) {
      try_srv(fallback_candidates(), false);
    } else {
      try_srv(std::move(candidates), true);
    }
  }

  // RFC 3263 §4.1 without NAPTR: the URL's transport, or each transport offered, in order.
  std::vector<srv_candidate> fallback_candidates() const {
    std::vector<transport> wanted;
    if (request_.transport) {
      wanted.push_back(*request_.transport);
    } else {
      wanted = request_.handler->transports(request_.scheme);
    }
    std::vector<srv_candidate> candidates;
    for (transport t : wanted) {
      if (auto name = srv_name_for(request_.scheme, t, request_.host)) {
        candidates.push_back({t, std::move(*name)});
      }
    }
    return candidates;
  }

  void try_srv(std::vector<srv_candidate> candidates, bool from_naptr) {
    std::vector<question> questions;
    for (const srv_candidate& c : candidates) {
      questions.push_back({c.srv_name, record_type::srv});
    }
    find_all(lookup_, request_.policy, std::move(questions),
             [self = shared_from_this(), candidates, from_naptr](std::vector<result<dns_answer>> answers) {
               self->srv_answered(candidates, std::move(answers), from_naptr);
             });
  }

  void srv_answered(const std::vector<srv_candidate>& candidates, std::vector<result<dns_answer>> answers,
                    bool from_naptr) {
    std::vector<target> targets;
    std::optional<std::string> failure;
    bool not_offered = false;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const srv_candidate& candidate = candidates[i];
      if (!answers[i]) {
        failure = cannot(candidate.srv_name, "SRV query: " + answers[i].error().message);
        continue;
      }
      if (srv_not_offered(answers[i]->services)) {
        not_offered = true;
        continue;
      }
      for (srv_record& record : order_srv(std::move(answers[i]->services), random_)) {
        if (record.target != ".") {
          targets.push_back({candidate.transport, std::move(record.target), record.port, candidate.srv_name});
        }
      }
    }
    if (!targets.empty()) {
      resolve_addresses(std::move(targets));
    } else if (from_naptr) {
      try_srv(fallback_candidates(), false);
    } else if (failure) {
      done_(error{*failure});
    } else if (not_offered) {
      done_(error{cannot(request_.host, "the service is not offered here (SRV target \".\")")});
    } else {
      resolve_host_addresses("no NAPTR or SRV records, and ");
    }
  }

  // The URL's host itself: A and AAAA with the URL's port or the transport's default.
  void resolve_host_addresses(const std::string& why_here = "no port, and ") {
    transport t = chosen_transport(request_);
    auto port = port_for(request_, t);
    if (!port) {
      done_(error{cannot(request_.host, why_here + port.error().message)});
      return;
    }
    resolve_addresses({target{t, request_.host, *port, ""}});
  }

  void resolve_addresses(std::vector<target> targets) {
    std::vector<std::string> names;
    std::vector<question> questions;
    for (const target& t : targets) {
      if (std::find(names.begin(), names.end(), t.name) == names.end()) {
        names.push_back(t.name);
        questions.push_back({t.name, record_type::a});
        questions.push_back({t.name, record_type::aaaa});
      }
    }
    find_all(lookup_, request_.policy, std::move(questions),
             [self = shared_from_this(), targets = std::move(targets), names](std::vector<result<dns_answer>> answers) {
               self->addresses_answered(targets, names, std::move(answers));
             });
  }

  void addresses_answered(const std::vector<target>& targets, const std::vector<std::string>& names,
                          std::vector<result<dns_answer>> answers) {
    std::vector<destination> found;
    std::string failure;
    for (const target& t : targets) {
      std::size_t index = static_cast<std::size_t>(std::find(names.begin(), names.end(), t.name) - names.begin());
      const result<dns_answer>& v4 = answers[2 * index];
      const result<dns_answer>& v6 = answers[2 * index + 1];
      std::size_t before = found.size();
      for (const result<dns_answer>* family : {&v4, &v6}) {
        if (!*family) {
          continue;
        }
        for (const ip_address& address : (*family)->addresses) {
          destination d{t.via_transport, endpoint{address, t.port, {}}};
          if (std::find(found.begin(), found.end(), d) == found.end()) {
            found.push_back(d);
          }
        }
      }
      if (found.size() == before) {
        failure = t.srv_name.empty() ? cannot(t.name, why_no_address(v4, v6))
                                     : "cannot resolve \"" + t.name + "\" (SRV target of \"" + t.srv_name +
                                           "\"): " + why_no_address(v4, v6);
      }
    }
    if (found.empty()) {
      done_(error{failure});
    } else {
      done_(std::move(found));
    }
  }

  static std::string why_no_address(const result<dns_answer>& v4, const result<dns_answer>& v6) {
    if (!v4) {
      return "A query: " + v4.error().message;
    }
    if (!v6) {
      return "AAAA query: " + v6.error().message;
    }
    if (v4->kind == dns_answer::outcome::no_such_name) {
      return describe_negative(*v4, record_type::a);
    }
    return "no A or AAAA records";
  }

  dns_lookup& lookup_;
  std::mt19937_64& random_;
  resolve_request request_;
  destinations_handler done_;
};

}  // namespace

std::optional<result<std::vector<destination>>> resolve_literal(const resolve_request& request) {
  std::optional<ip_address> address;
  if (request.kind == host_kind::any_ipv4) {
    address = ip_address{};
  } else if (request.kind == host_kind::any_ipv6) {
    address = ip_address{true, {}};
  } else {
    address = ip_address::parse(request.host);
  }
  if (!address) {
    return std::nullopt;
  }
  transport t = chosen_transport(request);
  auto port = port_for(request, t);
  if (!port) {
    return result<std::vector<destination>>(error{"no port, and " + port.error().message});
  }
  return result<std::vector<destination>>(std::vector<destination>{{t, endpoint{*address, *port, {}}}});
}

void resolve_uri(dns_lookup& lookup, std::mt19937_64& random, resolve_request request, destinations_handler done) {
  if (auto literal = resolve_literal(request)) {
    done(std::move(*literal));
    return;
  }
  std::make_shared<resolution>(lookup, random, std::move(request), std::move(done))->start();
}

}  // namespace polyport::detail
