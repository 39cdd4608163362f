#pragma once
// A DTLS client driven by hand over a plain UDP socket, for tests that must see the wire: the
// cookieless ClientHello, the HelloVerifyRequest, garbage injected mid-handshake.
// Thread safety: distinct objects: safe. Shared objects: unsafe.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "polyport/endpoint.hpp"
#include "support/udp_client.hpp"
#include "transport/dtls_session.hpp"

namespace polyport::testing {

// RFC 6347 §4.2.2: handshake type 3.
bool is_hello_verify_request(const std::string& datagram);

class dtls_wire_client {
 public:
  // Trusts `cafile` and checks the server against 127.0.0.1 or ::1 (by `source`'s family).
  dtls_wire_client(const std::string& source, const std::string& cafile);

  udp_client& socket() { return socket_; }
  // The first flight: a ClientHello without a cookie.
  std::string first_flight();
  // Feeds one datagram of the server to the session: what to send back.
  std::vector<std::string> feed(const std::string& datagram);
  // Runs the handshake with `server` from the first flight; sends `between` (raw) after the
  // ClientHello with the cookie when given. Errors say where it stopped.
  std::optional<std::string> handshake(const endpoint& server, const std::string& between = {});
  bool established() const { return session_->established(); }
  // Sends `text` as one record and returns the first message received back.
  std::optional<std::string> exchange(const endpoint& server, const std::string& text);

 private:
  udp_client socket_;
  std::unique_ptr<detail::dtls_session> session_;
};

}  // namespace polyport::testing
