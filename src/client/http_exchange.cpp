// runtime::http_request: one request from URL to response.
//
//   URL ─▶ route (http: tcp, https: tls; port 80/443) ─▶ destinations (DNS) ─▶ pooled connection
//       or a new one ─▶ http_pipeline::submit ─▶ response or error ─▶ done
//
// A request whose connection ended before any byte of its response (a pooled connection the
// server had just closed, a pipeline cut by Connection: close) is sent once more on a new
// connection, if its method is idempotent or it never left.

#include <memory>

#include "client/connection_pool.hpp"
#include "client/connector.hpp"
#include "client/destination_walk.hpp"
#include "client/http_client_protocol.hpp"
#include "client/http_request_text.hpp"
#include "core/runtime_state.hpp"
#include "polyport/runtime.hpp"

namespace polyport {

namespace {

constexpr std::chrono::milliseconds default_response_timeout{30'000};

struct http_route {
  detail::route_plan route;
  std::string target;
  std::string host;
};

result<http_route> plan_http_route(std::string_view url_text, const options& overrides) {
  auto parsed = parse_url(url_text);
  if (!parsed) {
    return parsed.error();
  }
  const url& u = *parsed;
  auto invalid = [&](const std::string& what) { return error{"invalid URL \"" + u.text + "\": " + what}; };
  if (u.scheme != "http" && u.scheme != "https") {
    return invalid("an HTTP request needs an http:// or https:// URL");
  }
  if (u.kind == host_kind::none || u.kind == host_kind::any_ipv4 || u.kind == host_kind::any_ipv6) {
    return invalid("missing host");
  }
  auto from_url = options_from_url(u);
  if (!from_url) {
    return from_url.error();
  }
  http_route planned;
  detail::route_plan& route = planned.route;
  route.opts = merge_options(*from_url, overrides);
  if (route.opts.transport) {
    return invalid("the scheme chooses the transport (http: tcp, https: tls); drop the transport option");
  }
  static const auto client_protocol = std::make_shared<detail::http_client_protocol>();
  route.url_text = u.text;
  route.scheme = u.scheme;
  route.class_name = route.opts.class_name.value_or("");
  route.handler = client_protocol;
  route.transport = u.scheme == "https" ? transport::tls : transport::tcp;
  route.opts.transport = route.transport;
  route.transport_given = true;
  route.host = u.host;
  route.kind = u.kind;
  route.port = u.port.value_or(u.scheme == "https" ? 443 : 80);
  route.port_given = true;
  if (auto supported = check_supported(route.opts); !supported) {
    return invalid(supported.error().message);
  }
  planned.target = detail::http_target_of(u);
  planned.host = detail::http_host_of(u, *route.port);
  return planned;
}

// Connections are shared only by requests with the same TLS settings, besides the destination.
std::string http_pool_key(const detail::route_plan& route, const endpoint& destination) {
  std::string key = "http-client|" + detail::pool_key(route, destination);
  if (route.transport == transport::tls) {
    const tls_options& tls = route.opts.tls;
    key += '|' + std::to_string(tls.verify.value_or(true)) + '|' + tls.cacertfile + '|' + tls.certfile + '|' +
           tls.keyfile + '|' + std::to_string(tls.depth.value_or(-1));
    for (const auto& version : tls.versions) {
      key += ',' + version;
    }
  }
  return key;
}

class http_exchange : public std::enable_shared_from_this<http_exchange> {
 public:
  http_exchange(std::shared_ptr<runtime::state> owner, http_route planned, const http_client_request& request,
                http_response_handler done)
      : owner_(std::move(owner)),
        route_(std::move(planned.route)),
        bytes_(detail::serialize_http_request(request, request.target.empty() ? planned.target : request.target,
                                              planned.host)),
        method_(request.method),
        done_(std::move(done)) {}

  void start() {
    auto self = shared_from_this();
    detail::walk_destinations(
        owner_, {route_},
        [self](const detail::route_plan& route, const endpoint& destination, detail::attempt_done next) {
          self->attempt(route, destination, std::move(next));
        },
        [self](result<connection_ref> outcome) {
          if (!outcome) {
            self->finish(outcome.error());
          }
        });
  }

 private:
  // Sends over a pooled connection, or a new one; `next` hears whether the request went out.
  void attempt(const detail::route_plan& route, const endpoint& destination, detail::attempt_done next) {
    std::string key = http_pool_key(route, destination);
    auto self = shared_from_this();
    auto on_connected = [self, next](result<connection_ref> outcome) {
      if (outcome) {
        self->deliver(*outcome, next);
      } else {
        next(std::move(outcome));
      }
    };
    if (fresh_ || route.opts.force_new.value_or(false)) {
      detail::connect_to(*owner_, owner_->least_loaded_worker(), route,
                         detail::make_outbound_context(*owner_, route, nullptr), destination,
                         [owner = owner_, key, on_connected](result<connection_ref> outcome) {
                           if (outcome) {
                             owner->pool->add(key, *outcome);
                           }
                           on_connected(std::move(outcome));
                         });
      return;
    }
    auto joined = owner_->pool->join(key, on_connected);
    if (joined.open) {
      deliver(*joined.open, next);
    } else if (joined.lead) {
      detail::connect_to(*owner_, owner_->least_loaded_worker(), route,
                         detail::make_outbound_context(*owner_, route, nullptr), destination,
                         [owner = owner_, key](result<connection_ref> outcome) { owner->pool->settle(key, outcome); });
    }
  }

  void deliver(const connection_ref& ref, const detail::attempt_done& next) {
    auto self = shared_from_this();
    ref.dispatch(
        [self, next, ref](connection& conn) {
          detail::http_pending_request pending{
              .method = self->method_,
              .max_body = self->route_.opts.max_frame.value_or(default_max_frame),
              .response_timeout = self->route_.opts.response_timeout.value_or(default_response_timeout),
              .pool_idle_timeout = self->route_.idle_timeout(),
              .done = [self](detail::http_request_outcome outcome) { self->answered(std::move(outcome)); },
          };
          conn.state<detail::http_pipeline>().submit(conn, self->bytes_, std::move(pending));
          next(ref);
        },
        [self, next, ref] {
          // A pooled connection that closed in between: the request never left.
          self->answered({error{"the connection closed before the request was sent"}, true, false});
          next(ref);
        });
  }

  void answered(detail::http_request_outcome outcome) {
    bool may_retry = outcome.unanswered && !fresh_ && (!outcome.sent || detail::is_idempotent(method_));
    if (!outcome.response && may_retry && !owner_->stopped) {
      fresh_ = true;
      start();
      return;
    }
    finish(std::move(outcome.response));
  }

  void finish(result<http_client_response> outcome) {
    if (finished_) {
      return;
    }
    finished_ = true;
    auto done = std::move(done_);
    done(std::move(outcome));
  }

  std::shared_ptr<runtime::state> owner_;
  detail::route_plan route_;
  std::string bytes_;
  std::string method_;
  http_response_handler done_;
  bool fresh_ = false;  // the one retry: on a new connection
  bool finished_ = false;
};

}  // namespace

void runtime::http_request(std::string_view url, http_client_request request, const options& overrides,
                           http_response_handler done) {
  if (state_->stopped) {
    done(error{"the runtime is stopped"});
    return;
  }
  auto planned = plan_http_route(url, overrides);
  if (!planned) {
    done(planned.error());
    return;
  }
  auto exchange = std::make_shared<http_exchange>(state_, std::move(*planned), request, std::move(done));
  exchange->start();
}

std::future<result<http_client_response>> runtime::http_request(std::string_view url, http_client_request request,
                                                                 const options& overrides) {
  auto promise = std::make_shared<std::promise<result<http_client_response>>>();
  auto future = promise->get_future();
  http_request(url, std::move(request), overrides,
               [promise](result<http_client_response> outcome) { promise->set_value(std::move(outcome)); });
  return future;
}

}  // namespace polyport
