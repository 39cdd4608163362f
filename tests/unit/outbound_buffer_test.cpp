#include "core/outbound_buffer.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace polyport::detail {
namespace {

std::vector<std::byte> bytes_from(std::size_t count, std::size_t start = 0) {
  std::vector<std::byte> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    out[i] = static_cast<std::byte>((start + i) & 0xff);
  }
  return out;
}

TEST(outbound_buffer, keeps_bytes_in_order_across_partial_consumes) {
  outbound_buffer buffer;
  auto first = bytes_from(100);
  auto second = bytes_from(50, 100);
  buffer.append(first);
  buffer.append(second);
  EXPECT_EQ(buffer.size(), 150u);
  buffer.consume(30);
  auto pending = buffer.pending();
  ASSERT_EQ(pending.size(), 120u);
  EXPECT_EQ(pending[0], static_cast<std::byte>(30));
  EXPECT_EQ(pending[119], static_cast<std::byte>(149));
}

TEST(outbound_buffer, releases_memory_when_emptied) {
  outbound_buffer buffer;
  buffer.append(bytes_from(4096));
  buffer.consume(4096);
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.pending().size(), 0u);
}

TEST(outbound_buffer, compacts_a_mostly_sent_buffer_without_losing_bytes) {
  outbound_buffer buffer;
  std::size_t written = 0;
  std::size_t sent = 0;
  // Append 1 KiB and consume 900 bytes a round: the head walks far past the compaction point.
  for (int round = 0; round < 500; ++round) {
    buffer.append(bytes_from(1024, written));
    written += 1024;
    std::size_t take = std::min<std::size_t>(900, buffer.size());
    ASSERT_EQ(buffer.pending()[0], static_cast<std::byte>(sent & 0xff));
    buffer.consume(take);
    sent += take;
  }
  EXPECT_EQ(buffer.size(), written - sent);
  EXPECT_EQ(buffer.pending()[0], static_cast<std::byte>(sent & 0xff));
}

}  // namespace
}  // namespace polyport::detail
