// The DTLS half of datagram_connection: records in, plaintext messages to the protocol, sealed
// records out, the handshake's retransmission timer, and close_notify both ways.

#include <boost/asio/post.hpp>

#include <cerrno>

#include "core/datagram_connection.hpp"
#include "transport/dtls_record.hpp"

namespace polyport::detail {

void datagram_connection::use_dtls(std::unique_ptr<dtls_session> session, std::chrono::milliseconds handshake_deadline,
                                   std::function<void(const std::string&)> handshake_done) {
  dtls_ = std::move(session);
  handshake_deadline_ = handshake_deadline;
  handshake_done_ = std::move(handshake_done);
  retransmit_timer_ = std::make_unique<boost::asio::steady_timer>(worker_.io());
}

void datagram_connection::receive_records(std::span<const std::byte> datagram) {
  if (phase_ == phase::closed || phase_ == phase::created) {
    count_dropped();
    return;
  }
  // RFC 6347 §4.1.2.7: invalid records are discarded, the association lives on.
  if (classify_dtls_datagram(datagram) == dtls_datagram_kind::garbage) {
    count_dropped();
    return;
  }
  apply(dtls_->receive(datagram));
}

void datagram_connection::apply(dtls_step step) {
  send_records(step.datagrams);
  if (step.dropped_records) {
    count_dropped();
  }
  if (!step.failure.empty()) {
    finish(phase_ == phase::handshaking ? close_reason::handshake_error : close_reason::io_error, step.failure);
    return;
  }
  if (step.established && phase_ == phase::handshaking) {
    worker_.idle().watch(*this, context_->idle_timeout);
    open();
    if (phase_ == phase::open && handshake_done_) {
      handshake_ended({});
    }
  }
  for (const auto& message : step.messages) {
    if (phase_ != phase::open) {
      break;
    }
    if (message.size() > context_->max_datagram) {
      count_dropped();  // udp_max_size bounds the plaintext, as it bounds a udp datagram
      continue;
    }
    deliver(message);
  }
  if (step.peer_closed && phase_ != phase::closed) {
    finish(close_reason::peer_closed, "the peer sent close_notify");
    return;
  }
  arm_retransmit();
}

void datagram_connection::send_records(const std::vector<std::vector<std::byte>>& datagrams) {
  for (const auto& datagram : datagrams) {
    int failure = port_->send_to(datagram, remote_);
    if (failure == ECONNREFUSED) {
      // After the records: finishing here would send close_notify from inside this loop.
      boost::asio::post(worker_.io(), [weak = weak_from_this()] {
        if (auto self = weak.lock()) {
          self->finish(close_reason::io_error, "Connection refused");
        }
      });
      return;
    }
    if (failure != 0) {
      count_dropped();
    }
  }
}

bool datagram_connection::send_sealed(std::span<const std::byte> message) {
  auto records = dtls_->seal(message);
  if (!records) {
    return false;
  }
  send_records(*records);
  stats_shard::add(own_stats_.bytes_out, message.size());
  stats_shard::add(total_stats_.bytes_out, message.size());
  worker_.idle().touch(*this, worker_.reactor().now());
  return true;
}

void datagram_connection::arm_retransmit() {
  auto wait = dtls_->retransmit_in();
  if (!wait || phase_ == phase::closed) {
    retransmit_timer_->cancel();
    return;
  }
  retransmit_timer_->expires_after(*wait);
  retransmit_timer_->async_wait([weak = weak_from_this()](const boost::system::error_code& failed) {
    auto self = weak.lock();
    if (failed || !self || self->phase_ == phase::closed) {
      return;
    }
    self->apply(self->dtls_->retransmit());
  });
}

void datagram_connection::say_goodbye(close_reason reason) {
  retransmit_timer_->cancel();
  bool peer_gone = reason == close_reason::peer_closed || reason == close_reason::io_error ||
                   reason == close_reason::handshake_error;
  if (phase_ == phase::open && !peer_gone) {
    send_records(dtls_->close());
  }
}

void datagram_connection::handshake_ended(const std::string& failure) {
  auto done = std::move(handshake_done_);
  handshake_done_ = nullptr;
  done(failure);
}

}  // namespace polyport::detail
