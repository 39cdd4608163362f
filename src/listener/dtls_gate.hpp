#pragma once
// The stateless door of a dtls listener (RFC 6347 §4.2.1): a ClientHello without a valid cookie
// is answered with a HelloVerifyRequest and forgotten; only one that returns the cookie (so its
// sender receives at its address) becomes a peer. Spoofed sources thus cost one reply each and
// no state. Each worker screens with its own scratch SSL (DTLSv1_listen), which becomes the
// admitted peer's session.
//
//   datagram of an unknown peer ─▶ not a ClientHello? dropped
//                                ─▶ DTLSv1_listen: no/bad cookie → HelloVerifyRequest (answered)
//                                                  good cookie   → session (admitted)
//
// Thread safety: screen() on worker `index` only, each worker with its own slot; the rest is
// immutable after make().

#include <memory>
#include <span>
#include <vector>

#include "polyport/endpoint.hpp"
#include "polyport/result.hpp"
#include "polyport/tls_options.hpp"
#include "transport/dtls_cookie.hpp"
#include "transport/dtls_pipe.hpp"
#include "transport/dtls_session.hpp"
#include "transport/tls_context.hpp"

namespace polyport::detail {

class dtls_gate {
 public:
  struct verdict {
    enum class kind { dropped, answered, admitted };
    kind what = kind::dropped;
    std::vector<std::byte> reply;             // answered: the HelloVerifyRequest
    std::unique_ptr<dtls_session> session;    // admitted: continue the handshake with this
  };

  // `mtu`: the largest datagram the sessions write. Errors name the tls_* option at fault.
  static result<std::unique_ptr<dtls_gate>> make(const tls_options& options, unsigned workers, std::size_t mtu);

  verdict screen(unsigned worker_index, std::span<const std::byte> datagram, const endpoint& from);

  dtls_gate(std::shared_ptr<tls_context> context, unsigned workers, std::size_t mtu);

 private:
  struct scratch {
    ssl_ptr ssl;
    dtls_pipe pipe;
    dtls_cookie_binding binding;
  };
  // The worker's scratch SSL, made on first use and after one was handed to a session.
  scratch& scratch_of(unsigned worker_index);

  std::shared_ptr<tls_context> context_;
  std::shared_ptr<const dtls_cookie_jar> jar_;
  std::size_t mtu_;
  std::vector<std::unique_ptr<scratch>> scratches_;
};

}  // namespace polyport::detail
