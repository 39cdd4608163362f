#include "polyport/options.hpp"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

namespace polyport {
namespace {

using std::chrono::milliseconds;

options options_ok(std::string_view text) {
  auto u = parse_url(text);
  EXPECT_TRUE(u.ok()) << text << ": " << (u.ok() ? "" : u.error().message);
  if (!u.ok()) {
    return {};
  }
  auto o = options_from_url(*u);
  EXPECT_TRUE(o.ok()) << text << ": " << (o.ok() ? "" : o.error().message);
  return o.ok() ? *o : options{};
}

std::string options_error(std::string_view text) {
  auto u = parse_url(text);
  EXPECT_TRUE(u.ok()) << text << ": " << (u.ok() ? "" : u.error().message);
  if (!u.ok()) {
    return "";
  }
  auto o = options_from_url(*u);
  EXPECT_FALSE(o.ok()) << text;
  return o.ok() ? "" : o.error().message;
}

// The detail after "...in URL "echo://h;<param>": ".
std::string value_error(std::string_view param) {
  std::string text = "echo://h;" + std::string(param);
  std::string message = options_error(text);
  std::string prefix = "\" in URL \"" + text + "\": ";
  std::size_t at = message.find(prefix);
  return at == std::string::npos ? message : message.substr(at + prefix.size());
}

// Every field, for comparing whole option sets (tls_options has no operator==).
auto fields(const options& o) {
  return std::tie(o.transport, o.idle_timeout, o.connect_timeout, o.send_timeout, o.proxy_protocol_timeout,
                  o.max_connections, o.acceptors, o.backlog, o.host, o.path, o.ws_proto, o.ws_deflate, o.class_name, o.tls.certfile,
                  o.tls.keyfile, o.tls.cacertfile, o.tls.password, o.tls.verify, o.tls.depth, o.tls.versions,
                  o.tcp_packet, o.max_frame, o.http_stream_threshold, o.http_max_body, o.no_dns_cache, o.force_new, o.nodelay, o.keepalive, o.keepalive_idle,
                  o.keepalive_interval, o.keepalive_count, o.reset_on_close, o.acceptor_mode, o.sndbuf, o.rcvbuf,
                  o.udp_stun_reply, o.udp_no_connections, o.udp_to_tcp, o.udp_starts_tcp, o.udp_max_size,
                  o.sctp_out_streams, o.sctp_in_streams, o.access_rules, o.proxy_protocol, o.max_conn_rate,
                  o.max_conn_burst, o.rate_limit, o.rate_limit_burst, o.listener_rate_limit,
                  o.listener_rate_limit_burst, o.user, o.password, o.metadata);
}

cidr network(std::string_view text) {
  auto parsed = parse_cidr(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? *parsed : cidr{};
}

// --- Messages ---

TEST(options_errors, bad_value_names_option_value_and_url) {
  EXPECT_EQ(options_error("echo://h:5;idle_timeout=abc"),
            "invalid option \"idle_timeout=abc\" in URL \"echo://h:5;idle_timeout=abc\": expected a whole number "
            "of milliseconds");
}

TEST(options_errors, unknown_option) {
  EXPECT_EQ(options_error("echo://h;foo=1"), "unknown option \"foo\" in URL \"echo://h;foo=1\"");
  EXPECT_EQ(options_error("<echo://h;maddr=1.2.3.4>"), "unknown option \"maddr\" in URL \"<echo://h;maddr=1.2.3.4>\"");
  // NkPACKET names that polyport does not have are refused too, not dropped.
  EXPECT_EQ(options_error("echo://h;tcp_max_connections=5"),
            "unknown option \"tcp_max_connections\" in URL \"echo://h;tcp_max_connections=5\"");
}

TEST(options_errors, flag_for_an_option_that_needs_a_value) {
  EXPECT_EQ(options_error("echo://h;idle_timeout"),
            "invalid option \"idle_timeout\" in URL \"echo://h;idle_timeout\": needs a value");
  EXPECT_EQ(options_error("echo://h;transport"),
            "invalid option \"transport\" in URL \"echo://h;transport\": needs a value");
}

TEST(options_errors, url_built_in_code_is_written_out) {
  url u;
  u.scheme = "echo";
  u.host = "h";
  u.kind = host_kind::name;
  u.params.push_back(url_param{"backlog", "x"});
  auto o = options_from_url(u);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().message, "invalid option \"backlog=x\" in URL \"echo://h;backlog=x\": expected a whole number");
}

// --- Every option: good and bad values ---

TEST(option_values, transport) {
  EXPECT_EQ(options_ok("echo://h;transport=tls").transport, transport::tls);
  EXPECT_EQ(options_ok("echo://h;transport=UNIX").transport, transport::unix_stream);
  EXPECT_FALSE(options_ok("echo://h").transport);
  EXPECT_EQ(value_error("transport=quic"), "expected one of udp, tcp, tls, dtls, sctp, ws, wss, http, https, unix");
}

TEST(option_values, durations) {
  EXPECT_EQ(options_ok("echo://h;idle_timeout=0").idle_timeout, milliseconds(0));
  EXPECT_EQ(options_ok("echo://h;idle_timeout=5000").idle_timeout, milliseconds(5000));
  EXPECT_EQ(options_ok("echo://h;idle_timeout=4294967295").idle_timeout, milliseconds(4294967295));
  EXPECT_EQ(value_error("idle_timeout=4294967296"), "must be from 0 to 4294967295 milliseconds");
  EXPECT_EQ(value_error("idle_timeout=-1"), "expected a whole number of milliseconds");
  EXPECT_EQ(value_error("idle_timeout=1.5"), "expected a whole number of milliseconds");
  EXPECT_EQ(value_error("idle_timeout=5s"), "expected a whole number of milliseconds");
  EXPECT_EQ(value_error("idle_timeout="), "expected a whole number of milliseconds");
  EXPECT_EQ(value_error("idle_timeout=99999999999999999999999"), "must be from 0 to 4294967295 milliseconds");

  EXPECT_EQ(options_ok("echo://h;connect_timeout=2000").connect_timeout, milliseconds(2000));
  EXPECT_EQ(value_error("connect_timeout=0"), "must be from 1 to 4294967295 milliseconds");
  EXPECT_EQ(options_ok("echo://h;send_timeout=10").send_timeout, milliseconds(10));
  EXPECT_EQ(options_ok("echo://h;send_timeout=0").send_timeout, milliseconds(0));  // never
  EXPECT_EQ(options_ok("echo://h;proxy_protocol_timeout=3000").proxy_protocol_timeout, milliseconds(3000));
  EXPECT_EQ(value_error("proxy_protocol_timeout=x"), "expected a whole number of milliseconds");
}

TEST(option_values, listener_counts) {
  EXPECT_EQ(options_ok("echo://h;max_connections=1").max_connections, 1u);
  EXPECT_EQ(options_ok("echo://h;max_connections=2147483647").max_connections, 2147483647u);
  EXPECT_EQ(value_error("max_connections=0"), "must be from 1 to 2147483647");
  EXPECT_EQ(value_error("max_connections=2147483648"), "must be from 1 to 2147483647");
  EXPECT_EQ(options_ok("echo://h;tcp_listeners=10").acceptors, 10u);
  EXPECT_EQ(options_ok("echo://h;acceptors=4").acceptors, 4u);
  EXPECT_EQ(options_ok("echo://h;tcp_listeners=10;acceptors=4").acceptors, 4u);
  EXPECT_EQ(value_error("acceptors=0"), "must be from 1 to 1024");
  EXPECT_EQ(value_error("tcp_listeners=1025"), "must be from 1 to 1024");
  EXPECT_EQ(options_ok("echo://h;backlog=128").backlog, 128);
  EXPECT_EQ(value_error("backlog=0"), "must be from 1 to 65535");
  EXPECT_EQ(value_error("backlog=65536"), "must be from 1 to 65535");
}

TEST(option_values, texts) {
  options o = options_ok("echo://h;host=example.com;path=/chat;class=\"my class\"");
  EXPECT_EQ(o.host, "example.com");
  EXPECT_EQ(o.path, "/chat");
  EXPECT_EQ(o.class_name, "my class");
  EXPECT_EQ(value_error("host="), "expected a non-empty value");
  EXPECT_EQ(value_error("path=\"\""), "expected a non-empty value");
  EXPECT_EQ(value_error("class="), "expected a non-empty value");
  EXPECT_EQ(options_ok("echo://h;ws_proto=Proto1").ws_proto, "proto1");
  EXPECT_EQ(value_error("ws_proto=a/b"), "expected a WebSocket subprotocol name (a token)");
  EXPECT_EQ(value_error("ws_proto=\"a b\""), "expected a WebSocket subprotocol name (a token)");
  EXPECT_EQ(value_error("ws_proto="), "expected a WebSocket subprotocol name (a token)");
}

TEST(option_values, tls) {
  options o = options_ok(
      "echo://h;tls_certfile=/etc/c.pem;tls_keyfile=/etc/k.pem;tls_cacertfile=/etc/ca.pem;tls_password=\"p w\";"
      "tls_verify=false;tls_depth=3;tls_versions=tlsv1.3");
  EXPECT_EQ(o.tls.certfile, "/etc/c.pem");
  EXPECT_EQ(o.tls.keyfile, "/etc/k.pem");
  EXPECT_EQ(o.tls.cacertfile, "/etc/ca.pem");
  EXPECT_EQ(o.tls.password, "p w");
  EXPECT_EQ(o.tls.verify, false);
  EXPECT_EQ(o.tls.depth, 3);
  EXPECT_EQ(o.tls.versions, std::vector<std::string>{"tlsv1.3"});
  EXPECT_EQ(options_ok("echo://h;tls_verify").tls.verify, true);
  EXPECT_EQ(options_ok("echo://h;tls_password=").tls.password, "");
  EXPECT_EQ(value_error("tls_certfile="), "expected a non-empty value");
  EXPECT_EQ(value_error("tls_keyfile="), "expected a non-empty value");
  EXPECT_EQ(value_error("tls_cacertfile="), "expected a non-empty value");
  EXPECT_EQ(value_error("tls_verify=host"), "expected true, false, 1, 0, yes or no");
  EXPECT_EQ(options_ok("echo://h;tls_depth=0").tls.depth, 0);
  EXPECT_EQ(options_ok("echo://h;tls_depth=16").tls.depth, 16);
  EXPECT_EQ(value_error("tls_depth=17"), "must be from 0 to 16");
}

TEST(option_values, tls_versions) {
  const std::vector<std::string> both{"tlsv1.2", "tlsv1.3"};
  EXPECT_EQ(options_ok("echo://h;tls_versions=tlsv1.2").tls.versions, std::vector<std::string>{"tlsv1.2"});
  EXPECT_EQ(options_ok("echo://h;tls_versions=tlsv1.3+tlsv1.2").tls.versions, both);
  EXPECT_EQ(options_ok("echo://h;tls_versions=\"TLSv1.2, tlsv1.3\"").tls.versions, both);
  EXPECT_EQ(options_ok("<echo://h;tls_versions=tlsv1.2,tlsv1.3>").tls.versions, both);
  EXPECT_EQ(options_ok("echo://h;tls_versions=tlsv1.2+tlsv1.2").tls.versions, std::vector<std::string>{"tlsv1.2"});
  EXPECT_EQ(options_ok("echo://h;tls_versions=tlsv1.2;tls_versions=tlsv1.3").tls.versions,
            std::vector<std::string>{"tlsv1.3"});
  for (std::string_view bad :
       {"tls_versions=sslv3", "tls_versions=tlsv1.2+", "tls_versions=", "tls_versions=tlsv1.1"}) {
    EXPECT_EQ(value_error(bad), "expected tlsv1.2, tlsv1.3, or both joined by \"+\"") << bad;
  }
}

TEST(option_values, tcp_packet_and_max_frame) {
  EXPECT_EQ(options_ok("echo://h;tcp_packet=raw").tcp_packet, framing::raw);
  EXPECT_EQ(options_ok("echo://h;tcp_packet=1").tcp_packet, framing::length1);
  EXPECT_EQ(options_ok("echo://h;tcp_packet=2").tcp_packet, framing::length2);
  EXPECT_EQ(options_ok("echo://h;tcp_packet=4").tcp_packet, framing::length4);
  EXPECT_EQ(options_ok("echo://h;tcp_packet=LINE").tcp_packet, framing::line);
  EXPECT_EQ(value_error("tcp_packet=3"), "expected raw, 1, 2, 4 or line");
  EXPECT_EQ(options_ok("echo://h;max_frame=1").max_frame, 1u);
  EXPECT_EQ(options_ok("echo://h;max_frame=1073741824").max_frame, 1073741824u);
  EXPECT_EQ(value_error("max_frame=1073741825"), "must be from 1 to 1073741824");
  EXPECT_EQ(value_error("max_frame=0"), "must be from 1 to 1073741824");
}

TEST(option_values, http_stream_threshold_and_http_max_body) {
  EXPECT_EQ(options_ok("echo://h;http_stream_threshold=0").http_stream_threshold, 0u);
  EXPECT_EQ(options_ok("echo://h;http_stream_threshold=1073741824").http_stream_threshold, 1073741824u);
  EXPECT_EQ(value_error("http_stream_threshold=1073741825"), "must be from 0 to 1073741824");
  EXPECT_EQ(options_ok("echo://h;http_max_body=17179869184").http_max_body, 17179869184u);
  EXPECT_EQ(value_error("http_max_body=0"), "must be from 1 to 18446744073709551615");
}

TEST(option_values, booleans) {
  struct boolean_option {
    std::string_view name;
    std::optional<bool> options::*field;
  };
  for (auto [name, field] : {
           boolean_option{"no_dns_cache", &options::no_dns_cache},
           boolean_option{"force_new", &options::force_new},
           boolean_option{"nodelay", &options::nodelay},
           boolean_option{"keepalive", &options::keepalive},
           boolean_option{"udp_stun_reply", &options::udp_stun_reply},
           boolean_option{"udp_no_connections", &options::udp_no_connections},
           boolean_option{"udp_to_tcp", &options::udp_to_tcp},
           boolean_option{"udp_starts_tcp", &options::udp_starts_tcp},
       }) {
    std::string base = "echo://h;" + std::string(name);
    EXPECT_EQ(options_ok(base).*field, true) << name;
    for (std::string_view yes : {"true", "1", "yes", "YES", "True"}) {
      EXPECT_EQ(options_ok(base + "=" + std::string(yes)).*field, true) << name << "=" << yes;
    }
    for (std::string_view no : {"false", "0", "no", "NO"}) {
      EXPECT_EQ(options_ok(base + "=" + std::string(no)).*field, false) << name << "=" << no;
    }
    EXPECT_EQ(value_error(std::string(name) + "=2"), "expected true, false, 1, 0, yes or no") << name;
    EXPECT_EQ(value_error(std::string(name) + "="), "expected true, false, 1, 0, yes or no") << name;
  }
}

TEST(option_values, buffers_and_datagrams) {
  options o = options_ok("echo://h;sndbuf=65536;rcvbuf=131072;udp_max_size=1300;sctp_out_streams=10;sctp_in_streams=5");
  EXPECT_EQ(o.sndbuf, 65536u);
  EXPECT_EQ(o.rcvbuf, 131072u);
  EXPECT_EQ(o.udp_max_size, 1300u);
  EXPECT_EQ(o.sctp_out_streams, 10u);
  EXPECT_EQ(o.sctp_in_streams, 5u);
  EXPECT_EQ(value_error("sndbuf=0"), "must be from 1 to 1073741824");
  EXPECT_EQ(value_error("rcvbuf=1073741825"), "must be from 1 to 1073741824");
  EXPECT_EQ(value_error("udp_max_size=65508"), "must be from 1 to 65507");
  EXPECT_EQ(value_error("sctp_out_streams=0"), "must be from 1 to 65535");
  EXPECT_EQ(value_error("sctp_in_streams=65536"), "must be from 1 to 65535");
}

TEST(option_values, access_rules_keep_url_order) {
  options o = options_ok("echo://h;allow=\"10.0.0.0/8, ::1\";deny=all;allow=192.168.1.1");
  std::vector<access_rule> expected{
      {true, network("10.0.0.0/8")},
      {true, network("::1/128")},
      {false, std::nullopt},
      {true, network("192.168.1.1/32")},
  };
  EXPECT_EQ(o.access_rules, expected);
  EXPECT_EQ(options_ok("<echo://h;deny=10.0.0.0/8,10.1.0.0/16>").access_rules.size(), 2u);
  EXPECT_EQ(options_ok("echo://h;allow=ALL").access_rules, (std::vector<access_rule>{{true, std::nullopt}}));
  EXPECT_EQ(value_error("allow=10.0.0.1/8"), "invalid CIDR \"10.0.0.1/8\": address has bits set beyond the /8 prefix");
  EXPECT_EQ(value_error("deny=nowhere"), "invalid CIDR \"nowhere\": expected an IPv4 or IPv6 address");
  EXPECT_EQ(value_error("deny=\"10.0.0.0/8,\""), "invalid CIDR \"\": expected an IPv4 or IPv6 address");
}

TEST(option_values, proxy_protocol) {
  EXPECT_EQ(options_ok("echo://h;proxy_protocol=off").proxy_protocol, proxy_protocol_mode::off);
  EXPECT_EQ(options_ok("echo://h;proxy_protocol=v1").proxy_protocol, proxy_protocol_mode::v1);
  EXPECT_EQ(options_ok("echo://h;proxy_protocol=V2").proxy_protocol, proxy_protocol_mode::v2);
  EXPECT_EQ(options_ok("echo://h;proxy_protocol=any").proxy_protocol, proxy_protocol_mode::any);
  EXPECT_EQ(options_ok("echo://h;proxy_protocol=optional").proxy_protocol, proxy_protocol_mode::optional);
  EXPECT_EQ(value_error("proxy_protocol=v3"), "expected off, v1, v2, any or optional");
}

TEST(option_values, connection_rate_and_limits) {
  EXPECT_EQ(options_ok("echo://h;max_conn_rate=100/1").max_conn_rate, (connection_rate{100, milliseconds(1000)}));
  EXPECT_EQ(options_ok("echo://h;max_conn_rate=5/60").max_conn_rate, (connection_rate{5, milliseconds(60000)}));
  EXPECT_EQ(value_error("max_conn_rate=100"), "expected COUNT/SECONDS, e.g. 100/1");
  EXPECT_EQ(value_error("max_conn_rate=0/1"),
            "expected COUNT/SECONDS, e.g. 100/1 (must be from 1 to 4294967295 connections)");
  EXPECT_EQ(value_error("max_conn_rate=10/0"), "expected COUNT/SECONDS, e.g. 100/1 (must be from 1 to 86400 seconds)");
  EXPECT_EQ(value_error("max_conn_rate=a/1"),
            "expected COUNT/SECONDS, e.g. 100/1 (expected a whole number of connections)");
  EXPECT_EQ(options_ok("echo://h;max_conn_burst=20").max_conn_burst, 20u);
  EXPECT_EQ(value_error("max_conn_burst=4294967296"), "must be from 1 to 4294967295");
  EXPECT_EQ(options_ok("echo://h;rate_limit=1000000").rate_limit, 1000000u);
  EXPECT_EQ(options_ok("echo://h;rate_limit_burst=18446744073709551615").rate_limit_burst, 18446744073709551615u);
  EXPECT_EQ(value_error("rate_limit_burst=18446744073709551616"), "must be from 1 to 18446744073709551615");
  EXPECT_EQ(value_error("rate_limit=0"), "must be from 1 to 18446744073709551615");
}

// --- Where values come from ---

TEST(options_from_url, host_and_path_come_from_the_url) {
  options o = options_ok("echo://example.com:80/chat");
  EXPECT_EQ(o.host, "example.com");
  EXPECT_EQ(o.path, "/chat");
  EXPECT_EQ(options_ok("echo://1.2.3.4").host, "1.2.3.4");
  EXPECT_EQ(options_ok("echo://[::1]").host, "::1");
  EXPECT_FALSE(options_ok("echo://h").path);
}

TEST(options_from_url, any_addresses_do_not_set_host) {
  for (std::string_view text : {"echo://all", "echo://all6", "echo://0.0.0.0", "echo://[::]", "echo:///tmp/s"}) {
    EXPECT_FALSE(options_ok(text).host) << text;
  }
}

TEST(options_from_url, host_and_path_params_override_the_url) {
  options o = options_ok("test://all:1234/any;transport=ws;host=localhost; path= \"dom3\"; ws_proto=proto1");
  EXPECT_EQ(o.host, "localhost");
  EXPECT_EQ(o.path, "dom3");
  EXPECT_EQ(o.transport, transport::ws);
  EXPECT_EQ(o.ws_proto, "proto1");
  EXPECT_EQ(options_ok("echo://a.com;host=b.com").host, "b.com");
}

TEST(options_from_url, uri_params_then_params_later_wins) {
  options o = options_ok("<echo://h;idle_timeout=1;backlog=7>;idle_timeout=2;idle_timeout=3");
  EXPECT_EQ(o.idle_timeout, milliseconds(3));
  EXPECT_EQ(o.backlog, 7);
  EXPECT_EQ(options_ok("<test://127.0.0.1:1234/dom3;transport=ws>;ws_proto=proto1;host=localhost").transport,
            transport::ws);
}

TEST(options_from_url, userinfo_and_headers) {
  options o = options_ok("<echo://alice:secret@h?a=1>;nodelay?B=\"x y\"&flag");
  EXPECT_EQ(o.user, "alice");
  EXPECT_EQ(o.password, "secret");
  EXPECT_EQ(o.metadata, (std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"b", "x y"}, {"flag", ""}}));
  EXPECT_EQ(o.nodelay, true);
}

