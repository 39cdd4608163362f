#include "stun/listener_client.hpp"

#include <algorithm>

#include "core/worker.hpp"
#include "polyport/stun.hpp"
#include "stun/ask_in_turn.hpp"

namespace polyport::detail {

listener_stun_client::listener_stun_client(worker& home, stun::send_function send)
    : home_(home), send_(std::move(send)) {}

void listener_stun_client::discover(std::vector<endpoint> servers, stun::client_settings settings,
                                    stun::mapped_handler done) {
  if (cancelled_.load()) {
    done(error{"STUN query cancelled: the listener is stopped"});
    return;
  }
  home_.post([self = shared_from_this(), servers = std::move(servers), settings = std::move(settings),
              done = std::move(done)]() mutable {
    if (self->cancelled_.load()) {
      done(error{"STUN query cancelled: the listener is stopped"});
      return;
    }
    auto client = std::make_shared<stun::binding_client>(self->home_.io(), self->send_, std::move(settings));
    self->clients_.push_back(client);
    std::weak_ptr<stun::binding_client> weak = client;
    stun::detail::ask_in_turn(
        std::move(servers),
        [self, weak](const endpoint& server, stun::mapped_handler answered) {
          self->ask(weak, server, std::move(answered));
        },
        [self, weak, done = std::move(done)](result<endpoint> outcome) {
          // Runs inside the client's own handler: let it return before it is destroyed.
          self->home_.post([self, weak] { self->forget(weak.lock()); });
          done(std::move(outcome));
        });
  });
}

void listener_stun_client::ask(const std::weak_ptr<stun::binding_client>& client, const endpoint& server,
                               stun::mapped_handler done) {
  auto alive = client.lock();
  if (!alive) {
    done(error{"STUN query to " + server.to_string() + " cancelled: the listener is stopped"});
    return;
  }
  {
    std::lock_guard lock(asked_mutex_);
    asked_.push_back(server);
  }
  asking_.fetch_add(1);
  alive->query(server, [self = shared_from_this(), server, done = std::move(done)](result<endpoint> outcome) {
    {
      std::lock_guard lock(self->asked_mutex_);
      self->asked_.erase(std::find(self->asked_.begin(), self->asked_.end(), server));
    }
    self->asking_.fetch_sub(1);
    done(std::move(outcome));
  });
}

bool listener_stun_client::claims(std::span<const std::byte> datagram, const endpoint& from) {
  if (asking_.load(std::memory_order_relaxed) == 0) {
    return false;
  }
  auto response = stun::message_view::parse(datagram);
  if (!response || (response->kind() != stun::message_class::success_response &&
                    response->kind() != stun::message_class::error_response)) {
    return false;
  }
  {
    std::lock_guard lock(asked_mutex_);
    if (std::find(asked_.begin(), asked_.end(), from) == asked_.end()) {
      return false;
    }
  }
  if (home_.is_current()) {
    offer_home(datagram, from);
  } else {
    home_.post([self = shared_from_this(), copy = std::vector<std::byte>(datagram.begin(), datagram.end()), from] {
      self->offer_home(copy, from);
    });
  }
  return true;
}

void listener_stun_client::offer_home(std::span<const std::byte> datagram, const endpoint& from) {
  auto clients = clients_;  // an answer may end a discovery, which changes clients_
  for (auto& client : clients) {
    if (client->offer(datagram, from)) {
      return;
    }
  }
}

void listener_stun_client::forget(const std::shared_ptr<stun::binding_client>& client) {
  std::erase(clients_, client);
}

void listener_stun_client::cancel_here() {
  cancelled_ = true;
  auto ending = std::move(clients_);
  clients_.clear();
  ending.clear();  // each client fails its queries in flight as it goes
}

}  // namespace polyport::detail
