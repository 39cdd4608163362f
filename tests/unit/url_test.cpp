#include "polyport/url.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace polyport {
namespace {

url parse_ok(std::string_view text) {
  auto parsed = parse_url(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : url{};
}

std::string parse_error(std::string_view text) {
  auto parsed = parse_urls(text);
  EXPECT_FALSE(parsed.ok()) << text;
  return parsed.ok() ? "" : parsed.error().message;
}

url_param flag(std::string key) { return url_param{std::move(key), std::nullopt}; }

url_param param(std::string key, std::string value) { return url_param{std::move(key), std::move(value)}; }

// --- The examples of nkpacket.md §3.3 ---

TEST(url_parser, nkpacket_bracketed_listener) {
  url u = parse_ok("<test://all:5060;transport=udp>");
  EXPECT_EQ(u.scheme, "test");
  EXPECT_EQ(u.host, "0.0.0.0");
  EXPECT_EQ(u.kind, host_kind::any_ipv4);
  EXPECT_EQ(u.port, 5060);
  EXPECT_EQ(u.uri_params, std::vector<url_param>{param("transport", "udp")});
  EXPECT_TRUE(u.params.empty());
  EXPECT_EQ(u.text, "<test://all:5060;transport=udp>");
}

TEST(url_parser, nkpacket_params_without_brackets_are_ext_params) {
  url u = parse_ok("test://localhost:1238;transport=ws;connect_timeout=2000;idle_timeout=1000");
  EXPECT_EQ(u.host, "localhost");
  EXPECT_EQ(u.kind, host_kind::name);
  EXPECT_EQ(u.port, 1238);
  EXPECT_TRUE(u.uri_params.empty());
  EXPECT_EQ(u.params, (std::vector<url_param>{param("transport", "ws"), param("connect_timeout", "2000"),
                                              param("idle_timeout", "1000")}));
}

TEST(url_parser, nkpacket_spaces_and_quotes_in_params) {
  url u = parse_ok("test://all:1234/any;transport=ws;host=localhost; path= \"dom3\"; ws_proto=proto1");
  EXPECT_EQ(u.path, "/any");
  EXPECT_EQ(u.params, (std::vector<url_param>{param("transport", "ws"), param("host", "localhost"),
                                              param("path", "dom3"), param("ws_proto", "proto1")}));
}

TEST(url_parser, nkpacket_uri_params_and_ext_params) {
  url u = parse_ok("<test://127.0.0.1:1234/dom3;transport=ws>;ws_proto=proto1;host=localhost");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.kind, host_kind::ipv4);
  EXPECT_EQ(u.path, "/dom3");
  EXPECT_EQ(u.uri_params, std::vector<url_param>{param("transport", "ws")});
  EXPECT_EQ(u.params, (std::vector<url_param>{param("ws_proto", "proto1"), param("host", "localhost")}));
}

TEST(url_parser, nkpacket_sip_without_slashes) {
  url u = parse_ok("<sip:1.2.3.4;transport=tls>");
  EXPECT_EQ(u.scheme, "sip");
  EXPECT_EQ(u.host, "1.2.3.4");
  EXPECT_FALSE(u.port);
  EXPECT_EQ(u.uri_params, std::vector<url_param>{param("transport", "tls")});
}

TEST(url_parser, nkpacket_list) {
  auto urls =
      parse_urls("http://1.2.3.4, http://4.3.2.1:25;transport=tcp, http://all:1200, <http://[1::5]>;transport=tls");
  ASSERT_TRUE(urls.ok()) << urls.error().message;
  ASSERT_EQ(urls->size(), 4u);
  EXPECT_EQ((*urls)[0].host, "1.2.3.4");
  EXPECT_EQ((*urls)[0].text, "http://1.2.3.4");
  EXPECT_EQ((*urls)[1].port, 25);
  EXPECT_EQ((*urls)[1].params, std::vector<url_param>{param("transport", "tcp")});
  EXPECT_EQ((*urls)[2].kind, host_kind::any_ipv4);
  EXPECT_EQ((*urls)[2].port, 1200);
  EXPECT_EQ((*urls)[3].host, "1::5");
  EXPECT_EQ((*urls)[3].kind, host_kind::ipv6);
  EXPECT_EQ((*urls)[3].params, std::vector<url_param>{param("transport", "tls")});
  EXPECT_EQ((*urls)[3].text, "<http://[1::5]>;transport=tls");
}

TEST(url_parser, ipv6_without_slashes_and_with_port) {
  url u = parse_ok("test:[::1]:5060");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.kind, host_kind::ipv6);
  EXPECT_EQ(u.port, 5060);
}

