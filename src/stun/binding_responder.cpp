#include <spdlog/spdlog.h>

#include "polyport/stun_server.hpp"

namespace polyport::stun {

std::optional<std::vector<std::byte>> binding_responder::answer(std::span<const std::byte> datagram,
                                                                const endpoint& from) {
  binding_outcome outcome = binding_answer(datagram, from, settings_);
  switch (outcome.verdict) {
    case verdict::pass:
    case verdict::response:
      return std::nullopt;
    case verdict::answered:
      answered_.fetch_add(1, std::memory_order_relaxed);
      return std::move(outcome.reply);
    case verdict::dropped:
      dropped_.fetch_add(1, std::memory_order_relaxed);
      if (!logged_drop_.exchange(true, std::memory_order_relaxed)) {
        spdlog::warn("stun: dropped a datagram from {} ({}); further drops are only counted", from.to_string(),
                     outcome.reason);
      }
      return std::vector<std::byte>{};
    case verdict::ignored:
      return std::vector<std::byte>{};
  }
  return std::nullopt;
}

std::vector<polyport::transport> stun_protocol::transports(std::string_view) const { return {transport::udp}; }

std::optional<std::uint16_t> stun_protocol::default_port(polyport::transport) const { return 3478; }

}  // namespace polyport::stun
