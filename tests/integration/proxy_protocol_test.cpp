// The PROXY protocol stage of a listener against raw sockets: well-formed headers in awkward
// shapes (byte by byte, with the first application bytes, before TLS, optional), and bad input
// (malformed v1, a bad v2 checksum, a truncated header then silence, no header at all), each
// closed as close_reason::proxy_error without reaching on_open, while a good client on the same
// listener keeps working.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "listener/proxy_header.hpp"
#include "polyport/runtime.hpp"
#include "raw_peer.hpp"
#include "recording_protocol.hpp"
#include "support/temp_dir.hpp"
#include "transport/socket_ops.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;

// What on_open saw of a connection's addresses and header.
struct opened_as {
  endpoint remote;
  endpoint peer;
  std::optional<proxy_header> proxy;
  std::string security;
};

// An echoing recorder that also keeps, per connection id, what on_open saw.
class proxy_recorder : public recording_protocol {
 public:
  proxy_recorder() : recording_protocol(true) {}

  void on_open(connection& conn) override {
    {
      std::lock_guard lock(mutex_);
      seen_[conn.id()] = {conn.remote(), conn.peer(),
                          conn.proxy() != nullptr ? std::optional(*conn.proxy()) : std::nullopt, conn.security()};
    }
    recording_protocol::on_open(conn);  // after: a waiter woken by it finds the entry
  }

