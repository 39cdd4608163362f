#include "transport/dtls_session.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/time.h>

#include <array>
#include <new>

#include "transport/dtls_record.hpp"
#include "transport/tls_peer_name.hpp"

namespace polyport::detail {

dtls_session::dtls_session(ssl_ptr ssl, std::size_t mtu) : ssl_(std::move(ssl)), pipe_(std::make_unique<dtls_pipe>()) {
  pipe_->mtu = mtu;
  // Our MTU, not a socket's: each record then fits one datagram of the size we chose.
  SSL_set_options(ssl_.get(), SSL_OP_NO_QUERY_MTU);
  SSL_set_mtu(ssl_.get(), static_cast<long>(mtu));
}

result<std::unique_ptr<dtls_session>> dtls_session::connect(const tls_context& context, std::string server_name,
                                                           std::size_t mtu) {
  ERR_clear_error();
  ssl_ptr ssl(SSL_new(context.native_handle()));
  if (!ssl) {
    throw std::bad_alloc();  // OpenSSL fails this allocation only when memory runs out
  }
  std::unique_ptr<dtls_session> session(new dtls_session(std::move(ssl), mtu));
  BIO* bio = make_pipe_bio(session->pipe_.get());
  if (bio == nullptr) {
    throw std::bad_alloc();
  }
  SSL_set_bio(session->ssl_.get(), bio, bio);
  SSL_set_connect_state(session->ssl_.get());
  std::optional<std::string> unusable = expect_server_name(session->ssl_.get(), std::move(server_name));
  ERR_clear_error();
  if (unusable) {
    return error{"DTLS handshake failed: " + *unusable};
  }
  return session;
}

std::unique_ptr<dtls_session> dtls_session::accept(ssl_ptr listened, dtls_cookie_binding binding, std::size_t mtu) {
  std::unique_ptr<dtls_session> session(new dtls_session(std::move(listened), mtu));
  repoint_pipe_bio(SSL_get_rbio(session->ssl_.get()), session->pipe_.get());
  session->binding_ = std::make_unique<dtls_cookie_binding>(std::move(binding));
  SSL_set_app_data(session->ssl_.get(), session->binding_.get());
  return session;
}

dtls_step dtls_session::begin() {
  dtls_step step;
  advance(step);
  return step;
}

dtls_step dtls_session::receive(std::span<const std::byte> datagram) {
  pipe_->inbound = datagram;
  pipe_->has_inbound = true;
  dtls_step step;
  advance(step);
  pipe_->has_inbound = false;
  pipe_->inbound = {};
  return step;
}

void dtls_session::advance(dtls_step& step) {
  ERR_clear_error();  // the worker's queue is shared: start clean, so a failure is ours
  SSL* ssl = ssl_.get();
  if (SSL_is_init_finished(ssl) != 1) {
    int rc = SSL_do_handshake(ssl);
    if (rc != 1) {
      int why = SSL_get_error(ssl, rc);
      if (why != SSL_ERROR_WANT_READ && why != SSL_ERROR_WANT_WRITE) {
        step.failure = error_text("DTLS handshake failed: ");
      }
      step.datagrams = pipe_->take_outbound();  // the flight, or the alert that ends it
      return;
    }
    step.established = true;
  }
  thread_local std::array<std::byte, dtls_max_datagram> plaintext;
  for (;;) {
    int read = SSL_read(ssl, plaintext.data(), static_cast<int>(plaintext.size()));
    if (read > 0) {
      step.messages.emplace_back(plaintext.begin(), plaintext.begin() + read);
      continue;
    }
    int why = SSL_get_error(ssl, read);
    if (why == SSL_ERROR_ZERO_RETURN) {
      step.peer_closed = true;
    } else if (why == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
      // OpenSSL 3.0 reports a record too short for its cipher (no room for nonce and tag) this
      // way, with nothing queued and the association intact: a dropped record, not a failure.
      step.dropped_records = true;
    } else if (why != SSL_ERROR_WANT_READ && why != SSL_ERROR_WANT_WRITE) {
      step.failure = error_text("DTLS failed: ");
    }
    break;
  }
  step.datagrams = pipe_->take_outbound();
}

result<std::vector<std::vector<std::byte>>> dtls_session::seal(std::span<const std::byte> message) {
  if (message.empty()) {
    return error{"an empty message cannot be sent over dtls"};
  }
  ERR_clear_error();
  int written = SSL_write(ssl_.get(), message.data(), static_cast<int>(message.size()));
  if (written <= 0) {
    pipe_->outbound.clear();
    return error{error_text("DTLS write failed: ")};
  }
  return pipe_->take_outbound();
}

std::vector<std::vector<std::byte>> dtls_session::close() {
  ERR_clear_error();
  if (SSL_is_init_finished(ssl_.get()) == 1) {
    SSL_shutdown(ssl_.get());
  }
  ERR_clear_error();
  return pipe_->take_outbound();
}

std::optional<std::chrono::milliseconds> dtls_session::retransmit_in() const {
  timeval left{};
  if (DTLSv1_get_timeout(ssl_.get(), &left) != 1) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(left.tv_sec * 1000 + left.tv_usec / 1000);
}

dtls_step dtls_session::retransmit() {
  dtls_step step;
  ERR_clear_error();
  if (DTLSv1_handle_timeout(ssl_.get()) < 0) {
    step.failure = error_text("DTLS handshake failed: ");
  }
  step.datagrams = pipe_->take_outbound();
  return step;
}

bool dtls_session::established() const { return SSL_is_init_finished(ssl_.get()) == 1; }

std::string dtls_session::description() const {
  if (!established()) {
    return {};
  }
  return std::string(SSL_get_version(ssl_.get())) + " " + SSL_get_cipher_name(ssl_.get());
}

std::string dtls_session::error_text(const char* what) {
  unsigned long code = ERR_peek_error();
  ERR_clear_error();
  if (code == 0) {
    return std::string(what) + "no reason given";
  }
  const char* reason = ERR_reason_error_string(code);
  std::string text = std::string(what) + (reason != nullptr ? reason : "error " + std::to_string(code));
  if (ERR_GET_LIB(code) == ERR_LIB_SSL && ERR_GET_REASON(code) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
    text += " (" + std::string(X509_verify_cert_error_string(SSL_get_verify_result(ssl_.get()))) + ")";
  }
  return text;
}

}  // namespace polyport::detail