TEST(options_from_url, no_params_leaves_everything_unset) {
  options o = options_ok("echo://all:5");
  EXPECT_EQ(fields(o), fields(options{}));
}

// --- Merging ---

options every_field_set(int n) {
  options o;
  o.transport = n == 1 ? transport::tcp : transport::tls;
  o.idle_timeout = milliseconds(n);
  o.connect_timeout = milliseconds(n + 1);
  o.send_timeout = milliseconds(n + 2);
  o.proxy_protocol_timeout = milliseconds(n + 3);
  o.max_connections = n;
  o.acceptors = n;
  o.backlog = n;
  o.host = "host" + std::to_string(n);
  o.path = "/path" + std::to_string(n);
  o.ws_proto = "proto" + std::to_string(n);
  o.class_name = "class" + std::to_string(n);
  o.tls.certfile = "cert" + std::to_string(n);
  o.tls.keyfile = "key" + std::to_string(n);
  o.tls.cacertfile = "ca" + std::to_string(n);
  o.tls.password = "pw" + std::to_string(n);
  o.tls.verify = n == 1;
  o.tls.depth = n;
  o.tls.versions = {n == 1 ? "tlsv1.2" : "tlsv1.3"};
  o.tcp_packet = n == 1 ? framing::line : framing::length4;
  o.max_frame = n;
  o.ws_deflate = n == 1;
  o.no_dns_cache = n == 1;
  o.force_new = n == 1;
  o.nodelay = n == 1;
  o.keepalive = n == 1;
  o.keepalive_idle = n;
  o.keepalive_interval = n + 1;
  o.keepalive_count = n + 2;
  o.reset_on_close = n == 1;
  o.acceptor_mode = n == 1 ? acceptor_mode::reuseport : acceptor_mode::balanced;
  o.sndbuf = n;
  o.rcvbuf = n;
  o.udp_stun_reply = n == 1;
  o.udp_no_connections = n == 1;
  o.udp_to_tcp = n == 1;
  o.udp_starts_tcp = n == 1;
  o.udp_max_size = n;
  o.sctp_out_streams = n;
  o.sctp_in_streams = n;
  o.access_rules = {access_rule{n == 1, std::nullopt}};
  o.proxy_protocol = n == 1 ? proxy_protocol_mode::v1 : proxy_protocol_mode::v2;
  o.max_conn_rate = connection_rate{static_cast<std::uint32_t>(n), milliseconds(1000)};
  o.max_conn_burst = n;
  o.rate_limit = n;
  o.rate_limit_burst = n;
  o.listener_rate_limit = n;
  o.listener_rate_limit_burst = n;
  o.user = "user" + std::to_string(n);
  o.password = "password" + std::to_string(n);
  o.metadata = {{"k", std::to_string(n)}};
  return o;
}

