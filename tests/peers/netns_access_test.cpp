// Access rules judged with real, different source addresses: two network namespaces the test
// creates, each with a veth pair into the root namespace (10.200.S.0/24 and fd00:200:0:S::/64
// per pair), socat running inside them as the client, a polyport listener in the root namespace
// bound to the first veth's address. Namespace and interface names carry the test's PID and the
// subnets skip those in use, so parallel runs do not collide; everything is removed when the
// fixture ends, also on failure.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "peers/peer_helpers.hpp"
#include "polyport/runtime.hpp"
#include "support/address_recorder.hpp"
#include "support/child_process.hpp"
#include "support/wait.hpp"

namespace polyport::testing {
namespace {

using namespace std::chrono_literals;

// One namespace and its veth pair; the root end is 10.200.S.1 / fd00:200:0:S::1, the namespace
// end 10.200.S.2 / fd00:200:0:S::2, and the namespace routes everything through the root end.
class netns_host {
 public:
  netns_host(const std::string& tag, int subnet)
      : name_("ppacl" + std::to_string(::getpid()) + tag),
        root_if_("pp" + std::to_string(::getpid()) + tag + "0"),
        ns_if_("pp" + std::to_string(::getpid()) + tag + "1"),
        subnet_(std::to_string(subnet)) {
    const std::vector<std::vector<std::string>> setup = {
        {"ip", "netns", "add", name_},
        {"ip", "link", "add", root_if_, "type", "veth", "peer", "name", ns_if_},
        {"ip", "link", "set", ns_if_, "netns", name_},
        {"ip", "addr", "add", root_ip() + "/24", "dev", root_if_},
        {"ip", "-6", "addr", "add", root_ip6() + "/64", "dev", root_if_, "nodad"},
        {"ip", "link", "set", root_if_, "up"},
        {"ip", "-n", name_, "addr", "add", ns_ip() + "/24", "dev", ns_if_},
        {"ip", "-n", name_, "-6", "addr", "add", ns_ip6() + "/64", "dev", ns_if_, "nodad"},
        {"ip", "-n", name_, "link", "set", ns_if_, "up"},
        {"ip", "-n", name_, "link", "set", "lo", "up"},
        {"ip", "-n", name_, "route", "add", "default", "via", root_ip()},
        {"ip", "-n", name_, "-6", "route", "add", "default", "via", root_ip6()},
    };
    for (const auto& step : setup) {
      command_result done = run_command(step);
      if (done.exit_code != 0) {
        problem_ = "`" + joined(step) + "` failed (" + std::to_string(done.exit_code) + "): " + done.output;
        return;
      }
    }
  }
  ~netns_host() {
    // Deleting the namespace deletes its veth end, and with it the root end.
    run_command({"ip", "netns", "del", name_});
    run_command({"ip", "link", "del", root_if_});  // in case the namespace step never ran
  }
  netns_host(const netns_host&) = delete;
  netns_host& operator=(const netns_host&) = delete;

  const std::string& problem() const { return problem_; }
  std::string root_ip() const { return "10.200." + subnet_ + ".1"; }
  std::string ns_ip() const { return "10.200." + subnet_ + ".2"; }
  std::string root_ip6() const { return "fd00:200:0:" + subnet_ + "::1"; }
  std::string ns_ip6() const { return "fd00:200:0:" + subnet_ + "::2"; }
  std::string network() const { return "10.200." + subnet_ + ".0/24"; }
  std::string network6() const { return "fd00:200:0:" + subnet_ + "::/64"; }

  // socat inside the namespace: sends `text` to `target` ("10.200.1.1:5000" or "[fd00::1]:5000"),
  // half-closes, and returns what came back before the server closed.
  std::string echo_through(const std::string& target, const std::string& text) const {
    child_process client({"ip", "netns", "exec", name_, "socat", "-t", "5", "-T", "10", "-", "TCP:" + target});
    client.write_stdin(text);
    client.close_stdin();
    std::string answer = client.read_all(15s);
    client.wait_exit(5s);
    return answer;
  }

 private:
  static std::string joined(const std::vector<std::string>& words) {
    std::string line;
    for (const auto& word : words) {
      line += (line.empty() ? "" : " ") + word;
    }
    return line;
  }

