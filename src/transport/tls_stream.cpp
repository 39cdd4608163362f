#include "transport/tls_stream.hpp"
#include "transport/tls_peer_name.hpp"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <new>
#include <optional>
#include <utility>

namespace polyport::detail {

namespace {

// One TLS record's worth of plaintext: small buffers are gathered up to this size so a header
// and its payload travel in one record instead of one record (and one syscall) each.
constexpr std::size_t record_size = std::size_t{16} * 1024;

// A socket BIO that sends with MSG_NOSIGNAL, so a vanished peer can never raise SIGPIPE in the
// user's process, whatever its signal setup (OpenSSL's own socket BIO uses plain write()).
// The BIO points at the stream's descriptor, which outlives it (the stream frees the SSL first).
int socket_of(BIO* bio) { return *static_cast<const int*>(BIO_get_data(bio)); }

int socket_write(BIO* bio, const char* data, int size) {
  BIO_clear_retry_flags(bio);
  ssize_t n = 0;
  do {
    n = ::send(socket_of(bio), data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    BIO_set_retry_write(bio);
  }
  return static_cast<int>(n);
}

// Returns 0 at EOF without claiming BIO_CTRL_EOF, so OpenSSL reports a close without
// close_notify as SSL_ERROR_SYSCALL with errno 0, which read() maps to `closed`.
int socket_read(BIO* bio, char* data, int size) {
  BIO_clear_retry_flags(bio);
  ssize_t n = 0;
  do {
    n = ::recv(socket_of(bio), data, static_cast<std::size_t>(size), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    BIO_set_retry_read(bio);
  }
  return static_cast<int>(n);
}

long socket_control(BIO* /*bio*/, int command, long /*number*/, void* /*pointer*/) {
  return command == BIO_CTRL_FLUSH ? 1 : 0;  // writes are never buffered here
}

// Built once and shared by every stream for the life of the process, hence never freed;
// null only when memory ran out at the first use.
const BIO_METHOD* socket_method() {
  static const BIO_METHOD* method = [] {
    BIO_METHOD* built = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "polyport socket");
    if (built == nullptr || BIO_meth_set_write(built, socket_write) != 1 ||
        BIO_meth_set_read(built, socket_read) != 1 ||
        BIO_meth_set_ctrl(built, socket_control) != 1) {
      BIO_meth_free(built);
      return static_cast<BIO_METHOD*>(nullptr);
    }
    return built;
  }();
  return method;
}

BIO* new_socket_bio(int* fd) {
  const BIO_METHOD* method = socket_method();
  BIO* bio = method != nullptr ? BIO_new(method) : nullptr;
  if (bio != nullptr) {
    BIO_set_data(bio, fd);
    BIO_set_init(bio, 1);
  }
  return bio;
}

class tls_stream final : public byte_stream {
 public:
  tls_stream(int fd, std::shared_ptr<tls_context> context, std::string server_name)
      : fd_(fd), context_(std::move(context)), ssl_(SSL_new(context_->native_handle())) {
    BIO* bio = ssl_ != nullptr ? new_socket_bio(&fd_) : nullptr;
    if (bio == nullptr) {
      SSL_free(ssl_);
      ::close(fd_);
      throw std::bad_alloc();  // OpenSSL fails these allocations only when memory runs out
    }
    SSL_set_bio(ssl_, bio, bio);
    if (context_->role() == tls_role::server) {
      SSL_set_accept_state(ssl_);
    } else {
      SSL_set_connect_state(ssl_);
      setup_error_ = expect_server_name(ssl_, std::move(server_name));
    }
    ERR_clear_error();  // a rejected name leaves its reason queued; setup_error_ carries it
  }

  ~tls_stream() override {
    SSL_free(ssl_);
    ::close(fd_);
  }
  tls_stream(const tls_stream&) = delete;
  tls_stream& operator=(const tls_stream&) = delete;

  int fd() const override { return fd_; }

  io_outcome handshake() override {
    if (setup_error_) {
      return {io_status::failed, 0, "TLS handshake failed: " + *setup_error_};
    }
    prepare();
    int rc = SSL_do_handshake(ssl_);
    if (rc == 1) {
      return {};
    }
    return outcome_of(rc, "TLS handshake failed: ");
  }

  io_outcome read(std::span<std::byte> into) override {
    if (deferred_read_) {
      return *std::exchange(deferred_read_, std::nullopt);
    }
    // Fill `into` across records: bytes left in a half-read record would not wake the caller.
    std::size_t total = 0;
    while (total < into.size()) {
      prepare();
      std::size_t n = 0;
      int rc = SSL_read_ex(ssl_, into.data() + total, into.size() - total, &n);
      if (rc == 1) {
        total += n;
        continue;
      }
      io_outcome outcome = outcome_of(rc, "TLS read failed: ");
      if (total == 0) {
        return outcome;
      }
      if (outcome.status == io_status::closed || outcome.status == io_status::failed) {
        deferred_read_ = std::move(outcome);  // first hand over the bytes that came before it
      }
      break;
    }
    return {io_status::done, total, {}};
  }

  io_outcome write(std::span<const iovec> buffers) override {
    std::size_t taken = 0;
    std::size_t index = 0;
    std::size_t offset = 0;  // into buffers[index]
    for (;;) {
      while (index < buffers.size() && offset == buffers[index].iov_len) {
        ++index;
        offset = 0;
      }
      if (index == buffers.size()) {
        return {io_status::done, taken, {}};
      }
      std::span<const std::byte> chunk = next_chunk(buffers, index, offset);
      prepare();
      std::size_t written = 0;
      int rc = SSL_write_ex(ssl_, chunk.data(), chunk.size(), &written);
      if (rc != 1) {
        io_outcome outcome = outcome_of(rc, "TLS write failed: ");
        // Bytes already taken must be reported; a lasting failure fails the next call too.
        return taken > 0 ? io_outcome{io_status::done, taken, {}} : outcome;
      }
      taken += written;
      while (written > 0) {
        std::size_t step = std::min(written, buffers[index].iov_len - offset);
        offset += step;
        written -= step;
        if (offset == buffers[index].iov_len && written > 0) {
          ++index;
          offset = 0;
        }
      }
    }
  }

  void shutdown() override {
    // One close_notify, best effort: the peer may be gone, and waiting for its reply would block.
    if (SSL_is_init_finished(ssl_) == 1) {
      prepare();
      SSL_shutdown(ssl_);
      ERR_clear_error();
    }
  }

  std::string description() const override {
    if (SSL_is_init_finished(ssl_) != 1) {
      return {};
    }
    return std::string(SSL_get_version(ssl_)) + " " + SSL_get_cipher_name(ssl_);
  }

 private:
  // The thread's OpenSSL error queue is shared by every connection on this worker: start each
  // call with it empty so a failure here is never blamed on another connection's leftovers.
  // errno too, so an EOF (which sets no errno) is told apart from a socket error.
  static void prepare() {
    ERR_clear_error();
    errno = 0;
  }

  // Maps an OpenSSL result that is not success; call right after the OpenSSL call.
  io_outcome outcome_of(int rc, const char* what) {
    int saved_errno = errno;
    switch (SSL_get_error(ssl_, rc)) {
      case SSL_ERROR_WANT_READ:
        return {io_status::want_read, 0, {}};
      case SSL_ERROR_WANT_WRITE:
        return {io_status::want_write, 0, {}};
      case SSL_ERROR_ZERO_RETURN:
        return {io_status::closed, 0, {}};
      case SSL_ERROR_SYSCALL:
        if (ERR_peek_error() == 0) {
          if (saved_errno == 0) {
            return {io_status::closed, 0, {}};  // EOF without close_notify: common, and harmless
          }
          return {io_status::failed, 0, what + std::string(std::strerror(saved_errno))};
        }
        break;
      default:
        break;
    }
    return {io_status::failed, 0, what + error_text()};
  }

  std::string error_text() {
    unsigned long code = ERR_peek_error();
    ERR_clear_error();
    if (code == 0) {
      return "unknown error";
    }
    const char* reason = ERR_reason_error_string(code);
    std::string text = reason != nullptr ? reason : "error " + std::to_string(code);
    if (ERR_GET_LIB(code) == ERR_LIB_SSL &&
        ERR_GET_REASON(code) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
      text += " (" + std::string(X509_verify_cert_error_string(SSL_get_verify_result(ssl_))) + ")";
    }
    return text;
  }

  // The next bytes to seal: straight from the caller's buffer when it is big enough to fill
  // records by itself (or is the last one), else gathered into one record. The same buffers
  // always give the same chunk, which the retry rule in tls_stream.hpp relies on.
  static std::span<const std::byte> next_chunk(std::span<const iovec> buffers, std::size_t index,
                                               std::size_t offset) {
    const auto* first = static_cast<const std::byte*>(buffers[index].iov_base) + offset;
    std::size_t first_size = buffers[index].iov_len - offset;
    if (first_size >= record_size || index + 1 == buffers.size()) {
      return {first, first_size};
    }
    // Per thread, not per connection: nothing is kept here between calls.
    thread_local std::array<std::byte, record_size> gathered;
    std::size_t size = 0;
    for (; index < buffers.size() && size < record_size; ++index, offset = 0) {
      std::size_t step = std::min(buffers[index].iov_len - offset, record_size - size);
      if (step == 0) {
        continue;  // an empty buffer may have a null base, which memcpy must not be given
      }
      std::memcpy(gathered.data() + size,
                  static_cast<const std::byte*>(buffers[index].iov_base) + offset, step);
      size += step;
    }
    return {gathered.data(), size};
  }

  int fd_;
  std::shared_ptr<tls_context> context_;  // keeps SSL_CTX alive as long as ssl_
  SSL* ssl_;
  std::optional<std::string> setup_error_;
  std::optional<io_outcome> deferred_read_;
};

}  // namespace

std::unique_ptr<byte_stream> make_tls_stream(int fd, std::shared_ptr<tls_context> context,
                                             std::string server_name) {
  return std::make_unique<tls_stream>(fd, std::move(context), std::move(server_name));
}

}  // namespace polyport::detail
