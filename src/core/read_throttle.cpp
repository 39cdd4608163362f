#include "core/read_throttle.hpp"

#include <algorithm>

namespace polyport::detail {

namespace {

// Waking a throttled connection 20 times a second keeps reads large and timers few, while the
// rate stays smooth at the scale a person or a TCP window notices.
constexpr std::uint64_t wakeups_per_second = 20;

template <class Bucket>
std::chrono::nanoseconds wait_for_quantum(const Bucket& bucket, std::chrono::steady_clock::time_point now) {
  std::uint64_t quantum = std::max<std::uint64_t>(1, bucket.rate().tokens / wakeups_per_second);
  return bucket.time_until(std::min(quantum, bucket.capacity()), now);
}

}  // namespace

token_rate per_second(std::uint64_t bytes) { return token_rate{bytes, std::chrono::seconds(1)}; }

std::optional<byte_rate_limit> byte_rate_limit_from(std::optional<std::uint64_t> rate, std::optional<std::uint64_t> burst) {
  if (!rate) {
    return std::nullopt;
  }
  return byte_rate_limit{*rate, burst.value_or(*rate)};
}

read_throttle::read_throttle(boost::asio::io_context& io, std::optional<byte_rate_limit> own,
                             std::shared_ptr<shared_token_bucket> shared, clock::time_point now)
    : shared_(std::move(shared)), timer_(io) {
  if (own) {
    own_.emplace(per_second(own->bytes_per_second), own->burst, now);
  }
}

std::size_t read_throttle::grant(std::size_t wanted, clock::time_point now) {
  std::uint64_t allowed = wanted;
  if (own_) {
    allowed = own_->take_up_to(allowed, now);
  }
  if (shared_ && allowed > 0) {
    std::uint64_t shared_allowed = shared_->take_up_to(allowed, now);
    if (own_) {
      own_->give_back(allowed - shared_allowed);
    }
    allowed = shared_allowed;
  }
  return static_cast<std::size_t>(allowed);
}

void read_throttle::unused(std::size_t bytes) {
  if (bytes == 0) {
    return;
  }
  if (own_) {
    own_->give_back(bytes);
  }
  if (shared_) {
    shared_->give_back(bytes);
  }
}

void read_throttle::resume_after(clock::time_point now, std::function<void()> read_again) {
  std::chrono::nanoseconds wait{0};
  if (own_) {
    wait = std::max(wait, wait_for_quantum(*own_, now));
  }
  if (shared_) {
    wait = std::max(wait, wait_for_quantum(*shared_, now));
  }
  timer_.expires_after(wait);
  timer_.async_wait([read_again = std::move(read_again)](const boost::system::error_code& failed) {
    if (!failed) {
      read_again();
    }
  });
}

void read_throttle::cancel() { timer_.cancel(); }

}  // namespace polyport::detail
