#pragma once
// The `polyport` verbs. Each returns the process exit code: 0 success, 1 a runtime failure
// (refused, timed out, address in use), 2 bad input (URL, option, arguments).

#include <optional>
#include <string>
#include <vector>

#include "polyport/endpoint.hpp"
#include "polyport/runtime.hpp"

namespace polyport::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;

// Applies `--dns IP:PORT` ("127.0.0.1:5353", "[::1]:5353"; empty: the system's servers) to
// `settings`; false, with the error on stderr, when malformed.
bool use_dns_flag(const std::string& text, runtime_options& settings);

struct serve_arguments {
  unsigned workers = 0;
  std::string dns;  // IP:PORT; empty: /etc/resolv.conf
  std::string admin_path;  // a Unix socket for `polyport admin`; empty: none
  std::vector<std::string> urls;
};
int run_serve(const serve_arguments& arguments);

struct send_arguments {
  unsigned timeout_ms = 5000;
  std::string dns;
  std::string url;
  std::string data;
};
int run_send(const send_arguments& arguments);

// One HTTP request; prints the response body (with include_head, the status line and headers first).
struct fetch_arguments {
  unsigned timeout_ms = 30000;  // connect_timeout and response_timeout
  std::string dns;
  std::string method;               // empty: GET, or POST with data
  std::optional<std::string> data;  // the request body
  std::vector<std::string> headers;  // "Name: value"
  bool include_head = false;
  std::string url;
};
int run_fetch(const fetch_arguments& arguments);

// Prints the destinations of a URL, one `<transport> <ip>:<port>` per line, in order.
struct resolve_arguments {
  unsigned timeout_ms = 5000;
  std::string dns;
  std::string url;
};
int run_resolve(const resolve_arguments& arguments);

struct admin_arguments {
  unsigned timeout_ms = 5000;
  std::string path;
  std::vector<std::string> command;
};
int run_admin(const admin_arguments& arguments);

struct stun_arguments {
  std::string server;  // HOST[:PORT]: an IP literal or localhost; port 3478 by default
  unsigned rto_ms = 500;
  unsigned max_sends = 7;
};
int run_stun(const stun_arguments& arguments);

// The URLs `polyport serve` starts when given none, with what they need (a TLS identity).
struct demo_set {
  std::vector<std::string> urls;
  std::string notes;  // how to try them, for stderr
};
demo_set prepare_demo();

}  // namespace polyport::cli
