#include "client/udp_connector.hpp"

#include <unistd.h>

#include <boost/asio/post.hpp>

#include "core/datagram_connection.hpp"
#include "core/readiness_reactor.hpp"
#include "transport/socket_ops.hpp"
#include "transport/udp_socket.hpp"

namespace polyport::detail {

namespace {

constexpr int batches_per_turn = 8;
constexpr std::size_t max_batch = 16;

// The socket of one outbound datagram connection.
class connected_port final : public datagram_port, public io_event_target, public std::enable_shared_from_this<connected_port> {
 public:
  connected_port(worker& home, int fd, std::size_t max_datagram)
      : home_(home), fd_(fd), batch_(max_datagram, home.read_buffer().size(), max_batch) {}
  ~connected_port() { ::close(fd_); }

  void attach(datagram_connection& conn) {
    conn_ = &conn;
    reading_ = home_.reactor().add(fd_, *this, EPOLLIN);
  }

  int send_to(std::span<const std::byte> bytes, const endpoint&) override { return send_datagram(fd_, bytes, nullptr); }

  void flow_closed(datagram_connection&) override {
    conn_ = nullptr;
    if (reading_) {
      home_.reactor().remove(fd_);
      reading_ = false;
    }
  }

  void on_io_event(std::uint32_t) override { drain(); }

 private:
  void drain() {
    for (int turn = 0; turn < batches_per_turn; ++turn) {
      if (conn_ == nullptr) {
        return;
      }
      int count = batch_.receive(fd_, home_.read_buffer());
      if (count == 0) {
        return;
      }
      if (count < 0) {
        if (errno == EINTR) {
          continue;
        }
        conn_->fail(describe_errno(errno));  // e.g. ECONNREFUSED: nobody listens there
        return;
      }
      for (int i = 0; i < count && conn_ != nullptr; ++i) {
        received_datagram datagram = batch_.at(i);
        if (datagram.truncated) {
          conn_->receive_oversized();
          continue;
        }
        conn_->receive(datagram.bytes);
      }
      if (static_cast<std::size_t>(count) < batch_.slots()) {
        return;
      }
    }
    boost::asio::post(home_.io(), [self = shared_from_this()] { self->drain(); });
  }

  worker& home_;
  int fd_;
  datagram_batch batch_;
  datagram_connection* conn_ = nullptr;
  bool reading_ = false;
};

}  // namespace

void connect_udp(worker& home, std::shared_ptr<connection_context> context, const endpoint& destination,
                 const options& opts, const std::function<void(result<connection_ref>)>& done) {
  auto fd = open_connected_udp_socket(destination, opts);
  if (!fd) {
    done(error{"connect to udp " + destination.to_string() + ": " + fd.error().message});
    return;
  }
  auto port = std::make_shared<connected_port>(home, *fd, context->max_datagram);
  endpoint local = local_endpoint_of(*fd);
  context->own_stats->current().fetch_add(1, std::memory_order_relaxed);
  context->total_stats->current().fetch_add(1, std::memory_order_relaxed);
  auto conn = std::make_shared<datagram_connection>(home, context, port, std::move(local), destination);
  port->attach(*conn);
  conn->start();
  if (!conn->is_open()) {
    done(error{"connect to udp " + destination.to_string() + ": the protocol closed it in on_open"});
    return;
  }
  done(conn->ref());
}

}  // namespace polyport::detail
