#include "polyport/static_files.hpp"

#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace polyport {

namespace {

// Larger files are sent from disk as the connection drains, not read into memory first.
constexpr std::uint64_t streamed_file_threshold = 256 * 1024;
constexpr std::uint64_t streamed_piece_size = 64 * 1024;

namespace fs = std::filesystem;

void plain(http_response& response, int status, std::string_view text) {
  response.status = status;
  response.set_header("Content-Type", "text/plain");
  response.body = std::string(text) + "\n";
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// The path's segments, percent-decoded; nullopt for a bad escape, a NUL or a ".." segment.
std::optional<std::vector<std::string>> segments_of(std::string_view path) {
  std::vector<std::string> segments(1);
  for (std::size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '%') {
      int high = i + 2 < path.size() ? hex_value(path[i + 1]) : -1;
      int low = high >= 0 ? hex_value(path[i + 2]) : -1;
      if (low < 0) {
        return std::nullopt;
      }
      c = static_cast<char>(high * 16 + low);
      i += 2;
      if (c == '/') {
        return std::nullopt;  // an encoded separator would hide a segment
      }
    } else if (c == '/') {
      segments.emplace_back();
      continue;
    }
    if (c == '\0' || c == '\\') {
      return std::nullopt;
    }
    segments.back().push_back(c);
  }
  std::vector<std::string> kept;
  for (auto& segment : segments) {
    if (segment == "..") {
      return std::nullopt;
    }
    if (!segment.empty() && segment != ".") {
      kept.push_back(std::move(segment));
    }
  }
  return kept;
}

std::string http_date(std::time_t when) {
  std::tm parts{};
  ::gmtime_r(&when, &parts);
  std::array<char, 64> text{};
  std::size_t size = std::strftime(text.data(), text.size(), "%a, %d %b %Y %H:%M:%S GMT", &parts);
  return {text.data(), size};
}

std::string_view content_type(const fs::path& file) {
  static const std::array<std::pair<std::string_view, std::string_view>, 10> types{{
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".txt", "text/plain; charset=utf-8"},
      {".css", "text/css"},
      {".js", "text/javascript"},
      {".json", "application/json"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".svg", "image/svg+xml"},
      {".wasm", "application/wasm"},
  }};
  std::string extension = file.extension().string();
  for (const auto& [suffix, type] : types) {
    if (extension == suffix) {
      return type;
    }
  }
  return "application/octet-stream";
}

// A single "bytes=a-b", "bytes=a-" or "bytes=-n" range within `size`: [first, last]. nullopt
// when there is none or it is not one we serve (several ranges: the whole file is sent);
// `unsatisfiable` when it starts past the end.
struct byte_range {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  bool unsatisfiable = false;
};
std::optional<byte_range> parse_range(std::string_view header, std::uint64_t size) {
  if (!header.starts_with("bytes=") || header.find(',') != std::string_view::npos) {
    return std::nullopt;
  }
  header.remove_prefix(6);
  auto dash = header.find('-');
  if (dash == std::string_view::npos) {
    return std::nullopt;
  }
  auto number = [](std::string_view digits) -> std::optional<std::uint64_t> {
    if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string_view::npos) {
      return std::nullopt;
    }
    return std::stoull(std::string(digits));
  };
  auto start = number(header.substr(0, dash));
  auto end = number(header.substr(dash + 1));
  if (!start) {
    if (!end || *end == 0) {
      return std::nullopt;
    }
    std::uint64_t length = std::min(*end, size);
    return byte_range{size - length, size - 1, size == 0};
  }
  if (*start >= size) {
    return byte_range{0, 0, true};
  }
  if (end && *end < *start) {
    return std::nullopt;
  }
  return byte_range{*start, end ? std::min(*end, size - 1) : size - 1, false};
}

}  // namespace

void serve_static(const fs::path& root, const http_request& request, http_response& response) {
  if (request.method != "GET" && request.method != "HEAD") {
    plain(response, 405, "method not allowed");
    response.set_header("Allow", "GET, HEAD");
    return;
  }
  auto segments = segments_of(request.path);
  if (!segments) {
    plain(response, 400, "bad path");
    return;
  }
  std::error_code failure;
  fs::path base = fs::canonical(root, failure);
  if (failure) {
    plain(response, 404, "not found");
    return;
  }
  fs::path target = base;
  for (const auto& segment : *segments) {
    target /= segment;
  }
  fs::path real = fs::canonical(target, failure);
  // A symbolic link may point outside the root: what is served must stay under it.
  auto [root_end, real_at] = std::mismatch(base.begin(), base.end(), real.begin(), real.end());
  if (failure || root_end != base.end()) {
    plain(response, 404, "not found");
    return;
  }
  if (fs::is_directory(real, failure)) {
    if (!request.path.ends_with('/')) {
      response.redirect(request.path + "/", 301);
      return;
    }
    real /= "index.html";
    if (!fs::is_regular_file(real, failure)) {
      plain(response, 403, "forbidden");
      return;
    }
  }
  struct stat info {};
  std::ifstream file(real, std::ios::binary);
  if (!fs::is_regular_file(real, failure) || ::stat(real.c_str(), &info) != 0 || !file) {
    plain(response, 404, "not found");
    return;
  }
  auto size = static_cast<std::uint64_t>(info.st_size);
  std::array<char, 64> tag{};
  std::snprintf(tag.data(), tag.size(), "\"%llx-%llx\"", static_cast<unsigned long long>(size),
                static_cast<unsigned long long>(info.st_mtim.tv_sec) * 1000000000ull +
                    static_cast<unsigned long long>(info.st_mtim.tv_nsec));
  std::string etag = tag.data();
  std::string modified = http_date(info.st_mtim.tv_sec);
  response.set_header("ETag", etag);
  response.set_header("Last-Modified", modified);
  response.set_header("Accept-Ranges", "bytes");
  response.set_header("Content-Type", content_type(real));
  std::string_view if_none_match = request.header("if-none-match");
  if ((!if_none_match.empty() && (if_none_match == etag || if_none_match == "*")) ||
      (if_none_match.empty() && request.header("if-modified-since") == modified)) {
    response.status = 304;
    return;
  }
  std::uint64_t first = 0;
  std::uint64_t count = size;
  if (auto range = parse_range(request.header("range"), size)) {
    if (range->unsatisfiable) {
      plain(response, 416, "range not satisfiable");
      response.set_header("Content-Range", "bytes */" + std::to_string(size));
      return;
    }
    first = range->first;
    count = range->last - range->first + 1;
    response.status = 206;
    response.set_header("Content-Range", "bytes " + std::to_string(range->first) + "-" +
                                             std::to_string(range->last) + "/" + std::to_string(size));
  }
  file.seekg(static_cast<std::streamoff>(first));
  if (count > streamed_file_threshold) {
    // A file that shrinks meanwhile ends the stream short: the connection then closes.
    response.body_length = count;
    response.body_source = [source = std::make_shared<std::ifstream>(std::move(file)), left = count]() mutable {
      std::string piece(static_cast<std::size_t>(std::min<std::uint64_t>(left, streamed_piece_size)), '\0');
      source->read(piece.data(), static_cast<std::streamsize>(piece.size()));
      piece.resize(static_cast<std::size_t>(std::max<std::streamsize>(source->gcount(), 0)));
      left -= piece.size();
      return piece;
    };
    return;
  }
  response.body.resize(count);
  file.read(response.body.data(), static_cast<std::streamsize>(count));
  if (static_cast<std::uint64_t>(file.gcount()) != count) {
    response.body.clear();
    plain(response, 500, "read failed");
  }
}

}  // namespace polyport
