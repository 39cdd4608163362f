#pragma once
// The built-in `http` protocol of `polyport serve http://...`: answers every GET and HEAD with a
// small text page ("hello"), anything else with 405; with a `?root=DIR` URL header it serves the
// files under DIR instead (serve_static). A starting point for on_http, and the server side of
// the HTTP benchmark.
// Thread safety: stateless; one instance serves every connection.

#include "polyport/protocol.hpp"

namespace polyport {

class http_hello_protocol : public protocol {
 public:
  std::vector<polyport::transport> transports(std::string_view scheme) const override;
  void on_http(connection& conn, const http_request& request, http_response& response) override;
};

}  // namespace polyport
