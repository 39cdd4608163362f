// Binding transactions with the RFC 8489 §6.2.1 retransmission timers, matched by transaction
// id and checked (source, FINGERPRINT, method) before they are believed.

#include "polyport/stun_client.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "polyport/stun.hpp"

namespace polyport::stun {

namespace {

struct transaction {
  transaction(boost::asio::io_context& io, const endpoint& to, mapped_handler handler)
      : server(to), done(std::move(handler)), timer(io) {}
  transaction_id id = random_transaction_id();
  endpoint server;
  mapped_handler done;
  std::vector<std::byte> request;
  unsigned sends = 0;
  std::chrono::milliseconds interval{};
  boost::asio::steady_timer timer;
};

std::string describe_error_response(const message_view& response, const endpoint& server) {
  auto code = response.error();
  std::string text = "STUN server " + server.to_string() + " answered with an error";
  if (code) {
    text += ": " + std::to_string(code->code) + " " + code->reason;
  }
  return text;
}

}  // namespace

struct binding_client::state : std::enable_shared_from_this<binding_client::state> {
  state(boost::asio::io_context& context, send_function sender, client_settings with)
      : io(context), send(std::move(sender)), settings(std::move(with)) {}

  void transmit(transaction& pending) {
    ++pending.sends;
    send(pending.request, pending.server);
    bool last = pending.sends >= settings.max_sends;
    auto wait = last ? settings.rto * settings.last_wait_factor : pending.interval;
    pending.interval *= 2;
    pending.timer.expires_after(wait);
    pending.timer.async_wait([weak = weak_from_this(), id = pending.id](const boost::system::error_code& failed) {
      auto self = weak.lock();
      if (failed || !self) {
        return;
      }
      self->on_timer(id);
    });
  }

  void on_timer(const transaction_id& id) {
    auto found = find(id);
    if (found == transactions.end()) {
      return;
    }
    if ((*found)->sends < settings.max_sends) {
      transmit(**found);
      return;
    }
    auto elapsed = settings.rto * ((1U << (settings.max_sends - 1)) - 1 + settings.last_wait_factor);
    finish(found, polyport::error{"no answer from STUN server " + (*found)->server.to_string() + " after " +
                                  std::to_string(settings.max_sends) + " requests in " +
                                  std::to_string(elapsed.count()) + " ms"});
  }

  std::vector<std::unique_ptr<transaction>>::iterator find(const transaction_id& id) {
    return std::find_if(transactions.begin(), transactions.end(), [&](const auto& t) { return t->id == id; });
  }

  void finish(std::vector<std::unique_ptr<transaction>>::iterator which, result<endpoint> outcome) {
    std::unique_ptr<transaction> ended = std::move(*which);
    transactions.erase(which);
    ended->timer.cancel();
    ended->done(std::move(outcome));
  }

  boost::asio::io_context& io;
  send_function send;
  client_settings settings;
  std::vector<std::unique_ptr<transaction>> transactions;  // few at a time: a scan beats a map
};

binding_client::binding_client(boost::asio::io_context& io, send_function send, client_settings settings)
    : state_(std::make_shared<state>(io, std::move(send), std::move(settings))) {
  state_->settings.max_sends = std::clamp(state_->settings.max_sends, 1U, 16U);
  state_->settings.rto = std::max(state_->settings.rto, std::chrono::milliseconds(1));
}

binding_client::~binding_client() {
  while (!state_->transactions.empty()) {
    state_->finish(state_->transactions.begin(), polyport::error{"STUN query cancelled"});
  }
}

void binding_client::query(const endpoint& server, mapped_handler done) {
  auto pending = std::make_unique<transaction>(state_->io, server, std::move(done));
  message_builder request(message_class::request, binding, pending->id);
  if (!state_->settings.software.empty()) {
    request.add_text(attribute::software, state_->settings.software);
  }
  request.add_fingerprint();
  auto built = std::move(request).finish();
  if (!built) {
    pending->done(built.error());
    return;
  }
  pending->request = std::move(*built);
  pending->interval = state_->settings.rto;
  state_->transactions.push_back(std::move(pending));
  state_->transmit(*state_->transactions.back());
}

bool binding_client::offer(std::span<const std::byte> datagram, const endpoint& from) {
  auto response = message_view::parse(datagram);
  if (!response || !response->has_cookie() ||
      (response->kind() != message_class::success_response && response->kind() != message_class::error_response)) {
    return false;
  }
  auto keep = state_;  // a handler may destroy this client
  auto found = keep->find(response->id());
  if (found == keep->transactions.end()) {
    return false;
  }
  // A forged or damaged answer is consumed and ignored: the real one may still come.
  if ((*found)->server != from || response->method() != binding ||
      (response->has_fingerprint() && !response->fingerprint_valid())) {
    return true;
  }
  if (response->kind() == message_class::error_response) {
    keep->finish(found, polyport::error{describe_error_response(*response, from)});
    return true;
  }
  auto mapped = response->mapped_address();
  if (!mapped) {
    keep->finish(found,
                 polyport::error{"bad answer from STUN server " + from.to_string() + ": " + mapped.error().message});
    return true;
  }
  keep->finish(found, *mapped);
  return true;
}

std::size_t binding_client::pending() const { return state_->transactions.size(); }

}  // namespace polyport::stun
