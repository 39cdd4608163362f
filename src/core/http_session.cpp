#include "core/http_session.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <algorithm>
#include <optional>

namespace polyport::detail {

namespace http = boost::beast::http;

struct http_session::parser_box {
  std::optional<http::request_parser<http::string_body>> whole;
  std::optional<http::request_parser<http::buffer_body>> streamed;  // replaces `whole` after choose_body(true)
  bool continue_sent = false;
  bool body_chosen = false;
};

http_session::http_session(const http_limits& limits)
    : parser_(std::make_unique<parser_box>()), limits_(limits) {
  reset();
}

http_session::~http_session() = default;

void http_session::reset() {
  parser_->streamed.reset();
  parser_->whole.emplace();
  parser_->whole->header_limit(static_cast<std::uint32_t>(limits_.max_header));
  // The larger limit until the body is chosen (whole or streamed), which then sets its own.
  parser_->whole->body_limit(std::max(limits_.max_body, limits_.max_streamed_body));
  parser_->continue_sent = false;
  parser_->body_chosen = false;
  std::vector<char>().swap(piece_);
  // Cleared, not freed: the next request of a kept-alive connection reuses the capacity.
  request_.method.clear();
  request_.target.clear();
  request_.path.clear();
  request_.query.clear();
  request_.headers.clear();
  request_.body.clear();
  request_.body_streamed = false;
}

namespace {

http_session::step bad(std::size_t consumed, int status, std::string why) {
  return {http_session::step::outcome::bad, consumed, status, std::move(why), {}};
}

http_session::step failed(std::size_t consumed, const boost::beast::error_code& failure, std::size_t max_header,
                          std::size_t max_body) {
  if (failure == http::error::header_limit) {
    return bad(consumed, 431, "a request head over " + std::to_string(max_header) + " bytes");
  }
  if (failure == http::error::body_limit) {
    return bad(consumed, 413, "a request body over " + std::to_string(max_body) + " bytes");
  }
  return bad(consumed, 400, "a malformed request: " + failure.message());
}

template <class Message>
void read_head(const Message& message, http_request& request) {
  request.method.assign(message.method_string());
  std::string_view target = message.target();
  request.target.assign(target);
  auto question = target.find('?');
  request.path.assign(target.substr(0, question));
  request.query.clear();
  if (question != std::string_view::npos) {
    request.query.assign(target.substr(question + 1));
  }
  request.version = static_cast<int>(message.version());
  request.headers.clear();
  for (const auto& field : message) {
    request.headers.emplace_back(field.name_string(), field.value());
  }
}

// `Expect: 100-continue` is answered once, when the body is wanted and not there yet.
template <class Parser>
bool wants_continue(const Parser& parser, bool& continue_sent) {
  if (continue_sent || !parser.is_header_done() ||
      !boost::beast::iequals(parser.get()[http::field::expect], "100-continue")) {
    return false;
  }
  continue_sent = true;
  return true;
}

}  // namespace

http_session::step http_session::feed(std::span<const std::byte> bytes) {
  if (parser_->streamed) {
    return feed_streamed(bytes);
  }
  auto& parser = *parser_->whole;
  std::size_t total = 0;
  for (;;) {
    boost::beast::error_code failure;
    std::size_t taken = parser.put(boost::asio::buffer(bytes.data() + total, bytes.size() - total), failure);
    total += taken;
    if (failure == http::error::need_more || (!failure && !parser.is_done() && taken == 0)) {
      if (wants_continue(parser, parser_->continue_sent)) {
        return {step::outcome::need_more, total, 100, {}, {}};
      }
      return {step::outcome::need_more, total, 0, {}, {}};
    }
    if (failure) {
      return failed(total, failure, limits_.max_header,
                    parser_->body_chosen ? limits_.max_body : std::max(limits_.max_body, limits_.max_streamed_body));
    }
    if (!parser_->body_chosen && parser.is_header_done()) {
      if (parser.chunked() || parser.content_length().value_or(0) > limits_.stream_threshold) {
        read_head(parser.get(), request_);
        return {step::outcome::head, total, 0, {}, {}};
      }
      step whole = choose_body(false);
      if (whole.result == step::outcome::bad) {
        whole.consumed = total;
        return whole;
      }
    }
    if (parser.is_done()) {
      break;
    }
  }
  auto& message = parser.get();
  read_head(message, request_);
  request_.body = std::move(message.body());
  keep_alive_ = message.keep_alive();
  return {step::outcome::request, total, 0, {}, {}};
}

http_session::step http_session::choose_body(bool streamed) {
  parser_->body_chosen = true;
  auto& parser = *parser_->whole;
  std::size_t limit = streamed ? limits_.max_streamed_body : limits_.max_body;
  if (parser.content_length().value_or(0) > limit) {
    return bad(0, 413, "a request body over " + std::to_string(limit) + " bytes");
  }
  if (!streamed) {
    parser.body_limit(limit);
    return {};
  }
  parser_->streamed.emplace(std::move(parser));
  parser_->whole.reset();
  parser_->streamed->body_limit(limit);
  piece_.resize(piece_size);
  request_.body_streamed = true;
  return {};
}

http_session::step http_session::feed_streamed(std::span<const std::byte> bytes) {
  auto& parser = *parser_->streamed;
  std::size_t total = 0;
  while (!parser.is_done()) {
    auto& body = parser.get().body();
    body.data = piece_.data();
    body.size = piece_.size();
    body.more = true;
    boost::beast::error_code failure;
    std::size_t taken = parser.put(boost::asio::buffer(bytes.data() + total, bytes.size() - total), failure);
    total += taken;
    if (failure == http::error::need_buffer) {
      failure = {};
    }
    if (failure && failure != http::error::need_more) {
      return failed(total, failure, limits_.max_header, limits_.max_streamed_body);
    }
    std::size_t produced = piece_.size() - parser.get().body().size;
    if (produced > 0) {
      return {step::outcome::piece, total, 0, {}, std::as_bytes(std::span(piece_.data(), produced))};
    }
    if (!parser.is_done() && (failure == http::error::need_more || taken == 0)) {
      if (wants_continue(parser, parser_->continue_sent)) {
        return {step::outcome::need_more, total, 100, {}, {}};
      }
      return {step::outcome::need_more, total, 0, {}, {}};
    }
  }
  read_head(parser.get(), request_);  // again: a chunked body's trailer fields are now among them
  keep_alive_ = parser.get().keep_alive();
  return {step::outcome::request, total, 0, {}, {}};
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
