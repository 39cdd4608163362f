#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "transport/byte_stream.hpp"

namespace polyport::detail {

namespace {

io_outcome failure(int error_number) {
  return {io_status::failed, 0, std::strerror(error_number)};
}

class plain_stream final : public byte_stream {
 public:
  explicit plain_stream(int fd) : fd_(fd) {}
  ~plain_stream() override { ::close(fd_); }
  plain_stream(const plain_stream&) = delete;
  plain_stream& operator=(const plain_stream&) = delete;

  int fd() const override { return fd_; }
  bool drained_by_short_read() const override { return true; }

  io_outcome read(std::span<std::byte> into) override {
    for (;;) {
      ssize_t n = ::recv(fd_, into.data(), into.size(), 0);
      if (n > 0) {
        return {io_status::done, static_cast<std::size_t>(n), {}};
      }
      if (n == 0) {
        return {io_status::closed, 0, {}};
      }
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return {io_status::want_read, 0, {}};
      }
      return failure(errno);
    }
  }

  io_outcome write(std::span<const iovec> buffers) override {
    msghdr message{};
    message.msg_iov = const_cast<iovec*>(buffers.data());
    message.msg_iovlen = buffers.size();
    for (;;) {
      // MSG_NOSIGNAL: a peer that has gone must not raise SIGPIPE in the user's process.
      ssize_t n = buffers.size() == 1 ? ::send(fd_, buffers[0].iov_base, buffers[0].iov_len, MSG_NOSIGNAL)
                                      : ::sendmsg(fd_, &message, MSG_NOSIGNAL);
      if (n >= 0) {
        return {io_status::done, static_cast<std::size_t>(n), {}};
      }
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return {io_status::want_write, 0, {}};
      }
      return failure(errno);
    }
  }

 private:
  int fd_;
};

}  // namespace

std::unique_ptr<byte_stream> make_plain_stream(int fd) {
  return std::make_unique<plain_stream>(fd);
}

}  // namespace polyport::detail
