#pragma once
// c-ares on one worker's event loop: c-ares opens its UDP/TCP sockets and tells us, through its
// socket-state callback, which to watch; Asio waits on them (no thread per query) and a timer
// follows ares_timeout() for retries and timeouts. Answers are read by parse_answer. Names listed
// in /etc/hosts (localhost) are answered from it, as the system resolver would, without DNS.
// Thread safety: create, query and destroy on the owning worker only.

#include <ares.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <unordered_map>
#include <vector>

#include "dns/dns_lookup.hpp"
#include "polyport/endpoint.hpp"
#include "polyport/result.hpp"

namespace polyport::detail {

struct dns_settings {
  std::vector<endpoint> servers;  // empty: /etc/resolv.conf
  std::chrono::milliseconds timeout{5000};  // per try
  unsigned tries = 2;
};

class ares_driver final : public dns_source {
 public:
  static result<std::unique_ptr<ares_driver>> create(boost::asio::io_context& io, const dns_settings& settings);
  // Queries still pending complete with "the resolver was stopped".
  ~ares_driver() override;
  ares_driver(const ares_driver&) = delete;
  ares_driver& operator=(const ares_driver&) = delete;

  void query(const std::string& name, record_type type, answer_handler done) override;

 private:
  struct watcher;
  explicit ares_driver(boost::asio::io_context& io);

  static void on_socket_state(void* self, ares_socket_t fd, int readable, int writable);
  static void on_answer(void* pending, int status, int timeouts, unsigned char* answer, int length);
  void socket_state(ares_socket_t fd, bool readable, bool writable);
  void wait_for(const std::shared_ptr<watcher>& watched, bool for_write);
  void rearm_timer();

  boost::asio::io_context& io_;
  ares_channel channel_ = nullptr;
  boost::asio::steady_timer timer_;
  std::unordered_map<ares_socket_t, std::shared_ptr<watcher>> watchers_;
  bool stopping_ = false;
};

}  // namespace polyport::detail
