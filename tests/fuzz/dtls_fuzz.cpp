// Fuzzes what a dtls listener does with one datagram from the network: the record classifier,
// the cookie gate (DTLSv1_listen with polyport's cookies), and a server session in the middle of
// its handshake, plus a client session waiting for the server's first flight.
//
// Beyond "no crash, no out-of-bounds read", it checks that
// - the classifier's records tile the datagram exactly (what it accepts, it has measured);
// - the gate answers only ClientHellos, and only with a HelloVerifyRequest (one record, epoch 0,
//   handshake type 3), and admits nothing without the cookie it made for that address;
// - a session fed garbage mid-handshake either drops it or fails, and never pretends to have
//   finished the handshake.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <unistd.h>

#include "fuzz_require.hpp"
#include "listener/dtls_gate.hpp"
#include "transport/dtls_record.hpp"
#include "transport/self_signed.hpp"

namespace {

using namespace polyport;
using namespace polyport::detail;
using polyport::fuzzing::require;

const endpoint client_address{*ip_address::parse("127.0.0.1"), 40000, {}};

// Files for the throwaway identity, made once per process.
struct fixture {
  fixture() {
    auto identity = make_self_signed_identity({"127.0.0.1"}).value();
    std::string dir = "/tmp/polyport-dtls-fuzz-" + std::to_string(::getpid());
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/cert.pem") << identity.certificate_pem;
    std::ofstream(dir + "/key.pem") << identity.private_key_pem;
    tls_options server;
    server.certfile = dir + "/cert.pem";
    server.keyfile = dir + "/key.pem";
    gate = dtls_gate::make(server, 1, 1400).value();
    tls_options client;
    client.verify = false;
    client_context = make_tls_context(tls_role::client, client, tls_wire::datagram).value();
    std::filesystem::remove_all(dir);
  }
  std::unique_ptr<dtls_gate> gate;
  std::shared_ptr<tls_context> client_context;
};

fixture& shared() {
  static fixture made;
  return made;
}

void check_classifier(std::span<const std::byte> input) {
  auto kind = classify_dtls_datagram(input);
  if (kind == dtls_datagram_kind::garbage) {
    return;
  }
  std::size_t at = 0;
  while (at < input.size()) {
    require(input.size() - at >= dtls_record_header_size);
    std::size_t length = (static_cast<std::size_t>(input[at + 11]) << 8) | static_cast<std::size_t>(input[at + 12]);
    at += dtls_record_header_size + length;
  }
  require(at == input.size());
  require(kind != dtls_datagram_kind::client_hello || static_cast<std::uint8_t>(input[0]) == 22);
}

void check_gate(std::span<const std::byte> input) {
  auto verdict = shared().gate->screen(0, input, client_address);
  if (verdict.what == dtls_gate::verdict::kind::dropped) {
    return;
  }
  require(classify_dtls_datagram(input) == dtls_datagram_kind::client_hello);
  if (verdict.what == dtls_gate::verdict::kind::answered) {
    std::span<const std::byte> reply(verdict.reply);
    require(classify_dtls_datagram(reply) == dtls_datagram_kind::records);
    require(reply.size() > dtls_record_header_size && static_cast<std::uint8_t>(reply[0]) == 22 &&
            static_cast<std::uint8_t>(reply[dtls_record_header_size]) == 3);
    return;
  }
  // Admitted: only a ClientHello carrying the cookie made for this address gets here, which a
  // fuzzer cannot forge (HMAC-SHA256 with a random secret).
  require(false);
}

// A client's first flight, answered by the gate with a cookie, then admitted: a server session
// in the middle of its handshake.
std::unique_ptr<dtls_session> admitted_server(dtls_session& client) {
  auto hello = client.begin();
  auto verify = shared().gate->screen(0, hello.datagrams.at(0), client_address);
  require(verify.what == dtls_gate::verdict::kind::answered);
  auto with_cookie = client.receive(verify.reply);
  auto admitted = shared().gate->screen(0, with_cookie.datagrams.at(0), client_address);
  require(admitted.what == dtls_gate::verdict::kind::admitted);
  return std::move(admitted.session);
}

// Sessions kept across inputs (a handshake per input would be most of the run): remade once
// an input killed them.
void check_sessions(std::span<const std::byte> input) {
  static std::unique_ptr<dtls_session> client;
  static std::unique_ptr<dtls_session> server;
  static std::unique_ptr<dtls_session> waiting_client;
  if (!server) {
    client = dtls_session::connect(*shared().client_context, "127.0.0.1", 1400).value();
    server = admitted_server(*client);
    server->begin();
  }
  auto step = server->receive(input);
  require(!server->established() && !step.established && step.messages.empty());
  if (!step.failure.empty()) {
    server.reset();
  }

  if (!waiting_client) {
    waiting_client = dtls_session::connect(*shared().client_context, "127.0.0.1", 1400).value();
    waiting_client->begin();
  }
  auto answered = waiting_client->receive(input);
  require(!waiting_client->established() && answered.messages.empty());
  if (!answered.failure.empty()) {
    waiting_client.reset();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::byte> input = std::as_bytes(std::span(data, size));
  check_classifier(input);
  check_gate(input);
  check_sessions(input);
  return 0;
}
