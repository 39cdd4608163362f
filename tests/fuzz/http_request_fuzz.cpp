// Fuzzes the HTTP/1.1 request path as a connection drives it: bytes arrive in reads of
// fuzzer-chosen sizes, what the parser does not take is offered again with the next read, and
// every complete request is answered (serialized) before the next. A large or chunked body is
// streamed in pieces when its target has an odd length (as a protocol's on_http_stream would
// choose), else read whole.
//
// Input: byte 0 is the read size (1..256); the rest is the byte stream from the client.
//
// Checks beyond "no crash": the parser never takes more than it was given, bad input ends the
// stream with 400, 413 or 431, pieces are never empty nor over piece_size, and the cut into
// reads does not change the requests seen (nor their body sizes, streamed or whole).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/http_session.hpp"
#include "fuzz_require.hpp"

namespace {

using polyport::detail::http_limits;
using polyport::detail::http_session;

using polyport::fuzzing::require;

// The method and target of every request, and the final status (0: still waiting for bytes).
std::vector<std::string> run(std::span<const std::byte> stream, std::size_t read_size) {
  http_session session(http_limits{1024, 4096, 512, 16384});
  std::vector<std::string> seen;
  std::size_t streamed_size = 0;
  std::vector<std::byte> pending;
  for (std::size_t at = 0; at < stream.size(); at += read_size) {
    auto chunk = stream.subspan(at, std::min(read_size, stream.size() - at));
    pending.insert(pending.end(), chunk.begin(), chunk.end());
    std::size_t used = 0;
    for (;;) {
      auto step = session.feed(std::span<const std::byte>(pending).subspan(used));
      require(step.consumed <= pending.size() - used);
      used += step.consumed;
      if (step.result == http_session::step::outcome::head) {
        step = session.choose_body(session.request().target.size() % 2 == 1);
        require(step.result != http_session::step::outcome::bad || step.status == 413);
        if (step.result == http_session::step::outcome::need_more) {
          continue;
        }
      }
      if (step.result == http_session::step::outcome::piece) {
        require(!step.piece.empty() && step.piece.size() <= http_session::piece_size);
        streamed_size += step.piece.size();
        continue;
      }
      if (step.result == http_session::step::outcome::need_more) {
        if (step.status == 100) {
          continue;
        }
        break;
      }
      if (step.result == http_session::step::outcome::bad) {
        require(step.status == 400 || step.status == 413 || step.status == 431);
        seen.push_back("bad " + std::to_string(step.status));
        return seen;
      }
      const auto& request = session.request();
      seen.push_back(request.method + " " + request.target + " " + std::to_string(request.body.size() + streamed_size));
      streamed_size = 0;
      polyport::http_response response;
      response.body = request.body;
      polyport::detail::serialize_http_response(response, request.method, session.keep_alive());
      session.reset();
    }
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(used));
  }
  return seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  std::size_t read_size = static_cast<std::size_t>(data[0]) + 1;
  std::span<const std::byte> stream(reinterpret_cast<const std::byte*>(data + 1), size - 1);
  auto split = run(stream, read_size);
  auto whole = run(stream, stream.size() + 1);
  // A stream cut into reads may stop short of a result that one read reaches only when the cut
  // ends it early; the requests seen by both must agree as far as both go.
  std::size_t common = std::min(split.size(), whole.size());
  for (std::size_t i = 0; i < common; ++i) {
    if (split[i].starts_with("bad") || whole[i].starts_with("bad")) {
      break;
    }
    require(split[i] == whole[i]);
  }
  return 0;
}