// --- Hosts ---

TEST(url_parser, ipv6_is_canonical) {
  EXPECT_EQ(parse_ok("echo://[0:0:0:0:0:0:0:1]").host, "::1");
  EXPECT_EQ(parse_ok("echo://[2001:DB8:0::1]:80").host, "2001:db8::1");
  EXPECT_EQ(parse_ok("echo://[::ffff:1.2.3.4]").host, "::ffff:1.2.3.4");
  EXPECT_EQ(parse_ok("echo://[::ffff:1.2.3.4]").kind, host_kind::ipv6);
}

TEST(url_parser, any_addresses) {
  url all6 = parse_ok("echo://all6:5");
  EXPECT_EQ(all6.host, "::");
  EXPECT_EQ(all6.kind, host_kind::any_ipv6);
  EXPECT_EQ(parse_ok("echo://[::]").kind, host_kind::any_ipv6);
  EXPECT_EQ(parse_ok("echo://[0::0]").host, "::");
  EXPECT_EQ(parse_ok("echo://0.0.0.0").kind, host_kind::any_ipv4);
  EXPECT_EQ(parse_ok("echo://ALL").host, "0.0.0.0");
}

TEST(url_parser, host_names_are_lower_cased) {
  url u = parse_ok("ECHO://Example.COM:7");
  EXPECT_EQ(u.scheme, "echo");
  EXPECT_EQ(u.host, "example.com");
  EXPECT_EQ(u.kind, host_kind::name);
  EXPECT_EQ(parse_ok("sip://_sip._tcp.example.com.").host, "_sip._tcp.example.com.");
}

TEST(url_parser, port_zero_is_kept) {
  EXPECT_EQ(parse_ok("echo://h:0").port, 0);
  EXPECT_EQ(parse_ok("echo://h:65535").port, 65535);
  EXPECT_FALSE(parse_ok("echo://h").port);
}

// --- Unix sockets and paths ---

TEST(url_parser, unix_socket_has_no_host) {
  url u = parse_ok("echo:///tmp/x.sock;transport=unix");
  EXPECT_EQ(u.kind, host_kind::none);
  EXPECT_EQ(u.host, "");
  EXPECT_EQ(u.path, "/tmp/x.sock");
  EXPECT_EQ(u.params, std::vector<url_param>{param("transport", "unix")});
  EXPECT_EQ(parse_ok("echo:/tmp/x.sock").path, "/tmp/x.sock");
}

TEST(url_parser, trailing_slashes_are_removed_except_the_root) {
  EXPECT_EQ(parse_ok("echo://h/a/b/").path, "/a/b");
  EXPECT_EQ(parse_ok("echo://h/").path, "/");
  EXPECT_EQ(parse_ok("echo://h///").path, "/");
  EXPECT_EQ(parse_ok("echo://h").path, "");
  EXPECT_EQ(parse_ok("echo://h/a@b").path, "/a@b");
}

// --- Userinfo ---

TEST(url_parser, userinfo) {
  url u = parse_ok("echo://alice:secret@h:5");
  EXPECT_EQ(u.user, "alice");
  EXPECT_EQ(u.password, "secret");
  EXPECT_EQ(u.host, "h");
  EXPECT_EQ(parse_ok("echo://alice@h").password, "");
  EXPECT_EQ(parse_ok("echo://:pw@h").password, "pw");
  EXPECT_EQ(parse_ok("echo://a:b:c@h").password, "b:c");
  EXPECT_EQ(parse_ok("echo://a@b@h").user, "a@b");
  EXPECT_EQ(parse_ok("echo://u@/tmp/s").user, "u");
}

