#include "polyport/http_hello_protocol.hpp"

#include "polyport/static_files.hpp"

namespace polyport {

std::vector<polyport::transport> http_hello_protocol::transports(std::string_view) const {
  return {transport::http, transport::https};
}

void http_hello_protocol::on_http(connection& conn, const http_request& request, http_response& response) {
  for (const auto& [key, value] : conn.metadata()) {
    if (key == "root") {
      serve_static(value, request, response);
      return;
    }
  }
  response.headers.emplace_back("Content-Type", "text/plain");
  if (request.method != "GET" && request.method != "HEAD") {
    response.status = 405;
    response.headers.emplace_back("Allow", "GET, HEAD");
    response.body = "method not allowed\n";
    return;
  }
  response.body = "hello";
}

}  // namespace polyport
