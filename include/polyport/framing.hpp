#pragma once
// Names of the stock framers, as chosen by the `tcp_packet` URL option.

namespace polyport {

enum class framing {
  raw,      // every read is one message, as it arrived
  length1,  // 1-byte big-endian length prefix (`tcp_packet=1`)
  length2,  // 2-byte big-endian length prefix (`tcp_packet=2`)
  length4,  // 4-byte big-endian length prefix (`tcp_packet=4`)
  line,     // frames end with "\n" (a "\r" before it is dropped too) (`tcp_packet=line`)
};

}  // namespace polyport
