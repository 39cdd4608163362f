#include "core/readiness_reactor.hpp"

#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <system_error>

namespace polyport::detail {

namespace {

int make_epoll() {
  int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) {
    throw std::system_error(errno, std::generic_category(), "epoll_create1");
  }
  return fd;
}

}  // namespace

readiness_reactor::readiness_reactor(boost::asio::io_context& io) : epoll_fd_(make_epoll()), watch_(io, epoll_fd_) {
  wait();
}

readiness_reactor::~readiness_reactor() = default;  // watch_ closes the epoll set

bool readiness_reactor::add(int fd, io_event_target& target, std::uint32_t events) {
  epoll_event event{};
  event.events = events | EPOLLET;
  event.data.ptr = &target;
  return ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) == 0;
}

void readiness_reactor::remove(int fd) {
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

void readiness_reactor::wait() {
  watch_.async_wait(boost::asio::posix::descriptor_base::wait_read, [this](const boost::system::error_code& error) {
    if (!error) {
      dispatch();
    }
  });
}

void readiness_reactor::dispatch() {
  int count = ::epoll_wait(epoll_fd_, events_.data(), static_cast<int>(events_.size()), 0);
  batch_time_ = std::chrono::steady_clock::now();
  dispatching_ = true;
  for (int i = 0; i < count; ++i) {
    static_cast<io_event_target*>(events_[i].data.ptr)->on_io_event(events_[i].events);
  }
  dispatching_ = false;
  if (count == static_cast<int>(events_.size())) {
    // More may be ready, and the epoll set raises no new edge for them: come back at once.
    boost::asio::post(watch_.get_executor(), [this] { dispatch(); });
    return;
  }
  wait();
}

}  // namespace polyport::detail
