#pragma once
// A connection's queue of bytes waiting for the socket: one contiguous buffer, so a flush is a
// single write, and no memory held while empty (idle connections stay cheap).
// Thread safety: none; owned by one connection.

#include <cstddef>
#include <cstring>
#include <span>
#include <vector>

namespace polyport::detail {

class outbound_buffer {
 public:
  bool empty() const { return head_ == bytes_.size(); }
  std::size_t size() const { return bytes_.size() - head_; }

  void append(std::span<const std::byte> data) { bytes_.insert(bytes_.end(), data.begin(), data.end()); }

  std::span<const std::byte> pending() const { return std::span(bytes_).subspan(head_); }

  void consume(std::size_t count) {
    head_ += count;
    if (head_ == bytes_.size()) {
      std::vector<std::byte>().swap(bytes_);
      head_ = 0;
    } else if (head_ >= compact_after && head_ * 2 >= bytes_.size()) {
      // Most of the buffer is already sent: move the rest down rather than grow forever.
      bytes_.erase(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

 private:
  static constexpr std::size_t compact_after = 64 * 1024;
  std::vector<std::byte> bytes_;
  std::size_t head_ = 0;
};

}  // namespace polyport::detail
