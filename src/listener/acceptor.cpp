#include "listener/acceptor.hpp"

#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>

#include "transport/socket_ops.hpp"

namespace polyport::detail {

namespace {

// Accepts per readiness event before yielding to the worker's connections.
constexpr int accepts_per_turn = 64;
// Pause after running out of descriptors: long enough not to spin, short enough not to leave
// clients waiting once connections close.
constexpr std::chrono::milliseconds out_of_resources_backoff{100};

bool is_out_of_resources(int error_number) {
  return error_number == EMFILE || error_number == ENFILE || error_number == ENOBUFS || error_number == ENOMEM;
}

}  // namespace

acceptor::acceptor(worker& owner, int listen_fd, std::string label, std::shared_ptr<stats_sink> stats,
                   accepted_handler on_accepted, accept_gate may_accept)
    : owner_(owner),
      socket_(owner.io(), listen_fd),
      backoff_(owner.io()),
      label_(std::move(label)),
      stats_(std::move(stats)),
      on_accepted_(std::move(on_accepted)),
      may_accept_(std::move(may_accept)) {}

void acceptor::start() {
  owner_.post([self = shared_from_this()] { self->wait(); });
}

void acceptor::resume() {
  owner_.post([self = shared_from_this()] {
    if (self->parked_ && !self->closed_) {
      self->parked_ = false;
      self->accept_ready();
    }
  });
}

void acceptor::close(std::function<void()> done) {
  owner_.post([self = shared_from_this(), done = std::move(done)] {
    self->closed_ = true;
    self->backoff_.cancel();
    boost::system::error_code ignored;
    self->socket_.close(ignored);
    if (done) {
      done();
    }
  });
}

void acceptor::wait() {
  if (closed_ || waiting_) {
    return;
  }
  waiting_ = true;
  socket_.async_wait(boost::asio::posix::descriptor_base::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& error) {
                       self->waiting_ = false;
                       if (!error) {
                         self->accept_ready();
                       }
                     });
}

void acceptor::accept_ready() {
  for (int turn = 0; turn < accepts_per_turn; ++turn) {
    if (closed_) {
      return;
    }
    if (!may_accept_()) {
      parked_ = true;  // the backlog holds them; resume() comes back
      return;
    }
    sockaddr_storage peer{};
    socklen_t peer_length = sizeof peer;
    int fd = ::accept4(socket_.native_handle(), reinterpret_cast<sockaddr*>(&peer), &peer_length,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) {
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        wait();
        return;
      }
      accept_failed(errno);
      return;
    }
    if (out_of_descriptors_) {
      out_of_descriptors_ = false;
      spdlog::info("{}: accepting again", label_);
    }
    on_accepted_(owner_, fd, to_endpoint(peer, peer_length));
  }
  // More may be waiting, but no new readiness edge will say so: come back after the others ran.
  boost::asio::post(owner_.io(), [self = shared_from_this()] { self->accept_ready(); });
}

void acceptor::accept_failed(int error_number) {
  stats_shard::add(stats_->shard(owner_.index()).accept_errors, 1);
  if (!is_out_of_resources(error_number)) {
    spdlog::warn("{}: accept failed: {}", label_, describe_errno(error_number));
  } else if (!out_of_descriptors_) {
    out_of_descriptors_ = true;
    spdlog::warn("{}: accept failed ({}); pausing accepts until descriptors free up", label_,
                 describe_errno(error_number));
  }
  // Never spin on a failing accept: the pending connection stays in the kernel's backlog.
  backoff_.expires_after(out_of_resources_backoff);
  backoff_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
    if (!error) {
      self->accept_ready();
    }
  });
}

}  // namespace polyport::detail
