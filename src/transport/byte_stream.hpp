#pragma once
// The byte-level face of a stream transport (tcp, unix, tls): non-blocking reads and gathered
// writes on a file descriptor that the connection waits on with its worker's reactor.
// Thread safety: owned by one connection, used only on its worker.

#include <sys/uio.h>

#include <cstddef>
#include <memory>
#include <span>
#include <string>

namespace polyport::detail {

enum class io_status {
  done,        // `bytes` moved (for handshake: the stream now carries application bytes)
  want_read,   // wait until the descriptor is readable, then call again
  want_write,  // wait until the descriptor is writable, then call again
  closed,      // the peer ended the stream in order (EOF, TLS close_notify)
  failed,      // the stream is broken; `error` says why
};

struct io_outcome {
  io_status status = io_status::done;
  std::size_t bytes = 0;
  std::string error;
};

class byte_stream {
 public:
  virtual ~byte_stream() = default;

  virtual int fd() const = 0;

  // Drives the transport's own handshake (TLS); plain streams are done at once.
  virtual io_outcome handshake() { return {}; }

  // Reads what is available into `into`; never blocks.
  virtual io_outcome read(std::span<std::byte> into) = 0;

  // Writes as much of `buffers` as the transport takes now; never blocks. Partial writes report
  // the bytes taken.
  virtual io_outcome write(std::span<const iovec> buffers) = 0;

  // Starts an orderly close where the transport has one (TLS close_notify). Best effort, never
  // blocks; the descriptor itself is closed by the stream's destructor.
  virtual void shutdown() {}

  // True when a read that returned fewer bytes than asked has emptied the socket, so waiting for
  // the next readiness edge is safe. TLS may hold decrypted bytes or a close_notify back.
  virtual bool drained_by_short_read() const { return false; }

  // For TLS: the negotiated protocol details for logs ("TLSv1.3 TLS_AES_256_GCM_SHA384").
  virtual std::string description() const { return {}; }
};

// tcp and unix: plain reads and writes on `fd`, which the stream takes ownership of.
std::unique_ptr<byte_stream> make_plain_stream(int fd);

}  // namespace polyport::detail