  // The index-th opened connection.
  opened_as opened_at(std::size_t index) const {
    std::uint64_t id = records().at(index).id;
    std::lock_guard lock(mutex_);
    return seen_.at(id);
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::uint64_t, opened_as> seen_;
};

endpoint at(std::string_view ip, std::uint16_t port) {
  return {*ip_address::parse(ip), port, {}};
}

proxy_header tcp4_header(std::string_view source_ip, std::uint16_t source_port, std::uint16_t destination_port) {
  proxy_header header;
  header.family = proxy_family::inet;
  header.transport = proxy_transport::stream;
  header.source = at(source_ip, source_port);
  header.destination = at("127.0.0.1", destination_port);
  return header;
}

std::string as_string(const std::vector<std::byte>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::string v1_line(std::string_view source_ip, std::uint16_t source_port) {
  return as_string(detail::encode_proxy_v1(tcp4_header(source_ip, source_port, 80)).value());
}

std::string v2_bytes(const proxy_header& header) {
  return as_string(detail::encode_proxy_v2(header).value());
}

class proxy_protocol_test : public ::testing::Test {
 protected:
  void SetUp() override { rt.register_protocol("rec", recorder); }

  std::shared_ptr<listener> listen(const std::string& params) {
    auto started = rt.listen("rec://127.0.0.1:0;transport=tcp;" + params);
    if (!started) {
      throw std::runtime_error(started.error().message);
    }
    return *started;
  }

  // A proxied client (a v2 header on v2 listeners, v1 otherwise) that gets through: its bytes
  // come back and on_open saw the header's client as remote() and the socket's peer as peer().
  void expect_good_client(const listener& server, std::uint16_t client_port = 4242) {
    std::size_t before = recorder->opened();
    bool v2 = server.options().proxy_protocol == proxy_protocol_mode::v2;
    std::string header = v2 ? v2_bytes(tcp4_header("192.0.2.10", client_port, server.local().port))
                            : v1_line("192.0.2.10", client_port);
    raw_peer client = raw_peer::open(transport::tcp, server.local());
    ASSERT_TRUE(client.connected()) << client.error();
    ASSERT_TRUE(client.write_all(header + "good"));
    EXPECT_EQ(client.read_exact(4), "good") << "the good client was not served";
    ASSERT_TRUE(recorder->wait_opened(before + 1));
    opened_as seen = recorder->opened_at(before);
    EXPECT_EQ(seen.remote, at("192.0.2.10", client_port));
    EXPECT_EQ(seen.peer.address, *ip_address::parse("127.0.0.1"));
    ASSERT_TRUE(seen.proxy.has_value());
    EXPECT_EQ(seen.proxy->version, v2 ? 2 : 1);
  }

  // `bytes` as a connection's first bytes: the listener closes it as a proxy_error, on_open
  // never runs, and a good client still gets through.
  void expect_proxy_error(const listener& server, const std::string& bytes) {
    std::uint64_t errors_before = server.stats().closed_by(close_reason::proxy_error);
    std::size_t opened_before = recorder->opened();
    raw_peer client = raw_peer::open(transport::tcp, server.local());
    ASSERT_TRUE(client.connected()) << client.error();
    client.write_all(bytes);
    EXPECT_TRUE(client.wait_closed()) << "not closed after " << ::testing::PrintToString(bytes);
    EXPECT_TRUE(eventually([&] { return server.stats().closed_by(close_reason::proxy_error) == errors_before + 1; }))
        << "not counted as proxy_error: " << ::testing::PrintToString(bytes);
    EXPECT_EQ(recorder->opened(), opened_before) << "reached on_open: " << ::testing::PrintToString(bytes);
    expect_good_client(server);
  }

  runtime rt{{.workers = 2}};
  std::shared_ptr<proxy_recorder> recorder = std::make_shared<proxy_recorder>();
};

TEST_F(proxy_protocol_test, a_malformed_v1_line_is_a_proxy_error) {
  auto server = listen("proxy_protocol=v1");
  expect_proxy_error(*server, "PROXY TCP4 192.0.2.1 127.0.0.1 70000 80\r\nhello");
  expect_proxy_error(*server, "PROXY NONSENSE\r\n");
  expect_proxy_error(*server, "PROXY TCP4 192.0.2.1 127.0.0.1 1000 80\n");  // LF without CR
  expect_proxy_error(*server, "PROXY TCP4 " + std::string(120, '1') + "\r\n");  // longer than 107 bytes
}

TEST_F(proxy_protocol_test, a_v2_header_with_a_bad_checksum_is_a_proxy_error) {
  auto server = listen("proxy_protocol=v2");
  proxy_header header = tcp4_header("192.0.2.1", 5000, server->local().port);
  header.has_crc32c = true;
  std::string bytes = v2_bytes(header);
  // 16 bytes of header, 12 of IPv4 addresses, then the CRC32C TLV first (type, length, value).
  ASSERT_EQ(static_cast<std::uint8_t>(bytes.at(28)), detail::pp2_type_crc32c);
  bytes.at(31) = static_cast<char>(bytes.at(31) ^ 0x01);
  expect_proxy_error(*server, bytes + "payload");
}

TEST_F(proxy_protocol_test, a_truncated_header_then_silence_ends_at_the_proxy_timeout) {
  auto server = listen("proxy_protocol=v1;proxy_protocol_timeout=200");
  raw_peer silent = raw_peer::open(transport::tcp, server->local());
  ASSERT_TRUE(silent.connected()) << silent.error();
  ASSERT_TRUE(silent.write_all("PROXY TCP4 192.0.2.1 "));
  expect_good_client(*server);  // served while the silent one waits
  // Well under the 5 s default: the 200 ms from the URL applies.
  EXPECT_TRUE(silent.wait_closed(3s)) << "a truncated header held its connection open";
  EXPECT_TRUE(eventually([&] { return server->stats().closed_by(close_reason::proxy_error) == 1; }));
  EXPECT_EQ(recorder->opened(), 1u);
  expect_good_client(*server);
}

TEST_F(proxy_protocol_test, a_header_written_byte_by_byte_is_accepted) {
  auto server = listen("proxy_protocol=v2");
  proxy_header header = tcp4_header("198.51.100.7", 6000, server->local().port);
  header.has_crc32c = true;
  header.unique_id = "byte-by-byte";
  std::string bytes = v2_bytes(header);
  raw_peer client = raw_peer::open(transport::tcp, server->local());
  ASSERT_TRUE(client.connected()) << client.error();
  int on = 1;
  ::setsockopt(client.fd(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);  // one segment per write
  for (char c : bytes) {
    ASSERT_TRUE(client.write_all(std::string(1, c)));
  }
  ASSERT_TRUE(recorder->wait_opened(1)) << "a whole header did not open the connection";
  ASSERT_TRUE(client.write_all("after"));
  EXPECT_EQ(client.read_exact(5), "after");
  opened_as seen = recorder->opened_at(0);
  EXPECT_EQ(seen.remote, at("198.51.100.7", 6000));
  ASSERT_TRUE(seen.proxy.has_value());
  EXPECT_EQ(seen.proxy->unique_id, "byte-by-byte");
  EXPECT_TRUE(seen.proxy->has_crc32c);
}

TEST_F(proxy_protocol_test, the_first_application_bytes_in_the_header_write_reach_the_protocol_intact) {
  auto v1 = listen("proxy_protocol=v1");
  auto v2 = listen("proxy_protocol=v2");
  std::string request = "GET / HTTP/1.0\r\nHost: example\r\n\r\n";
  std::string v2_header = v2_bytes(tcp4_header("192.0.2.20", 7000, v2->local().port));
  for (auto [server, header] : {std::pair{v1.get(), v1_line("192.0.2.20", 7000)}, std::pair{v2.get(), v2_header}}) {
    std::size_t before = recorder->opened();
    raw_peer client = raw_peer::open(transport::tcp, server->local());
    ASSERT_TRUE(client.connected()) << client.error();
    ASSERT_TRUE(client.write_all(header + request));
    EXPECT_EQ(client.read_exact(request.size()), request);
    ASSERT_TRUE(recorder->wait_opened(before + 1));
    std::vector<connection_record> records = recorder->records();
    std::string received;
    for (const std::string& part : records.at(before).messages) {
      received += part;
    }
    EXPECT_EQ(received, request);
    EXPECT_EQ(recorder->opened_at(before).remote, at("192.0.2.20", 7000));
  }
}

// The header is read off the socket first and the TLS handshake runs on what follows.
TEST_F(proxy_protocol_test, tls_follows_a_proxy_header_on_the_same_socket) {
  temp_dir dir;
  test_identity identity = write_test_identity(dir);
  auto server = listen("transport=tls;proxy_protocol=v1;tls_certfile=" + identity.certfile +
                       ";tls_keyfile=" + identity.keyfile);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval limit{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  detail::socket_address target = detail::to_socket_address(server->local());
  ASSERT_EQ(::connect(fd, target.get(), target.length), 0);
  std::string header = v1_line("203.0.113.9", 8443);
  ASSERT_EQ(::send(fd, header.data(), header.size(), MSG_NOSIGNAL), static_cast<ssize_t>(header.size()));

  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
  SSL* tls = SSL_new(context);
  SSL_set_fd(tls, fd);
  EXPECT_EQ(SSL_connect(tls), 1) << "the TLS handshake after the PROXY header failed";
  std::string echoed(9, '\0');
  std::size_t got = 0;
  if (SSL_write(tls, "encrypted", 9) == 9) {
    while (got < echoed.size()) {
      int n = SSL_read(tls, echoed.data() + got, static_cast<int>(echoed.size() - got));
      if (n <= 0) {
        break;
      }
      got += static_cast<std::size_t>(n);
    }
  }
  SSL_shutdown(tls);
  SSL_free(tls);
  SSL_CTX_free(context);
  ERR_clear_error();
  ::close(fd);

  EXPECT_EQ(echoed.substr(0, got), "encrypted");
  ASSERT_TRUE(recorder->wait_opened(1));
  opened_as seen = recorder->opened_at(0);
  EXPECT_EQ(seen.remote, at("203.0.113.9", 8443));
  ASSERT_TRUE(seen.proxy.has_value());
  EXPECT_EQ(seen.proxy->version, 1);
  EXPECT_FALSE(seen.security.empty());
}

TEST_F(proxy_protocol_test, optional_accepts_direct_and_proxied_clients) {
  auto server = listen("proxy_protocol=optional");
  raw_peer direct = raw_peer::open(transport::tcp, server->local());
  ASSERT_TRUE(direct.connected()) << direct.error();
  ASSERT_TRUE(direct.write_all("direct"));
  EXPECT_EQ(direct.read_exact(6), "direct");
  ASSERT_TRUE(recorder->wait_opened(1));
  opened_as seen = recorder->opened_at(0);
  EXPECT_FALSE(seen.proxy.has_value());
  EXPECT_EQ(seen.remote.address, *ip_address::parse("127.0.0.1"));
  EXPECT_EQ(seen.remote, seen.peer);

  expect_good_client(*server);  // a v1 header
  raw_peer proxied_v2 = raw_peer::open(transport::tcp, server->local());
  ASSERT_TRUE(proxied_v2.connected()) << proxied_v2.error();
  ASSERT_TRUE(proxied_v2.write_all(v2_bytes(tcp4_header("192.0.2.30", 9000, server->local().port)) + "v2"));
  EXPECT_EQ(proxied_v2.read_exact(2), "v2");
  ASSERT_TRUE(recorder->wait_opened(3));
  EXPECT_EQ(recorder->opened_at(2).remote, at("192.0.2.30", 9000));
  EXPECT_EQ(recorder->opened_at(2).proxy->version, 2);
}

TEST_F(proxy_protocol_test, a_required_header_that_is_missing_or_of_the_other_version_is_a_proxy_error) {
  auto server = listen("proxy_protocol=v2");
  expect_proxy_error(*server, "hello without a header\r\n");
  expect_proxy_error(*server, v1_line("192.0.2.1", 1000) + "hello");
}

// A v2 LOCAL header (a load balancer's health check) names no client: remote() stays the
// socket's peer.
TEST_F(proxy_protocol_test, a_v2_local_header_keeps_the_socket_addresses) {
  auto server = listen("proxy_protocol=v2");
  proxy_header local;
  local.local = true;
  raw_peer check = raw_peer::open(transport::tcp, server->local());
  ASSERT_TRUE(check.connected()) << check.error();
  ASSERT_TRUE(check.write_all(v2_bytes(local) + "ok"));
  EXPECT_EQ(check.read_exact(2), "ok");
  ASSERT_TRUE(recorder->wait_opened(1));
  opened_as seen = recorder->opened_at(0);
  ASSERT_TRUE(seen.proxy.has_value());
  EXPECT_TRUE(seen.proxy->local);
  EXPECT_EQ(seen.remote, seen.peer);
  EXPECT_EQ(seen.remote.address, *ip_address::parse("127.0.0.1"));
}

// The access rules judge the client the header names, not the proxy that connected.
TEST_F(proxy_protocol_test, access_rules_apply_to_the_address_in_the_header) {
  auto server = listen("proxy_protocol=v1;deny=10.0.0.0/8;deny=127.0.0.1");
  raw_peer denied = raw_peer::open(transport::tcp, server->local());
  ASSERT_TRUE(denied.connected()) << denied.error();
  denied.write_all(v1_line("10.1.2.3", 1111) + "hello");
  EXPECT_TRUE(denied.wait_closed());
  EXPECT_TRUE(eventually([&] { return server->stats().closed_by(close_reason::denied) == 1; }));
  EXPECT_EQ(recorder->opened(), 0u);
  expect_good_client(*server);  // 192.0.2.10 through a proxy at the denied 127.0.0.1
  EXPECT_EQ(server->stats().closed_by(close_reason::proxy_error), 0u);
}

}  // namespace
}  // namespace polyport::testing
