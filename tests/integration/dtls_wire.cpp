#include "dtls_wire.hpp"

#include <stdexcept>

#include "polyport/tls_options.hpp"
#include "transport/tls_context.hpp"

namespace polyport::testing {

namespace {

std::string text_of(const std::vector<std::byte>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::span<const std::byte> bytes_of(const std::string& text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

}  // namespace

bool is_hello_verify_request(const std::string& datagram) {
  return datagram.size() > 13 && datagram[0] == 22 && datagram[13] == 3;
}

dtls_wire_client::dtls_wire_client(const std::string& source, const std::string& cafile) : socket_(source) {
  tls_options options;
  options.cacertfile = cafile;
  auto context = detail::make_tls_context(detail::tls_role::client, options, detail::tls_wire::datagram);
  if (!context) {
    throw std::runtime_error(context.error().message);
  }
  auto session = detail::dtls_session::connect(**context, source == "::1" ? "::1" : "127.0.0.1", 1400);
  if (!session) {
    throw std::runtime_error(session.error().message);
  }
  session_ = std::move(*session);
}

std::string dtls_wire_client::first_flight() {
  auto step = session_->begin();
  return step.datagrams.empty() ? std::string() : text_of(step.datagrams.front());
}

std::vector<std::string> dtls_wire_client::feed(const std::string& datagram) {
  std::vector<std::string> out;
  for (const auto& each : session_->receive(bytes_of(datagram)).datagrams) {
    out.push_back(text_of(each));
  }
  return out;
}

std::optional<std::string> dtls_wire_client::handshake(const endpoint& server, const std::string& between) {
  if (!socket_.send_to(first_flight(), server)) {
    return "cannot send the ClientHello";
  }
  bool cookie_sent = false;
  while (!session_->established()) {
    auto reply = socket_.receive();
    if (!reply) {
      return std::string("no answer from the server during the handshake");
    }
    for (const auto& out : feed(reply->bytes)) {
      socket_.send_to(out, server);
    }
    if (!cookie_sent && !between.empty()) {
      socket_.send_to(between, server);
    }
    cookie_sent = true;
  }
  return std::nullopt;
}

std::optional<std::string> dtls_wire_client::exchange(const endpoint& server, const std::string& text) {
  auto sealed = session_->seal(bytes_of(text));
  if (!sealed) {
    return std::nullopt;
  }
  for (const auto& record : *sealed) {
    socket_.send_to(text_of(record), server);
  }
  while (auto reply = socket_.receive()) {
    auto step = session_->receive(bytes_of(reply->bytes));
    for (const auto& out : step.datagrams) {
      socket_.send_to(text_of(out), server);
    }
    if (!step.messages.empty()) {
      return text_of(step.messages.front());
    }
  }
  return std::nullopt;
}

}  // namespace polyport::testing
