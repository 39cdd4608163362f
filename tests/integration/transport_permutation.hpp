#pragma once
// One socket test body run over every stream transport of this stage, as Netty's
// SocketTestPermutation does: tcp and tls over IPv4 and IPv6, and unix. A test derives from
// transport_test, builds its URLs with listen_url / connect_url and its raw clients with
// open_peer, and is instantiated with INSTANTIATE_TRANSPORT_TESTS.

#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "polyport/listener.hpp"
#include "polyport/runtime.hpp"
#include "raw_peer.hpp"
#include "recording_protocol.hpp"
#include "support/temp_dir.hpp"

namespace polyport::testing {

struct transport_case {
  polyport::transport kind = polyport::transport::tcp;
  bool ipv6 = false;
};

// For gtest's messages: "tcp", "tcp6", "tls", "tls6", "unix".
void PrintTo(const transport_case& c, std::ostream* out);

// tcp, tcp6, tls, tls6, unix.
std::vector<transport_case> every_transport();
// udp, udp6: for the suites whose tests make sense over datagrams (a peer cannot see a close).
std::vector<transport_case> datagram_transports();
// dtls, dtls6: datagrams through polyport's own client (a raw peer would have to speak DTLS).
std::vector<transport_case> dtls_transports();
// ws, ws6, wss, wss6: message transports, for tests through polyport's own client.
std::vector<transport_case> websocket_transports();
std::string case_name(const ::testing::TestParamInfo<transport_case>& info);

// A self-signed identity for localhost, 127.0.0.1 and ::1, made once per test binary.
const test_identity& shared_identity();

// `scheme://host:0;transport=...` (with the shared identity for tls, wss, dtls and https, a fresh socket path in
// `dir` for unix), then `;params` when given. Headers (`?k=v`) may end `params`.
std::string listen_url_for(const transport_case& c, std::string_view scheme, std::string_view params,
                           const temp_dir& dir);
// A URL that reaches `target` over the same transport; tls verifies against the shared identity.
std::string connect_url_for(const transport_case& c, std::string_view scheme, const listener& target,
                            std::string_view params = "");

class transport_test : public ::testing::TestWithParam<transport_case> {
 protected:
  polyport::transport kind() const { return GetParam().kind; }
  bool is_tls() const { return kind() == polyport::transport::tls || kind() == polyport::transport::wss; }
  bool is_datagram() const { return kind() == polyport::transport::udp || kind() == polyport::transport::dtls; }

  std::string listen_url(std::string_view scheme, std::string_view params = "") const {
    return listen_url_for(GetParam(), scheme, params, dir_);
  }
  std::string connect_url(std::string_view scheme, const listener& target, std::string_view params = "") const {
    return connect_url_for(GetParam(), scheme, target, params);
  }
  // Starts a listener or throws (the test fails with the listener's error).
  std::shared_ptr<listener> listen(runtime& rt, std::string_view scheme, std::string_view params = "",
                                   std::shared_ptr<void> user_data = nullptr) const;
  // ws, wss, http, https: the TCP or TLS connection under them (the test speaks the protocol itself).
  raw_peer open_peer(const listener& target) const;

  temp_dir dir_;
};

#define INSTANTIATE_TRANSPORT_TESTS(suite) \
  INSTANTIATE_TEST_SUITE_P(transports, suite, ::testing::ValuesIn(::polyport::testing::every_transport()), \
                           ::polyport::testing::case_name)

#define INSTANTIATE_DATAGRAM_TESTS(suite) \
  INSTANTIATE_TEST_SUITE_P(datagrams, suite, ::testing::ValuesIn(::polyport::testing::datagram_transports()), \
                           ::polyport::testing::case_name)

#define INSTANTIATE_DTLS_TESTS(suite) \
  INSTANTIATE_TEST_SUITE_P(dtls, suite, ::testing::ValuesIn(::polyport::testing::dtls_transports()), \
                           ::polyport::testing::case_name)

}  // namespace polyport::testing
