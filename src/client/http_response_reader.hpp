#pragma once
// Reads HTTP/1.1 responses (RFC 9112 §4-§7) from the bytes of a client connection, one response
// per request in order: status line and headers (bounded), a body by Content-Length, chunked
// (trailers appended to the headers) or read until the connection closes, and none after HEAD,
// 204 or 304. Interim 1xx responses (100 Continue) are skipped. Beast's parser does the parsing
// and stays inside http_response_reader.cpp.
// Thread safety: owned by one connection, used only on its worker.

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "polyport/http_client.hpp"

namespace polyport::detail {

// The largest response head (status line and headers) the client reads.
inline constexpr std::size_t default_http_max_response_head = 64 * 1024;

class http_response_reader {
 public:
  http_response_reader();
  ~http_response_reader();
  http_response_reader(const http_response_reader&) = delete;
  http_response_reader& operator=(const http_response_reader&) = delete;

  // Starts reading the response to a request with `method` (HEAD: no body), with a body of at
  // most `max_body` bytes.
  void expect(std::string_view method, std::size_t max_body, std::size_t max_head = default_http_max_response_head);

  struct step {
    enum class outcome {
      need_more,  // every byte up to `consumed` is taken; offer the rest again with more
      response,   // take() holds the response
      bad,        // `error` says what is wrong; the connection cannot be used further
    } result = outcome::need_more;
    std::size_t consumed = 0;
    std::string error;
  };
  step feed(std::span<const std::byte> bytes);
  // The peer closed: completes a body read until close, else says what was cut short.
  step finish();

  // Whether any byte of the current response has arrived.
  bool started() const { return started_; }
  // After `response`: the response, and whether the connection may carry another.
  http_client_response take();
  bool keep_alive() const { return keep_alive_; }

 private:
  step complete(std::size_t consumed);

  struct parser_box;
  std::unique_ptr<parser_box> parser_;
  std::string method_;
  std::size_t max_body_ = 0;
  std::size_t max_head_ = 0;
  bool started_ = false;
  bool keep_alive_ = true;
  http_client_response response_;
};

}  // namespace polyport::detail