// --- Display names and brackets ---

TEST(url_parser, display_names) {
  EXPECT_EQ(parse_ok("Alice Smith <echo://h>").display_name, "Alice Smith");
  EXPECT_EQ(parse_ok("\"Alice \\\"A\\\" Smith\" <echo://h>").display_name, "Alice \"A\" Smith");
  EXPECT_EQ(parse_ok("<echo://h>").display_name, "");
  EXPECT_EQ(parse_ok("\"  padded \"<echo://h>").display_name, "  padded ");
  EXPECT_EQ(parse_ok("\"Bob: ops\" <echo://h>").display_name, "Bob: ops");
}

TEST(url_parser, quoted_display_name_may_hold_commas_and_brackets) {
  auto urls = parse_urls("\"a, <b>\" <echo://h>, echo://g");
  ASSERT_TRUE(urls.ok()) << urls.error().message;
  ASSERT_EQ(urls->size(), 2u);
  EXPECT_EQ((*urls)[0].display_name, "a, <b>");
  EXPECT_EQ((*urls)[1].host, "g");
}

TEST(url_parser, headers_inside_and_after_brackets) {
  url u = parse_ok("<echo://h;a=1?x=1>;b=2?y=2&z");
  EXPECT_EQ(u.uri_params, std::vector<url_param>{param("a", "1")});
  EXPECT_EQ(u.params, std::vector<url_param>{param("b", "2")});
  EXPECT_EQ(u.headers, (std::vector<url_param>{param("x", "1"), param("y", "2"), flag("z")}));
}

TEST(url_parser, brackets_with_whitespace) {
  url u = parse_ok("  name   < echo://h >  ;a=1  ");
  EXPECT_EQ(u.display_name, "name");
  EXPECT_EQ(u.host, "h");
  EXPECT_EQ(u.params, std::vector<url_param>{param("a", "1")});
}

// --- Params and headers ---

TEST(url_parser, param_keys_are_lower_cased_and_values_kept) {
  url u = parse_ok("echo://h;Transport=TCP;LR;empty=;q=\"\"");
  EXPECT_EQ(u.params,
            (std::vector<url_param>{param("transport", "TCP"), flag("lr"), param("empty", ""), param("q", "")}));
}

TEST(url_parser, quoted_values) {
  url u = parse_ok("echo://h;a=\"x;y?z\";b=\"say \\\"hi\\\"\";c=\"1,2\";d=\" kept \"");
  EXPECT_EQ(u.params, (std::vector<url_param>{param("a", "x;y?z"), param("b", "say \"hi\""), param("c", "1,2"),
                                              param("d", " kept ")}));
}

TEST(url_parser, commas_inside_brackets_do_not_split) {
  auto urls = parse_urls("<echo://h;tls_versions=tlsv1.2,tlsv1.3>, echo://g");
  ASSERT_TRUE(urls.ok()) << urls.error().message;
  ASSERT_EQ(urls->size(), 2u);
  EXPECT_EQ((*urls)[0].uri_params, std::vector<url_param>{param("tls_versions", "tlsv1.2,tlsv1.3")});
}

TEST(url_parser, whitespace_around_params_and_items) {
  auto urls = parse_urls("  echo://a ; x = 1 ,\techo://b\n");
  ASSERT_TRUE(urls.ok()) << urls.error().message;
  ASSERT_EQ(urls->size(), 2u);
  EXPECT_EQ((*urls)[0].params, std::vector<url_param>{param("x", "1")});
  EXPECT_EQ((*urls)[0].text, "echo://a ; x = 1");
  EXPECT_EQ((*urls)[1].text, "echo://b");
}

TEST(url_parser, headers) {
  url u = parse_ok("echo://h;p=1?a=1&B&c=\"x&y\"");
  EXPECT_EQ(u.params, std::vector<url_param>{param("p", "1")});
  EXPECT_EQ(u.headers, (std::vector<url_param>{param("a", "1"), flag("b"), param("c", "x&y")}));
  EXPECT_EQ(parse_ok("echo://h?a=1;b").headers, std::vector<url_param>{param("a", "1;b")});
}

