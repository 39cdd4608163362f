#include "stun/listener_responder.hpp"

#include "polyport/stun_server.hpp"

namespace polyport::detail {

namespace {

class responder_interceptor final : public datagram_interceptor {
 public:
  // `owner` keeps alive whatever holds `responder` (the stun protocol, or this object's own).
  responder_interceptor(std::shared_ptr<void> owner, stun::binding_responder& responder)
      : owner_(std::move(owner)), responder_(responder) {}

  std::optional<std::vector<std::byte>> answer(std::span<const std::byte> datagram, const endpoint& from) override {
    return responder_.answer(datagram, from);
  }

 private:
  std::shared_ptr<void> owner_;
  stun::binding_responder& responder_;
};

}  // namespace

std::shared_ptr<datagram_interceptor> stun_interceptor_for(const route_plan& plan) {
  if (auto scheme = std::dynamic_pointer_cast<stun::stun_protocol>(plan.handler)) {
    return std::make_shared<responder_interceptor>(scheme, scheme->responder());
  }
  if (plan.opts.udp_stun_reply.value_or(false)) {
    auto own = std::make_shared<stun::binding_responder>();
    return std::make_shared<responder_interceptor>(own, *own);
  }
  return nullptr;
}

}  // namespace polyport::detail
