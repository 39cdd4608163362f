#pragma once
// The HTTP/1.1 client (RFC 9112) behind runtime::http_request, for http:// and https:// URLs:
//
//   auto answer = rt.http_request("http://127.0.0.1:8080/hello", {}).get();
//   if (answer) { use(answer->status, answer->body); } else { log(answer.error().message); }
//
// Requests go over pooled connections, one pool entry per destination and TLS settings; several
// requests on one connection are pipelined and their responses matched in order. Redirects are
// not followed: the 3xx is the response. See docs/websocket-http.md.
// Thread safety: plain values.

#include <functional>
#include <string>
#include <string_view>

#include "polyport/http.hpp"
#include "polyport/result.hpp"

namespace polyport {

struct http_client_request {
  std::string method = "GET";
  // The request target; empty: the URL's path and query ("/" when it has none).
  std::string target;
  // Sent as given; Host (the URL's host and port) and Content-Length are added unless present.
  http_headers headers;
  std::string body;

  std::string_view header(std::string_view name) const;
};

struct http_client_response {
  int status = 0;
  std::string reason;
  int version = 11;  // 10 or 11
  http_headers headers;
  std::string body;  // whole, de-chunked; trailers are appended to headers

  std::string_view header(std::string_view name) const;
};

using http_response_handler = std::function<void(result<http_client_response>)>;

}  // namespace polyport