TEST(merge_options, every_field_set_in_code_wins) {
  options from_url = every_field_set(1);
  options from_code = every_field_set(2);
  EXPECT_EQ(fields(merge_options(from_url, from_code)), fields(from_code));
}

TEST(merge_options, unset_fields_in_code_keep_the_url) {
  options from_url = every_field_set(1);
  EXPECT_EQ(fields(merge_options(from_url, options{})), fields(from_url));
}

TEST(merge_options, fields_merge_one_by_one) {
  options from_url = options_ok("echo://u@h;idle_timeout=5;tls_certfile=url.pem;tls_keyfile=url.key;deny=all?a=1");
  options from_code;
  from_code.connect_timeout = milliseconds(9);
  from_code.tls.keyfile = "code.key";
  from_code.tls.verify = false;
  options merged = merge_options(from_url, from_code);
  EXPECT_EQ(merged.idle_timeout, milliseconds(5));
  EXPECT_EQ(merged.connect_timeout, milliseconds(9));
  EXPECT_EQ(merged.tls.certfile, "url.pem");
  EXPECT_EQ(merged.tls.keyfile, "code.key");
  EXPECT_EQ(merged.tls.verify, false);
  EXPECT_EQ(merged.user, "u");
  EXPECT_EQ(merged.host, "h");
  EXPECT_EQ(merged.access_rules, (std::vector<access_rule>{{false, std::nullopt}}));
  EXPECT_EQ(merged.metadata, (std::vector<std::pair<std::string, std::string>>{{"a", "1"}}));
}

