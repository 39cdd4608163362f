#include "client/udp_connector.hpp"

#include <unistd.h>

#include <boost/asio/post.hpp>

#include "core/datagram_connection.hpp"
#include "core/readiness_reactor.hpp"
#include "transport/dtls_record.hpp"
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
                 const route_plan& route, std::function<void(result<connection_ref>)> done) {
  bool secure = context->transport == transport::dtls;
  std::string label = "connect to " + std::string(to_string(context->transport)) + " " + destination.to_string();
  std::unique_ptr<dtls_session> session;
  if (secure) {
    auto tls = make_tls_context(tls_role::client, route.opts.tls, tls_wire::datagram);
    auto made = tls ? dtls_session::connect(**tls, route.opts.host.value_or(route.host), dtls_mtu_for(context->max_datagram))
                    : result<std::unique_ptr<dtls_session>>(tls.error());
    if (!made) {
      done(error{label + ": " + made.error().message});
      return;
    }
    session = std::move(*made);
  }
  auto fd = open_connected_udp_socket(destination, route.opts);
  if (!fd) {
    done(error{label + ": " + fd.error().message});
    return;
  }
  auto port = std::make_shared<connected_port>(home, *fd, secure ? dtls_max_datagram : context->max_datagram);
  endpoint local = local_endpoint_of(*fd);
  context->own_stats->current().fetch_add(1, std::memory_order_relaxed);
  context->total_stats->current().fetch_add(1, std::memory_order_relaxed);
  auto conn = std::make_shared<datagram_connection>(home, context, port, std::move(local), destination);
  port->attach(*conn);
  if (secure) {
    std::weak_ptr<datagram_connection> weak = conn;
    conn->use_dtls(std::move(session), route.connect_timeout(),
                   [weak, label, done = std::move(done)](const std::string& failure) {
                     auto opened = weak.lock();
                     if (!failure.empty() || !opened) {
                       done(error{label + ": " + (failure.empty() ? "closed" : failure)});
                       return;
                     }
                     done(opened->ref());
                   });
    conn->start();
    return;
  }
  conn->start();
  if (!conn->is_open()) {
    done(error{label + ": the protocol closed it in on_open"});
    return;
  }
  done(conn->ref());
}

}  // namespace polyport::detail
