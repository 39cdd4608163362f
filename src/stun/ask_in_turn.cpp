#include "stun/ask_in_turn.hpp"

#include <memory>
#include <string>

namespace polyport::stun::detail {

namespace {

struct sequence : std::enable_shared_from_this<sequence> {
  sequence(std::vector<endpoint> list, ask_function asker, mapped_handler handler)
      : servers(std::move(list)), ask(std::move(asker)), done(std::move(handler)) {}

  void next() {
    if (index == servers.size()) {
      done(polyport::error{failures.empty() ? "no STUN server given" : failures});
      return;
    }
    const endpoint& server = servers[index++];
    ask(server, [self = shared_from_this()](result<endpoint> outcome) {
      if (outcome) {
        self->done(std::move(outcome));
        return;
      }
      self->failures += (self->failures.empty() ? "" : "; ") + outcome.error().message;
      self->next();
    });
  }

  std::vector<endpoint> servers;
  ask_function ask;
  mapped_handler done;
  std::size_t index = 0;
  std::string failures;
};

}  // namespace

void ask_in_turn(std::vector<endpoint> servers, ask_function ask, mapped_handler done) {
  std::make_shared<sequence>(std::move(servers), std::move(ask), std::move(done))->next();
}

}  // namespace polyport::stun::detail
