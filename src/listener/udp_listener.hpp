#pragma once
// A UDP listener (NkPACKET's connection-oriented UDP): one SO_REUSEPORT socket per worker;
// every remote ip:port becomes a datagram_connection on the worker that first heard it, and
// its replies leave from the listening port. A flow is owned by one worker: when the kernel
// hands one of its datagrams to another worker's socket (the reuseport group changed), that
// worker forwards it to the owner. New peers pass the access rules and max_connections (the
// bound on peers, hence on the state a flood of spoofed sources can create).
// With udp_no_connections, datagrams go to protocol::on_datagram instead. With udp_starts_tcp, a
// TCP listener on the same port lives and dies with this one (not in runtime::listeners()).
// With transport dtls, a new peer must first pass the dtls_gate's cookie exchange, and its
// connection carries a DTLS session.
// Thread safety: the public methods are safe from any thread.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/connection_context.hpp"
#include "core/route_plan.hpp"
#include "listener/dtls_gate.hpp"
#include "listener/owned_listener.hpp"
#include "listener/udp_flow_socket.hpp"
#include "stun/listener_client.hpp"
#include "polyport/runtime.hpp"
#include "transport/datagram_interceptor.hpp"

namespace polyport::detail {

class stream_listener;

class udp_listener final : public owned_listener, public std::enable_shared_from_this<udp_listener> {
 public:
  // Binds one socket per worker and starts reading. `interceptor` (may be null) sees every
  // datagram first (udp_stun_reply).
  static result<std::shared_ptr<udp_listener>> start(const std::shared_ptr<runtime::state>& runtime_state,
                                                     route_plan plan, std::shared_ptr<void> user_data,
                                                     std::shared_ptr<datagram_interceptor> interceptor);
  // Refuses what a udp or dtls listener cannot honour, by name (udp_listener_check.cpp).
  static result<void> check(const route_plan& plan);

  udp_listener(std::weak_ptr<runtime::state> runtime_state, route_plan plan, std::shared_ptr<void> user_data,
               std::shared_ptr<datagram_interceptor> interceptor);

  std::string_view scheme() const override { return plan_.scheme; }
  polyport::transport transport() const override { return plan_.transport; }
  const endpoint& local() const override { return local_; }
  polyport::options options() const override { return plan_.opts; }
  // Not built for udp yet (docs/udp.md); its limits change through set_max_connections and access().
  result<void> update(const polyport::options&) override {
    return error{"live option updates of udp listeners are not supported yet: use set_max_connections and access()"};
  }
  connection_stats stats() const override { return stats_->snapshot(); }
  std::size_t max_connections() const override { return max_connections_.load(std::memory_order_relaxed); }
  void set_max_connections(std::size_t limit) override { max_connections_ = limit; }
  polyport::access_rules& access() override { return rules_; }
  // Connection rates do not apply to UDP peers (max_conn_rate is refused at listen).
  void set_max_conn_rate(connection_rate, std::uint32_t) override {}
  // The sockets stay open (the peers reply through them); datagrams of new peers are dropped.
  void suspend() override { suspended_ = true; }
  result<void> resume() override;
  bool is_suspended() const override { return suspended_.load(); }
  std::size_t drain(std::chrono::milliseconds grace) override;
  void stop() override { shut_down(true, close_reason::listener_stopped); }
  bool is_running() const override { return running_.load(); }
  void stop_for_runtime() override { shut_down(false, close_reason::runtime_stopped); }
  result<void> send_to(std::span<const std::byte> datagram, const endpoint& to) override;
  using listener::discover_mapped_address;
  void discover_mapped_address(std::vector<endpoint> stun_servers, stun::client_settings settings,
                               std::function<void(result<endpoint>)> done) override;

  // --- From the flow sockets, on their workers ---
  bool intercepted(udp_flow_socket& at, std::span<const std::byte> datagram, const endpoint& from);
  bool without_connections() const { return without_connections_; }
  void deliver_datagram(worker& at, std::span<const std::byte> datagram, const endpoint& from);
  // A datagram from a peer `at` has no flow for: forward it to the worker that owns the peer,
  // or admit the peer here (rules, limits) and hand it the datagram.
  void new_peer(udp_flow_socket& at, std::span<const std::byte> datagram, const endpoint& from);
  void flow_ended(const endpoint& peer);
  void dropped_oversized(worker& at, const endpoint& from);
  void count_dropped(worker& at, std::uint64_t count = 1);
  // This listener's socket on `w`, or nullptr once stopped.
  udp_flow_socket* socket_of(const worker& w);

 protected:
  void* user_data_pointer() const override { return user_data_.get(); }

 private:
  result<void> open_sockets(runtime::state& owner);
  // Closes sockets not started yet (start() trying another port).
  void close_sockets();
  std::shared_ptr<listener_stun_client> make_stun_client(worker& home);
  result<void> start_tcp_twin(const std::shared_ptr<runtime::state>& runtime_state);
  void count_refusal(worker& at, close_reason why);
  // dtls: the gate's verdict on a datagram of a new peer; the session when it is admitted.
  std::unique_ptr<dtls_session> pass_gate(udp_flow_socket& at, std::span<const std::byte> datagram,
                                          const endpoint& from);
  void count_bytes(worker& at, std::size_t in, std::size_t out);
  void shut_down(bool remove_from_runtime, close_reason why);

  std::weak_ptr<runtime::state> runtime_;
  // udp_starts_tcp: the TCP listener on the same port, started and stopped with this one.
  std::shared_ptr<stream_listener> tcp_twin_;
  route_plan plan_;
  std::shared_ptr<void> user_data_;
  std::shared_ptr<datagram_interceptor> interceptor_;
  // dtls only: the cookie exchange new peers go through (made at start).
  std::unique_ptr<dtls_gate> gate_;
  // Set at start, before any socket reads: discover_mapped_address's queries and their answers.
  std::shared_ptr<listener_stun_client> stun_client_;
  std::shared_ptr<stats_sink> stats_;
  std::shared_ptr<connection_context> context_;
  endpoint local_;
  bool without_connections_;
  std::atomic<std::size_t> max_connections_;
  std::atomic<bool> running_{false};
  std::atomic<bool> suspended_{false};
  std::atomic<bool> warned_oversized_{false};
  std::atomic<bool> warned_not_dtls_{false};
  polyport::access_rules rules_;

  // Guards the sockets (indexed by worker; emptied by stop) and which worker owns each peer,
  // consulted only when a worker has no flow for a datagram.
  std::mutex table_mutex_;
  std::vector<std::shared_ptr<udp_flow_socket>> sockets_;
  std::unordered_map<endpoint, unsigned, endpoint_hash> owners_;

  std::mutex control_mutex_;
  std::condition_variable flows_changed_;
  std::atomic<bool> draining_{false};
};

}  // namespace polyport::detail
