#include "core/http_session.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>

namespace polyport::detail {

namespace http = boost::beast::http;

struct http_session::parser_box {
  std::optional<http::request_parser<http::string_body>> parser;
  bool continue_sent = false;
};

http_session::http_session(std::size_t max_header, std::size_t max_body)
    : parser_(std::make_unique<parser_box>()), max_header_(max_header), max_body_(max_body) {
  reset();
}

http_session::~http_session() = default;

void http_session::reset() {
  parser_->parser.emplace();
  parser_->parser->header_limit(static_cast<std::uint32_t>(max_header_));
  parser_->parser->body_limit(max_body_);
  parser_->continue_sent = false;
  // Cleared, not freed: the next request of a kept-alive connection reuses the capacity.
  request_.method.clear();
  request_.target.clear();
  request_.path.clear();
  request_.query.clear();
  request_.headers.clear();
  request_.body.clear();
}

namespace {

http_session::step bad(std::size_t consumed, int status, std::string why) {
  return {http_session::step::outcome::bad, consumed, status, std::move(why)};
}

}  // namespace

http_session::step http_session::feed(std::span<const std::byte> bytes) {
  auto& parser = *parser_->parser;
  std::size_t total = 0;
  for (;;) {
    boost::beast::error_code failure;
    std::size_t taken = parser.put(boost::asio::buffer(bytes.data() + total, bytes.size() - total), failure);
    total += taken;
    if (failure == http::error::need_more || (!failure && !parser.is_done() && taken == 0)) {
      if (parser.is_header_done() && !parser_->continue_sent &&
          boost::beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        parser_->continue_sent = true;
        return {step::outcome::need_more, total, 100, {}};
      }
      return {step::outcome::need_more, total, 0, {}};
    }
    if (failure == http::error::header_limit) {
      return bad(total, 431, "a request head over " + std::to_string(max_header_) + " bytes");
    }
    if (failure == http::error::body_limit) {
      return bad(total, 413, "a request body over " + std::to_string(max_body_) + " bytes");
    }
    if (failure) {
      return bad(total, 400, "a malformed request: " + failure.message());
    }
    if (parser.is_done()) {
      break;
    }
  }
  auto& message = parser.get();
  request_.method.assign(message.method_string());
  std::string_view target = message.target();
  request_.target.assign(target);
  auto question = target.find('?');
  request_.path.assign(target.substr(0, question));
  if (question != std::string_view::npos) {
    request_.query.assign(target.substr(question + 1));
  }
  request_.version = static_cast<int>(message.version());
  for (const auto& field : message) {
    request_.headers.emplace_back(field.name_string(), field.value());
  }
  request_.body = std::move(message.body());
  keep_alive_ = message.keep_alive();
  return {step::outcome::request, total, 0, {}};
}

bool carries_body(int status, std::string_view method) {
  return method != "HEAD" && status != 204 && status != 304 && (status < 100 || status >= 200);
}

std::string serialize_http_response(const http_response& response, std::string_view method, bool keep_alive) {
  bool no_body = !carries_body(response.status, method);
  std::string out;
  out.reserve(128 + response.body.size());
  out += "HTTP/1.1 ";
  out += std::to_string(response.status);
  out += ' ';
  out += http::obsolete_reason(static_cast<http::status>(response.status));
  out += "\r\n";
  bool has_server = false;
  for (const auto& [name, value] : response.headers) {
    if (boost::beast::iequals(name, "content-length") || boost::beast::iequals(name, "connection") ||
        boost::beast::iequals(name, "transfer-encoding")) {
      continue;  // ours to set
    }
    has_server = has_server || boost::beast::iequals(name, "server");
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (!has_server) {
    out += "Server: polyport\r\n";
  }
  if (response.status >= 200 && response.status != 204 && response.status != 304) {
    if (!response.body_source || response.body_length) {
      out += "Content-Length: ";
      out += std::to_string(response.body_source ? *response.body_length : response.body.size());
      out += "\r\n";
    } else if (keep_alive && !no_body) {
      out += "Transfer-Encoding: chunked\r\n";
    }
  }
  if (!keep_alive) {
    out += "Connection: close\r\n";
  }
  out += "\r\n";
  if (!no_body && !response.body_source) {
    out += response.body;
  }
  return out;
}

}  // namespace polyport::detail
