#include "listener/stream_listener.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>

#include "core/runtime_state.hpp"
#include "core/stream_connection.hpp"
#include "transport/socket_ops.hpp"
#include "transport/tls_context.hpp"
#include "transport/tls_stream.hpp"

namespace polyport::detail {

namespace {

// Accepts per readiness event before yielding to the worker's connections.
constexpr int accepts_per_turn = 64;
constexpr int default_backlog = 1024;
// Pause after running out of file descriptors: long enough not to spin, short enough not to
// leave clients waiting once connections close.
constexpr std::chrono::milliseconds out_of_descriptors_backoff{100};

bool is_out_of_resources(int error_number) {
  return error_number == EMFILE || error_number == ENFILE || error_number == ENOBUFS || error_number == ENOMEM;
}

}  // namespace

stream_listener::stream_listener(std::weak_ptr<runtime::state> runtime_state, route_plan plan,
                                 std::shared_ptr<void> user_data)
    : runtime_(std::move(runtime_state)),
      plan_(std::move(plan)),
      user_data_(std::move(user_data)),
      max_connections_(plan_.opts.max_connections.value_or(default_max_connections)) {}

// The acceptors' descriptors close their sockets as they go.
stream_listener::~stream_listener() = default;

result<void> stream_listener::check(const route_plan& plan) {
  if (plan.transport == transport::tls) {
    if (auto context = make_tls_context(tls_role::server, plan.opts.tls); !context) {
      return context.error();
    }
  }
  if (plan.transport != transport::unix_stream) {
    if (auto address = resolve_listen_address(plan.host, plan.kind == host_kind::any_ipv6,
                                              plan.kind == host_kind::any_ipv4);
        !address) {
      return address.error();
    }
  }
  return {};
}

result<std::shared_ptr<stream_listener>> stream_listener::start(const std::shared_ptr<runtime::state>& runtime_state,
                                                                route_plan plan, std::shared_ptr<void> user_data) {
  auto started = std::make_shared<stream_listener>(runtime_state, std::move(plan), std::move(user_data));
  const route_plan& p = started->plan_;
  if (p.transport == transport::tls) {
    auto context = make_tls_context(tls_role::server, p.opts.tls);
    if (!context) {
      return context.error();
    }
    started->tls_ = *context;
  }
  started->stats_ = std::make_shared<stats_sink>(static_cast<unsigned>(runtime_state->workers.size()));
  started->context_ = make_connection_context(p, started->user_data_, started->stats_, runtime_state->totals, false);
  if (auto opened = started->open_sockets(*runtime_state); !opened) {
    return error{"cannot listen on \"" + p.url_text + "\": " + opened.error().message};
  }
  started->running_ = true;
  p.handler->on_listen(*started);
  for (auto& a : started->acceptors_) {
    acceptor* raw = a.get();
    a->owner->post([self = started, raw] { self->wait_for_connections(*raw); });
  }
  return started;
}

result<void> stream_listener::open_sockets(runtime::state& owner) {
  int backlog = plan_.opts.backlog.value_or(default_backlog);
  if (plan_.transport == transport::unix_stream) {
    auto fd = open_unix_listen_socket(plan_.unix_path, backlog);
    if (!fd) {
      return fd.error();
    }
    local_.path = plan_.unix_path;
    add_acceptor(*owner.workers.front(), *fd);
  } else {
    auto address = resolve_listen_address(plan_.host, plan_.kind == host_kind::any_ipv6, plan_.kind == host_kind::any_ipv4);
    if (!address) {
      return address.error();
    }
    endpoint at{*address, *plan_.port, {}};
    if (at.port != 0) {
      if (auto free = check_port_free(at); !free) {
        return free.error();
      }
    }
    unsigned count = plan_.opts.acceptors.value_or(static_cast<unsigned>(owner.workers.size()));
    for (unsigned i = 0; i < std::max(count, 1u); ++i) {
      auto fd = open_tcp_listen_socket(at, true, backlog);
      if (!fd) {
        return fd.error();
      }
      if (i == 0) {
        // Port 0 asked: every other acceptor joins the port the kernel picked for the first.
        local_ = local_endpoint_of(*fd);
        at.port = local_.port;
      }
      add_acceptor(*owner.workers[i % owner.workers.size()], *fd);
    }
  }
  return {};
}

void stream_listener::add_acceptor(worker& owner, int fd) {
  auto a = std::make_unique<acceptor>();
  a->owner = &owner;
  a->descriptor = std::make_unique<boost::asio::posix::stream_descriptor>(owner.io(), fd);
  a->backoff = std::make_unique<boost::asio::steady_timer>(owner.io());
  acceptors_.push_back(std::move(a));
}

void stream_listener::wait_for_connections(acceptor& a) {
  if (!running_) {
    return;
  }
  a.descriptor->async_wait(boost::asio::posix::descriptor_base::wait_read,
                           [self = shared_from_this(), &a](const boost::system::error_code& error) {
                             if (!error) {
                               self->accept_ready(a);
                             }
                           });
}

void stream_listener::accept_ready(acceptor& a) {
  for (int turn = 0; turn < accepts_per_turn; ++turn) {
    if (!running_) {
      return;
    }
    sockaddr_storage peer{};
    socklen_t peer_length = sizeof peer;
    int fd = ::accept4(a.descriptor->native_handle(), reinterpret_cast<sockaddr*>(&peer), &peer_length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) {
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        wait_for_connections(a);
        return;
      }
      accept_failed(a, errno);
      return;
    }
    if (a.out_of_descriptors) {
      a.out_of_descriptors = false;
      spdlog::info("{}: accepting again", description());
    }
    endpoint remote = to_endpoint(peer, peer_length);
    if (plan_.transport == transport::unix_stream) {
      runtime::state* owner = runtime_.lock().get();
      worker& home = owner != nullptr ? owner->least_loaded_worker() : *a.owner;
      if (&home != a.owner) {
        home.post([self = shared_from_this(), &home, fd, remote] { self->adopt(home, fd, remote); });
        continue;
      }
    }
    adopt(*a.owner, fd, remote);
  }
  // More may be waiting, but no new readiness edge will say so: come back after the others ran.
  boost::asio::post(a.owner->io(), [self = shared_from_this(), &a] { self->accept_ready(a); });
}

