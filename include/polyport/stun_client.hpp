#pragma once
// The client side of a STUN Binding transaction (RFC 8489 §6.2, §6.3.3): "what address does
// this socket have, seen from that server?".
//
// binding_client runs transactions over a socket someone else owns (a listener's, so the mapped
// address is the listener's): it sends through `send` and is offered every datagram the socket
// receives (`offer` returns true for those it consumed). Requests are retransmitted with the
// RFC's timers: sends at 0, RTO, 3·RTO, 7·RTO ... (Rc sends), then a wait of Rm·RTO; with the
// defaults (500 ms, 7, 16) the last send is at 31.5 s and the query fails at 39.5 s.
//
// discover_mapped_address asks servers in turn from a fresh socket of each one's family; it is
// on demand only: nothing in polyport asks a STUN server at start-up, and no server is built in.
//
// Thread safety: a binding_client belongs to one io_context thread (a worker); call it only
// there. Handlers run on that thread. Destroying it fails its pending queries ("cancelled").

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "polyport/endpoint.hpp"
#include "polyport/result.hpp"

namespace boost::asio {
class io_context;
}

namespace polyport::stun {

struct client_settings {
  std::chrono::milliseconds rto{500};  // RTO: the first retransmission interval, doubled each time
  unsigned max_sends = 7;              // Rc: requests sent before giving up
  unsigned last_wait_factor = 16;      // Rm: the wait after the last request, in RTOs
  std::string software;                // SOFTWARE in requests; empty: none
};

using send_function = std::function<void(std::span<const std::byte> datagram, const endpoint& to)>;
using mapped_handler = std::function<void(result<endpoint>)>;

class binding_client {
 public:
  binding_client(boost::asio::io_context& io, send_function send, client_settings settings = {});
  ~binding_client();
  binding_client(const binding_client&) = delete;
  binding_client& operator=(const binding_client&) = delete;

  // Starts a Binding transaction with `server`; `done` runs once with the mapped address or
  // why there is none (no answer after the retransmissions, an error response, ...).
  void query(const endpoint& server, mapped_handler done);
  // A datagram the socket received from `from`. True when it was a STUN response to one of
  // this client's transactions (answer, or a forged one ignored); the caller then drops it.
  bool offer(std::span<const std::byte> datagram, const endpoint& from);
  std::size_t pending() const;

  struct state;

 private:
  std::shared_ptr<state> state_;
};

// Queries `servers` in order until one answers; `done` runs on `io`'s thread with the first
// mapped address, or an error naming each server's failure.
void discover_mapped_address(boost::asio::io_context& io, std::vector<endpoint> servers, client_settings settings,
                             mapped_handler done);

}  // namespace polyport::stun
