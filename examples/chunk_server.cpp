// chunk_server: a binary protocol whose header length depends on the bits of its first byte,
// modelled on RTMP's chunk stream (RTMP 1.0 specification §5.3.1). It echoes every message it
// reassembles, chunked again, so any chunk sender can check itself against it.
//
//   usage: example_chunk_server [URL]     (default chunk://127.0.0.1:5316;transport=tcp)
//
// One chunk on the wire:
//
//   basic header (1–3 bytes)         message header (11, 7, 3 or 0 bytes: chosen by fmt)
//   ┌─────┬──────┬──────────────┐   ┌─────────────┬───────────┬──────┬────────────────────┐
//   │ fmt │ csid │ csid - 64    │   │ timestamp   │ message   │ type │ message stream id  │ fmt 0
//   │ 2 b │ 6 b  │ (0, 1 or 2 B)│   │ (3 B, BE)   │ length 3 B│ 1 B  │ (4 B, little-end.) │
//   └─────┴──────┴──────────────┘   ├─────────────┼───────────┼──────┼────────────────────┘
//                                   │ delta (3 B) │ length    │ type │ fmt 1: stream id as before
//                                   ├─────────────┼───────────┴──────┘
//                                   │ delta (3 B) │ fmt 2: length, type, stream id as before
//                                   └─────────────┘
//                                   (nothing)       fmt 3: all as before, the same delta too
//
//   then, when the timestamp field is 0xFFFFFF: extended timestamp (4 bytes, BE); fmt 3 chunks
//   carry one when the last fmt 0–2 header of their chunk stream did
//   then payload: at most chunk-size bytes (128 until a Set Chunk Size message changes it)
//
//   csid 2–63: one byte; csid 0: one more byte, id 64–319; csid 1: two more bytes (low first),
//   id 64–65599. A message longer than the chunk size continues in format 3 chunks of the same
//   csid; chunks of different csids may interleave.
//
// Where the code is: chunk_stream/chunk_parser.hpp reads chunks (no sockets: unit-tested byte by
// byte), chunk_stream/chunk_writer.hpp writes them, chunk_stream/chunk_echo_protocol.hpp glues
// them to polyport. This file only starts the server.
//
// Try it (socat sends one format 0 chunk on csid 3: timestamp 1, 5 bytes, type 8, stream 1):
//   printf '\x03\x00\x00\x01\x00\x00\x05\x08\x01\x00\x00\x00hello' |
//     socat -t1 - TCP:127.0.0.1:5316 | od -c

#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "chunk_stream/chunk_echo_protocol.hpp"
#include "polyport/runtime.hpp"

int main(int argc, char** argv) {
  const std::string url = argc > 1 ? argv[1] : "chunk://127.0.0.1:5316;transport=tcp";

  // Block SIGINT and SIGTERM before the runtime starts its worker threads: they inherit the mask,
  // so the signals wait for sigwait below instead of interrupting a worker.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  polyport::runtime server;
  // The scheme in the URL picks the protocol. The bounds are what one peer may make us hold.
  server.register_protocol("chunk", std::make_shared<chunk_stream::chunk_echo_protocol>(chunk_stream::limits{
                                        .max_message_length = 1024 * 1024,
                                        .max_chunk_streams = 64,
                                        .max_chunk_size = 65536,
                                        .max_pending_bytes = std::size_t{4} * 1024 * 1024,
                                    }));

  auto started = server.listen(url);
  if (!started) {
    std::fprintf(stderr, "example_chunk_server: %s\n", started.error().message.c_str());
    return 1;
  }
  std::printf("listening %s\n", (*started)->description().c_str());
  std::fflush(stdout);

  int received = 0;
  sigwait(&stop_signals, &received);
  const polyport::connection_stats totals = server.stats();
  server.stop();
  std::fprintf(stderr, "stopped: %llu connections, %llu closed for bad input\n",
               static_cast<unsigned long long>(totals.accepted),
               static_cast<unsigned long long>(totals.closed_by(polyport::close_reason::frame_error)));
  return 0;
}