void stream_listener::accept_failed(acceptor& a, int error_number) {
  stats_shard::add(stats_->shard(a.owner->index()).accept_errors, 1);
  if (is_out_of_resources(error_number)) {
    if (!a.out_of_descriptors) {
      a.out_of_descriptors = true;
      spdlog::warn("{}: accept failed ({}); pausing accepts until descriptors free up", description(),
                   describe_errno(error_number));
    }
  } else {
    spdlog::warn("{}: accept failed: {}", description(), describe_errno(error_number));
  }
  // Never spin on a failing accept: the pending connection stays in the kernel's backlog.
  a.backoff->expires_after(out_of_descriptors_backoff);
  a.backoff->async_wait([self = shared_from_this(), &a](const boost::system::error_code& error) {
    if (!error) {
      self->accept_ready(a);
    }
  });
}

void stream_listener::adopt(worker& home, int fd, const endpoint& remote) {
  auto owner = runtime_.lock();
  if (!running_ || !owner) {
    ::close(fd);
    return;
  }
  std::size_t process_limit = owner->settings.max_connections;
  std::size_t here = stats_->current().fetch_add(1, std::memory_order_relaxed);
  std::size_t everywhere = owner->totals->current().fetch_add(1, std::memory_order_relaxed);
  if (here >= max_connections() || (process_limit != 0 && everywhere >= process_limit)) {
    stats_->current().fetch_sub(1, std::memory_order_relaxed);
    owner->totals->current().fetch_sub(1, std::memory_order_relaxed);
    auto reason = static_cast<std::size_t>(close_reason::max_connections);
    stats_shard::add(stats_->shard(home.index()).closed[reason], 1);
    stats_shard::add(owner->totals->shard(home.index()).closed[reason], 1);
    // Reset rather than a graceful close: the client learns at once that it was refused.
    linger hard{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    ::close(fd);
    return;
  }
  apply_stream_options(fd, plan_.transport != transport::unix_stream, plan_.opts);
  std::unique_ptr<byte_stream> stream = tls_ ? make_tls_stream(fd, tls_, {}) : make_plain_stream(fd);
  endpoint local = plan_.transport == transport::unix_stream ? local_ : local_endpoint_of(fd);
  auto conn = std::make_shared<stream_connection>(home, context_, std::move(stream), std::move(local), remote);
  conn->start();
}

void stream_listener::stop() {
  shut_down(true, close_reason::listener_stopped);
}

void stream_listener::stop_for_runtime() {
  shut_down(false, close_reason::runtime_stopped);
}

void stream_listener::stop_accepting() {
  for (auto& a : acceptors_) {
    acceptor* raw = a.get();
    // Closed on its own worker, where its waits run; the kernel then refuses new connections.
    raw->owner->post([self = shared_from_this(), raw] {
      raw->backoff->cancel();
      boost::system::error_code ignored;
      raw->descriptor->close(ignored);
    });
  }
}

void stream_listener::shut_down(bool remove_from_runtime, close_reason why) {
  std::lock_guard lock(stop_mutex_);
  if (!running_.exchange(false)) {
    return;
  }
  auto owner = runtime_.lock();
  if (owner) {
    stop_accepting();
    const connection_context* mine = context_.get();
    owner->on_every_worker([mine, why](worker& w) {
      w.for_each_connection([mine, why](stream_connection& conn) {
        if (&conn.context() == mine) {
          conn.terminate(why);
        }
      });
    });
  }
  if (plan_.transport == transport::unix_stream) {
    ::unlink(plan_.unix_path.c_str());
  }
  plan_.handler->on_listen_stop(*this);
  if (owner && remove_from_runtime) {
    owner->remove_listener(this);
  }
}

}  // namespace polyport::detail
