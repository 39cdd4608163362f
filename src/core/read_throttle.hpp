#pragma once
// Byte rate limits on reads: one connection's own bucket (rate_limit, rate_limit_burst) and the
// bucket its listener shares among all its connections (listener_rate_limit, _burst). A read
// takes at most what both allow; with nothing allowed the connection stops reading until a timer
// says enough has come back, so the kernel's receive window fills and TCP pushes back on the
// sender (DESIGN.md §2), instead of bytes piling up in memory.
//
//   grant(64 KiB) ─▶ min(own, shared) bytes ─▶ read ─▶ unused(granted − read)
//   grant() == 0  ─▶ resume_after(wait(), read again)
//
// Thread safety: distinct objects: safe. Shared objects: unsafe; the connection's worker only.
// The shared bucket is safe from any thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>

#include "core/token_bucket.hpp"

namespace polyport::detail {

// A bytes-per-second limit and its burst, as the options give them.
struct byte_rate_limit {
  std::uint64_t bytes_per_second = 0;
  std::uint64_t burst = 0;
};

// nullopt without a rate; the burst defaults to one second's worth.
std::optional<byte_rate_limit> byte_rate_limit_from(std::optional<std::uint64_t> rate, std::optional<std::uint64_t> burst);
token_rate per_second(std::uint64_t bytes);

class read_throttle {
 public:
  using clock = std::chrono::steady_clock;

  read_throttle(boost::asio::io_context& io, std::optional<byte_rate_limit> own,
                std::shared_ptr<shared_token_bucket> shared, clock::time_point now);

  // Bytes the next read may take, at most `wanted`; 0 means wait (see resume_after).
  std::size_t grant(std::size_t wanted, clock::time_point now);
  // Returns the part of the last grant that the read did not fill.
  void unused(std::size_t bytes);
  // Runs `read_again` once a worthwhile amount (a twentieth of a second's worth, or the whole
  // burst if smaller) is allowed again; replaces an earlier wait.
  void resume_after(clock::time_point now, std::function<void()> read_again);
  void cancel();

 private:
  std::optional<token_bucket> own_;
  std::shared_ptr<shared_token_bucket> shared_;
  boost::asio::steady_timer timer_;
};

}  // namespace polyport::detail
