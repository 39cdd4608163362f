// Reads URL lists: split at the commas that separate URLs, then each URL into its parts.
// Internal steps return only the detail of an error ("port out of range"); parse_item adds the
// URL's text, so every message reads `invalid URL "<text>": <detail>`.

#include <string>

#include "polyport/url.hpp"
#include "url/url_host.hpp"
#include "url/url_text.hpp"

namespace polyport {

namespace {

using detail::find_unquoted;
using detail::trim;
using detail::url_error;

constexpr auto npos = std::string_view::npos;

bool is_control(char c) {
  auto byte = static_cast<unsigned char>(c);
  return (byte < 0x20 && !detail::is_space(c)) || byte == 0x7f;
}

bool is_scheme_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

// Userinfo and path: characters that would be read as structure elsewhere are refused here, so
// to_string can write the part back as it is.
bool is_plain_part(std::string_view text) {
  for (char c : text) {
    if (detail::is_space(c) || c == '"' || c == '<' || c == '>') {
      return false;
    }
  }
  return true;
}

// A quoted string, without its quotes and escapes. `text` starts with '"'.
result<std::string> unquote(std::string_view text, std::string_view what) {
  std::string out;
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      out += text[++i];
    } else if (text[i] == '"') {
      if (i + 1 != text.size()) {
        return error{"unexpected text after the quoted " + std::string(what)};
      }
      return out;
    } else {
      out += text[i];
    }
  }
  return error{"unterminated quoted string"};
}

// `key`, `key=value` or `key="quoted value"`, whitespace allowed around each part.
result<url_param> parse_param(std::string_view text, std::string_view what) {
  text = trim(text);
  if (text.empty()) {
    return error{"empty " + std::string(what)};
  }
  std::size_t equals = find_unquoted(text, "=");
  std::string_view key = trim(text.substr(0, equals));
  for (char c : key) {
    if (!is_key_char(c)) {
      return error{"invalid " + std::string(what) + " name \"" + std::string(key) + "\""};
    }
  }
  if (key.empty()) {
    return error{"empty " + std::string(what) + " name"};
  }
  url_param param{detail::to_lower(key), std::nullopt};
  if (equals == npos) {
    return param;
  }
  std::string_view value = trim(text.substr(equals + 1));
  if (!value.empty() && value.front() == '"') {
    auto unquoted = unquote(value, "value of \"" + param.key + "\"");
    if (!unquoted) {
      return unquoted.error();
    }
    param.value = std::move(*unquoted);
  } else if (value.find('"') != npos) {
    return error{"stray quote in the value of \"" + param.key + "\""};
  } else {
    param.value = std::string(value);
  }
  return param;
}

// `a=1;b` (params, separator ';') or `a=1&b` (headers, separator '&').
result<std::vector<url_param>> parse_param_list(std::string_view text, char separator, std::string_view what) {
  std::vector<url_param> list;
  for (std::string_view piece : detail::split_unquoted(text, separator)) {
    auto param = parse_param(piece, what);
    if (!param) {
      return param.error();
    }
    list.push_back(std::move(*param));
  }
  return list;
}

// `;params?headers` or `?headers`: the part after the address, inside or after <...>.
struct params_and_headers {
  std::vector<url_param> params, headers;
};

result<params_and_headers> parse_params_and_headers(std::string_view text) {
  params_and_headers out;
  std::size_t question = find_unquoted(text, "?");
  if (question != 0) {
    auto params = parse_param_list(text.substr(1, question - 1), ';', "parameter");
    if (!params) {
      return params.error();
    }
    out.params = std::move(*params);
  }
  if (question != npos) {
    auto headers = parse_param_list(text.substr(question + 1), '&', "header");
    if (!headers) {
      return headers.error();
    }
    out.headers = std::move(*headers);
  }
  return out;
}

// The address part `[user[:pass]@]host[:port][/path]`, written into `u`'s address fields.
result<url> parse_address(std::string_view text, url u) {
  std::size_t slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  std::string_view path = slash == npos ? std::string_view() : text.substr(slash);
  std::size_t at = authority.rfind('@');
  if (at != npos) {
    std::string_view userinfo = authority.substr(0, at);
    std::size_t colon = userinfo.find(':');
    if (!is_plain_part(userinfo)) {
      return error{"invalid user or password"};
    }
    u.user = std::string(userinfo.substr(0, colon));
    u.password = colon == npos ? "" : std::string(userinfo.substr(colon + 1));
    authority.remove_prefix(at + 1);
  }
  auto host = detail::parse_host_port(authority);
  if (!host) {
    return host.error();
  }
  if (host->kind == host_kind::none && path.empty()) {
    return error{"missing host"};
  }
  if (!is_plain_part(path)) {
    return error{"invalid path \"" + std::string(path) + "\""};
  }
  // "/a/b/" and "/a/b" name the same resource; "/" stays.
  while (path.size() > 1 && path.back() == '/') {
    path.remove_suffix(1);
  }
  u.host = std::move(host->host);
  u.kind = host->kind;
  u.port = host->port;
  u.path = std::string(path);
  return u;
}

