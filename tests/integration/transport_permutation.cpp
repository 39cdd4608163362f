#include "transport_permutation.hpp"

#include <atomic>
#include <stdexcept>

namespace polyport::testing {

std::vector<transport_case> every_transport() {
  return {
      {transport::tcp, false},
      {transport::tcp, true},
      {transport::tls, false},
      {transport::tls, true},
      {transport::unix_stream, false},
  };
}

std::vector<transport_case> datagram_transports() {
  return {{transport::udp, false}, {transport::udp, true}};
}

std::vector<transport_case> dtls_transports() {
  return {{transport::dtls, false}, {transport::dtls, true}};
}

std::vector<transport_case> websocket_transports() {
  return {
      {transport::ws, false},
      {transport::ws, true},
      {transport::wss, false},
      {transport::wss, true},
  };
}

namespace {
std::string name_of(const transport_case& c) {
  std::string name(to_string(c.kind));
  return c.ipv6 ? name + "6" : name;
}
}  // namespace

void PrintTo(const transport_case& c, std::ostream* out) {
  *out << name_of(c);
}

std::string case_name(const ::testing::TestParamInfo<transport_case>& info) {
  return name_of(info.param);
}

const test_identity& shared_identity() {
  static temp_dir dir;
  static test_identity identity = write_test_identity(dir);
  return identity;
}

namespace {

std::string with_params(std::string url, std::string_view params) {
  if (!params.empty()) {
    url += ';';
    url += params;
  }
  return url;
}

std::string loopback(const transport_case& c) {
  return c.ipv6 ? "[::1]" : "127.0.0.1";
}

}  // namespace

std::string listen_url_for(const transport_case& c, std::string_view scheme, std::string_view params,
                           const temp_dir& dir) {
  std::string url(scheme);
  if (c.kind == transport::unix_stream) {
    static std::atomic<int> counter{0};
    url += "://" + dir.file("s" + std::to_string(counter.fetch_add(1)) + ".sock") + ";transport=unix";
    return with_params(url, params);
  }
  url += "://" + loopback(c) + ":0;transport=" + std::string(to_string(c.kind));
  if (c.kind == transport::tls || c.kind == transport::wss || c.kind == transport::dtls || c.kind == transport::https) {
    url += ";tls_certfile=" + shared_identity().certfile + ";tls_keyfile=" + shared_identity().keyfile;
  }
  return with_params(url, params);
}

std::string connect_url_for(const transport_case& c, std::string_view scheme, const listener& target,
                            std::string_view params) {
  std::string url(scheme);
  if (c.kind == transport::unix_stream) {
    url += "://" + target.local().path + ";transport=unix";
    return with_params(url, params);
  }
  url += "://" + loopback(c) + ":" + std::to_string(target.local().port) +
         ";transport=" + std::string(to_string(c.kind));
  if (c.kind == transport::tls || c.kind == transport::wss || c.kind == transport::dtls) {
    url += ";tls_cacertfile=" + shared_identity().certfile;
  }
  return with_params(url, params);
}

raw_peer transport_test::open_peer(const listener& target) const {
  polyport::transport under = kind();
  if (under == transport::ws || under == transport::http) {
    under = transport::tcp;
  } else if (under == transport::wss || under == transport::https) {
    under = transport::tls;
  }
  return raw_peer::open(under, target.local());
}

std::shared_ptr<listener> transport_test::listen(runtime& rt, std::string_view scheme, std::string_view params,
                                                 std::shared_ptr<void> user_data) const {
  auto started = rt.listen(listen_url(scheme, params), {}, std::move(user_data));
  if (!started) {
    throw std::runtime_error("listen failed: " + started.error().message);
  }
  return *started;
}

}  // namespace polyport::testing
