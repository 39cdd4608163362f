#include "core/stream_connection.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <exception>

#include "polyport/framer.hpp"
#include "polyport/protocol.hpp"

namespace polyport::detail {

namespace {

// Reads per readiness event before yielding to the worker's other connections.
constexpr int reads_per_turn = 16;
// What a frame may carry besides max_frame bytes of payload (length prefix, delimiter, a binary
// protocol's header) before the connection counts its buffered bytes as an oversized frame.
constexpr std::size_t max_frame_overhead = 64;

}  // namespace

stream_connection::stream_connection(worker& owner, std::shared_ptr<const connection_context> context,
                                     std::unique_ptr<byte_stream> stream, endpoint local, endpoint remote)
    : connection(next_connection_id()),
      worker_(owner),
      context_(std::move(context)),
      stream_(std::move(stream)),
      local_(std::move(local)),
      remote_(std::move(remote)),
      own_stats_(&context_->own_stats->shard(owner.index())),
      total_stats_(context_->total_stats->shard(owner.index())) {
  if (context_->ws) {
    ws_ = std::make_unique<ws_session>();
  }
  if (!context_->outbound && (context_->transport == transport::http || context_->transport == transport::https)) {
    http_ = std::make_unique<http_session>(http_limits{default_http_max_header, context_->max_frame,
                                                       context_->http_stream_threshold, context_->http_max_body});
  }
}

stream_connection::~stream_connection() {
  if (registered_) {
    worker_.reactor().remove(stream_->fd());
  }
}

void stream_connection::start(opened_handler on_opened, bool proxy_header_expected) {
  self_ = shared_from_this();
  registered_ = worker_.reactor().add(stream_->fd(), *this);
  if (on_opened) {
    rare().on_opened = std::move(on_opened);
  }
  worker_.adopt(*this);
  start_throttle();
  stats_shard::add(own_stats_->opened, 1);
  stats_shard::add(total_stats_.opened, 1);
  if (proxy_header_expected) {
    // The header comes first, within its own deadline; the TLS handshake only after it.
    worker_.idle().watch(*this, context_->proxy_timeout);
    phase_ = phase::proxy_header;
    read_proxy_header();
    return;
  }
  begin_handshake();
}

void stream_connection::begin_handshake() {
  // The idle timeout covers the handshake too, so a silent peer cannot hold a slot.
  worker_.idle().watch(*this, context_->idle_timeout);
  phase_ = phase::handshaking;
  continue_handshake();
}

void stream_connection::continue_handshake() {
  io_outcome outcome = stream_->handshake();
  if (outcome.status != io_status::done) {
    handshake_stalled(outcome, "the handshake");
  } else if (ws_) {
    ws_handshake_step();
  } else {
    become_open();
  }
}

void stream_connection::handshake_stalled(const io_outcome& outcome, std::string_view during) {
  switch (outcome.status) {
    case io_status::done:
      return;
    case io_status::want_read:
      wait_readable();
      return;
    case io_status::want_write:
      wait_writable();
      return;
    case io_status::closed:
      finish(close_reason::handshake_error, "peer closed during " + std::string(during));
      return;
    case io_status::failed:
      finish(close_reason::handshake_error, outcome.error);
      return;
  }
}

void stream_connection::become_open() {
  phase_ = phase::open;
  guarded([&] { context_->protocol->on_open(*this); });
  if (rare_ && rare_->on_opened) {
    auto opened = std::move(rare_->on_opened);
    bool closed = phase_ == phase::closed;
    opened(closed ? nullptr : this, closed ? rare_->close.detail : std::string());
  }
  if (phase_ == phase::closed) {
    return;
  }
  if (!outbound_.empty()) {
    flush();
  }
  if (ws_ && !cumulation_.empty() && phase_ == phase::open) {
    ws_deliver({});  // frames that came with the upgrade
  }
  if (phase_ == phase::open && !reading_paused_) {
    on_readable();
  }
}

// Readiness is edge-triggered: a wait is a flag, and the next edge (new bytes, buffer space, a
// hang-up) runs what waits. Waits are only set after the stream said it would block, so no
// edge is missed.
void stream_connection::wait_readable() {
  read_waiting_ = phase_ != phase::closed;
}

void stream_connection::wait_writable() {
  write_waiting_ = phase_ != phase::closed;
  if (!outbound_.empty()) {
    watch_send();
  }
}

void stream_connection::on_io_event(std::uint32_t events) {
  if (phase_ == phase::closed) {
    return;
  }
  if ((events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
    peer_hung_up_ = true;
  }
  if (read_waiting_ && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
    read_waiting_ = false;
    if (phase_ == phase::proxy_header) {
      read_proxy_header();
    } else if (phase_ == phase::handshaking) {
      continue_handshake();
    } else {
      on_readable();
    }
  }
  if (write_waiting_ && phase_ != phase::closed && (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0) {
    write_waiting_ = false;
    if (phase_ == phase::handshaking) {
      continue_handshake();
    } else {
      on_writable_ready();
    }
  }
}

void stream_connection::on_readable() {
  if (write_wants_read_) {
    write_wants_read_ = false;
    flush();
  }
  for (int turn = 0; turn < reads_per_turn; ++turn) {
    if (phase_ != phase::open || reading_paused_) {
      return;
    }
    std::span<std::byte> buffer = read_allowance(worker_.read_buffer());
    if (buffer.empty()) {
      return;  // over a rate limit: a timer reads again
    }
    io_outcome outcome = stream_->read(buffer);
    return_unread(buffer.size(), outcome);
    switch (outcome.status) {
      case io_status::done:
        stats_shard::add(own_stats_->bytes_in, outcome.bytes);
        stats_shard::add(total_stats_.bytes_in, outcome.bytes);
        if (!http_) {
          // HTTP counts activity per request instead (stream_connection_http.cpp): a client that
          // drips a request byte by byte must not hold its slot forever.
          worker_.idle().touch(*this, worker_.reactor().now());
        }
        deliver(buffer.first(outcome.bytes));
        if (phase_ == phase::closed) {
          return;  // the protocol closed it: the stream is gone
        }
        if (outcome.bytes < buffer.size() && stream_->drained_by_short_read() && !peer_hung_up_) {
          // The socket is empty: anything that arrives later raises a new edge. Saves the read
          // that would only say EAGAIN.
          wait_readable();
          return;
        }
        continue;
      case io_status::want_read:
        wait_readable();
        return;
      case io_status::want_write:
        read_wants_write_ = true;
        wait_writable();
        return;
      case io_status::closed:
      case io_status::failed:
        end_with(outcome);
        return;
    }
  }
  // Still more to read: let the worker's other connections run first.
  boost::asio::post(worker_.io(), [self = shared_from_this()] {
    if (!self->reading_paused_) {
      self->on_readable();
    }
  });
}

void stream_connection::deliver(std::span<std::byte> bytes) {
  if (ws_) {
    ws_deliver(bytes);
    return;
  }
  if (http_) {
    http_deliver(bytes);
    return;
  }
  bool had_leftovers = !cumulation_.empty();
  if (had_leftovers) {
    cumulation_.insert(cumulation_.end(), bytes.begin(), bytes.end());
  }
  // A copy of the span: the protocol must see a stable view even if it sends or closes.
  std::span<const std::byte> input = had_leftovers ? std::span<const std::byte>(cumulation_) : bytes;
  std::size_t consumed = 0;
  if (!guarded([&] { consumed = context_->protocol->on_data(*this, input); })) {
    return;
  }
  if (phase_ == phase::closed) {
    return;
  }
  if (consumed > input.size()) {
    finish(close_reason::callback_error, "on_data consumed more bytes than it was given");
    return;
  }
  keep_unconsumed(input, consumed, had_leftovers);
}

void stream_connection::keep_unconsumed(std::span<const std::byte> input, std::size_t consumed, bool had_leftovers) {
  if (had_leftovers) {
    cumulation_.erase(cumulation_.begin(), cumulation_.begin() + static_cast<std::ptrdiff_t>(consumed));
  } else if (consumed < input.size()) {
    cumulation_.assign(input.begin() + static_cast<std::ptrdiff_t>(consumed), input.end());
  }
  if (cumulation_.empty()) {
    if (cumulation_.capacity() != 0) {
      std::vector<std::byte>().swap(cumulation_);
    }
  } else if (cumulation_.size() > context_->max_frame + max_frame_overhead) {
    finish(close_reason::frame_error, "buffered " + std::to_string(cumulation_.size()) +
                                          " bytes without a complete frame (max_frame " +
                                          std::to_string(context_->max_frame) + " + " +
                                          std::to_string(max_frame_overhead) + " bytes of framing)");
  }
}

bool stream_connection::send(std::span<const std::byte> message) {
  if (phase_ != phase::open && phase_ != phase::handshaking) {
    return false;
  }
  if (ws_) {
    return message.size() <= context_->max_frame && ws_send_frame(ws_opcode::binary, message);
  }
  const polyport::framer& framing = *context_->framer;
  if (message.size() > framing.max_payload()) {
    return false;
  }
  std::array<std::byte, framer::max_prefix_size> prefix_bytes{};
  std::size_t prefix_size = framing.write_prefix(message.size(), prefix_bytes);
  // One frame: length prefix (length framers), payload, delimiter (line and delimiter framers).
  std::array<std::span<const std::byte>, 3> frame{std::span<const std::byte>(prefix_bytes.data(), prefix_size), message,
                                                  framing.suffix()};
  return write_or_queue(frame);
}

bool stream_connection::write_or_queue(std::span<const std::span<const std::byte>> parts) {
  bool batching = ws_ && ws_->batching;
  if (outbound_.empty() && phase_ == phase::open && !write_waiting_ && !write_wants_read_ && !batching) {
    return write_now(parts);
  }
  for (const auto& part : parts) {
    outbound_.append(part);
  }
  watch_send();
  update_writable();
  return true;
}

bool stream_connection::write_now(std::span<const std::span<const std::byte>> parts) {
  std::array<iovec, 3> gather{};
  std::size_t count = 0;
  for (const auto& part : parts) {
    if (!part.empty()) {
      gather[count++] = iovec{const_cast<std::byte*>(part.data()), part.size()};
    }
  }
  io_outcome outcome = stream_->write(std::span<const iovec>(gather.data(), count));
  if (outcome.status == io_status::failed) {
    finish(close_reason::io_error, outcome.error);
    return false;
  }
  std::size_t written = outcome.status == io_status::done ? outcome.bytes : 0;
  after_written(written);
  // Queue what the socket did not take, in order.
  for (const auto& part : parts) {
    std::size_t taken = std::min(written, part.size());
    written -= taken;
    outbound_.append(part.subspan(taken));
  }
  if (!outbound_.empty()) {
    if (outcome.status == io_status::want_read) {
      write_wants_read_ = true;
      wait_readable();
    } else {
      wait_writable();
    }
    update_writable();
  }
  return true;
}

void stream_connection::end_with(const io_outcome& outcome) {
  if (outcome.status == io_status::closed) {
    finish(close_reason::peer_closed, {});
  } else {
    finish(close_reason::io_error, outcome.error);
  }
}

void stream_connection::on_writable_ready() {
  if (read_wants_write_) {
    read_wants_write_ = false;
    on_readable();
    if (phase_ == phase::closed) {
      return;
    }
  }
  flush();
}

void stream_connection::flush() {
  while (!outbound_.empty()) {
    std::span<const std::byte> pending = outbound_.pending();
    iovec part{const_cast<std::byte*>(pending.data()), pending.size()};
    io_outcome outcome = stream_->write(std::span<const iovec>(&part, 1));
    switch (outcome.status) {
      case io_status::done:
        outbound_.consume(outcome.bytes);
        after_written(outcome.bytes);
        if (outcome.bytes == 0) {
          wait_writable();
          return;
        }
        continue;
      case io_status::want_write:
        wait_writable();
        return;
      case io_status::want_read:
        write_wants_read_ = true;
        wait_readable();
        return;
      case io_status::closed:
      case io_status::failed:
        end_with(outcome);
        return;
    }
  }
  if (phase_ == phase::closing) {
    finish(rare_->close.reason, rare_->close.detail);
    return;
  }
  update_writable();
}

void stream_connection::after_written(std::size_t count) {
  if (count == 0) {
    return;
  }
  stats_shard::add(own_stats_->bytes_out, count);
  stats_shard::add(total_stats_.bytes_out, count);
  worker_.idle().touch(*this, worker_.reactor().now());
  send_progressed();
}

void stream_connection::update_writable() {
  bool now_writable = writable_ ? outbound_.size() <= context_->high_watermark : outbound_.size() <= context_->low_watermark;
  if (now_writable == writable_ || phase_ != phase::open) {
    return;
  }
  writable_ = now_writable;
  guarded([&] { context_->protocol->on_writable(*this, now_writable); });
  if (now_writable && http_ && http_->streaming()) {
    http_pump();
  }
}

void stream_connection::pause_reading() {
  reading_paused_ = true;
}

void stream_connection::resume_reading() {
  if (!reading_paused_) {
    return;
  }
  reading_paused_ = false;
  if (phase_ == phase::open) {
    // Read at once: bytes that arrived while paused raise no new readiness edge.
    read_waiting_ = false;
    boost::asio::post(worker_.io(), [self = shared_from_this()] {
      if (self->phase_ == phase::open && !self->reading_paused_) {
        self->on_readable();
      }
    });
  }
}

void stream_connection::set_idle_timeout(std::chrono::milliseconds timeout) {
  if (phase_ != phase::closed) {
    worker_.idle().watch(*this, timeout);
  }
}

std::string stream_connection::security() const {
  return stream_ ? stream_->description() : std::string();
}

void stream_connection::close_with(close_reason reason, std::string detail) {
  if (phase_ == phase::closing || phase_ == phase::closed) {
    return;
  }
  if (ws_ && phase_ == phase::open && !ws_->close_sent) {
    ws_send_close(ws_close_code_for(reason), {});
    if (phase_ == phase::closed) {
      return;
    }
  }
  if (outbound_.empty() || phase_ != phase::open) {
    finish(reason, std::move(detail));
    return;
  }
  phase_ = phase::closing;
  rare().close = {reason, std::move(detail)};
  wait_writable();
}

void stream_connection::terminate(close_reason reason) {
  finish(reason, {});
}

void stream_connection::idle_expired() {
  if (phase_ == phase::open) {
    idle_action action = idle_action::close;
    if (!guarded([&] { action = context_->protocol->on_idle(*this); })) {
      return;
    }
    if (phase_ != phase::open) {
      return;
    }
    if (action == idle_action::keep) {
      worker_.idle().restart(*this);
      return;
    }
  }
  if (phase_ == phase::proxy_header) {
    finish(close_reason::proxy_error,
           "no PROXY header within " + std::to_string(context_->proxy_timeout.count()) + " ms");
    return;
  }
  finish(close_reason::idle_timeout, {});
}

void stream_connection::finish(close_reason reason, std::string detail) {
  if (phase_ == phase::closed) {
    return;
  }
  bool was_open = phase_ == phase::open || phase_ == phase::closing;
  phase_ = phase::closed;
  close_info why{reason, std::move(detail)};
  if (open_flag_) {
    open_flag_->store(false, std::memory_order_relaxed);
  }
  worker_.idle().unwatch(*this);
  stop_limits();
  read_waiting_ = write_waiting_ = false;
  stream_->shutdown();
  if (registered_) {
    worker_.reactor().remove(stream_->fd());
    registered_ = false;
  }
  stream_.reset();
  std::vector<std::byte>().swap(cumulation_);
  outbound_ = {};
  auto index = static_cast<std::size_t>(reason);
  stats_shard::add(own_stats_->closed[index], 1);
  stats_shard::add(total_stats_.closed[index], 1);
  context_->own_stats->current().fetch_sub(1, std::memory_order_relaxed);
  context_->total_stats->current().fetch_sub(1, std::memory_order_relaxed);
  worker_.forget(*this);
  if (was_open) {
    if (rare_ && rare_->on_opened) {
      rare_->close = why;  // closed inside on_open: become_open reports it to the connector
    }
    try {
      context_->protocol->on_close(*this, why);
    } catch (const std::exception& failure) {
      spdlog::warn("connection {}: on_close threw: {}", id(), failure.what());
    } catch (...) {
      spdlog::warn("connection {}: on_close threw", id());
    }
  } else if (rare_ && rare_->on_opened) {
    auto opened = std::move(rare_->on_opened);
    opened(nullptr, why.detail.empty() ? std::string(to_string(reason)) : why.detail);
  }
  if (context_->on_closed) {
    context_->on_closed();
  }
  // Released from the event loop: whoever called finish() may still be using this object.
  boost::asio::post(worker_.io(), [keep = std::move(self_)] {});
}

stream_connection::rare_state& stream_connection::rare() {
  if (!rare_) {
    rare_ = std::make_unique<rare_state>();
  }
  return *rare_;
}

connection_ref stream_connection::ref() {
  if (!open_flag_) {
    open_flag_ = std::make_shared<std::atomic<bool>>(phase_ != phase::closed);
  }
  return connection_ref(weak_from_this(), &worker_, id(), remote_, open_flag_);
}

}  // namespace polyport::detail