// `scheme:[//]address;params?headers`, without angle brackets. Params land in `params`.
result<url> parse_addr_spec(std::string_view text) {
  std::size_t scheme_end = 0;
  while (scheme_end < text.size() && is_scheme_char(text[scheme_end])) {
    ++scheme_end;
  }
  if (scheme_end == 0) {
    return error{"missing scheme"};
  }
  if (scheme_end == text.size() || text[scheme_end] != ':') {
    return error{"missing \":\" after the scheme"};
  }
  if (!(text[0] >= 'a' && text[0] <= 'z') && !(text[0] >= 'A' && text[0] <= 'Z')) {
    return error{"invalid scheme \"" + std::string(text.substr(0, scheme_end)) + "\""};
  }
  url u;
  u.scheme = detail::to_lower(text.substr(0, scheme_end));
  std::string_view rest = text.substr(scheme_end + 1);
  if (rest.starts_with("//")) {
    rest.remove_prefix(2);
  }
  std::size_t address_end = rest.find_first_of(";?");
  std::string_view address_text = rest.substr(0, address_end);
  while (!address_text.empty() && detail::is_space(address_text.back())) {
    address_text.remove_suffix(1);  // "echo://h ;a=1"
  }
  auto address = parse_address(address_text, std::move(u));
  if (!address || address_end == npos) {
    return address;
  }
  auto tail = parse_params_and_headers(rest.substr(address_end));
  if (!tail) {
    return tail.error();
  }
  address->params = std::move(tail->params);
  address->headers = std::move(tail->headers);
  return address;
}

result<std::string> parse_display_name(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '"') {
    return unquote(text, "display name");
  }
  if (text.find('"') != npos) {
    return error{"invalid display name"};
  }
  // A colon before '<' means a URL came first: `echo://h;a=<x>` holds an unquoted "<".
  if (text.find(':') != npos) {
    return error{"unexpected \"<\" inside the URL (quote a value that holds one)"};
  }
  return std::string(text);
}

// `[display] <addr-spec>;params?headers`; `open` is the position of '<'.
result<url> parse_bracketed(std::string_view text, std::size_t open) {
  std::size_t close = find_unquoted(text, ">", open + 1);
  if (close == npos) {
    return error{"missing \">\""};
  }
  std::string_view inside = text.substr(open + 1, close - open - 1);
  std::string_view after = trim(text.substr(close + 1));
  if (find_unquoted(inside, "<") != npos || find_unquoted(after, "<>") != npos) {
    return error{"more than one <...> in one URL"};
  }
  if (!after.empty() && after.front() != ';' && after.front() != '?') {
    return error{"unexpected text after \">\""};
  }
  auto display_name = parse_display_name(text.substr(0, open));
  if (!display_name) {
    return display_name.error();
  }
  auto u = parse_addr_spec(trim(inside));
  if (!u) {
    return u;
  }
  u->display_name = std::move(*display_name);
  u->uri_params = std::move(u->params);
  u->params.clear();
  if (after.empty()) {
    return u;
  }
  auto ext = parse_params_and_headers(after);
  if (!ext) {
    return ext.error();
  }
  u->params = std::move(ext->params);
  u->headers.insert(u->headers.end(), ext->headers.begin(), ext->headers.end());
  return u;
}

result<url> parse_parts(std::string_view text) {
  std::size_t open = find_unquoted(text, "<");
  if (open != npos) {
    return parse_bracketed(text, open);
  }
  if (find_unquoted(text, ">") != npos) {
    return error{"\">\" without \"<\""};
  }
  return parse_addr_spec(text);
}

// One trimmed item of the list.
result<url> parse_item(std::string_view text) {
  if (text.empty()) {
    return url_error(text, "empty URL");
  }
  auto u = parse_parts(text);
  if (!u) {
    return url_error(text, u.error().message);
  }
  if (u->uri_params.size() + u->params.size() + u->headers.size() > max_url_params) {
    return url_error(text, "more than " + std::to_string(max_url_params) + " parameters");
  }
  u->text = std::string(text);
  return u;
}

// The items between the commas outside "..." and <...>, trimmed.
result<std::vector<std::string_view>> split_list(std::string_view text) {
  std::vector<std::string_view> items;
  std::size_t start = 0;
  bool bracketed = false;
  for (std::size_t i = find_unquoted(text, ",<>"); i != std::string_view::npos; i = find_unquoted(text, ",<>", i + 1)) {
    if (text[i] != ',') {
      bracketed = text[i] == '<';
    } else if (!bracketed) {
      items.push_back(trim(text.substr(start, i - start)));
      start = i + 1;
    }
  }
  // A quote still open at the end hides a sentinel put after the text (control characters are
  // refused in URLs, so it cannot be part of one).
  bool quoted = find_unquoted(std::string(text) + '\x01', "\x01") == std::string_view::npos;
  std::string_view last = trim(text.substr(start));
  if (quoted) {
    return url_error(last, "unterminated quoted string");
  }
  if (bracketed) {
    return url_error(last, "missing \">\"");
  }
  items.push_back(last);
  if (items.size() > max_urls) {
    return url_error(text, "more than " + std::to_string(max_urls) + " URLs in one list");
  }
  return items;
}

}  // namespace

result<std::vector<url>> parse_urls(std::string_view text) {
  if (text.size() > max_url_text) {
    return url_error(text, "longer than " + std::to_string(max_url_text) + " bytes");
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_control(text[i])) {
      return url_error(text, "control character at offset " + std::to_string(i));
    }
  }
  auto items = split_list(text);
  if (!items) {
    return items.error();
  }
  std::vector<url> urls;
  for (std::string_view item : *items) {
    auto u = parse_item(item);
    if (!u) {
      return u.error();
    }
    urls.push_back(std::move(*u));
  }
  return urls;
}

result<url> parse_url(std::string_view text) {
  auto urls = parse_urls(text);
  if (!urls) {
    return urls.error();
  }
  if (urls->size() != 1) {
    return url_error(detail::trim(text), "expected one URL, found " + std::to_string(urls->size()));
  }
  return std::move(urls->front());
}

}  // namespace polyport
