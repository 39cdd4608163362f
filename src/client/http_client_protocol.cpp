#include "client/http_client_protocol.hpp"

namespace polyport::detail {

void http_pipeline::submit(connection& conn, std::string_view bytes, http_pending_request request) {
  if (retired_ || !conn.is_open()) {
    request.done({error{"the connection was closing"}, true, false});
    return;
  }
  if (!conn.send(bytes)) {
    request.done({error{"the connection refused the request"}, true, false});
    return;
  }
  if (!conn.is_open()) {
    // The write failed at once and on_close has run: the request may have left.
    request.done({error{"the connection closed while sending the request"}, true, true});
    return;
  }
  if (pending_.empty()) {
    reader_.expect(request.method, request.max_body);
    conn.set_idle_timeout(request.response_timeout);
  }
  pending_.push_back(std::move(request));
}

std::size_t http_pipeline::on_data(connection& conn, std::span<const std::byte> bytes) {
  std::size_t at = 0;
  while (at < bytes.size() && conn.is_open()) {
    if (pending_.empty() || retired_) {
      conn.close_with(close_reason::frame_error, "HTTP bytes with no request waiting for them");
      return bytes.size();
    }
    auto step = reader_.feed(bytes.subspan(at));
    at += step.consumed;
    if (step.result == http_response_reader::step::outcome::need_more) {
      break;
    }
    if (step.result == http_response_reader::step::outcome::bad) {
      retired_ = true;
      answer_front(error{step.error});
      fail_all("the connection ended (an earlier response was bad)", true);
      conn.close_with(close_reason::frame_error, step.error);
      return bytes.size();
    }
    bool keep_alive = reader_.keep_alive();
    auto idle = pending_.front().pool_idle_timeout;
    if (!keep_alive) {
      retired_ = true;
    }
    answer_front(reader_.take());
    if (!keep_alive) {
      fail_all("the server closed the connection after an earlier response", true);
      conn.close();
      return bytes.size();
    }
    if (pending_.empty()) {
      conn.set_idle_timeout(idle);
    } else {
      reader_.expect(pending_.front().method, pending_.front().max_body);
      conn.set_idle_timeout(pending_.front().response_timeout);
    }
  }
  return at;
}

void http_pipeline::timed_out() {
  retired_ = true;
  if (pending_.empty()) {
    return;
  }
  auto waited = pending_.front().response_timeout;
  fail_all("no response within " + std::to_string(waited.count()) + " ms (response_timeout)", false);
}

void http_pipeline::closed(const close_info& why) {
  retired_ = true;
  if (pending_.empty()) {
    return;
  }
  auto last = reader_.finish();
  if (last.result == http_response_reader::step::outcome::response) {
    answer_front(reader_.take());
  }
  std::string detail = why.detail.empty() ? std::string(to_string(why.reason)) : why.detail;
  if (!pending_.empty() && reader_.started()) {
    answer_front(error{last.error + " (" + detail + ")"});
  }
  fail_all("the connection closed before the response (" + detail + ")", true);
}

void http_pipeline::answer_front(result<http_client_response> response) {
  auto request = std::move(pending_.front());
  pending_.pop_front();
  request.done({std::move(response), false, true});
}

void http_pipeline::fail_all(const std::string& why, bool unanswered) {
  auto waiting = std::move(pending_);
  pending_.clear();
  for (auto& request : waiting) {
    request.done({error{why}, unanswered, true});
  }
}

std::vector<polyport::transport> http_client_protocol::transports(std::string_view) const {
  return {transport::tcp, transport::tls};
}

void http_client_protocol::on_open(connection& conn) {
  conn.emplace_state<http_pipeline>();
}

std::size_t http_client_protocol::on_data(connection& conn, std::span<const std::byte> bytes) {
  return conn.state<http_pipeline>().on_data(conn, bytes);
}

idle_action http_client_protocol::on_idle(connection& conn) {
  conn.state<http_pipeline>().timed_out();
  return idle_action::close;
}

void http_client_protocol::on_close(connection& conn, const close_info& why) {
  if (conn.has_state()) {
    conn.state<http_pipeline>().closed(why);
  }
}

}  // namespace polyport::detail
