#pragma once
// SIP-style URLs, as NkPACKET reads them (DESIGN.md §4; grammar after RFC 3261 §25.1 and
// RFC 3986 §3):
//
//   [display] <scheme:[//][user[:pass]@]host[:port][/path];uri-params?headers>;params?headers
//   scheme:[//][user[:pass]@]host[:port][/path];params?headers
//
// Without angle brackets every ;param is an ext param (`params`), as in SIP. Options
// (options.hpp) are read from both `uri_params` and `params`; headers become user metadata.
// Thread safety: plain value types and pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "polyport/result.hpp"

namespace polyport {

// One `;key=value` parameter or `?key=value` header.
struct url_param {
  std::string key;                   // lower-cased
  std::optional<std::string> value;  // unquoted; nullopt for a flag (`;lr`, `?debug`)

  friend bool operator==(const url_param&, const url_param&) = default;
};

enum class host_kind {
  name,      // a DNS name, lower-cased
  ipv4,      // an IPv4 literal
  ipv6,      // an IPv6 literal, in inet_ntop's canonical text, without brackets
  any_ipv4,  // `all` or `0.0.0.0`
  any_ipv6,  // `all6` or `[::]`
  none,      // empty host: unix sockets (`echo:///tmp/x.sock;transport=unix`)
};

struct url {
  std::string display_name;
  std::string scheme;          // lower-cased
  std::string user, password;  // from the userinfo
  std::string host;            // "all" -> "0.0.0.0", "all6" -> "::"; "" when kind is none
  host_kind kind = host_kind::none;
  std::optional<std::uint16_t> port;  // 0 is kept (listen on any port)
  std::string path;                   // "" when absent; no trailing "/" except for "/" itself; unix: the socket file
  std::vector<url_param> uri_params;  // ;params inside <...>
  std::vector<url_param> params;      // ;params after <...>, or all ;params without brackets
  std::vector<url_param> headers;     // ?k1=v1&k2, inside and after <...>, in that order
  std::string text;                   // this URL's original text, for error messages

  // Every part but `text` is compared: text only remembers how the URL was written.
  friend bool operator==(const url& a, const url& b);
};

// Limits that bound the parser's work on hostile input.
inline constexpr std::size_t max_url_text = 64 * 1024;
inline constexpr std::size_t max_urls = 64;
inline constexpr std::size_t max_url_params = 256;  // uri_params + params + headers, per URL

// A comma-separated list (commas inside quotes or <...> do not separate); whitespace is allowed
// around items. Errors read `invalid URL "echo://h:99999": port out of range`.
result<std::vector<url>> parse_urls(std::string_view text);

// Exactly one URL, else an error.
result<url> parse_url(std::string_view text);

// Canonical text that parse_url reads back equal: `<...>` only when needed (a display name,
// uri_params, or a comma in the userinfo or path), values quoted when they need it.
std::string to_string(const url& u);

// "1.2.3.4:5", "[::1]:5": an IP (IPv6 bracketed) and a port, for messages and URLs.
std::string format_endpoint(std::string_view ip, std::uint16_t port);

}  // namespace polyport
