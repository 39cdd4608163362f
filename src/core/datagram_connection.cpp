#include "core/datagram_connection.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <exception>

#include "polyport/protocol.hpp"
#include "transport/socket_ops.hpp"

namespace polyport::detail {

datagram_connection::datagram_connection(worker& owner, std::shared_ptr<const connection_context> context,
                                         std::shared_ptr<datagram_port> port, endpoint local, endpoint remote)
    : connection(next_connection_id()),
      worker_(owner),
      context_(std::move(context)),
      port_(std::move(port)),
      local_(std::move(local)),
      remote_(std::move(remote)),
      own_stats_(context_->own_stats->shard(owner.index())),
      total_stats_(context_->total_stats->shard(owner.index())) {}

void datagram_connection::start() {
  self_ = shared_from_this();
  worker_.adopt(*this);
  stats_shard::add(own_stats_.opened, 1);
  stats_shard::add(total_stats_.opened, 1);
  if (dtls_) {
    worker_.idle().watch(*this, handshake_deadline_);
    phase_ = phase::handshaking;
    apply(dtls_->begin());
    return;
  }
  worker_.idle().watch(*this, context_->idle_timeout);
  open();
}

void datagram_connection::open() {
  phase_ = phase::open;
  guarded([&] { context_->protocol->on_open(*this); });
}

template <class Callback>
void datagram_connection::guarded(Callback&& callback) {
  try {
    callback();
  } catch (const std::exception& failure) {
    finish(close_reason::callback_error, failure.what());
  } catch (...) {
    finish(close_reason::callback_error, "unknown exception");
  }
}

void datagram_connection::receive(std::span<const std::byte> datagram) {
  if (dtls_) {
    receive_records(datagram);
    return;
  }
  deliver(datagram);
}

void datagram_connection::deliver(std::span<const std::byte> message) {
  if (phase_ != phase::open || paused_) {
    count_dropped();
    return;
  }
  stats_shard::add(own_stats_.bytes_in, message.size());
  stats_shard::add(total_stats_.bytes_in, message.size());
  worker_.idle().touch(*this, worker_.reactor().now());
  guarded([&] { context_->protocol->on_message(*this, message); });
}

void datagram_connection::receive_oversized() { count_dropped(); }

void datagram_connection::count_dropped() {
  stats_shard::add(own_stats_.datagrams_dropped, 1);
  stats_shard::add(total_stats_.datagrams_dropped, 1);
}

bool datagram_connection::send(std::span<const std::byte> message) {
  if (phase_ != phase::open || message.size() > context_->max_datagram) {
    return false;
  }
  if (dtls_) {
    return send_sealed(message);
  }
  int failure = port_->send_to(message, remote_);
  if (failure == ECONNREFUSED) {
    // A connected socket learnt from ICMP that nobody listens there.
    finish(close_reason::io_error, describe_errno(failure));
    return false;
  }
  if (failure != 0) {
    // The socket buffer is full (or the route is down): UDP drops, and so do we, counted.
    count_dropped();
    return true;
  }
  stats_shard::add(own_stats_.bytes_out, message.size());
  stats_shard::add(total_stats_.bytes_out, message.size());
  worker_.idle().touch(*this, worker_.reactor().now());
  return true;
}

void datagram_connection::set_idle_timeout(std::chrono::milliseconds timeout) {
  if (phase_ == phase::open) {
    worker_.idle().watch(*this, timeout);
  }
}

void datagram_connection::idle_expired() {
  if (phase_ == phase::handshaking) {
    finish(close_reason::handshake_error,
           "DTLS handshake timed out after " + std::to_string(handshake_deadline_.count()) + " ms");
    return;
  }
  if (phase_ != phase::open) {
    return;
  }
  idle_action action = idle_action::close;
  guarded([&] { action = context_->protocol->on_idle(*this); });
  if (phase_ != phase::open) {
    return;
  }
  if (action == idle_action::keep) {
    worker_.idle().restart(*this);
    return;
  }
  finish(close_reason::idle_timeout, {});
}

void datagram_connection::finish(close_reason reason, std::string detail) {
  if (phase_ == phase::closed) {
    return;
  }
  bool was_open = phase_ == phase::open;
  if (dtls_) {
    say_goodbye(reason);
  }
  phase_ = phase::closed;
  if (open_flag_) {
    open_flag_->store(false, std::memory_order_relaxed);
  }
  worker_.idle().unwatch(*this);
  auto index = static_cast<std::size_t>(reason);
  stats_shard::add(own_stats_.closed[index], 1);
  stats_shard::add(total_stats_.closed[index], 1);
  context_->own_stats->current().fetch_sub(1, std::memory_order_relaxed);
  context_->total_stats->current().fetch_sub(1, std::memory_order_relaxed);
  worker_.forget(*this);
  port_->flow_closed(*this);
  if (handshake_done_) {
    handshake_ended(detail.empty() ? std::string(to_string(reason)) : detail);
  }
  if (was_open) {
    try {
      context_->protocol->on_close(*this, close_info{reason, std::move(detail)});
    } catch (const std::exception& failure) {
      spdlog::warn("connection {}: on_close threw: {}", id(), failure.what());
    } catch (...) {
      spdlog::warn("connection {}: on_close threw", id());
    }
  }
  if (context_->on_closed) {
    context_->on_closed();
  }
  // Released from the event loop: whoever called finish() may still be using this object.
  boost::asio::post(worker_.io(), [keep = std::move(self_)] {});
}

connection_ref datagram_connection::ref() {
  if (!open_flag_) {
    open_flag_ = std::make_shared<std::atomic<bool>>(phase_ != phase::closed);
  }
  return connection_ref(weak_from_this(), &worker_, id(), remote_, open_flag_);
}

}  // namespace polyport::detail
