#pragma once
// The runtime: worker threads with one event loop each, the protocol registry, listeners and
// outbound connections.
//
//   runtime rt({.workers = 2});
//   rt.register_protocol("echo", std::make_shared<my_echo>());
//   auto started = rt.listen("echo://127.0.0.1:0;transport=tcp");
//   auto conn = rt.connect("echo://127.0.0.1:" + port + ";transport=tcp").get();
//
// Every connection lives on one worker for its whole life. Thread safety: distinct and shared
// objects: safe; call from any thread. The blocking calls (listen, the future-returning ones
// waited on, stop) must not be waited on from a worker thread.

#include <chrono>
#include <cstddef>
#include <functional>
#include <future>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "polyport/connection.hpp"
#include "polyport/destination.hpp"
#include "polyport/endpoint.hpp"
#include "polyport/http_client.hpp"
#include "polyport/listener.hpp"
#include "polyport/options.hpp"
#include "polyport/protocol.hpp"
#include "polyport/result.hpp"
#include "polyport/stats.hpp"

namespace polyport {

struct runtime_options {
  unsigned workers = 0;             // 0: one per hardware thread
  std::size_t max_connections = 0;  // process-wide cap on inbound connections, all listeners; 0: none
  // DNS (docs/dns.md): the servers to ask (empty: those of /etc/resolv.conf), how long to wait
  // for each try, and how many tries per server.
  std::vector<endpoint> dns_servers{};
  std::chrono::milliseconds dns_timeout{5000};
  unsigned dns_tries = 2;
};

using connect_handler = std::function<void(result<connection_ref>)>;
using resolve_handler = std::function<void(result<std::vector<destination>>)>;

class runtime {
 public:
  explicit runtime(runtime_options settings = {});
  ~runtime();
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  // Registers `handler` for `scheme` globally, or for one class; lookups for a class fall back
  // to the global registration.
  void register_protocol(std::string_view scheme, std::shared_ptr<protocol> handler);
  void register_protocol(std::string_view class_name, std::string_view scheme, std::shared_ptr<protocol> handler);
  std::shared_ptr<protocol> find_protocol(std::string_view class_name, std::string_view scheme) const;

  // Starts a listener from a URL; `overrides` win over the URL's options. Returns once it
  // listens, or an error naming what is wrong (bad URL or option, address in use, ...).
  result<std::shared_ptr<listener>> listen(std::string_view url, const options& overrides = {},
                                           std::shared_ptr<void> user_data = nullptr);
  // Checks a listener URL (parse, options, protocol, transport, certificates) without binding.
  result<void> check_listen(std::string_view url, const options& overrides = {}) const;

  // Opens a new connection, trying each route of `urls` (a comma-separated list) in order.
  // `done` runs on the connection's worker (or on a worker, with the last route's error).
  void connect(std::string_view urls, const options& overrides, connect_handler done,
               std::shared_ptr<void> user_data = nullptr);
  std::future<result<connection_ref>> connect(std::string_view urls, const options& overrides = {});

  // Sends a message over a live connection to the same destination (same class, scheme,
  // transport, ip and port) unless force_new, else over a new one; concurrent sends to a new
  // destination share one connection attempt. Completes once the message is queued.
  void send(std::string_view urls, std::span<const std::byte> message, const options& overrides, connect_handler done);
  std::future<result<connection_ref>> send(std::string_view urls, std::span<const std::byte> message,
                                           const options& overrides = {});

  // The destinations `urls` lead to, in the order connect and send try them: an IP literal as
  // is, a name through NAPTR, SRV and A/AAAA (docs/dns.md). Transports not built yet are listed
  // too. `done` runs on a worker (at once for IP literals).
  void resolve(std::string_view urls, const options& overrides, resolve_handler done);
  std::future<result<std::vector<destination>>> resolve(std::string_view urls, const options& overrides = {});

  // One HTTP/1.1 request to an http:// or https:// URL (http_client.hpp): over a pooled
  // connection to the same destination and TLS settings (pipelined behind requests already on
  // it), else a new one. `done` runs once, on a worker, with the response or an error naming
  // the failure (connect, TLS, response_timeout, a response over max_frame, ...). A request
  // whose connection closed before any byte of its response is sent again once, on a new
  // connection, if its method is idempotent. Redirects are returned, not followed.
  void http_request(std::string_view url, http_client_request request, const options& overrides,
                    http_response_handler done);
  std::future<result<http_client_response>> http_request(std::string_view url, http_client_request request = {},
                                                          const options& overrides = {});

  std::vector<std::shared_ptr<listener>> listeners() const;
  // Everything this runtime accepted and connected, including listeners stopped since.
  connection_stats stats() const;
  // Counters of outbound connections only.
  connection_stats client_stats() const;

  unsigned worker_count() const;

  // Stops every listener, closes every connection (close_reason::runtime_stopped) and joins the
  // workers. Idempotent; the destructor calls it.
  void stop();

  struct state;

 private:
  std::shared_ptr<state> state_;
};

}  // namespace polyport