TEST(url_parser, limits_are_inclusive) {
  std::string many = "echo://h";
  for (std::size_t i = 0; i < max_url_params; ++i) {
    many += ";a";
  }
  EXPECT_EQ(parse_ok(many).params.size(), max_url_params);
  std::string list = "echo://h";
  for (std::size_t i = 1; i < max_urls; ++i) {
    list += ",echo://h";
  }
  auto urls = parse_urls(list);
  ASSERT_TRUE(urls.ok());
  EXPECT_EQ(urls->size(), max_urls);
}

// --- Errors, with their exact messages ---

TEST(url_errors, port) {
  EXPECT_EQ(parse_error("echo://h:99999"), "invalid URL \"echo://h:99999\": port out of range");
  EXPECT_EQ(parse_error("echo://h:65536"), "invalid URL \"echo://h:65536\": port out of range");
  EXPECT_EQ(parse_error("echo://h:123456789012345678901234567890"),
            "invalid URL \"echo://h:123456789012345678901234567890\": port out of range");
  EXPECT_EQ(parse_error("echo://h:"), "invalid URL \"echo://h:\": missing port after \":\"");
  EXPECT_EQ(parse_error("echo://h:8a"), "invalid URL \"echo://h:8a\": invalid port \"8a\"");
  EXPECT_EQ(parse_error("echo://[::1]:x"), "invalid URL \"echo://[::1]:x\": invalid port \"x\"");
}

TEST(url_errors, scheme) {
  EXPECT_EQ(parse_error("echo//x"), "invalid URL \"echo//x\": missing \":\" after the scheme");
  EXPECT_EQ(parse_error("echo"), "invalid URL \"echo\": missing \":\" after the scheme");
  EXPECT_EQ(parse_error("://h"), "invalid URL \"://h\": missing scheme");
  EXPECT_EQ(parse_error("1echo://h"), "invalid URL \"1echo://h\": invalid scheme \"1echo\"");
}

TEST(url_errors, hosts) {
  EXPECT_EQ(parse_error("echo://[::1"), "invalid URL \"echo://[::1\": unterminated IPv6 address");
  EXPECT_EQ(parse_error("echo://[::g]"), "invalid URL \"echo://[::g]\": invalid IPv6 address \"::g\"");
  EXPECT_EQ(parse_error("echo://[::1]x"), "invalid URL \"echo://[::1]x\": unexpected text after the IPv6 address");
  EXPECT_EQ(parse_error("echo://::1"), "invalid URL \"echo://::1\": an IPv6 address needs brackets: [::1]");
  EXPECT_EQ(parse_error("echo://1.2.3"), "invalid URL \"echo://1.2.3\": invalid IPv4 address \"1.2.3\"");
  EXPECT_EQ(parse_error("echo://256.1.1.1"), "invalid URL \"echo://256.1.1.1\": invalid IPv4 address \"256.1.1.1\"");
  EXPECT_EQ(parse_error("echo://bad!host"), "invalid URL \"echo://bad!host\": invalid host \"bad!host\"");
  EXPECT_EQ(parse_error("echo://a..b"), "invalid URL \"echo://a..b\": invalid host \"a..b\"");
  EXPECT_EQ(parse_error("echo://" + std::string(64, 'a')),
            "invalid URL \"echo://" + std::string(64, 'a') + "\": invalid host \"" + std::string(64, 'a') + "\"");
  EXPECT_EQ(parse_error("echo://:80"), "invalid URL \"echo://:80\": missing host");
  EXPECT_EQ(parse_error("echo://"), "invalid URL \"echo://\": missing host");
  EXPECT_EQ(parse_error("echo://u@"), "invalid URL \"echo://u@\": missing host");
}

TEST(url_errors, userinfo_and_path) {
  EXPECT_EQ(parse_error("echo://u s@h"), "invalid URL \"echo://u s@h\": invalid user or password");
  EXPECT_EQ(parse_error("echo://h/a b"), "invalid URL \"echo://h/a b\": invalid path \"/a b\"");
}

