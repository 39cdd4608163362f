#include "client/http_response_reader.hpp"

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>

namespace polyport::detail {

namespace http = boost::beast::http;

struct http_response_reader::parser_box {
  std::optional<http::response_parser<http::string_body>> parser;
};

http_response_reader::http_response_reader() : parser_(std::make_unique<parser_box>()) {}

http_response_reader::~http_response_reader() = default;

void http_response_reader::expect(std::string_view method, std::size_t max_body, std::size_t max_head) {
  method_.assign(method);
  max_body_ = max_body;
  max_head_ = max_head;
  started_ = false;
  auto& parser = parser_->parser.emplace();
  parser.header_limit(static_cast<std::uint32_t>(max_head));
  parser.body_limit(max_body);
  parser.skip(method == "HEAD");
}

namespace {

http_response_reader::step bad(std::size_t consumed, std::string why) {
  return {http_response_reader::step::outcome::bad, consumed, std::move(why)};
}

}  // namespace

http_response_reader::step http_response_reader::feed(std::span<const std::byte> bytes) {
  // Beast takes no byte of a head until all of it is there: what arrived counts.
  started_ = started_ || !bytes.empty();
  std::size_t total = 0;
  for (;;) {
    auto& parser = *parser_->parser;
    boost::beast::error_code failure;
    std::size_t taken = parser.put(boost::asio::buffer(bytes.data() + total, bytes.size() - total), failure);
    total += taken;
    if (failure == http::error::need_more || (!failure && !parser.is_done() && taken == 0)) {
      return {step::outcome::need_more, total, {}};
    }
    if (failure == http::error::header_limit) {
      return bad(total, "a response head over " + std::to_string(max_head_) + " bytes");
    }
    if (failure == http::error::body_limit) {
      return bad(total, "a response body over " + std::to_string(max_body_) + " bytes (max_frame)");
    }
    if (failure) {
      return bad(total, "a malformed response: " + failure.message());
    }
    if (!parser.is_done()) {
      continue;
    }
    unsigned status = parser.get().result_int();
    if (status >= 100 && status < 200 && status != 101) {
      // An interim response (RFC 9110 §15.2): the final one follows on the same request.
      expect(std::string(method_), max_body_, max_head_);
      started_ = true;
      continue;
    }
    return complete(total);
  }
}

http_response_reader::step http_response_reader::finish() {
  auto& parser = *parser_->parser;
  if (!started_) {
    return bad(0, "the connection closed before the response");
  }
  if (!parser.is_header_done()) {
    return bad(0, "the connection closed inside the response head");
  }
  boost::beast::error_code failure;
  parser.put_eof(failure);
  if (failure || !parser.is_done()) {
    return bad(0, "the connection closed inside the response body");
  }
  return complete(0);
}

http_response_reader::step http_response_reader::complete(std::size_t consumed) {
  auto& message = parser_->parser->get();
  response_.status = static_cast<int>(message.result_int());
  response_.reason.assign(message.reason());
  response_.version = static_cast<int>(message.version());
  response_.headers.clear();
  for (const auto& field : message) {
    response_.headers.emplace_back(field.name_string(), field.value());
  }
  response_.body = std::move(message.body());
  keep_alive_ = message.keep_alive() && !parser_->parser->need_eof();
  return {step::outcome::response, consumed, {}};
}

http_client_response http_response_reader::take() {
  return std::move(response_);
}

}  // namespace polyport::detail
