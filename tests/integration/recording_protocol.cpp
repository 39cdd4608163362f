#include "recording_protocol.hpp"

#include <algorithm>

namespace polyport::testing {

void recording_protocol::update(const connection& conn, const std::function<void(connection_record&)>& change) {
  {
    std::lock_guard lock(mutex_);
    auto found = std::find_if(records_.begin(), records_.end(),
                              [&](const connection_record& r) { return r.id == conn.id(); });
    if (found == records_.end()) {
      records_.push_back({});
      found = std::prev(records_.end());
      found->id = conn.id();
      found->outbound = conn.is_outbound();
    }
    change(*found);
  }
  changed_.notify_all();
}

std::vector<polyport::transport> recording_protocol::transports(std::string_view) const {
  return {transport::tcp, transport::tls, transport::unix_stream, transport::udp, transport::dtls, transport::ws, transport::wss};
}

void recording_protocol::on_open(connection& conn) {
  connection_ref ref = conn.ref();
  update(conn, [&](connection_record& r) {
    ++r.opens;
    r.opened_at = std::chrono::steady_clock::now();
    r.ref = ref;
  });
}

void recording_protocol::on_message(connection& conn, std::span<const std::byte> message) {
  update(conn, [&](connection_record& r) { r.messages.push_back(as_text(message)); });
  if (echo_) {
    conn.send(message);
  }
}

void recording_protocol::on_close(connection& conn, const close_info& why) {
  update(conn, [&](connection_record& r) {
    ++r.closes;
    r.closed = why;
    r.closed_at = std::chrono::steady_clock::now();
  });
}

bool recording_protocol::wait_for(const std::function<bool(const std::vector<connection_record>&)>& condition,
                                  std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return condition(records_); });
}

bool recording_protocol::wait_opened(std::size_t count, std::chrono::milliseconds timeout) {
  return wait_for([count](const auto& records) { return records.size() >= count; }, timeout);
}

bool recording_protocol::wait_closed(std::size_t count, std::chrono::milliseconds timeout) {
  return wait_for(
      [count](const auto& records) {
        return static_cast<std::size_t>(std::count_if(records.begin(), records.end(),
                                                      [](const connection_record& r) { return r.closes > 0; })) >= count;
      },
      timeout);
}

bool recording_protocol::wait_messages(std::size_t count, std::chrono::milliseconds timeout) {
  return wait_for(
      [count](const auto& records) {
        std::size_t total = 0;
        for (const auto& r : records) {
          total += r.messages.size();
        }
        return total >= count;
      },
      timeout);
}

std::vector<connection_record> recording_protocol::records() const {
  std::lock_guard lock(mutex_);
  return records_;
}

std::size_t recording_protocol::opened() const {
  std::lock_guard lock(mutex_);
  return records_.size();
}

std::size_t recording_protocol::closed() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(records_.begin(), records_.end(), [](const connection_record& r) { return r.closes > 0; }));
}

std::size_t recording_protocol::closed_with(close_reason reason) const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(records_.begin(), records_.end(), [reason](const connection_record& r) {
    return r.closes > 0 && r.closed.reason == reason;
  }));
}

std::size_t recording_protocol::message_count() const {
  std::lock_guard lock(mutex_);
  std::size_t total = 0;
  for (const auto& r : records_) {
    total += r.messages.size();
  }
  return total;
}

std::vector<std::string> recording_protocol::all_messages() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& r : records_) {
    out.insert(out.end(), r.messages.begin(), r.messages.end());
  }
  return out;
}

}  // namespace polyport::testing
