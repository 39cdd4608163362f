#pragma once
// One DTLS 1.2 association (RFC 6347) over a dtls_pipe: the handshake, its retransmissions, and
// application data as one message per record. It never touches a socket: the caller feeds it
// the peer's datagrams and sends the datagrams each step returns.
//
//   receive(datagram) ─▶ SSL (handshake or records) ─▶ dtls_step{datagrams to send, messages}
//   seal(message)     ─▶ one record ─▶ datagrams to send
//
// Thread safety: distinct objects: safe. Shared objects: unsafe; owning worker only.

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "polyport/result.hpp"
#include "transport/dtls_cookie.hpp"
#include "transport/dtls_pipe.hpp"
#include "transport/openssl_ptr.hpp"
#include "transport/tls_context.hpp"

namespace polyport::detail {

// What one step of a session produced.
struct dtls_step {
  std::vector<std::vector<std::byte>> datagrams;  // to send to the peer, in order
  std::vector<std::vector<std::byte>> messages;   // application data received, one per record
  bool established = false;                       // the handshake finished in this step
  bool peer_closed = false;                       // the peer sent close_notify
  bool dropped_records = false;                   // OpenSSL discarded a record it could not open
  std::string failure;                            // not empty: the session is dead (handshake failed, fatal alert)
};

class dtls_session {
 public:
  // A client of `context` (a datagram client context). `server_name` is checked against the
  // server's certificate and sent as SNI, as for tls (transport/tls_peer_name.hpp).
  static result<std::unique_ptr<dtls_session>> connect(const tls_context& context, std::string server_name,
                                                      std::size_t mtu);
  // A server session continuing from a DTLSv1_listen that accepted `listened`'s ClientHello.
  static std::unique_ptr<dtls_session> accept(ssl_ptr listened, dtls_cookie_binding binding, std::size_t mtu);

  dtls_session(const dtls_session&) = delete;
  dtls_session& operator=(const dtls_session&) = delete;

  // Client: the first flight. Server: answers the ClientHello DTLSv1_listen kept.
  dtls_step begin();
  // One datagram from the peer.
  dtls_step receive(std::span<const std::byte> datagram);
  // One message as one record: the datagrams to send, or why it cannot be sent.
  result<std::vector<std::vector<std::byte>>> seal(std::span<const std::byte> message);
  // close_notify, to send before forgetting the peer.
  std::vector<std::vector<std::byte>> close();
  // When the handshake's retransmission timer fires next (none while nothing is in flight).
  std::optional<std::chrono::milliseconds> retransmit_in() const;
  // The timer fired: the flight to send again, or a failure after too many tries.
  dtls_step retransmit();

  bool established() const;
  // "DTLSv1.2 ECDHE-ECDSA-AES256-GCM-SHA384", once established.
  std::string description() const;

 private:
  explicit dtls_session(ssl_ptr ssl, std::size_t mtu);
  void advance(dtls_step& step);
  std::string error_text(const char* what);

  ssl_ptr ssl_;
  std::unique_ptr<dtls_pipe> pipe_;  // its address is the BIO's
  std::unique_ptr<dtls_cookie_binding> binding_;  // servers: the SSL's app data
};

}  // namespace polyport::detail