TEST(url_errors, params) {
  EXPECT_EQ(parse_error("echo://h;"), "invalid URL \"echo://h;\": empty parameter");
  EXPECT_EQ(parse_error("echo://h;a;;b"), "invalid URL \"echo://h;a;;b\": empty parameter");
  EXPECT_EQ(parse_error("echo://h;=1"), "invalid URL \"echo://h;=1\": empty parameter name");
  EXPECT_EQ(parse_error("echo://h;a b=1"), "invalid URL \"echo://h;a b=1\": invalid parameter name \"a b\"");
  EXPECT_EQ(parse_error("echo://h;a=\"x\"y"),
            "invalid URL \"echo://h;a=\"x\"y\": unexpected text after the quoted value of \"a\"");
  EXPECT_EQ(parse_error("echo://h;a=x\"y\""), "invalid URL \"echo://h;a=x\"y\"\": stray quote in the value of \"a\"");
  EXPECT_EQ(parse_error("echo://h;a=\"x"), "invalid URL \"echo://h;a=\"x\": unterminated quoted string");
  EXPECT_EQ(parse_error("echo://h?"), "invalid URL \"echo://h?\": empty header");
  EXPECT_EQ(parse_error("echo://h?a&&b"), "invalid URL \"echo://h?a&&b\": empty header");
  EXPECT_EQ(parse_error("echo://h?a!=1"), "invalid URL \"echo://h?a!=1\": invalid header name \"a!\"");
}

TEST(url_errors, brackets_and_display_names) {
  EXPECT_EQ(parse_error("<echo://h"), "invalid URL \"<echo://h\": missing \">\"");
  EXPECT_EQ(parse_error("echo://h>"), "invalid URL \"echo://h>\": \">\" without \"<\"");
  EXPECT_EQ(parse_error("<echo://h>x"), "invalid URL \"<echo://h>x\": unexpected text after \">\"");
  EXPECT_EQ(parse_error("<echo://h><echo://g>"),
            "invalid URL \"<echo://h><echo://g>\": more than one <...> in one URL");
  EXPECT_EQ(parse_error("<>"), "invalid URL \"<>\": missing scheme");
  EXPECT_EQ(parse_error("\"a\" b <echo://h>"),
            "invalid URL \"\"a\" b <echo://h>\": unexpected text after the quoted display name");
  EXPECT_EQ(parse_error("a\"b\" <echo://h>"), "invalid URL \"a\"b\" <echo://h>\": invalid display name");
  EXPECT_EQ(parse_error("echo://h;a=<x>"),
            "invalid URL \"echo://h;a=<x>\": unexpected \"<\" inside the URL (quote a value that holds one)");
  EXPECT_EQ(parse_error("Alice echo://h"), "invalid URL \"Alice echo://h\": missing \":\" after the scheme");
}

TEST(url_errors, lists) {
  EXPECT_EQ(parse_error(""), "invalid URL \"\": empty URL");
  EXPECT_EQ(parse_error("   "), "invalid URL \"\": empty URL");
  EXPECT_EQ(parse_error("echo://a,,echo://b"), "invalid URL \"\": empty URL");
  EXPECT_EQ(parse_error("echo://a, echo://b:x"), "invalid URL \"echo://b:x\": invalid port \"x\"");
  auto two = parse_url("echo://a, echo://b");
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.error().message, "invalid URL \"echo://a, echo://b\": expected one URL, found 2");
}

TEST(url_errors, bounds) {
  std::string list = "e:h";
  for (std::size_t i = 0; i < max_urls; ++i) {
    list += ",e:h";
  }
  EXPECT_EQ(parse_error(list), "invalid URL \"" + list.substr(0, 200) + "...\": more than 64 URLs in one list");

  std::string many = "echo://h";
  for (std::size_t i = 0; i <= max_url_params; ++i) {
    many += ";a";
  }
  EXPECT_EQ(parse_error(many), "invalid URL \"" + many.substr(0, 200) + "...\": more than 256 parameters");

  std::string huge = "echo://h/" + std::string(max_url_text, 'a');
  EXPECT_EQ(parse_error(huge), "invalid URL \"" + huge.substr(0, 200) + "...\": longer than 65536 bytes");
}

