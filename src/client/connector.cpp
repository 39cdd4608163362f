#include "client/connector.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cerrno>
#include <vector>

#include "client/proxy_send.hpp"
#include "client/udp_connector.hpp"
#include "core/runtime_state.hpp"
#include "core/stream_connection.hpp"
#include "transport/socket_ops.hpp"
#include "transport/tls_context.hpp"
#include "transport/tls_stream.hpp"

namespace polyport::detail {

namespace {

// Lives from the connect() call until the connection is open or the attempt has failed.
class connect_attempt : public std::enable_shared_from_this<connect_attempt> {
 public:
  connect_attempt(std::shared_ptr<runtime::state> owner, worker& home, const route_plan& route,
                  std::shared_ptr<connection_context> context, endpoint destination,
                  std::function<void(result<connection_ref>)> done)
      : owner_(std::move(owner)),
        home_(home),
        context_(std::move(context)),
        destination_(std::move(destination)),
        timeout_(route.connect_timeout()),
        opts_(route.opts),
        server_name_(route.opts.host.value_or(route.host)),
        done_(std::move(done)),
        deadline_(home.io()) {}

  void start() {
    label_ = "connect to " + std::string(to_string(context_->transport)) + " " + destination_.to_string();
    auto fd = open_stream_socket(destination_);
    if (!fd) {
      fail(fd.error().message);
      return;
    }
    apply_stream_options(*fd, context_->transport != transport::unix_stream, opts_);
    descriptor_ = std::make_unique<boost::asio::posix::stream_descriptor>(home_.io(), *fd);
    deadline_.expires_after(timeout_);
    deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
      if (!error) {
        self->timed_out();
      }
    });
    socket_address address = to_socket_address(destination_);
    if (::connect(*fd, address.get(), address.length) == 0) {
      connected();
      return;
    }
    if (errno != EINPROGRESS) {
      fail(describe_errno(errno));
      return;
    }
    descriptor_->async_wait(boost::asio::posix::descriptor_base::wait_write,
                            [self = shared_from_this()](const boost::system::error_code& error) {
                              if (!error) {
                                self->connect_finished();
                              }
                            });
  }

 private:
  void connect_finished() {
    int socket_error = 0;
    socklen_t length = sizeof socket_error;
    ::getsockopt(descriptor_->native_handle(), SOL_SOCKET, SO_ERROR, &socket_error, &length);
    if (socket_error != 0) {
      fail(describe_errno(socket_error));
      return;
    }
    connected();
  }

  // The socket is connected: the PROXY header goes first (proxy_send), then the transport.
  void connected() {
    if (opts_.proxy_send) {
      endpoint local = local_endpoint_of(descriptor_->native_handle());
      auto header = proxy_send_bytes(opts_, context_->transport, local, destination_);
      if (!header) {
        fail(header.error().message);
        return;
      }
      proxy_header_ = std::move(*header);
      send_proxy_header();
      return;
    }
    open_connection();
  }

  // Plain bytes on the socket, before any TLS record. A fresh socket's send buffer takes the
  // header at once; the wait is for the rare case it does not.
  void send_proxy_header() {
    while (proxy_header_sent_ < proxy_header_.size()) {
      ssize_t sent = ::send(descriptor_->native_handle(), proxy_header_.data() + proxy_header_sent_,
                            proxy_header_.size() - proxy_header_sent_, MSG_NOSIGNAL);
      if (sent >= 0) {
        proxy_header_sent_ += static_cast<std::size_t>(sent);
        continue;
      }
      if (errno == EINTR) {
        continue;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        fail("sending the PROXY header: " + describe_errno(errno));
        return;
      }
      descriptor_->async_wait(boost::asio::posix::descriptor_base::wait_write,
                              [self = shared_from_this()](const boost::system::error_code& error) {
                                if (!error) {
                                  self->send_proxy_header();
                                }
                              });
      return;
    }
    // Counted as the connection's bytes, as the listener counts the header it reads.
    stats_shard::add(context_->own_stats->shard(home_.index()).bytes_out, proxy_header_.size());
    stats_shard::add(context_->total_stats->shard(home_.index()).bytes_out, proxy_header_.size());
    std::vector<std::byte>().swap(proxy_header_);
    open_connection();
  }

