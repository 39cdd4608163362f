// stream_connection's limits: byte rate limits on reads (rate_limit, listener_rate_limit) and the
// send timeout. Out of stream_connection.cpp so that file stays about the data path; the state
// lives in rare_state, so connections without these limits pay nothing for them.

#include "core/stream_connection.hpp"

namespace polyport::detail {

void stream_connection::start_throttle() {
  if (context_->rate_limit || context_->shared_rate_limit) {
    rare().throttle = std::make_unique<read_throttle>(worker_.io(), context_->rate_limit, context_->shared_rate_limit,
                                                      worker_.reactor().now());
  }
}

std::span<std::byte> stream_connection::read_allowance(std::span<std::byte> buffer) {
  if (!rare_ || !rare_->throttle) {
    return buffer;
  }
  auto now = worker_.reactor().now();
  std::size_t granted = rare_->throttle->grant(buffer.size(), now);
  if (granted == 0) {
    // Stop reading: edges are ignored until the timer reads again, and the peer's bytes wait in
    // the kernel, whose full window pushes back on the sender.
    read_waiting_ = false;
    rare_->throttle->resume_after(now, [weak = weak_from_this()] {
      if (auto self = weak.lock(); self && self->phase_ == phase::open && !self->reading_paused_) {
        self->on_readable();
      }
    });
  }
  return buffer.first(granted);
}

void stream_connection::return_unread(std::size_t granted, const io_outcome& outcome) {
  if (rare_ && rare_->throttle) {
    rare_->throttle->unused(granted - (outcome.status == io_status::done ? outcome.bytes : 0));
  }
}

void stream_connection::watch_send() {
  // Only once open: a handshake has its own deadline (connect_timeout, idle_timeout).
  if (context_->send_timeout.count() == 0 || (phase_ != phase::open && phase_ != phase::closing)) {
    return;
  }
  rare_state& state = rare();
  if (state.send_watch_armed) {
    return;  // progress is checked when it fires
  }
  if (!state.send_watch) {
    state.send_watch = std::make_unique<boost::asio::steady_timer>(worker_.io());
  }
  state.last_send_progress = worker_.reactor().now();
  arm_send_watch(state.last_send_progress + context_->send_timeout);
}

void stream_connection::arm_send_watch(std::chrono::steady_clock::time_point deadline) {
  rare_->send_watch_armed = true;
  rare_->send_watch->expires_at(deadline);
  rare_->send_watch->async_wait([weak = weak_from_this()](const boost::system::error_code& failed) {
    if (auto self = weak.lock(); self && !failed) {
      self->check_send_progress();
    }
  });
}

void stream_connection::send_progressed() {
  if (rare_ && rare_->send_watch_armed) {
    rare_->last_send_progress = worker_.reactor().now();
  }
}

// The timer fired: close if the socket took nothing since it was armed or last took bytes, else
// wait out the rest of the timeout from that progress. One timer per backed-up connection, never
// re-armed per write.
void stream_connection::check_send_progress() {
  rare_->send_watch_armed = false;
  if (phase_ == phase::closed || outbound_.empty()) {
    return;
  }
  auto deadline = rare_->last_send_progress + context_->send_timeout;
  if (std::chrono::steady_clock::now() >= deadline) {
    finish(close_reason::send_timeout, std::to_string(outbound_.size()) + " bytes not taken by the peer for " +
                                           std::to_string(context_->send_timeout.count()) + " ms");
    return;
  }
  arm_send_watch(deadline);
}

void stream_connection::stop_limits() {
  if (!rare_) {
    return;
  }
  if (rare_->throttle) {
    rare_->throttle->cancel();
  }
  if (rare_->send_watch) {
    rare_->send_watch->cancel();
  }
}

}  // namespace polyport::detail
