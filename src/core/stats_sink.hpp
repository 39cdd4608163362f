#pragma once
// Where connections count what they do: one shard per worker, so counting on the message path
// is an uncontended relaxed add on a cache line the worker owns; readers sum the shards.
// Thread safety: counting from the shard's worker; snapshot from any thread.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>

#include "polyport/stats.hpp"

namespace polyport::detail {

struct alignas(64) stats_shard {
  std::atomic<std::uint64_t> opened{0};
  std::atomic<std::uint64_t> bytes_in{0};
  std::atomic<std::uint64_t> bytes_out{0};
  std::atomic<std::uint64_t> accept_errors{0};
  std::atomic<std::uint64_t> datagrams_dropped{0};
  std::atomic<std::uint64_t> datagrams_forwarded{0};
  std::atomic<std::uint64_t> dtls_cookies_sent{0};
  std::array<std::atomic<std::uint64_t>, close_reason_count> closed{};

  static void add(std::atomic<std::uint64_t>& counter, std::uint64_t amount) {
    counter.store(counter.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
  }
};

class stats_sink {
 public:
  explicit stats_sink(unsigned shard_count) : shards_(std::make_unique<stats_shard[]>(shard_count)), count_(shard_count) {}

  // Only the owning worker writes its shard (`add` is a load and a store, not a locked add).
  stats_shard& shard(unsigned worker_index) { return shards_[worker_index]; }

  // Open connections now: shared by every worker, touched once per open and close.
  std::atomic<std::uint64_t>& current() { return current_; }

  connection_stats snapshot() const {
    connection_stats out;
    for (unsigned i = 0; i < count_; ++i) {
      const stats_shard& s = shards_[i];
      out.accepted += s.opened.load(std::memory_order_relaxed);
      out.bytes_in += s.bytes_in.load(std::memory_order_relaxed);
      out.bytes_out += s.bytes_out.load(std::memory_order_relaxed);
      out.accept_errors += s.accept_errors.load(std::memory_order_relaxed);
      out.datagrams_dropped += s.datagrams_dropped.load(std::memory_order_relaxed);
      out.datagrams_forwarded += s.datagrams_forwarded.load(std::memory_order_relaxed);
      out.dtls_cookies_sent += s.dtls_cookies_sent.load(std::memory_order_relaxed);
      for (std::size_t r = 0; r < close_reason_count; ++r) {
        out.closed[r] += s.closed[r].load(std::memory_order_relaxed);
      }
    }
    out.current = current_.load(std::memory_order_relaxed);
    return out;
  }

 private:
  std::unique_ptr<stats_shard[]> shards_;
  unsigned count_;
  std::atomic<std::uint64_t> current_{0};
};

}  // namespace polyport::detail
