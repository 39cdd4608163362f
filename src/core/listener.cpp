#include "polyport/listener.hpp"

#include <memory>

namespace polyport {

std::string listener::description() const {
  return std::string(scheme()) + " " + std::string(to_string(transport())) + " " + local().to_string();
}

result<void> listener::send_to(std::span<const std::byte>, const endpoint&) {
  return error{"send_to needs a udp listener; " + description() + " is not one"};
}

void listener::discover_mapped_address(std::vector<endpoint>, stun::client_settings,
                                       std::function<void(result<endpoint>)> done) {
  done(error{"STUN discovery needs a udp listener; " + description() + " is not one"});
}

std::future<result<endpoint>> listener::discover_mapped_address(std::vector<endpoint> stun_servers,
                                                                stun::client_settings settings) {
  auto promise = std::make_shared<std::promise<result<endpoint>>>();
  auto answer = promise->get_future();
  discover_mapped_address(std::move(stun_servers), std::move(settings),
                          [promise](result<endpoint> outcome) { promise->set_value(std::move(outcome)); });
  return answer;
}

}  // namespace polyport
