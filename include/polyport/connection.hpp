#pragma once
// A live connection as a protocol sees it, and a handle to reach it from other threads.
//
//   socket ─▶ transport (tcp/tls/unix) ─▶ cumulation buffer ─▶ protocol::on_data ─▶ on_message
//   (ws/wss: socket ─▶ WebSocket frames ─▶ whole messages ─▶ protocol::on_message)
//   socket ◀─ outbound queue (one write in flight; watermarks → on_writable) ◀─ connection::send
//
// Thread safety of `connection`: distinct objects: safe. Shared objects: unsafe; call only from
// the connection's worker (inside protocol callbacks, or through connection_ref::dispatch).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "polyport/close_reason.hpp"
#include "polyport/endpoint.hpp"
#include "polyport/proxy_header.hpp"
#include "polyport/transport.hpp"

namespace polyport {

class framer;
class connection_ref;
using metadata = std::vector<std::pair<std::string, std::string>>;

namespace detail {
class worker;

// Type-erased per-connection state with a cheap typed check (no RTTI on the message path).
struct state_box_base {
  virtual ~state_box_base() = default;
  const void* type_tag = nullptr;
};
template <class T>
const void* type_tag_of() {
  static const char tag = 0;
  return &tag;
}
template <class T>
struct state_box final : state_box_base {
  template <class... Args>
  explicit state_box(Args&&... args) : value(std::forward<Args>(args)...) {
    type_tag = type_tag_of<T>();
  }
  T value;
};
}  // namespace detail

class connection {
 public:
  virtual ~connection() = default;
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // Sends a message: framed by the connection's framer (a length prefix for tcp_packet=1|2|4;
  // on ws and wss one binary WebSocket message), queued when the socket is busy. Returns false when the connection is closing or the message
  // is larger than the framer allows (then the connection stays open). Owning worker only.
  virtual bool send(std::span<const std::byte> message) = 0;
  bool send(std::string_view message) { return send(std::as_bytes(std::span(message.data(), message.size()))); }

  // WebSocket (ws, wss): sends a text message (the bytes must be UTF-8); on other transports the
  // same as send(). Owning worker only.
  virtual bool send_text(std::string_view text) { return send(text); }
  // WebSocket: true while on_message handles a text message; false for binary messages and on
  // other transports.
  virtual bool message_is_text() const { return false; }
  // WebSocket: the subprotocol agreed in the handshake (ws_proto), or empty.
  virtual std::string_view subprotocol() const { return {}; }

  // Closes after the queued bytes are written; on_close follows once, with `reason` and
  // `detail` (protocols report their own errors this way, e.g. frame_error). Owning worker only.
  virtual void close_with(close_reason reason, std::string detail) = 0;
  void close() { close_with(close_reason::local, {}); }

  // Stops and resumes reading (backpressure: TCP flow control then pushes back on the peer).
  virtual void pause_reading() = 0;
  virtual void resume_reading() = 0;

  // False while the outbound queue is over its high watermark (see protocol::on_writable).
  virtual bool writable() const = 0;
  virtual std::size_t queued_bytes() const = 0;

  // Changes this connection's idle timeout; zero disables it.
  virtual void set_idle_timeout(std::chrono::milliseconds timeout) = 0;

  virtual const endpoint& local() const = 0;
  // The client: with the PROXY protocol, the address the header carries (the proxy's own address
  // is then peer()); otherwise the socket's peer.
  virtual const endpoint& remote() const = 0;
  virtual const endpoint& peer() const = 0;
  // The PROXY protocol header this connection began with (addresses, TLVs), or nullptr.
  virtual const proxy_header* proxy() const = 0;
  virtual polyport::transport transport() const = 0;
  virtual std::string_view scheme() const = 0;
  virtual bool is_outbound() const = 0;
  virtual bool is_open() const = 0;
  // The TLS protocol and cipher, e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384"; empty for plain streams.
  virtual std::string security() const = 0;

  // The framer chosen by the protocol or the tcp_packet option; used by protocol::on_data.
  virtual const polyport::framer& framer() const = 0;

  // A handle that other threads may keep and use.
  virtual connection_ref ref() = 0;

  std::uint64_t id() const { return id_; }
  // URL ?headers of the listener (inbound) or of the URL connected to (outbound).
  virtual const polyport::metadata& metadata() const = 0;
  // The listener's or connect call's user data, inherited by every connection (NkPACKET's user_state).
  template <class T>
  T* user_data() const {
    return static_cast<T*>(user_data_pointer());
  }

  // Per-connection protocol state, typically created in on_open.
  template <class T, class... Args>
  T& emplace_state(Args&&... args) {
    auto box = std::make_unique<detail::state_box<T>>(std::forward<Args>(args)...);
    T& value = box->value;
    state_ = std::move(box);
    return value;
  }
  template <class T>
  T& state() {
    if (!state_ || state_->type_tag != detail::type_tag_of<T>()) {
      throw std::logic_error("connection state is not of the requested type");
    }
    return static_cast<detail::state_box<T>*>(state_.get())->value;
  }
  bool has_state() const { return state_ != nullptr; }

 protected:
  explicit connection(std::uint64_t id) : id_(id) {}
  virtual void* user_data_pointer() const = 0;

 private:
  std::uint64_t id_;
  std::unique_ptr<detail::state_box_base> state_;
};

// A handle to a connection usable from any thread. Operations are posted to the connection's
// worker and do nothing once the connection has closed. Do not use it after its runtime is gone.
// Thread safety: distinct and shared objects: safe.
class connection_ref {
 public:
  connection_ref() = default;
  connection_ref(std::weak_ptr<connection> target, detail::worker* owner, std::uint64_t id, endpoint remote,
                 std::shared_ptr<const std::atomic<bool>> open_flag);

  // Copies the message and sends it on the owning worker.
  void send(std::span<const std::byte> message) const;
  void send(std::string_view message) const { send(std::as_bytes(std::span(message.data(), message.size()))); }
  void close() const;
  // Runs `action` on the owning worker if the connection is still open then, else `if_closed`
  // (on that worker too).
  void dispatch(std::function<void(connection&)> action, std::function<void()> if_closed = nullptr) const;

  // A snapshot: the connection may close right after.
  bool is_open() const;
  std::uint64_t id() const { return id_; }
  const endpoint& remote() const { return remote_; }
  explicit operator bool() const { return owner_ != nullptr; }

 private:
  std::weak_ptr<connection> target_;
  detail::worker* owner_ = nullptr;
  std::uint64_t id_ = 0;
  endpoint remote_;
  std::shared_ptr<const std::atomic<bool>> open_flag_;
};

}  // namespace polyport
