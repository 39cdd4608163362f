#include "transport/ws_frame.hpp"

#include <cstring>

namespace polyport::detail {

namespace {

std::uint8_t byte_at(std::span<const std::byte> bytes, std::size_t i) {
  return static_cast<std::uint8_t>(bytes[i]);
}

ws_header_read failure(std::uint16_t code, std::string why) {
  ws_header_read read;
  read.result = ws_header_read::outcome::error;
  read.close_code = code;
  read.error = std::move(why);
  return read;
}

bool is_known(std::uint8_t opcode) {
  return opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xA);
}

}  // namespace

ws_header_read read_ws_header(std::span<const std::byte> bytes, bool expect_masked, bool allow_rsv1,
                              std::uint64_t max_payload) {
  if (bytes.size() < 2) {
    return {};
  }
  std::uint8_t first = byte_at(bytes, 0);
  std::uint8_t second = byte_at(bytes, 1);
  ws_frame_header header;
  header.fin = (first & 0x80) != 0;
  header.rsv1 = (first & 0x40) != 0;
  std::uint8_t opcode = first & 0x0F;
  header.masked = (second & 0x80) != 0;
  std::uint8_t length7 = second & 0x7F;
  if ((first & 0x30) != 0 || (header.rsv1 && !allow_rsv1)) {
    return failure(ws_close::protocol_error, "a reserved bit is set");
  }
  if (!is_known(opcode)) {
    return failure(ws_close::protocol_error, "unknown opcode " + std::to_string(opcode));
  }
  header.opcode = static_cast<ws_opcode>(opcode);
  bool control = opcode >= 0x8;
  if (control && (!header.fin || length7 > 125)) {
    return failure(ws_close::protocol_error, "a control frame is fragmented or over 125 bytes");
  }
  if (control && header.rsv1) {
    return failure(ws_close::protocol_error, "a control frame is compressed");
  }
  if (header.masked != expect_masked) {
    return failure(ws_close::protocol_error, expect_masked ? "a client frame is not masked" : "a server frame is masked");
  }
  std::size_t at = 2;
  std::uint64_t length = length7;
  if (length7 == 126 || length7 == 127) {
    std::size_t width = length7 == 126 ? 2 : 8;
    if (bytes.size() < at + width) {
      return {};
    }
    length = 0;
    for (std::size_t i = 0; i < width; ++i) {
      length = (length << 8) | byte_at(bytes, at + i);
    }
    at += width;
    if ((length >> 63) != 0) {
      return failure(ws_close::protocol_error, "a 64-bit payload length has its top bit set");
    }
  }
  if (header.masked) {
    if (bytes.size() < at + 4) {
      return {};
    }
    std::memcpy(header.mask.data(), bytes.data() + at, 4);
    at += 4;
  }
  if (length > max_payload) {
    return failure(ws_close::too_big,
                   "a frame of " + std::to_string(length) + " bytes is over the limit of " + std::to_string(max_payload));
  }
  header.payload_size = length;
  header.header_size = at;
  ws_header_read read;
  read.result = ws_header_read::outcome::frame;
  read.header = header;
  return read;
}

std::size_t write_ws_header(std::span<std::byte, max_ws_header_size> out, ws_opcode opcode, bool fin, bool rsv1,
                            std::uint64_t payload_size, const std::array<std::byte, 4>* mask) {
  out[0] = static_cast<std::byte>((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | static_cast<std::uint8_t>(opcode));
  std::uint8_t mask_bit = mask != nullptr ? 0x80 : 0;
  std::size_t at = 2;
  if (payload_size <= 125) {
    out[1] = static_cast<std::byte>(mask_bit | payload_size);
  } else if (payload_size <= 0xFFFF) {
    out[1] = static_cast<std::byte>(mask_bit | 126);
    out[2] = static_cast<std::byte>(payload_size >> 8);
    out[3] = static_cast<std::byte>(payload_size);
    at = 4;
  } else {
    out[1] = static_cast<std::byte>(mask_bit | 127);
    for (int i = 0; i < 8; ++i) {
      out[2 + i] = static_cast<std::byte>(payload_size >> (56 - 8 * i));
    }
    at = 10;
  }
  if (mask != nullptr) {
    std::memcpy(out.data() + at, mask->data(), 4);
    at += 4;
  }
  return at;
}

void apply_ws_mask(std::span<std::byte> data, const std::array<std::byte, 4>& mask, std::size_t offset) {
  std::size_t i = 0;
  // Align to the mask, then XOR eight bytes at a time.
  for (; i < data.size() && ((offset + i) & 3) != 0; ++i) {
    data[i] ^= mask[(offset + i) & 3];
  }
  std::uint32_t word32 = 0;
  std::memcpy(&word32, mask.data(), 4);
  std::uint64_t word = (static_cast<std::uint64_t>(word32) << 32) | word32;
  for (; i + 8 <= data.size(); i += 8) {
    std::uint64_t chunk = 0;
    std::memcpy(&chunk, data.data() + i, 8);
    chunk ^= word;
    std::memcpy(data.data() + i, &chunk, 8);
  }
  for (; i < data.size(); ++i) {
    data[i] ^= mask[(offset + i) & 3];
  }
}

bool is_valid_utf8(std::span<const std::byte> text) {
  std::size_t i = 0;
  std::size_t size = text.size();
  while (i < size) {
    auto lead = static_cast<std::uint8_t>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t extra = 0;
    std::uint32_t point = 0;
    std::uint32_t minimum = 0;
    if ((lead & 0xE0) == 0xC0) {
      extra = 1, point = lead & 0x1F, minimum = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      extra = 2, point = lead & 0x0F, minimum = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      extra = 3, point = lead & 0x07, minimum = 0x10000;
    } else {
      return false;
    }
    if (i + extra >= size) {
      return false;
    }
    for (std::size_t k = 1; k <= extra; ++k) {
      auto next = static_cast<std::uint8_t>(text[i + k]);
      if ((next & 0xC0) != 0x80) {
        return false;
      }
      point = (point << 6) | (next & 0x3F);
    }
    if (point < minimum || point > 0x10FFFF || (point >= 0xD800 && point <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

ws_close_read read_ws_close(std::span<const std::byte> payload) {
  ws_close_read read;
  if (payload.empty()) {
    return read;
  }
  if (payload.size() == 1) {
    read.ok = false;
    read.error_code = ws_close::protocol_error;
    return read;
  }
  auto code = static_cast<std::uint16_t>((byte_at(payload, 0) << 8) | byte_at(payload, 1));
  bool sendable = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
  if (!sendable) {
    read.ok = false;
    read.error_code = ws_close::protocol_error;
    return read;
  }
  auto reason = payload.subspan(2);
  if (!is_valid_utf8(reason)) {
    read.ok = false;
    read.error_code = ws_close::invalid_payload;
    return read;
  }
  read.payload.code = code;
  read.payload.reason.assign(reinterpret_cast<const char*>(reason.data()), reason.size());
  return read;
}

}  // namespace polyport::detail
