#include "listener/dtls_gate.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <new>

#include "transport/dtls_record.hpp"

namespace polyport::detail {

result<std::unique_ptr<dtls_gate>> dtls_gate::make(const tls_options& options, unsigned workers, std::size_t mtu) {
  auto context = make_tls_context(tls_role::server, options, tls_wire::datagram);
  if (!context) {
    return context.error();
  }
  // Before any SSL exists, so the context is still ours alone to change.
  use_cookie_bindings((*context)->native_handle());
  return std::make_unique<dtls_gate>(std::move(*context), workers, mtu);
}

dtls_gate::dtls_gate(std::shared_ptr<tls_context> context, unsigned workers, std::size_t mtu)
    : context_(std::move(context)), jar_(std::make_shared<dtls_cookie_jar>()), mtu_(mtu), scratches_(workers) {}

dtls_gate::scratch& dtls_gate::scratch_of(unsigned worker_index) {
  std::unique_ptr<scratch>& slot = scratches_.at(worker_index);
  if (!slot) {
    slot = std::make_unique<scratch>();
    slot->binding.jar = jar_;
    slot->ssl.reset(SSL_new(context_->native_handle()));
    BIO* bio = slot->ssl ? make_pipe_bio(&slot->pipe) : nullptr;
    if (bio == nullptr) {
      slot.reset();
      throw std::bad_alloc();  // OpenSSL fails these allocations only when memory runs out
    }
    SSL_set_bio(slot->ssl.get(), bio, bio);
    SSL_set_app_data(slot->ssl.get(), &slot->binding);
    SSL_set_options(slot->ssl.get(), SSL_OP_NO_QUERY_MTU | SSL_OP_COOKIE_EXCHANGE);
    SSL_set_mtu(slot->ssl.get(), static_cast<long>(mtu_));
  }
  return *slot;
}

dtls_gate::verdict dtls_gate::screen(unsigned worker_index, std::span<const std::byte> datagram, const endpoint& from) {
  verdict out;
  if (classify_dtls_datagram(datagram) != dtls_datagram_kind::client_hello) {
    return out;  // a stray record (of a peer we forgot) or garbage: no state, no answer
  }
  scratch& here = scratch_of(worker_index);
  here.binding.client = from;
  here.pipe.inbound = datagram;
  here.pipe.has_inbound = true;
  ERR_clear_error();
  BIO_ADDR* client = BIO_ADDR_new();
  int listened = client != nullptr ? DTLSv1_listen(here.ssl.get(), client) : -1;
  BIO_ADDR_free(client);
  ERR_clear_error();
  here.pipe.has_inbound = false;
  here.pipe.inbound = {};
  auto written = here.pipe.take_outbound();
  if (listened == 1) {
    out.what = verdict::kind::admitted;
    out.session = dtls_session::accept(std::move(here.ssl), here.binding, mtu_);
    scratches_[worker_index].reset();
    return out;
  }
  if (listened < 0) {
    scratches_[worker_index].reset();  // a fatal error leaves the SSL in no known state
    return out;
  }
  if (!written.empty()) {
    out.what = verdict::kind::answered;
    out.reply = std::move(written.front());
  }
  return out;
}

}  // namespace polyport::detail
