// Fuzzes the WebSocket frame codec as a connection drives it: headers read from bytes that may
// end anywhere, in both roles, with and without rsv1, under a fuzzer-chosen max payload.
//
// Input: byte 0 picks the role (bit 0: server expects masked frames), rsv1 (bit 1) and the max
// payload (the other bits: 2^n bytes). The rest is a byte stream read frame by frame.
//
// Checks beyond "no crash": a complete header never claims more bytes than it read, a prefix
// of a complete header is need_more or the same error, and writing the header back gives the
// same header. UTF-8 and close payload checks run on every payload; compressed (rsv1) payloads
// are inflated within a limit, and deflated and inflated back.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "transport/ws_deflate.hpp"
#include "transport/ws_frame.hpp"
#include "fuzz_require.hpp"

namespace {

using namespace polyport::detail;

using polyport::fuzzing::require;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  bool server = (data[0] & 1) != 0;
  bool rsv1 = (data[0] & 2) != 0;
  std::uint64_t max_payload = std::uint64_t{1} << std::min(40, data[0] >> 2);
  std::vector<std::byte> stream(reinterpret_cast<const std::byte*>(data + 1), reinterpret_cast<const std::byte*>(data + size));
  std::span<std::byte> rest(stream);
  while (!rest.empty()) {
    ws_header_read read = read_ws_header(rest, server, rsv1, max_payload);
    if (read.result != ws_header_read::outcome::frame) {
      if (read.result == ws_header_read::outcome::error) {
        require(read.close_code == ws_close::protocol_error || read.close_code == ws_close::too_big);
      }
      break;
    }
    const ws_frame_header& header = read.header;
    require(header.header_size <= rest.size() && header.header_size <= max_ws_header_size);
    require(header.payload_size <= max_payload);
    for (std::size_t cut = 0; cut < header.header_size; ++cut) {
      auto partial = read_ws_header(rest.first(cut), server, rsv1, max_payload);
      require(partial.result != ws_header_read::outcome::frame);
    }
    // Writing the header back (in its minimal length form) reads back the same.
    std::array<std::byte, max_ws_header_size> written{};
    std::size_t written_size = write_ws_header(written, header.opcode, header.fin, header.rsv1, header.payload_size,
                                               header.masked ? &header.mask : nullptr);
    auto again = read_ws_header(std::span<const std::byte>(written.data(), written_size), server, rsv1, max_payload);
    require(again.result == ws_header_read::outcome::frame);
    require(again.header.payload_size == header.payload_size && again.header.opcode == header.opcode &&
            again.header.fin == header.fin && again.header.header_size <= header.header_size);
    std::size_t available = rest.size() - header.header_size;
    std::size_t taken = static_cast<std::size_t>(std::min<std::uint64_t>(header.payload_size, available));
    std::span<std::byte> payload = rest.subspan(header.header_size, taken);
    if (header.masked) {
      apply_ws_mask(payload, header.mask);
    }
    is_valid_utf8(payload);
    if (header.rsv1) {
      // permessage-deflate: inflating never gives more than the limit, and what deflates
      // inflates back.
      auto inflated = ws_inflate(payload, 1 << 16);
      require(inflated.message.size() <= (1 << 16));
      auto again = ws_inflate(ws_deflate(payload, 15), payload.size());
      require(again.result == ws_inflate_result::outcome::ok && again.message.size() == payload.size() &&
              std::equal(again.message.begin(), again.message.end(), payload.begin()));
    }
    if (header.opcode == ws_opcode::close) {
      read_ws_close(payload);
    }
    rest = rest.subspan(header.header_size + taken);
  }
  return 0;
}
