#pragma once
// The protocol of the HTTP client's connections (runtime::http_request): each connection keeps
// the requests it has sent and reads their responses in order (pipelining, RFC 9112 §9.3.2).
//
//   submit(request bytes) ─▶ outbound queue ─▶ server
//   server ─▶ on_data ─▶ response reader ─▶ the oldest request's handler
//
// A response with Connection: close (or read until close) retires the connection: requests
// sent after it fail as `unanswered`, and so may be tried again elsewhere. While a request waits,
// the connection's idle timeout is the request's response_timeout; with none waiting it is the
// pool's idle timeout.
// Thread safety: the protocol object is stateless; each connection's pipeline is used only on
// its worker.

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <string>

#include "client/http_response_reader.hpp"
#include "polyport/protocol.hpp"

namespace polyport::detail {

// How a request ended. `unanswered`: not one byte of its response arrived before the connection
// ended (or it never went out), so a new connection may try it again.
struct http_request_outcome {
  result<http_client_response> response;
  bool unanswered = false;
  bool sent = true;
};
using http_outcome_handler = std::function<void(http_request_outcome)>;

struct http_pending_request {
  std::string method;
  std::size_t max_body = 0;
  std::chrono::milliseconds response_timeout{0};
  std::chrono::milliseconds pool_idle_timeout{0};
  http_outcome_handler done;
};

class http_pipeline {
 public:
  // Sends `bytes` and queues the request for its response (or reports it unsent).
  void submit(connection& conn, std::string_view bytes, http_pending_request request);
  std::size_t on_data(connection& conn, std::span<const std::byte> bytes);
  // The connection went quiet for response_timeout with requests waiting.
  void timed_out();
  void closed(const close_info& why);
  bool waiting() const { return !pending_.empty(); }

 private:
  void answer_front(result<http_client_response> response);
  void fail_all(const std::string& why, bool unanswered);

  http_response_reader reader_;
  std::deque<http_pending_request> pending_;
  bool retired_ = false;
};

class http_client_protocol final : public protocol {
 public:
  std::vector<polyport::transport> transports(std::string_view scheme) const override;
  void on_open(connection& conn) override;
  std::size_t on_data(connection& conn, std::span<const std::byte> bytes) override;
  idle_action on_idle(connection& conn) override;
  void on_close(connection& conn, const close_info& why) override;
};

}  // namespace polyport::detail
