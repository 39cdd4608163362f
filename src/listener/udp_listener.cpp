#include "listener/udp_listener.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

#include "core/runtime_state.hpp"
#include "listener/stream_listener.hpp"
#include "transport/dtls_record.hpp"
#include "transport/socket_ops.hpp"

namespace polyport::detail {

udp_listener::udp_listener(std::weak_ptr<runtime::state> runtime_state, route_plan plan, std::shared_ptr<void> user_data,
                           std::shared_ptr<datagram_interceptor> interceptor)
    : runtime_(std::move(runtime_state)),
      plan_(std::move(plan)),
      user_data_(std::move(user_data)),
      interceptor_(std::move(interceptor)),
      without_connections_(plan_.opts.udp_no_connections.value_or(false)),
      max_connections_(plan_.opts.max_connections.value_or(default_max_connections)),
      rules_(plan_.opts.access_rules) {}

result<std::shared_ptr<udp_listener>> udp_listener::start(const std::shared_ptr<runtime::state>& runtime_state,
                                                          route_plan plan, std::shared_ptr<void> user_data,
                                                          std::shared_ptr<datagram_interceptor> interceptor) {
  if (auto checked = check(plan); !checked) {
    return error{"cannot listen on \"" + plan.url_text + "\": " + checked.error().message};
  }
  auto started = std::make_shared<udp_listener>(runtime_state, std::move(plan), std::move(user_data),
                                                std::move(interceptor));
  started->stats_ = std::make_shared<stats_sink>(static_cast<unsigned>(runtime_state->workers.size()));
  started->context_ = make_connection_context(started->plan_, started->user_data_, started->stats_,
                                              runtime_state->totals, false);
  started->context_->rules = &started->rules_;
  if (started->plan_.transport == transport::dtls) {
    auto gate = dtls_gate::make(started->plan_.opts.tls, static_cast<unsigned>(runtime_state->workers.size()),
                                dtls_mtu_for(started->context_->max_datagram));
    if (!gate) {
      return error{"cannot listen on \"" + started->plan_.url_text + "\": " + gate.error().message};
    }
    started->gate_ = std::move(*gate);
  }
  started->stun_client_ = started->make_stun_client(*runtime_state->workers.front());
  std::weak_ptr<udp_listener> weak = started;
  started->context_->on_closed = [weak] {
    if (auto self = weak.lock(); self && self->draining_.load(std::memory_order_relaxed)) {
      std::lock_guard lock(self->control_mutex_);
      self->flows_changed_.notify_all();
    }
  };
  // With port 0 and a TCP twin, the port the kernel picks for UDP may be taken on TCP: try again.
  bool any_port = *started->plan_.port == 0;
  for (int attempt = 1;; ++attempt) {
    if (auto opened = started->open_sockets(*runtime_state); !opened) {
      return error{"cannot listen on \"" + started->plan_.url_text + "\": " + opened.error().message};
    }
    auto twin = started->start_tcp_twin(runtime_state);
    if (twin) {
      break;
    }
    started->close_sockets();
    if (!any_port || attempt == 8) {
      return error{twin.error().message + " (the tcp listener of udp_starts_tcp)"};
    }
  }
  started->running_ = true;
  started->plan_.handler->on_listen(*started);
  for (auto& socket : started->sockets_) {
    socket->home().post([socket] { socket->start(); });
  }
  return started;
}

result<void> udp_listener::start_tcp_twin(const std::shared_ptr<runtime::state>& runtime_state) {
  if (!plan_.opts.udp_starts_tcp.value_or(false)) {
    return {};
  }
  route_plan tcp = plan_;
  tcp.transport = transport::tcp;
  tcp.opts.transport = transport::tcp;
  tcp.opts.udp_starts_tcp.reset();
  tcp.port = local_.port;
  auto twin = stream_listener::start(runtime_state, std::move(tcp), user_data_);
  if (!twin) {
    return twin.error();
  }
  tcp_twin_ = *twin;
  return {};
}

void udp_listener::close_sockets() {
  std::lock_guard lock(table_mutex_);
  sockets_.clear();
  local_.port = 0;
}

result<void> udp_listener::open_sockets(runtime::state& owner) {
  auto address = resolve_listen_address(plan_.host, plan_.kind == host_kind::any_ipv6, plan_.kind == host_kind::any_ipv4);
  if (!address) {
    return address.error();
  }
  endpoint at{*address, *plan_.port, {}};
  if (at.port != 0) {
    if (auto free = check_port_free(at, SOCK_DGRAM); !free) {
      return free.error();
    }
  }
  std::vector<std::shared_ptr<udp_flow_socket>> opened;
  for (auto& w : owner.workers) {
    auto fd = open_udp_socket(at, true, plan_.opts);
    if (!fd) {
      return fd.error();  // the sockets opened so far close with `opened`
    }
    if (opened.empty()) {
      // Port 0 asked: every other worker joins the port the kernel picked for the first.
      local_ = local_endpoint_of(*fd);
      at.port = local_.port;
    }
    // DTLS peers send records bigger than the plaintext udp_max_size bounds (and handshake flights).
    std::size_t slot = gate_ ? dtls_max_datagram : context_->max_datagram;
    opened.push_back(std::make_shared<udp_flow_socket>(*w, *fd, weak_from_this(), slot));
  }
  std::lock_guard lock(table_mutex_);
  sockets_ = std::move(opened);
  return {};
}

udp_flow_socket* udp_listener::socket_of(const worker& w) {
  std::lock_guard lock(table_mutex_);
  return w.index() < sockets_.size() ? sockets_[w.index()].get() : nullptr;
}

std::shared_ptr<listener_stun_client> udp_listener::make_stun_client(worker& home) {
  return std::make_shared<listener_stun_client>(
      home, [weak = weak_from_this(), &home](std::span<const std::byte> datagram, const endpoint& to) {
        auto self = weak.lock();
        udp_flow_socket* socket = self ? self->socket_of(home) : nullptr;
        if (socket != nullptr && socket->send_to(datagram, to) == 0) {
          self->count_bytes(home, 0, datagram.size());
        }  // else lost, as a datagram may be: the query retransmits, then fails by its timers
      });
}

void udp_listener::discover_mapped_address(std::vector<endpoint> stun_servers, stun::client_settings settings,
                                           std::function<void(result<endpoint>)> done) {
  std::erase_if(stun_servers, [this](const endpoint& server) { return server.address.is_v6 != local_.address.is_v6; });
  if (stun_servers.empty()) {
    done(error{"no STUN server of the listener's address family (" + description() + ")"});
    return;
  }
  stun_client_->discover(std::move(stun_servers), std::move(settings), std::move(done));
}

bool udp_listener::intercepted(udp_flow_socket& at, std::span<const std::byte> datagram, const endpoint& from) {
  if (stun_client_->claims(datagram, from)) {
    count_bytes(at.home(), datagram.size(), 0);
    return true;
  }
  if (!interceptor_) {
    return false;
  }
  auto reply = interceptor_->answer(datagram, from);
  if (!reply) {
    return false;
  }
  count_bytes(at.home(), datagram.size(), 0);
  if (reply->empty()) {
    return true;  // consumed without an answer (a STUN indication, or malformed STUN: counted there)
  }
  if (at.send_to(*reply, from) == 0) {
    count_bytes(at.home(), 0, reply->size());
  } else {
    count_dropped(at.home());
  }
  return true;
}

void udp_listener::deliver_datagram(worker& at, std::span<const std::byte> datagram, const endpoint& from) {
  count_bytes(at, datagram.size(), 0);
  try {
    plan_.handler->on_datagram(*this, datagram, from);
  } catch (const std::exception& failure) {
    count_dropped(at);
    spdlog::warn("{}: on_datagram threw for a datagram from {}: {}", description(), from.to_string(), failure.what());
  } catch (...) {
    count_dropped(at);
    spdlog::warn("{}: on_datagram threw for a datagram from {}", description(), from.to_string());
  }
}

void udp_listener::new_peer(udp_flow_socket& at, std::span<const std::byte> datagram, const endpoint& from) {
  worker& here = at.home();
  if (suspended_.load(std::memory_order_relaxed) || !running_.load(std::memory_order_relaxed)) {
    count_dropped(here);
    return;
  }
  std::shared_ptr<udp_flow_socket> socket;
  {
    std::lock_guard lock(table_mutex_);
    if (here.index() >= sockets_.size()) {
      return;  // stopping
    }
    socket = sockets_[here.index()];
    auto [owner, fresh] = owners_.try_emplace(from, here.index());
    if (!fresh && owner->second != here.index()) {
      std::shared_ptr<udp_flow_socket> home = sockets_.at(owner->second);
      stats_shard::add(stats_->shard(here.index()).datagrams_forwarded, 1);
      home->home().post([home, copy = std::vector<std::byte>(datagram.begin(), datagram.end()), from] {
        home->receive_forwarded(copy, from);
      });
      return;
    }
  }
  std::optional<close_reason> refused;
  std::unique_ptr<dtls_session> session;
  auto owner = runtime_.lock();
  if (!owner) {
    refused = close_reason::runtime_stopped;
  } else if (rules_.check(from.address) == access_decision::deny) {
    refused = close_reason::denied;
  } else if (gate_ && !(session = pass_gate(at, datagram, from))) {
    flow_ended(from);  // answered with a cookie, or dropped: no state kept
    return;
  } else {
    std::size_t process_limit = owner->settings.max_connections;
    std::size_t mine = stats_->current().fetch_add(1, std::memory_order_relaxed);
    std::size_t everywhere = owner->totals->current().fetch_add(1, std::memory_order_relaxed);
    std::size_t inbound_everywhere = everywhere - std::min<std::size_t>(everywhere, owner->client_totals->current().load());
    if (mine >= max_connections() || (process_limit != 0 && inbound_everywhere >= process_limit)) {
      stats_->current().fetch_sub(1, std::memory_order_relaxed);
      owner->totals->current().fetch_sub(1, std::memory_order_relaxed);
      refused = close_reason::max_connections;
    }
  }
  if (refused) {
    flow_ended(from);
    count_refusal(here, *refused);
    return;
  }
  auto conn = std::make_shared<datagram_connection>(here, context_, std::move(socket), local_, from);
  at.adopt_flow(*conn);
  if (session) {
    conn->use_dtls(std::move(session), context_->idle_timeout, nullptr);
    conn->start();
    return;
  }
  conn->start();
  conn->receive(datagram);
}

std::unique_ptr<dtls_session> udp_listener::pass_gate(udp_flow_socket& at, std::span<const std::byte> datagram,
                                                      const endpoint& from) {
  worker& here = at.home();
  dtls_gate::verdict verdict = gate_->screen(here.index(), datagram, from);
  if (verdict.what == dtls_gate::verdict::kind::answered) {
    if (at.send_to(verdict.reply, from) == 0) {
      stats_shard::add(stats_->shard(here.index()).dtls_cookies_sent, 1);
      stats_shard::add(context_->total_stats->shard(here.index()).dtls_cookies_sent, 1);
    } else {
      count_dropped(here);
    }
  } else if (verdict.what == dtls_gate::verdict::kind::dropped) {
    count_dropped(here);
    if (!warned_not_dtls_.exchange(true)) {
      spdlog::warn("{}: dropped a datagram from {} that is not a DTLS ClientHello; later ones are only counted",
                   description(), from.to_string());
    }
  }
  return std::move(verdict.session);
}

void udp_listener::flow_ended(const endpoint& peer) {
  std::lock_guard lock(table_mutex_);
  owners_.erase(peer);
}

void udp_listener::dropped_oversized(worker& at, const endpoint& from) {
  count_dropped(at);
  if (!warned_oversized_.exchange(true)) {
    spdlog::warn("{}: dropped a datagram from {} over udp_max_size ({} bytes); later ones are only counted",
                 description(), from.to_string(), context_->max_datagram);
  }
}

void udp_listener::count_refusal(worker& at, close_reason why) {
  auto index = static_cast<std::size_t>(why);
  stats_shard::add(stats_->shard(at.index()).closed[index], 1);
  stats_shard::add(context_->total_stats->shard(at.index()).closed[index], 1);
}

void udp_listener::count_bytes(worker& at, std::size_t in, std::size_t out) {
  stats_shard::add(stats_->shard(at.index()).bytes_in, in);
  stats_shard::add(stats_->shard(at.index()).bytes_out, out);
  stats_shard::add(context_->total_stats->shard(at.index()).bytes_in, in);
  stats_shard::add(context_->total_stats->shard(at.index()).bytes_out, out);
}

void udp_listener::count_dropped(worker& at, std::uint64_t count) {
  stats_shard::add(stats_->shard(at.index()).datagrams_dropped, count);
  stats_shard::add(context_->total_stats->shard(at.index()).datagrams_dropped, count);
}

result<void> udp_listener::send_to(std::span<const std::byte> datagram, const endpoint& to) {
  if (datagram.size() > context_->max_datagram) {
    return error{"a datagram of " + std::to_string(datagram.size()) + " bytes is over udp_max_size (" +
                 std::to_string(context_->max_datagram) + ")"};
  }
  if (to.address.is_v6 != local_.address.is_v6) {
    return error{"cannot send to " + to.to_string() + " from " + description() + ": another address family"};
  }
  std::shared_ptr<udp_flow_socket> from;
  worker* current = worker::current();
  {
    std::lock_guard lock(table_mutex_);
    if (sockets_.empty()) {
      return error{"the listener " + description() + " is stopped"};
    }
    from = current != nullptr && current->index() < sockets_.size() ? sockets_[current->index()] : sockets_.front();
  }
  if (int failure = from->send_to(datagram, to); failure != 0) {
    return error{"send to " + to.to_string() + " from " + description() + ": " + describe_errno(failure)};
  }
  if (current != nullptr && &from->home() == current) {
    count_bytes(*current, 0, datagram.size());  // shards are written by their own worker only
  }
  return {};
}

result<void> udp_listener::resume() {
  if (!running_) {
    return error{"the listener " + description() + " is stopped"};
  }
  suspended_ = false;
  return {};
}

std::size_t udp_listener::drain(std::chrono::milliseconds grace) {
  suspend();
  {
    std::unique_lock lock(control_mutex_);
    draining_ = true;
    flows_changed_.wait_for(lock, grace, [this] { return stats_->current().load() == 0; });
    draining_ = false;
  }
  std::size_t left = stats_->current().load();
  stop();
  return left;
}

void udp_listener::shut_down(bool remove_from_runtime, close_reason why) {
  if (!running_.exchange(false)) {
    return;
  }
  auto owner = runtime_.lock();
  std::vector<std::shared_ptr<udp_flow_socket>> closing;
  {
    std::lock_guard lock(table_mutex_);
    closing = sockets_;
  }
  if (owner) {
    const connection_context* mine = context_.get();
    owner->on_every_worker([mine, why, closing, client = stun_client_](worker& w) {
      w.for_each_connection([mine, why](registered_connection& conn) {
        if (&conn.context() == mine) {
          conn.terminate(why);
        }
      });
      if (w.index() < closing.size()) {
        closing[w.index()]->stop();
      }
      if (&w == &client->home()) {
        client->cancel_here();
      }
    });
  }
  {
    std::lock_guard lock(table_mutex_);
    sockets_.clear();
    owners_.clear();
  }
  closing.clear();
  if (owner && worker::current() == nullptr) {
    // The stopped connections hold the sockets until their worker releases them: let that run,
    // so the port is free once stop() returns.
    owner->on_every_worker([](worker&) {});
  }
  if (tcp_twin_) {
    if (remove_from_runtime) {
      tcp_twin_->stop();
    } else {
      tcp_twin_->stop_for_runtime();
    }
  }
  plan_.handler->on_listen_stop(*this);
  if (owner && remove_from_runtime) {
    owner->remove_listener(this);
  }
}

}  // namespace polyport::detail
