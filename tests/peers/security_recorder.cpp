#include "peers/security_recorder.hpp"

namespace polyport::testing {

void security_recorder::on_open(connection& conn) {
  std::lock_guard lock(mutex_);
  securities_.push_back(conn.security());
}

void security_recorder::on_message(connection& conn, std::span<const std::byte> message) {
  if (echo_) {
    echo_protocol::on_message(conn, message);
  }
  std::lock_guard lock(mutex_);
  received_.append(reinterpret_cast<const char*>(message.data()), message.size());
  changed_.notify_all();
}

bool security_recorder::wait_for(const std::string& text, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return received_.find(text) != std::string::npos; });
}

std::string security_recorder::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

std::vector<std::string> security_recorder::securities() const {
  std::lock_guard lock(mutex_);
  return securities_;
}

::testing::AssertionResult refused_as_untrusted(const result<connection_ref>& conn, const security_recorder& recorder) {
  if (conn) {
    return ::testing::AssertionFailure() << "connected although the server's certificate is not trusted";
  }
  if (conn.error().message.find("certificate verify failed") == std::string::npos) {
    return ::testing::AssertionFailure() << "not a verification error: " << conn.error().message;
  }
  if (!recorder.securities().empty()) {
    return ::testing::AssertionFailure() << "on_open ran for a connection that failed verification";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace polyport::testing
