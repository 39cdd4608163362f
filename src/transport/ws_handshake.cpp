#include "transport/ws_handshake.hpp"

#include "transport/ws_deflate.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/rfc7230.hpp>

namespace polyport::detail {

namespace http = boost::beast::http;
using boost::beast::iequals;

namespace {

constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr std::string_view head_end = "\r\n\r\n";

std::string_view as_text(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::string base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

bool has_token(std::string_view list, std::string_view token) {
  for (auto item : http::token_list(list)) {
    if (iequals(item, token)) {
      return true;
    }
  }
  return false;
}

bool is_valid_key(std::string_view key) {
  // 16 random bytes in base64: 22 characters and "==".
  if (key.size() != 24 || key.substr(22) != "==") {
    return false;
  }
  for (char c : key.substr(0, 22)) {
    bool base64_char = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (!base64_char) {
      return false;
    }
  }
  return true;
}

std::string_view host_without_port(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(0, close + 1);
  }
  auto colon = host.rfind(':');
  return colon == std::string_view::npos ? host : host.substr(0, colon);
}

ws_request_read reject(std::size_t consumed, int status, std::string_view status_text, std::string why,
                       std::string_view extra_headers = {}) {
  ws_request_read read;
  read.result = ws_request_read::outcome::rejected;
  read.consumed = consumed;
  read.response = "HTTP/1.1 " + std::to_string(status) + " " + std::string(status_text) + "\r\n" +
                  std::string(extra_headers) + "Content-Length: 0\r\nConnection: close\r\nServer: polyport\r\n\r\n";
  read.error = std::move(why);
  return read;
}

}  // namespace

bool offers_subprotocol(std::string_view offered_list, std::string_view wanted) {
  return !wanted.empty() && has_token(offered_list, wanted);
}

bool host_matches(std::string_view pattern, std::string_view host) {
  if (pattern.empty()) {
    return true;
  }
  host = host_without_port(host);
  if (pattern.starts_with("*.")) {
    std::string_view suffix = pattern.substr(1);  // ".example.com"
    return host.size() > suffix.size() && iequals(host.substr(host.size() - suffix.size()), suffix);
  }
  return iequals(pattern, host);
}

bool path_matches(std::string_view prefix, std::string_view path) {
  while (!prefix.empty() && prefix.back() == '/') {
    prefix.remove_suffix(1);
  }
  if (prefix.empty()) {
    return true;
  }
  if (!path.starts_with(prefix)) {
    return false;
  }
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

std::string ws_accept_value(std::string_view key) {
  std::string joined = std::string(key) + std::string(guid);
  std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
  SHA1(reinterpret_cast<const unsigned char*>(joined.data()), joined.size(), digest.data());
  return base64(digest.data(), digest.size());
}

ws_request_read read_ws_request(std::span<const std::byte> bytes, const ws_accept_rules& rules) {
  std::string_view text = as_text(bytes);
  auto end = text.find(head_end);
  if (end == std::string_view::npos) {
    if (text.size() > rules.max_header) {
      return reject(text.size(), 431, "Request Header Fields Too Large",
                    "a request head of over " + std::to_string(rules.max_header) + " bytes");
    }
    return {};
  }
  std::size_t head_size = end + head_end.size();
  if (head_size > rules.max_header) {
    return reject(head_size, 431, "Request Header Fields Too Large",
                  "a request head of " + std::to_string(head_size) + " bytes");
  }
  http::request_parser<http::empty_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(rules.max_header));
  boost::beast::error_code failure;
  parser.put(boost::asio::buffer(text.data(), head_size), failure);
  if (failure || !parser.is_header_done()) {
    return reject(head_size, 400, "Bad Request", "a malformed request: " + failure.message());
  }
  const auto& request = parser.get();
  if (request.method() != http::verb::get || request.version() != 11) {
    return reject(head_size, 400, "Bad Request", "not an HTTP/1.1 GET");
  }
  if (!iequals(request[http::field::upgrade], "websocket") || !has_token(request[http::field::connection], "upgrade")) {
    return reject(head_size, 426, "Upgrade Required", "not a WebSocket upgrade", "Upgrade: websocket\r\n");
  }
  if (request[http::field::sec_websocket_version] != "13") {
    return reject(head_size, 426, "Upgrade Required", "WebSocket version is not 13", "Sec-WebSocket-Version: 13\r\n");
  }
  std::string_view key = request[http::field::sec_websocket_key];
  if (!is_valid_key(key)) {
    return reject(head_size, 400, "Bad Request", "a missing or malformed Sec-WebSocket-Key");
  }
  std::string_view target = request.target();
  std::string_view path = target.substr(0, target.find('?'));
  std::string_view offered = request[http::field::sec_websocket_protocol];
  if (!host_matches(rules.host, request[http::field::host]) || !path_matches(rules.path, path) ||
      (!rules.ws_proto.empty() && !offers_subprotocol(offered, rules.ws_proto))) {
    return reject(head_size, 404, "Not Found", "no WebSocket listener for host, path and subprotocol");
  }
  ws_request_read read;
  read.result = ws_request_read::outcome::accepted;
  read.consumed = head_size;
  read.response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
                  ws_accept_value(key) + "\r\n";
  if (!rules.ws_proto.empty()) {
    read.subprotocol = rules.ws_proto;
    read.response += "Sec-WebSocket-Protocol: " + rules.ws_proto + "\r\n";
  }
  if (auto deflate = rules.deflate ? accept_ws_deflate(request[http::field::sec_websocket_extensions]) : std::nullopt) {
    read.deflate_bits = deflate->window_bits;
    read.response += "Sec-WebSocket-Extensions: " + deflate->answer + "\r\n";
  }
  read.response += "Server: polyport\r\n\r\n";
  return read;
}

ws_client_request make_ws_request(const ws_client_offer& offer) {
  std::string_view path = offer.path;
  std::array<unsigned char, 16> nonce{};
  RAND_bytes(nonce.data(), static_cast<int>(nonce.size()));
  ws_client_request request;
  request.key = base64(nonce.data(), nonce.size());
  request.text = "GET " + std::string(path.empty() ? "/" : path) + " HTTP/1.1\r\nHost: " + std::string(offer.host_header) +
                 "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + request.key +
                 "\r\nSec-WebSocket-Version: 13\r\n";
  if (!offer.ws_proto.empty()) {
    request.text += "Sec-WebSocket-Protocol: " + std::string(offer.ws_proto) + "\r\n";
  }
  if (offer.deflate) {
    request.text += "Sec-WebSocket-Extensions: " + std::string(ws_deflate_client_offer) + "\r\n";
  }
  request.text += "\r\n";
  return request;
}

ws_response_read read_ws_response(std::span<const std::byte> bytes, std::string_view key, const ws_client_offer& offer,
                                  std::size_t max_header) {
  std::string_view ws_proto = offer.ws_proto;
  ws_response_read read;
  std::string_view text = as_text(bytes);
  auto end = text.find(head_end);
  if (end == std::string_view::npos || end + head_end.size() > max_header) {
    if (text.size() > max_header) {
      read.result = ws_response_read::outcome::failed;
      read.error = "the upgrade response head is over " + std::to_string(max_header) + " bytes";
    }
    return read;
  }
  read.consumed = end + head_end.size();
  read.result = ws_response_read::outcome::failed;
  http::response_parser<http::empty_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(max_header));
  boost::beast::error_code failure;
  parser.put(boost::asio::buffer(text.data(), read.consumed), failure);
  if (failure || !parser.is_header_done()) {
    read.error = "a malformed upgrade response: " + failure.message();
    return read;
  }
  const auto& response = parser.get();
  if (response.result_int() != 101) {
    read.error = "the server answered the upgrade with " + std::to_string(response.result_int()) + " " +
                 std::string(response.reason());
    return read;
  }
  if (!iequals(response[http::field::upgrade], "websocket") || !has_token(response[http::field::connection], "upgrade") ||
      response[http::field::sec_websocket_accept] != ws_accept_value(key)) {
    read.error = "the upgrade response is not a valid WebSocket accept";
    return read;
  }
  if (std::string_view chosen = response[http::field::sec_websocket_extensions]; !chosen.empty()) {
    if (!offer.deflate) {
      read.error = "the server chose an extension that was not offered: " + std::string(chosen);
      return read;
    }
    auto agreed = check_ws_deflate_answer(chosen);
    if (!agreed) {
      read.error = agreed.error().message;
      return read;
    }
    read.deflate_bits = *agreed;
  }
  // NkPACKET's client crashes on an unexpected subprotocol: here it is a clear error.
  std::string_view chosen = response[http::field::sec_websocket_protocol];
  if (!chosen.empty() && !iequals(chosen, ws_proto)) {
    read.error = "the server chose subprotocol \"" + std::string(chosen) + "\", which was not offered";
    return read;
  }
  if (chosen.empty() && !ws_proto.empty()) {
    read.error = "the server did not accept subprotocol \"" + std::string(ws_proto) + "\"";
    return read;
  }
  read.subprotocol = std::string(chosen);
  read.result = ws_response_read::outcome::accepted;
  return read;
}

}  // namespace polyport::detail
