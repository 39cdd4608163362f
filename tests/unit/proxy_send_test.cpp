// The client side of the PROXY protocol without sockets: the proxy_send and proxy_source
// options, the header completed from a connection's addresses, its bytes read back by the
// listener's parser, and the reuse key.

#include "client/proxy_send.hpp"

#include <gtest/gtest.h>

#include <string>

#include "listener/proxy_header.hpp"
#include "polyport/options.hpp"

namespace polyport::detail {
namespace {

endpoint at(std::string_view ip, std::uint16_t port) { return {*ip_address::parse(ip), port, {}}; }
endpoint unix_at(std::string path) { return {{}, 0, std::move(path)}; }

options from_url(std::string_view text) {
  auto u = parse_url(text);
  EXPECT_TRUE(u) << text;
  auto o = options_from_url(*u);
  EXPECT_TRUE(o) << text << ": " << (o ? "" : o.error().message);
  return o ? *o : options{};
}

proxy_header parsed_back(const std::vector<std::byte>& bytes) {
  proxy_parse_step step = parse_proxy_header(bytes, proxy_mode::any);
  EXPECT_EQ(step.result, proxy_parse_step::outcome::done) << step.error;
  EXPECT_EQ(step.consumed, bytes.size());
  return step.header;
}

TEST(proxy_send, url_options_read_the_version_and_the_source) {
  options o = from_url("echo://h:1;proxy_send=V2;proxy_source=[2001:db8::1]:4000");
  EXPECT_EQ(o.proxy_send, proxy_version::v2);
  ASSERT_TRUE(o.proxy_send_header);
  EXPECT_EQ(o.proxy_send_header->source, at("2001:db8::1", 4000));
  EXPECT_FALSE(o.proxy_send_header->local);
  EXPECT_TRUE(from_url("echo://h:1;proxy_send=v1;proxy_source=local").proxy_send_header->local);
  for (const char* bad : {"proxy_send=v3", "proxy_source=example.com:1", "proxy_source=10.0.0.1",
                          "proxy_source=0.0.0.0:1", "proxy_source=[::1]"}) {
    auto u = parse_url(std::string("echo://h:1;") + bad);
    ASSERT_TRUE(u) << bad;
    EXPECT_FALSE(options_from_url(*u)) << bad;
  }
}

TEST(proxy_send, by_default_the_header_names_the_connections_own_addresses) {
  options o;
  o.proxy_send = proxy_version::v2;
  auto bytes = proxy_send_bytes(o, transport::tcp, at("127.0.0.1", 40000), at("127.0.0.2", 5315));
  ASSERT_TRUE(bytes) << bytes.error().message;
  proxy_header back = parsed_back(*bytes);
  EXPECT_EQ(back.family, proxy_family::inet);
  EXPECT_EQ(back.transport, proxy_transport::stream);
  EXPECT_EQ(back.source, at("127.0.0.1", 40000));
  EXPECT_EQ(back.destination, at("127.0.0.2", 5315));

  o.proxy_send = proxy_version::v1;
  bytes = proxy_send_bytes(o, transport::tls, at("::1", 40000), at("::1", 5315));
  ASSERT_TRUE(bytes);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size()),
            "PROXY TCP6 ::1 ::1 40000 5315\r\n");
}

TEST(proxy_send, an_ipv4_client_next_to_an_ipv6_destination_goes_mapped) {
  proxy_header given;
  given.source = at("203.0.113.7", 4000);
  auto header = complete_proxy_header(given, transport::tcp, at("::1", 1), at("::1", 2));
  ASSERT_TRUE(header);
  EXPECT_EQ(header->family, proxy_family::inet6);
  EXPECT_EQ(header->source, at("::ffff:203.0.113.7", 4000));
  EXPECT_EQ(header->destination, at("::1", 2));
}

TEST(proxy_send, unix_connections_name_the_socket_path_or_say_unknown) {
  options o;
  o.proxy_send = proxy_version::v2;
  auto bytes = proxy_send_bytes(o, transport::unix_stream, {}, unix_at("/run/app.sock"));
  ASSERT_TRUE(bytes);
  proxy_header back = parsed_back(*bytes);
  EXPECT_EQ(back.family, proxy_family::unix_socket);
  EXPECT_FALSE(back.source);
  EXPECT_EQ(back.destination, unix_at("/run/app.sock"));

  o.proxy_send = proxy_version::v1;
  bytes = proxy_send_bytes(o, transport::unix_stream, {}, unix_at("/run/app.sock"));
  ASSERT_TRUE(bytes);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size()), "PROXY UNKNOWN\r\n");

  o.proxy_send_header = proxy_header{};
  o.proxy_send_header->source = at("192.0.2.1", 1);
  auto mixed = proxy_send_bytes(o, transport::unix_stream, {}, unix_at("/run/app.sock"));
  ASSERT_FALSE(mixed);
  EXPECT_NE(mixed.error().message.find("both must be IP addresses or both unix sockets"), std::string::npos);
}

TEST(proxy_send, local_carries_no_addresses) {
  options o;
  o.proxy_send = proxy_version::v2;
  o.proxy_send_header = proxy_header{};
  o.proxy_send_header->local = true;
  auto bytes = proxy_send_bytes(o, transport::tcp, at("127.0.0.1", 1), at("127.0.0.1", 2));
  ASSERT_TRUE(bytes);
  proxy_header back = parsed_back(*bytes);
  EXPECT_TRUE(back.local);
  EXPECT_FALSE(back.source);
}

TEST(proxy_send, the_reuse_key_tells_headers_apart) {
  EXPECT_EQ(proxy_send_key(options{}), "");
  options own;
  own.proxy_send = proxy_version::v2;
  options v1 = own;
  v1.proxy_send = proxy_version::v1;
  options a = from_url("echo://h:1;proxy_send=v2;proxy_source=192.0.2.1:1");
  options b = from_url("echo://h:1;proxy_send=v2;proxy_source=192.0.2.2:1");
  options a_again = from_url("echo://h:1;proxy_send=v2;proxy_source=192.0.2.1:1");
  options a_with_id = a;
  a_with_id.proxy_send_header->unique_id = "x";
  EXPECT_NE(proxy_send_key(own), proxy_send_key(v1));
  EXPECT_NE(proxy_send_key(own), proxy_send_key(a));
  EXPECT_NE(proxy_send_key(a), proxy_send_key(b));
  EXPECT_NE(proxy_send_key(a), proxy_send_key(a_with_id));
  EXPECT_EQ(proxy_send_key(a), proxy_send_key(a_again));
}

}  // namespace
}  // namespace polyport::detail
