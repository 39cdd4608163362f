#pragma once
// The connection of every stream transport (tcp, tls, unix, ws, wss): handshake, the read path
// into the worker's buffer and the cumulation buffer, the outbound queue with watermarks, idle
// timeout and the single close. ws and wss add a message layer (ws_session.hpp), http and https
// a request layer (http_session.hpp).
//
//   readiness event ─▶ read into worker buffer ─▶ (append to cumulation if leftovers) ─▶ on_data
//                                                  (ws, wss: ─▶ frames ─▶ on_message)
//   send ─▶ write now if idle ─▶ rest to outbound_buffer ─▶ wait writable ─▶ flush ─▶ on_writable
//
// Thread safety: distinct objects: safe. Shared objects: unsafe; owning worker only.

#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <optional>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/connection_context.hpp"
#include "core/http_router.hpp"
#include "core/idle_tracker.hpp"
#include "core/outbound_buffer.hpp"
#include "core/read_throttle.hpp"
#include "core/readiness_reactor.hpp"
#include "core/http_session.hpp"
#include "core/worker.hpp"
#include "core/ws_session.hpp"
#include "polyport/connection.hpp"
#include "transport/byte_stream.hpp"

namespace polyport::detail {

class stream_connection final : public connection,
                                public idle_member,
                                public io_event_target,
                                public registered_connection,
                                public std::enable_shared_from_this<stream_connection> {
 public:
  // Called once the connection is open (outbound: after on_open) or has failed before opening.
  using opened_handler = std::function<void(stream_connection*, const std::string& error)>;

  stream_connection(worker& owner, std::shared_ptr<const connection_context> context, std::unique_ptr<byte_stream> stream,
                    endpoint local, endpoint remote);
  ~stream_connection() override;

  // Starts the handshake and, once open, reading. On the owning worker. The creator has counted
  // the connection in its context's `current` counters already; finish() takes it off.
  // `proxy_header_expected`: read a PROXY header first (the listener's proxy_protocol, unless the
  // source is not a trusted proxy).
  void start(opened_handler on_opened = nullptr, bool proxy_header_expected = false);
  // A connection of a shared port: each request asks `router` which listener it goes to
  // (stream_connection_route.cpp). Before start().
  void route_through(std::shared_ptr<const http_router> router);
  // Closes at once without flushing; used when a listener or the runtime stops.
  void terminate(close_reason reason) override;

  const connection_context& context() const override { return *context_; }

  // connection
  bool send(std::span<const std::byte> message) override;
  bool send_text(std::string_view text) override;
  bool message_is_text() const override { return ws_ && ws_->message_text; }
  std::string_view subprotocol() const override { return ws_ ? std::string_view(ws_->subprotocol) : std::string_view(); }
  void close_with(close_reason reason, std::string detail) override;
  void pause_reading() override;
  void resume_reading() override;
  bool writable() const override { return writable_; }
  std::size_t queued_bytes() const override { return outbound_.size(); }
  void set_idle_timeout(std::chrono::milliseconds timeout) override;
  const endpoint& local() const override { return local_; }
  const endpoint& remote() const override { return remote_; }
  const endpoint& peer() const override { return rare_ && rare_->proxy ? rare_->peer : remote_; }
  const proxy_header* proxy() const override { return rare_ && rare_->proxy ? &*rare_->proxy : nullptr; }
  polyport::transport transport() const override { return context_->transport; }
  std::string_view scheme() const override { return context_->scheme; }
  bool is_outbound() const override { return context_->outbound; }
  bool is_open() const override { return phase_ == phase::open; }
  std::string security() const override;
  const polyport::framer& framer() const override { return *context_->framer; }
  const polyport::metadata& metadata() const override { return *context_->metadata; }
  connection_ref ref() override;

  // idle_member
  void idle_expired() override;
  // io_event_target
  void on_io_event(std::uint32_t events) override;

 private:
  enum class phase { created, proxy_header, handshaking, open, closing, closed };

  // What few connections need, kept out of line so idle connections stay small.
  struct rare_state {
    opened_handler on_opened;  // outbound, until open
    close_info close;          // why a closing (or closed-while-opening) connection ends
    std::optional<proxy_header> proxy;  // PROXY protocol: the header, and the proxy's address
    endpoint peer;
    std::unique_ptr<read_throttle> throttle;  // rate_limit, listener_rate_limit
    // send_timeout: armed while bytes wait in the queue; the last time the socket took some.
    std::unique_ptr<boost::asio::steady_timer> send_watch;
    std::chrono::steady_clock::time_point last_send_progress;
    bool send_watch_armed = false;
    std::shared_ptr<const http_router> router;  // shared ports, until a WebSocket upgrade
  };
  rare_state& rare();
  void* user_data_pointer() const override { return context_->user_data.get(); }

  void continue_handshake();
  // The transport's handshake (or the WebSocket upgrade, `during`) cannot go on now: wait for the
  // socket, or fail the connection.
  void handshake_stalled(const io_outcome& outcome, std::string_view during);
  void begin_handshake();
  void read_proxy_header();
  void proxy_header_read(proxy_header header);
  void become_open();
  void wait_readable();
  void wait_writable();
  void on_readable();
  void on_writable_ready();
  void deliver(std::span<std::byte> bytes);
  // Keeps what `input` has beyond `consumed` for the next read, within max_frame.
  void keep_unconsumed(std::span<const std::byte> input, std::size_t consumed, bool had_leftovers);
  bool write_or_queue(std::span<const std::span<const std::byte>> parts);
  bool write_now(std::span<const std::span<const std::byte>> parts);
  void flush();
  // The stream reported `closed` or `failed`.
  void end_with(const io_outcome& outcome);
  void after_written(std::size_t count);
  void update_writable();
  // stream_connection_limits.cpp: rate limits on reads and the send timeout.
  void start_throttle();
  // The bytes the next read may take (all of `buffer` without a rate limit); empty: wait.
  std::span<std::byte> read_allowance(std::span<std::byte> buffer);
  void return_unread(std::size_t granted, const io_outcome& outcome);
  void watch_send();
  void arm_send_watch(std::chrono::steady_clock::time_point deadline);
  void send_progressed();
  void check_send_progress();
  void stop_limits();
  void finish(close_reason reason, std::string detail);
  template <class Callback>
  bool guarded(Callback&& callback);

  // http and https (stream_connection_http.cpp).
  void http_deliver(std::span<std::byte> bytes);
  void http_write(const std::string& bytes);
  // Runs on_http and queues its response; false when the connection is done with requests.
  bool http_answer(bool keep_alive);
  // A streamed response body (stream_connection_http_stream.cpp).
  void http_pump();
  void http_end_stream();
  // Shared ports (stream_connection_route.cpp): routes the request just read from `head`; `rest`
  // are the bytes after it; `body_follows` when only its head was read (a streamed body).
  enum class routed { serve, answered, left };
  routed route_request(std::span<const std::byte> head, std::span<const std::byte> rest, bool body_follows);
  // Leaves the current listener (its protocol sees on_close) for `next`, already counted in.
  void move_to(std::shared_ptr<const connection_context> next, bool open_now);

  // ws and wss (stream_connection_ws.cpp).
  void ws_handshake_step();
  bool ws_read_handshake(std::span<const std::byte> received);
  void ws_deliver(std::span<std::byte> bytes);
  std::size_t ws_consume(std::span<std::byte> input);
  void ws_frame(const ws_frame_header& header, std::span<std::byte> payload);
  void ws_message(std::span<const std::byte> payload, bool text, bool compressed);
  bool ws_send_frame(ws_opcode opcode, std::span<const std::byte> payload);
  void ws_send_close(std::uint16_t code, std::string_view reason);
  void ws_fail(std::uint16_t code, std::string why);

  worker& worker_;
  std::shared_ptr<const connection_context> context_;
  std::unique_ptr<byte_stream> stream_;
  endpoint local_;
  endpoint remote_;
  std::vector<std::byte> cumulation_;
  outbound_buffer outbound_;
  stats_shard* own_stats_;  // the current context's; a routed connection changes context
  stats_shard& total_stats_;
  std::shared_ptr<std::atomic<bool>> open_flag_;  // made on the first ref()
  std::shared_ptr<stream_connection> self_;       // keeps it alive until it closes
  std::unique_ptr<rare_state> rare_;
  std::unique_ptr<ws_session> ws_;      // ws and wss only
  std::unique_ptr<http_session> http_;  // http and https listeners only
  phase phase_ = phase::created;
  bool registered_ = false;         // with the worker's readiness reactor
  bool read_waiting_ = false;
  bool write_waiting_ = false;
  bool reading_paused_ = false;
  bool writable_ = true;
  bool read_wants_write_ = false;  // TLS: a read needs the socket writable first
  bool write_wants_read_ = false;  // TLS: a write needs the socket readable first
  bool peer_hung_up_ = false;      // the peer's FIN (or an error) is pending: read to the end
};

// Runs a protocol callback; one that throws closes this connection (callback_error).
template <class Callback>
bool stream_connection::guarded(Callback&& callback) {
  try {
    callback();
    return true;
  } catch (const std::exception& failure) {
    finish(close_reason::callback_error, failure.what());
  } catch (...) {
    finish(close_reason::callback_error, "unknown exception");
  }
  return false;
}

}  // namespace polyport::detail
