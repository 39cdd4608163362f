#include "client/connector.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cerrno>

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

  void connected() {
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
  auto attempt = std::make_shared<connect_attempt>(owner.shared_from_this(), home, route, std::move(context),
                                                   std::move(destination), std::move(done));
  home.post([attempt] { attempt->start(); });
}

}  // namespace polyport::detail