  void open_connection() {
    int fd = descriptor_->release();
    descriptor_.reset();
    std::unique_ptr<byte_stream> stream;
    if (context_->transport == transport::tls || context_->transport == transport::wss) {
      auto tls = make_tls_context(tls_role::client, opts_.tls);
      if (!tls) {
        ::close(fd);
        fail(tls.error().message);
        return;
      }
      stream = make_tls_stream(fd, *tls, server_name_);
    } else {
      stream = make_plain_stream(fd);
    }
    context_->own_stats->current().fetch_add(1, std::memory_order_relaxed);
    context_->total_stats->current().fetch_add(1, std::memory_order_relaxed);
    endpoint local = context_->transport == transport::unix_stream ? endpoint{} : local_endpoint_of(fd);
    auto conn = std::make_shared<stream_connection>(home_, context_, std::move(stream), std::move(local), destination_);
    connection_ = conn;
    conn->start([self = shared_from_this()](stream_connection* opened, const std::string& failure) {
      if (opened != nullptr) {
        self->succeed(opened->ref());
      } else {
        self->fail(failure);
      }
    });
  }

  void timed_out() {
    if (finished_) {
      return;
    }
    std::string why = "timed out after " + std::to_string(timeout_.count()) + " ms";
    if (auto conn = connection_.lock()) {
      handshake_timed_out_ = true;
      conn->terminate(close_reason::handshake_error);  // reports through the opened handler
      return;
    }
    fail(why);
  }

  void succeed(connection_ref ref) {
    finished_ = true;
    deadline_.cancel();
    done_(std::move(ref));
  }

  void fail(const std::string& why) {
    if (finished_) {
      return;
    }
    finished_ = true;
    deadline_.cancel();
    if (descriptor_) {
      boost::system::error_code ignored;
      descriptor_->close(ignored);
    }
    std::string detail = handshake_timed_out_ ? "handshake timed out after " + std::to_string(timeout_.count()) + " ms" : why;
    done_(error{label_ + ": " + detail});
  }

  std::shared_ptr<runtime::state> owner_;
  worker& home_;
  std::shared_ptr<connection_context> context_;
  endpoint destination_;
  std::chrono::milliseconds timeout_;
  options opts_;
  std::string server_name_;
  std::function<void(result<connection_ref>)> done_;
  boost::asio::steady_timer deadline_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> descriptor_;
  std::weak_ptr<stream_connection> connection_;
  std::string label_;
  std::vector<std::byte> proxy_header_;
  std::size_t proxy_header_sent_ = 0;
  bool finished_ = false;
  bool handshake_timed_out_ = false;
};

}  // namespace

std::shared_ptr<connection_context> make_outbound_context(runtime::state& owner, const route_plan& route,
                                                          std::shared_ptr<void> user_data) {
  return make_connection_context(route, std::move(user_data), owner.client_totals, owner.totals, true);
}

void connect_to(runtime::state& owner, worker& home, const route_plan& route, std::shared_ptr<connection_context> context,
                endpoint destination, std::function<void(result<connection_ref>)> done) {
  if (context->transport == transport::udp || context->transport == transport::dtls) {
    home.post([&home, context = std::move(context), destination = std::move(destination), route,
               done = std::move(done)] { connect_udp(home, context, destination, route, done); });
    return;
  }
  auto attempt = std::make_shared<connect_attempt>(owner.shared_from_this(), home, route, std::move(context),
                                                   std::move(destination), std::move(done));
  home.post([attempt] { attempt->start(); });
}

}  // namespace polyport::detail
