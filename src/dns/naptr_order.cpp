#include "dns/naptr_order.hpp"

#include <algorithm>

#include "url/url_text.hpp"

namespace polyport::detail {

std::vector<srv_candidate> naptr_candidates(std::vector<naptr_record> records, const protocol& handler,
                                            std::string_view scheme) {
  std::stable_sort(records.begin(), records.end(), [](const naptr_record& a, const naptr_record& b) {
    return a.order != b.order ? a.order < b.order : a.preference < b.preference;
  });
  std::vector<transport> offered = handler.transports(scheme);
  std::vector<srv_candidate> candidates;
  for (const naptr_record& record : records) {
    if (to_lower(record.flags) != "s" || !record.regexp.empty() || record.replacement.empty()) {
      continue;
    }
    auto mapped = handler.naptr(scheme, record.service);
    if (!mapped || std::find(offered.begin(), offered.end(), *mapped) == offered.end()) {
      continue;
    }
    srv_candidate candidate{*mapped, record.replacement};
    if (std::find(candidates.begin(), candidates.end(), candidate) == candidates.end()) {
      candidates.push_back(std::move(candidate));
    }
  }
  return candidates;
}

std::optional<std::string> srv_name_for(std::string_view scheme, transport t, std::string_view host) {
  std::string_view protocol_label;
  switch (t) {
    case transport::udp:
      protocol_label = "._udp.";
      break;
    case transport::tcp:
      protocol_label = "._tcp.";
      break;
    case transport::tls:
      protocol_label = "s._tcp.";
      break;
    case transport::sctp:
      protocol_label = "._sctp.";
      break;
    default:
      return std::nullopt;
  }
  std::string name;
  name.reserve(1 + scheme.size() + protocol_label.size() + host.size());
  name.append("_").append(scheme).append(protocol_label).append(host);
  return name;
}

}  // namespace polyport::detail
