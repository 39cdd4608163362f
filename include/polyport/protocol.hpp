#pragma once
// A protocol: the only code a user writes. Every callback has a default, so an empty protocol is
// valid (it reads and drops bytes, and closes on idle). Register it under a URL scheme with
// runtime::register_protocol. NkPACKET's callbacks map as: transports/default_port/naptr → the same;
// conn_init → on_open; conn_parse → on_data / on_message; conn_timeout → on_idle;
// conn_stop → on_close; listen_init / listen_stop → on_listen / on_listen_stop; http_init → on_http.
//
// Thread safety: one protocol object serves every connection of its listeners on every worker,
// concurrently. Keep per-connection data in connection state (connection::emplace_state), not
// in the protocol object, or guard it. Connection callbacks run on the connection's worker.
// A callback that throws closes only its own connection (close_reason::callback_error).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "polyport/close_reason.hpp"
#include "polyport/connection.hpp"
#include "polyport/framer.hpp"
#include "polyport/http.hpp"
#include "polyport/options.hpp"
#include "polyport/transport.hpp"

namespace polyport {

class listener;

enum class idle_action { close, keep };

class protocol {
 public:
  virtual ~protocol() = default;

  // --- Resolving a URL (called on the caller's thread) ---

  // The transports this protocol runs on; the first is used when a URL names none.
  // Default: tcp, tls, unix, ws, wss.
  virtual std::vector<polyport::transport> transports(std::string_view scheme) const;
  // The port for a URL that gives none; nullopt: such a URL is an error (listeners pick any port).
  virtual std::optional<std::uint16_t> default_port(polyport::transport transport) const;
  // The transport a NAPTR record's service field names (RFC 3263 §4.1), or nullopt to skip the
  // record. Default, the SIP convention with the scheme upper-cased (for "echo"): ECHO+D2U udp,
  // ECHO+D2T tcp, ECHOS+D2T tls, ECHO+D2S sctp, ECHO+D2W ws, ECHOS+D2W wss; case-insensitive.
  virtual std::optional<polyport::transport> naptr(std::string_view scheme, std::string_view service) const;

  // --- Listener life (called on the thread that starts or stops the listener) ---

  virtual void on_listen(listener& started);
  virtual void on_listen_stop(listener& stopped);

  // A UDP listener with udp_no_connections: one datagram from `from`, with no connection made.
  // Answer with `on.send_to`. Runs on the worker whose socket received it. Default: drop it.
  virtual void on_datagram(listener& on, std::span<const std::byte> datagram, const endpoint& from);

  // --- Connection life (called on the connection's worker) ---

  // The connection is ready (after the TLS handshake); create per-connection state here.
  virtual void on_open(connection& conn);

  // Bytes have arrived: `bytes` holds everything not consumed before plus the new bytes. Return
  // how many were consumed; the rest is offered again, with more, after the next read.
  // Default: split with conn.framer() and call on_message for each whole frame.
  virtual std::size_t on_data(connection& conn, std::span<const std::byte> bytes);

  // One whole message (a frame of the framer, or each read with tcp_packet=raw).
  virtual void on_message(connection& conn, std::span<const std::byte> message);

  // One HTTP request on an http or https listener (NkPACKET's http_init): fill in `response`,
  // which is written when this returns. Requests of one connection (pipelined or kept alive)
  // come one at a time, in order. Default: 404.
  virtual void on_http(connection& conn, const http_request& request, http_response& response);

  // Streamed request bodies (opt-in). A request whose body is chunked or over the listener's
  // http_stream_threshold bytes is first offered here with its head (`request.body` empty), before
  // any of its body is read: return true to take the body in pieces with on_http_body (up to
  // http_max_body bytes, else 413 and close), false to have it read whole for on_http like any
  // other (up to max_frame). `Expect: 100-continue` is answered after this returns true.
  // Default: false.
  virtual bool on_http_stream(connection& conn, const http_request& request);
  // One piece of a streamed body, in order, as it arrives. `piece` is valid during the call only:
  // nothing is buffered for the protocol, so a connection holds at most one read of body bytes;
  // conn.pause_reading() stops further reads (TCP then holds the client back) until
  // resume_reading(). Return true for more; after the last piece on_http runs (the end of the
  // body; request.body_streamed is true). Return false to answer at once: on_http runs now, the
  // rest of the body is not read, and the connection closes after the response. Default: true.
  virtual bool on_http_body(connection& conn, const http_request& request, std::span<const std::byte> piece);

  // No bytes sent or received for idle_timeout. Default: close.
  virtual idle_action on_idle(connection& conn);

  // The outbound queue went over its high watermark (false) or back under its low one (true).
  virtual void on_writable(connection& conn, bool writable);

  // The connection has closed: called exactly once for every connection that was opened.
  virtual void on_close(connection& conn, const close_info& why);

  // The framer for a new connection. Default: the stock framer of the tcp_packet option.
  virtual std::shared_ptr<const framer> make_framer(const options& opts) const;
};

}  // namespace polyport
