#pragma once
// A UDP peer as a connection (NkPACKET's connection-oriented UDP): every datagram from one
// remote ip:port is one on_message; replies leave from the socket the datagrams came to (a
// listener's, so from the listening port, or an outbound connected socket); idle closes it.
//
//   port (socket) ─▶ flow table (remote → connection) ─▶ receive ─▶ protocol::on_message
//   connection::send ─▶ port.send_to(remote)   (nothing is queued: UDP has no flow control)
//
// With dtls, a dtls_session sits between the port and the protocol: datagrams are records,
// on_open waits for the handshake, and each record's plaintext is one on_message
// (datagram_connection_dtls.cpp).
//
// Thread safety: distinct objects: safe. Shared objects: unsafe; owning worker only.

#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "core/connection_context.hpp"
#include "core/idle_tracker.hpp"
#include "core/worker.hpp"
#include "polyport/connection.hpp"
#include "transport/dtls_session.hpp"

namespace polyport::detail {

class datagram_connection;

// The socket side of datagram connections: sends from its socket and learns of closes.
// Called on the connection's worker.
class datagram_port {
 public:
  // One datagram to `to`: 0, or the errno value of the failure.
  virtual int send_to(std::span<const std::byte> bytes, const endpoint& to) = 0;
  // `conn` has closed: forget it (it is released at the worker's next turn).
  virtual void flow_closed(datagram_connection& conn) = 0;

 protected:
  ~datagram_port() = default;
};

class datagram_connection final : public connection,
                                  public idle_member,
                                  public registered_connection,
                                  public std::enable_shared_from_this<datagram_connection> {
 public:
  // The creator has counted it in its context's `current` counters already; the close takes it off.
  datagram_connection(worker& owner, std::shared_ptr<const connection_context> context,
                      std::shared_ptr<datagram_port> port, endpoint local, endpoint remote);

  // Makes it a DTLS connection, before start(). `handshake_done` runs once, on the worker, with
  // "" when the handshake completed or why it failed (a client's connect waits on it).
  // `handshake_deadline`: how long the handshake may take (connect_timeout or idle_timeout).
  void use_dtls(std::unique_ptr<dtls_session> session, std::chrono::milliseconds handshake_deadline,
                std::function<void(const std::string&)> handshake_done);
  // Registers it with its worker and calls on_open (with dtls: starts the handshake, and
  // on_open follows it). On the owning worker.
  void start();
  // One datagram from the peer.
  void receive(std::span<const std::byte> datagram);
  // A datagram over udp_max_size arrived (the kernel cut it): dropped and counted.
  void receive_oversized();
  // The port's socket failed for good (an outbound socket learnt the peer refuses).
  void fail(const std::string& why) { finish(close_reason::io_error, why); }

  // registered_connection
  void terminate(close_reason reason) override { finish(reason, {}); }
  const connection_context& context() const override { return *context_; }

  // connection
  bool send(std::span<const std::byte> message) override;
  void close_with(close_reason reason, std::string detail) override { finish(reason, std::move(detail)); }
  // No flow control on UDP: while paused, this peer's datagrams are dropped (and counted).
  void pause_reading() override { paused_ = true; }
  void resume_reading() override { paused_ = false; }
  bool writable() const override { return true; }
  std::size_t queued_bytes() const override { return 0; }
  void set_idle_timeout(std::chrono::milliseconds timeout) override;
  const endpoint& local() const override { return local_; }
  const endpoint& remote() const override { return remote_; }
  const endpoint& peer() const override { return remote_; }
  const proxy_header* proxy() const override { return nullptr; }
  polyport::transport transport() const override { return context_->transport; }
  std::string_view scheme() const override { return context_->scheme; }
  bool is_outbound() const override { return context_->outbound; }
  bool is_open() const override { return phase_ == phase::open; }
  std::string security() const override { return dtls_ ? dtls_->description() : std::string(); }
  const polyport::framer& framer() const override { return *context_->framer; }
  const polyport::metadata& metadata() const override { return *context_->metadata; }
  connection_ref ref() override;

  // idle_member
  void idle_expired() override;

 private:
  enum class phase { created, handshaking, open, closed };

  void* user_data_pointer() const override { return context_->user_data.get(); }
  void open();
  void deliver(std::span<const std::byte> message);
  void count_dropped();
  void finish(close_reason reason, std::string detail);
  // dtls (datagram_connection_dtls.cpp)
  void receive_records(std::span<const std::byte> datagram);
  bool send_sealed(std::span<const std::byte> message);
  void apply(dtls_step step);
  void send_records(const std::vector<std::vector<std::byte>>& datagrams);
  void arm_retransmit();
  void say_goodbye(close_reason reason);
  void handshake_ended(const std::string& failure);
  template <class Callback>
  void guarded(Callback&& callback);

  worker& worker_;
  std::shared_ptr<const connection_context> context_;
  std::shared_ptr<datagram_port> port_;
  endpoint local_;
  endpoint remote_;
  stats_shard& own_stats_;
  stats_shard& total_stats_;
  std::shared_ptr<std::atomic<bool>> open_flag_;     // made on the first ref()
  std::shared_ptr<datagram_connection> self_;        // keeps it alive until it closes
  phase phase_ = phase::created;
  bool paused_ = false;
  // dtls only: the session, its handshake retransmission timer, and who waits for the handshake.
  std::unique_ptr<dtls_session> dtls_;
  std::unique_ptr<boost::asio::steady_timer> retransmit_timer_;
  std::chrono::milliseconds handshake_deadline_{0};
  std::function<void(const std::string&)> handshake_done_;
};

}  // namespace polyport::detail
