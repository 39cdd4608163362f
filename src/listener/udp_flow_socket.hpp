#pragma once
// One worker's socket of a UDP listener (every worker has one, sharing the port through
// SO_REUSEPORT) and the table of the peers (flows) this worker owns.
//
//   readiness ─▶ recvmmsg into the worker's read buffer ─▶ per datagram (replies queue and
//   leave together with one sendmmsg after the batch):
//     over udp_max_size → dropped │ interceptor answers → reply, done │ udp_no_connections →
//     on_datagram │ a flow here → its connection │ else → udp_listener::new_peer (forward to the
//     owning worker, or admit a new peer here)
//
// Thread safety: everything on the socket's worker, except send_to and the accessors.

#include <memory>
#include <span>
#include <unordered_map>

#include "core/datagram_connection.hpp"
#include "core/readiness_reactor.hpp"
#include "core/worker.hpp"
#include "transport/udp_socket.hpp"

namespace polyport::detail {

class udp_listener;

struct endpoint_hash {
  std::size_t operator()(const endpoint& at) const noexcept;
};

class udp_flow_socket final : public datagram_port, public io_event_target {
 public:
  // Takes `fd` (closed with the object, so a send racing a stop never hits a reused number).
  udp_flow_socket(worker& home, int fd, std::weak_ptr<udp_listener> owner, std::size_t max_datagram);
  ~udp_flow_socket();

  // Starts and stops reading, on the socket's worker.
  void start();
  void stop();

  // A datagram another worker received for a flow of this one.
  void receive_forwarded(std::span<const std::byte> datagram, const endpoint& from);
  // Makes `conn` the flow of its remote address and hands it the datagram that opened it.
  void adopt_flow(datagram_connection& conn);

  worker& home() const { return home_; }
  int fd() const { return fd_; }

  // datagram_port
  int send_to(std::span<const std::byte> bytes, const endpoint& to) override;
  void flow_closed(datagram_connection& conn) override;
  // io_event_target
  void on_io_event(std::uint32_t events) override;

 private:
  void drain();
  void dispatch(udp_listener& owner, std::span<const std::byte> datagram, const endpoint& from);
  // Sends the replies queued while a received batch was dispatched, with one sendmmsg.
  void flush_replies(udp_listener& owner);

  worker& home_;
  int fd_;
  std::weak_ptr<udp_listener> owner_;
  datagram_batch batch_;
  std::unordered_map<endpoint, datagram_connection*, endpoint_hash> flows_;
  // Replies made while a received batch is dispatched wait here for one sendmmsg.
  reply_batch replies_;
  bool dispatching_batch_ = false;
  bool reading_ = false;
};

}  // namespace polyport::detail