  std::string name_;
  std::string root_if_;
  std::string ns_if_;
  std::string subnet_;
  std::string problem_;
};

// Removes what runs of this test killed before their cleanup left behind: namespaces named
// ppacl<PID><tag> whose process is gone (their veth pairs go with them).
void remove_leftovers() {
  std::string listed = run_command({"ip", "netns", "list"}).output;
  std::size_t at = 0;
  while ((at = listed.find("ppacl", at)) != std::string::npos) {
    std::size_t end = listed.find_first_of(" \n", at);
    std::string name = listed.substr(at, end == std::string::npos ? std::string::npos : end - at);
    at += name.size();
    std::string digits = name.substr(5, name.find_first_not_of("0123456789", 5) - 5);
    if (!digits.empty() && ::kill(std::stoi(digits), 0) != 0 && errno == ESRCH) {
      run_command({"ip", "netns", "del", name});
    }
  }
}

// The first of two consecutive 10.200.S.0/24 networks that no interface here uses yet.
int free_subnet_pair() {
  std::string in_use = run_command({"ip", "-o", "addr", "show"}).output;
  // Pairs start at even numbers, so two runs never share half a pair.
  for (int tried = 0; tried < 120; ++tried) {
    int subnet = 10 + 2 * ((::getpid() + tried) % 120);
    if (in_use.find("10.200." + std::to_string(subnet) + ".") == std::string::npos &&
        in_use.find("10.200." + std::to_string(subnet + 1) + ".") == std::string::npos) {
      return subnet;
    }
  }
  return 10;
}

access_rule rule(bool allow, const std::string& network) {
  auto parsed = access_rules::parse((allow ? "allow " : "deny ") + network);
  EXPECT_TRUE(parsed) << parsed.error().message;
  return parsed ? *parsed : access_rule{};
}

class netns_access_test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(has_program("ip", "iproute2"));
    ASSERT_TRUE(has_program("socat", "socat"));
    remove_leftovers();
    int subnet = free_subnet_pair();
    host_a_ = std::make_unique<netns_host>("a", subnet);
    ASSERT_EQ(host_a_->problem(), "");
    host_b_ = std::make_unique<netns_host>("b", subnet + 1);
    ASSERT_EQ(host_b_->problem(), "");
    rt_.register_protocol("rec", recorder_);
  }

  std::shared_ptr<listener> listen(const std::string& host, const std::string& params) {
    auto started = rt_.listen("rec://" + host + ":0;transport=tcp;" + params);
    if (!started) {
      ADD_FAILURE() << started.error().message;
      return nullptr;
    }
    return *started;
  }

  static std::string target(const std::string& host, const listener& l) {
    return host + ":" + std::to_string(l.local().port);
  }

  runtime rt_{{.workers = 2}};
  std::shared_ptr<address_recorder> recorder_ = std::make_shared<address_recorder>();
  std::unique_ptr<netns_host> host_a_;
  std::unique_ptr<netns_host> host_b_;
};

TEST_F(netns_access_test, rules_tell_the_two_hosts_apart_and_change_at_run_time) {
  auto server = listen(host_a_->root_ip(), "deny=" + host_b_->network() + ";allow=all");
  ASSERT_TRUE(server);
  std::string at = target(host_a_->root_ip(), *server);

  EXPECT_EQ(host_a_->echo_through(at, "from a\n"), "from a\n");
  auto seen = recorder_->wait_inbound(0);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->remote.address, *ip_address::parse(host_a_->ns_ip()));

  EXPECT_EQ(host_b_->echo_through(at, "from b\n"), "") << "host b is denied";
  EXPECT_TRUE(eventually([&] { return server->stats().closed_by(close_reason::denied) == 1; }));
  EXPECT_EQ(recorder_->inbound_count(), 1u) << "a denied client reached on_open";

  // Let b's one address in, ahead of the rule that denies its network.
  server->access().add_front(rule(true, host_b_->ns_ip()));
  EXPECT_EQ(host_b_->echo_through(at, "b again\n"), "b again\n");
  auto b_seen = recorder_->wait_inbound(1);
  ASSERT_TRUE(b_seen);
  EXPECT_EQ(b_seen->remote.address, *ip_address::parse(host_b_->ns_ip()));

  // Then serve a's network only: b is out again, a still in.
  server->access().replace({rule(true, host_a_->network()), rule(false, "all")});
  EXPECT_EQ(host_b_->echo_through(at, "b once more\n"), "");
  EXPECT_TRUE(eventually([&] { return server->stats().closed_by(close_reason::denied) == 2; }));
  EXPECT_EQ(host_a_->echo_through(at, "a again\n"), "a again\n");
}

TEST_F(netns_access_test, ipv6_rules_tell_the_two_hosts_apart) {
  auto server = listen("[" + host_a_->root_ip6() + "]", "allow=" + host_a_->network6() + ";deny=all");
  ASSERT_TRUE(server);
  std::string at = target("[" + host_a_->root_ip6() + "]", *server);

  EXPECT_EQ(host_a_->echo_through(at, "v6 from a\n"), "v6 from a\n");
  auto seen = recorder_->wait_inbound(0);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->remote.address, *ip_address::parse(host_a_->ns_ip6()));

  EXPECT_EQ(host_b_->echo_through(at, "v6 from b\n"), "");
  EXPECT_TRUE(eventually([&] { return server->stats().closed_by(close_reason::denied) == 1; }));

  server->access().add_front(rule(true, host_b_->network6()));
  EXPECT_EQ(host_b_->echo_through(at, "v6 b again\n"), "v6 b again\n");
}

}  // namespace
}  // namespace polyport::testing
