#include "core/worker.hpp"

#include <boost/asio/post.hpp>


namespace polyport::detail {

namespace {
thread_local worker* this_thread_worker = nullptr;
constexpr std::size_t read_buffer_size = 64 * 1024;
}  // namespace

worker::worker(unsigned index)
    : index_(index), io_(1), keep_running_(boost::asio::make_work_guard(io_)), idle_(io_), reactor_(io_), read_buffer_(read_buffer_size) {}

worker::~worker() {
  if (thread_.joinable()) {
    stop_and_join();
  }
}

void worker::start() {
  thread_ = std::thread([this] {
    this_thread_worker = this;
    io_.run();
    this_thread_worker = nullptr;
  });
}

void worker::post(std::function<void()> action) {
  boost::asio::post(io_, std::move(action));
}

void worker::stop_and_join() {
  keep_running_.reset();
  io_.stop();
  if (thread_.joinable()) {
    thread_.join();
  }
}

worker* worker::current() {
  return this_thread_worker;
}

void worker::adopt(registered_connection& conn) {
  connections_.push_back(conn);
  load_.fetch_add(1, std::memory_order_relaxed);
}

void worker::forget(registered_connection& conn) {
  if (conn.is_linked()) {
    connections_.remove(conn);
    load_.fetch_sub(1, std::memory_order_relaxed);
  }
}

}  // namespace polyport::detail
