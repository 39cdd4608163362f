// `polyport serve --admin PATH` and `polyport admin PATH COMMAND`: statistics and control of a
// running server from outside the process.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "peer_helpers.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace polyport::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class cli_admin_test : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<child_process>(std::vector<std::string>{
        POLYPORT_BINARY, "serve", "--workers", "2", "--admin", admin_path_, "echo://127.0.0.1:0;transport=tcp"});
    auto echo_line = server_->wait_for_line("listening echo tcp");
    ASSERT_TRUE(echo_line) << "polyport serve printed no echo listening line";
    auto parsed = parse_listening_line(*echo_line);
    ASSERT_TRUE(parsed);
    port_ = parsed->port;
    ASSERT_TRUE(server_->wait_for_line("listening admin unix " + admin_path_));
  }

  command_result admin(std::vector<std::string> words) {
    std::vector<std::string> argv{POLYPORT_BINARY, "admin", admin_path_};
    argv.insert(argv.end(), words.begin(), words.end());
    return run_command(argv);
  }

  command_result send(const std::string& data) {
    return run_command({POLYPORT_BINARY, "send", "echo://127.0.0.1:" + std::to_string(port_) + ";transport=tcp", data});
  }

  temp_dir dir_;
  std::string admin_path_ = dir_.file("admin.sock");
  std::unique_ptr<child_process> server_;
  std::uint16_t port_ = 0;
};

TEST_F(cli_admin_test, lists_listeners_and_their_statistics) {
  ASSERT_EQ(send("hello").exit_code, 0);
  auto listed = admin({"listeners"});
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_THAT(listed.output, HasSubstr("0 echo tcp 127.0.0.1:" + std::to_string(port_) + " accepting"));
  auto stats = admin({"stats"});
  ASSERT_EQ(stats.exit_code, 0) << stats.output;
  EXPECT_THAT(stats.output, HasSubstr("0 echo tcp 127.0.0.1:" + std::to_string(port_) + " accepted=1 current=0 "
                                      "bytes_in=5 bytes_out=5"));
  EXPECT_THAT(stats.output, HasSubstr("closed.peer_closed=1"));
  EXPECT_THAT(stats.output, HasSubstr("total accepted="));
}

TEST_F(cli_admin_test, access_rules_change_while_the_server_runs) {
  ASSERT_EQ(admin({"deny", "0", "127.0.0.0/8"}).exit_code, 0);
  auto rules = admin({"rules", "0"});
  EXPECT_EQ(rules.output, "deny 127.0.0.0/8\n");
  auto refused = send("x");
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  auto stats = admin({"stats"});
  EXPECT_THAT(stats.output, HasSubstr("closed.denied=1"));
  ASSERT_EQ(admin({"allow", "0", "127.0.0.1"}).exit_code, 0);  // put first: it wins now
  EXPECT_EQ(send("y").exit_code, 0);
}

TEST_F(cli_admin_test, suspend_resume_and_drain) {
  ASSERT_EQ(admin({"suspend", "0"}).exit_code, 0);
  EXPECT_THAT(admin({"listeners"}).output, HasSubstr("suspended"));
  EXPECT_EQ(send("x").exit_code, 1);
  ASSERT_EQ(admin({"resume", "0"}).exit_code, 0);
  EXPECT_EQ(send("x").exit_code, 0);
  auto drained = admin({"drain", "0", "100"});
  EXPECT_EQ(drained.exit_code, 0) << drained.output;
  EXPECT_THAT(drained.output, StartsWith("ok closed=0"));
  EXPECT_THAT(admin({"listeners"}).output, ::testing::Not(HasSubstr("echo tcp")));
}

TEST_F(cli_admin_test, bad_commands_are_named_and_exit_1) {
  auto unknown = admin({"bogus", "0", "1"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.output, HasSubstr("error: unknown command \"bogus\""));
  auto missing = admin({"suspend", "7"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.output, HasSubstr("no listener \"7\""));
  auto bad_rule = admin({"deny", "0", "10.0.0.1/8"});
  EXPECT_EQ(bad_rule.exit_code, 1);
  EXPECT_THAT(bad_rule.output, HasSubstr("error:"));
}

TEST_F(cli_admin_test, max_connections_changes_at_run_time) {
  ASSERT_EQ(admin({"max_connections", "0", "1"}).exit_code, 0);
  auto held = raw_client::tcp("127.0.0.1", port_);
  ASSERT_TRUE(held);
  ASSERT_TRUE(held->send_all("a"));
  ASSERT_EQ(held->read_exactly(1), "a");  // accepted: it holds the only slot
  EXPECT_EQ(send("b").exit_code, 1);
  EXPECT_THAT(admin({"stats"}).output, HasSubstr("closed.max_connections=1"));
}

TEST_F(cli_admin_test, options_update_while_the_server_runs_or_not_at_all) {
  auto refused = admin({"update", "0", "max_connections=1;backlog=5"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.output, HasSubstr("cannot change backlog"));
  ASSERT_EQ(admin({"update", "0", "deny=all"}).exit_code, 0);
  EXPECT_NE(send("refused").exit_code, 0);
  ASSERT_EQ(admin({"update", "0", "allow=all"}).exit_code, 0);
  EXPECT_EQ(send("welcome").exit_code, 0);
  auto bad = admin({"update", "0", "idle_timeout=soon"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.output, HasSubstr("idle_timeout=soon"));
}

}  // namespace
}  // namespace polyport::testing