TEST(url_errors, control_characters) {
  EXPECT_EQ(parse_error(std::string("echo://h/\x01", 10)),
            std::string("invalid URL \"echo://h/\x01\": control character at offset 9"));
  std::string nul_inside_quotes = parse_error(std::string("echo://h;a=\"\0\"", 14));
  EXPECT_NE(nul_inside_quotes.find("\": control character at offset 12"), std::string::npos) << nul_inside_quotes;
}

// --- Canonical text ---

TEST(url_to_string, canonical_forms) {
  EXPECT_EQ(to_string(parse_ok("<test://all:5060;transport=udp>")), "<test://0.0.0.0:5060;transport=udp>");
  EXPECT_EQ(to_string(parse_ok("TEST://LocalHost:1238;transport=ws")), "test://localhost:1238;transport=ws");
  EXPECT_EQ(to_string(parse_ok("test:[::1]:5060")), "test://[::1]:5060");
  EXPECT_EQ(to_string(parse_ok("echo://all6")), "echo://[::]");
  EXPECT_EQ(to_string(parse_ok("echo:/tmp/x.sock;transport=unix")), "echo:///tmp/x.sock;transport=unix");
  EXPECT_EQ(to_string(parse_ok("Alice <echo://h>")), "\"Alice\" <echo://h>");
  EXPECT_EQ(to_string(parse_ok("echo://u:p@h/a/;a= 1 ;b;c=;d=\"x y\"?k&v=\"1,2\"")),
            "echo://u:p@h/a;a=1;b;c=\"\";d=\"x y\"?k&v=\"1,2\"");
  EXPECT_EQ(to_string(parse_ok("echo://h;a=\"q\\\"\\\\\"")), "echo://h;a=\"q\\\"\\\\\"");
  EXPECT_EQ(to_string(parse_ok("<echo://h?x=1>;p?y")), "echo://h;p?x=1&y");
  EXPECT_EQ(to_string(parse_ok("<echo://a,b@h/c,d>")), "<echo://a,b@h/c,d>");
  EXPECT_EQ(to_string(parse_ok("echo://:pw@h")), "echo://:pw@h");
}

TEST(url_to_string, round_trips) {
  for (std::string_view text : {
           "<test://all:5060;transport=udp>",
           "test://localhost:1238;transport=ws;connect_timeout=2000;idle_timeout=1000",
           "test://all:1234/any;transport=ws;host=localhost; path= \"dom3\"; ws_proto=proto1",
           "<test://127.0.0.1:1234/dom3;transport=ws>;ws_proto=proto1;host=localhost",
           "<sip:1.2.3.4;transport=tls>",
           "<http://[1::5]>;transport=tls",
           "\"Alice \\\"A\\\"\" <echo://u:p@[::1]:0/x;a=\"1,2\";lr?h=1>;b=\";\"?g=\"&\"",
           "echo:///tmp/x.sock;transport=unix",
           "<echo://a,b:c,d@h/p,q>",
           "echo://h///",
       }) {
    url first = parse_ok(text);
    url second = parse_ok(to_string(first));
    EXPECT_EQ(first, second) << text << " -> " << to_string(first);
  }
}

TEST(url_equality, ignores_only_the_text) {
  url a = parse_ok("echo://h:5");
  url b = parse_ok("ECHO://H:5");
  EXPECT_NE(a.text, b.text);
  EXPECT_EQ(a, b);
  b.port = 6;
  EXPECT_NE(a, b);
}

TEST(format_endpoint, brackets_ipv6_only) {
  EXPECT_EQ(format_endpoint("1.2.3.4", 5), "1.2.3.4:5");
  EXPECT_EQ(format_endpoint("::1", 5), "[::1]:5");
  EXPECT_EQ(format_endpoint("example.com", 0), "example.com:0");
}

}  // namespace
}  // namespace polyport