TEST(merge_options, lists_from_code_replace_not_append) {
  options from_url = options_ok("echo://h;allow=10.0.0.0/8;deny=all?a=1&b=2");
  options from_code;
  from_code.access_rules = {access_rule{true, std::nullopt}};
  from_code.metadata = {{"c", "3"}};
  options merged = merge_options(from_url, from_code);
  EXPECT_EQ(merged.access_rules, from_code.access_rules);
  EXPECT_EQ(merged.metadata, from_code.metadata);
}

// --- What is built ---

TEST(check_supported, defaults_and_built_transports_pass) {
  EXPECT_TRUE(check_supported(options{}).ok());
  for (transport t : {transport::tcp, transport::tls, transport::unix_stream, transport::udp, transport::dtls}) {
    options o;
    o.transport = t;
    EXPECT_TRUE(check_supported(o).ok()) << to_string(t);
  }
}

TEST(check_supported, other_transports_are_refused) {
  for (transport t : {transport::sctp}) {
    options o;
    o.transport = t;
    auto checked = check_supported(o);
    ASSERT_FALSE(checked.ok()) << to_string(t);
    EXPECT_EQ(checked.error().message, "transport \"" + std::string(to_string(t)) + "\" is not supported yet");
  }
}

TEST(check_supported, every_built_option_passes) {
  options o = options_ok(
      "echo://h/p;transport=tls;idle_timeout=0;connect_timeout=1;max_connections=5;tcp_listeners=2;acceptors=3;"
      "backlog=9;host=x;path=/y;class=c;tls_certfile=c;tls_keyfile=k;tls_cacertfile=ca;tls_password=p;"
      "tls_verify=yes;tls_depth=2;tls_versions=tlsv1.3;tcp_packet=4;max_frame=100;force_new;no_dns_cache;"
      "nodelay;keepalive;keepalive_idle=60;keepalive_interval=10;keepalive_count=3;reset_on_close;sndbuf=1;rcvbuf=1;"
      "send_timeout=1000;rate_limit=1;rate_limit_burst=2;listener_rate_limit=3;listener_rate_limit_burst=4;"
      "acceptor_mode=balanced;udp_stun_reply;udp_no_connections;udp_max_size=100;udp_to_tcp;udp_starts_tcp;ws_proto=chat?meta=1");
  auto checked = check_supported(o);
  EXPECT_TRUE(checked.ok()) << checked.error().message;
}

