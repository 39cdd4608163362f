// Fuzzes the HTTP client's response reader as a connection drives it: bytes arrive in reads of
// fuzzer-chosen sizes, what the reader does not take is offered again with the next read, each
// response answers the next request of a pipeline, and the peer closes at the end.
//
// Input: byte 0 is the read size (1..256); byte 1 picks each request's method (bit i set: the
// i-th request is a HEAD, else a GET); the rest is the byte stream from the server.
//
// Checks beyond "no crash": the reader never takes more than it was given, and the cut into
// reads does not change the responses seen.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "client/http_response_reader.hpp"
#include "fuzz_require.hpp"

namespace {

using polyport::detail::http_response_reader;

using polyport::fuzzing::require;

const char* method_for(unsigned methods, std::size_t index) {
  return index < 8 && (methods >> index & 1U) != 0 ? "HEAD" : "GET";
}

// Status, body size and keep-alive of every response, then "bad" or the close's outcome.
std::vector<std::string> run(std::span<const std::byte> stream, std::size_t read_size, unsigned methods) {
  http_response_reader reader;
  std::vector<std::string> seen;
  reader.expect(method_for(methods, 0), 4096, 1024);
  std::vector<std::byte> pending;
  for (std::size_t at = 0; at < stream.size(); at += read_size) {
    auto chunk = stream.subspan(at, std::min(read_size, stream.size() - at));
    pending.insert(pending.end(), chunk.begin(), chunk.end());
    std::size_t used = 0;
    while (used < pending.size()) {
      auto step = reader.feed(std::span<const std::byte>(pending).subspan(used));
      require(step.consumed <= pending.size() - used);
      used += step.consumed;
      if (step.result == http_response_reader::step::outcome::need_more) {
        break;
      }
      if (step.result == http_response_reader::step::outcome::bad) {
        require(!step.error.empty());
        seen.push_back("bad");
        return seen;
      }
      auto response = reader.take();
      require(response.status >= 100 && response.status <= 999);
      require(response.body.size() <= 4096);
      seen.push_back(std::to_string(response.status) + " " + std::to_string(response.body.size()) +
                     (reader.keep_alive() ? " keep" : " close"));
      reader.expect(method_for(methods, seen.size()), 4096, 1024);
    }
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(used));
  }
  auto last = reader.finish();
  seen.push_back(last.result == http_response_reader::step::outcome::response ? "until close" : "cut");
  return seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) {
    return 0;
  }
  std::size_t read_size = static_cast<std::size_t>(data[0]) + 1;
  unsigned methods = data[1];
  std::span<const std::byte> stream(reinterpret_cast<const std::byte*>(data + 2), size - 2);
  auto split = run(stream, read_size, methods);
  auto whole = run(stream, stream.size() + 1, methods);
  std::size_t common = std::min(split.size(), whole.size());
  for (std::size_t i = 0; i < common; ++i) {
    if (split[i] == "bad" || whole[i] == "bad") {
      break;
    }
    require(split[i] == whole[i]);
  }
  return 0;
}
