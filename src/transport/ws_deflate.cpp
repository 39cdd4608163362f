#include "transport/ws_deflate.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <memory>
#include <new>
#include <utility>

namespace polyport::detail {

namespace {

constexpr std::array<unsigned char, 4> tail{0x00, 0x00, 0xff, 0xff};

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// One stream per thread and window size, reset between messages.
class deflater {
 public:
  explicit deflater(int window_bits) {
    // zlib cannot write raw deflate with an 8-bit window; 9 is what an 8 asks for in practice.
    if (deflateInit2(&stream_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -std::max(window_bits, 9), 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      throw std::bad_alloc();
    }
  }
  ~deflater() { deflateEnd(&stream_); }
  z_stream& stream() { return stream_; }

 private:
  z_stream stream_{};
};

class inflater {
 public:
  inflater() {
    if (inflateInit2(&stream_, -15) != Z_OK) {
      throw std::bad_alloc();
    }
  }
  ~inflater() { inflateEnd(&stream_); }
  z_stream& stream() { return stream_; }

 private:
  z_stream stream_{};
};

// "permessage-deflate; a; b=1" → its parameters (quotes taken off values), or nullopt when the
// extension is another one.
std::optional<std::vector<std::pair<std::string_view, std::string_view>>> split_extension(std::string_view extension) {
  auto semicolon = extension.find(';');
  if (trim(extension.substr(0, semicolon)) != "permessage-deflate") {
    return std::nullopt;
  }
  std::vector<std::pair<std::string_view, std::string_view>> parameters;
  std::string_view rest = semicolon == std::string_view::npos ? std::string_view() : extension.substr(semicolon + 1);
  while (!rest.empty()) {
    auto next = rest.find(';');
    std::string_view parameter = trim(rest.substr(0, next));
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
    auto equals = parameter.find('=');
    std::string_view name = trim(parameter.substr(0, equals));
    std::string_view value = equals == std::string_view::npos ? std::string_view() : trim(parameter.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    parameters.emplace_back(name, value);
  }
  return parameters;
}

// A window size parameter: 8 to 15, else 0.
int window_bits_of(std::string_view value) {
  int bits = value.size() == 1 || value.size() == 2 ? std::atoi(std::string(value).c_str()) : 0;
  return bits >= 8 && bits <= 15 ? bits : 0;
}

}  // namespace

std::optional<ws_deflate_agreement> accept_ws_deflate(std::string_view offers) {
  while (!offers.empty()) {
    auto comma = offers.find(',');
    std::string_view offer = offers.substr(0, comma);
    offers = comma == std::string_view::npos ? std::string_view() : offers.substr(comma + 1);
    auto parameters = split_extension(offer);
    if (!parameters) {
      continue;
    }
    ws_deflate_agreement agreement;
    bool supported = true;
    for (auto [name, value] : *parameters) {
      if (name == "server_no_context_takeover" || name == "client_no_context_takeover") {
        supported = supported && value.empty();
      } else if (name == "client_max_window_bits") {
        // The client's compressor: it may send a limit, which we need not use (we inflate
        // with the largest window).
        supported = supported && (value.empty() || window_bits_of(value) != 0);
      } else if (name == "server_max_window_bits") {
        agreement.window_bits = window_bits_of(value);
        supported = supported && agreement.window_bits != 0;
      } else {
        supported = false;
      }
    }
    if (!supported) {
      continue;
    }
    agreement.answer = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
    if (agreement.window_bits != 15) {
      agreement.answer += "; server_max_window_bits=" + std::to_string(agreement.window_bits);
    }
    return agreement;
  }
  return std::nullopt;
}

result<int> check_ws_deflate_answer(std::string_view answer) {
  auto refuse = [&](std::string_view why) {
    return error{"the server's permessage-deflate answer \"" + std::string(answer) + "\" " + std::string(why)};
  };
  auto parameters = answer.find(',') == std::string_view::npos ? split_extension(answer) : std::nullopt;
  if (!parameters) {
    return refuse("is not the one extension offered");
  }
  std::vector<std::string_view> seen;
  for (auto [name, value] : *parameters) {
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return refuse("repeats " + std::string(name));
    }
    seen.push_back(name);
    bool valid = name == "server_max_window_bits"
                     ? window_bits_of(value) != 0
                     : (name == "server_no_context_takeover" || name == "client_no_context_takeover") && value.empty();
    if (!valid) {
      return refuse("has a parameter that was not offered: " + std::string(name));
    }
  }
  // Offered, so an accepting server must echo it (RFC 7692 §7.1.1.1): our inflater keeps no
  // state between messages.
  if (std::find(seen.begin(), seen.end(), "server_no_context_takeover") == seen.end()) {
    return refuse("lacks server_no_context_takeover");
  }
  return 15;  // our compressor: no limit was asked for (client_max_window_bits not offered)
}

std::vector<std::byte> ws_deflate(std::span<const std::byte> message, int window_bits) {
  thread_local std::array<std::unique_ptr<deflater>, 16> by_window;
  auto& slot = by_window[static_cast<std::size_t>(std::clamp(window_bits, 8, 15))];
  if (!slot) {
    slot = std::make_unique<deflater>(window_bits);
  }
  z_stream& stream = slot->stream();
  deflateReset(&stream);
  std::vector<std::byte> out(deflateBound(&stream, message.size()) + 16);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(message.data()));
  stream.avail_in = static_cast<uInt>(message.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_SYNC_FLUSH);
  out.resize(out.size() - stream.avail_out);
  if (out.size() >= 4 && std::equal(tail.begin(), tail.end(), reinterpret_cast<unsigned char*>(out.data() + out.size() - 4))) {
    out.resize(out.size() - 4);
  }
  return out;
}

ws_inflate_result ws_inflate(std::span<const std::byte> payload, std::size_t max_size) {
  thread_local inflater shared;
  z_stream& stream = shared.stream();
  inflateReset(&stream);
  ws_inflate_result result;
  std::array<unsigned char, 16 * 1024> chunk{};
  // The payload, then the tail the sender took off (§7.2.2).
  for (std::span<const unsigned char> input :
       {std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(payload.data()), payload.size()),
        std::span<const unsigned char>(tail)}) {
    stream.next_in = const_cast<Bytef*>(input.data());
    stream.avail_in = static_cast<uInt>(input.size());
    // Until the input is used and zlib has nothing left to give (a full chunk may hide more).
    do {
      stream.next_out = chunk.data();
      stream.avail_out = static_cast<uInt>(chunk.size());
      int status = inflate(&stream, Z_SYNC_FLUSH);
      if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR) {
        result.result = ws_inflate_result::outcome::corrupt;
        return result;
      }
      std::size_t produced = chunk.size() - stream.avail_out;
      if (result.message.size() + produced > max_size) {
        result.result = ws_inflate_result::outcome::too_big;
        return result;
      }
      auto* bytes = reinterpret_cast<const std::byte*>(chunk.data());
      result.message.insert(result.message.end(), bytes, bytes + produced);
      if (status == Z_STREAM_END || (status == Z_BUF_ERROR && produced == 0)) {
        break;
      }
    } while (stream.avail_in > 0 || stream.avail_out == 0);
  }
  return result;
}

}  // namespace polyport::detail