TEST(check_supported, options_not_built_yet_are_named) {
  for (auto [param, name] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
           {"sctp_out_streams=1", "sctp_out_streams"},
           {"sctp_in_streams=1", "sctp_in_streams"},
       }) {
    auto checked = check_supported(options_ok("echo://h;transport=tcp;" + std::string(param)));
    ASSERT_FALSE(checked.ok()) << param;
    EXPECT_EQ(checked.error().message, "option \"" + std::string(name) + "\" is not supported yet");
  }
}

TEST(check_supported, keepalive_probes_need_keepalive) {
  EXPECT_TRUE(check_supported(options_ok("echo://h;keepalive_idle=5")).ok());
  EXPECT_TRUE(check_supported(options_ok("echo://h;keepalive=yes;keepalive_count=5")).ok());
  auto checked = check_supported(options_ok("echo://h;keepalive=no;keepalive_interval=5"));
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().message, "option \"keepalive_interval\" needs keepalive, which is off");
}

TEST(option_values, socket_tuning) {
  options o = options_ok("echo://h;keepalive_idle=32767;keepalive_interval=1;keepalive_count=127;reset_on_close");
  EXPECT_EQ(o.keepalive_idle, 32767u);
  EXPECT_EQ(o.keepalive_interval, 1u);
  EXPECT_EQ(o.keepalive_count, 127u);
  EXPECT_EQ(o.reset_on_close, true);
  EXPECT_EQ(value_error("keepalive_idle=0"), "must be from 1 to 32767");
  EXPECT_EQ(value_error("keepalive_count=128"), "must be from 1 to 127");
  EXPECT_EQ(options_ok("echo://h;acceptor_mode=Balanced").acceptor_mode, acceptor_mode::balanced);
  EXPECT_EQ(value_error("acceptor_mode=random"), "expected reuseport or balanced");
  EXPECT_EQ(options_ok("echo://h;listener_rate_limit=5;listener_rate_limit_burst=6").listener_rate_limit_burst, 6u);
  EXPECT_NE(value_error("tune_buffer").find("does not apply to polyport"), std::string::npos);
}

TEST(option_names, to_string) {
  EXPECT_EQ(to_string(acceptor_mode::reuseport), "reuseport");
  EXPECT_EQ(to_string(acceptor_mode::balanced), "balanced");
  EXPECT_EQ(to_string(framing::raw), "raw");
  EXPECT_EQ(to_string(framing::length1), "1");
  EXPECT_EQ(to_string(framing::length2), "2");
  EXPECT_EQ(to_string(framing::length4), "4");
  EXPECT_EQ(to_string(framing::line), "line");
  EXPECT_EQ(to_string(proxy_protocol_mode::off), "off");
  EXPECT_EQ(to_string(proxy_protocol_mode::v1), "v1");
  EXPECT_EQ(to_string(proxy_protocol_mode::v2), "v2");
  EXPECT_EQ(to_string(proxy_protocol_mode::any), "any");
  EXPECT_EQ(to_string(proxy_protocol_mode::optional), "optional");
}

}  // namespace
}  // namespace polyport
