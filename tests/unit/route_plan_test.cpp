#include "core/route_plan.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace polyport::detail {
namespace {

using ::testing::HasSubstr;

class web_like : public protocol {
 public:
  std::vector<transport> transports(std::string_view) const override { return {transport::tls, transport::tcp}; }
  std::optional<std::uint16_t> default_port(transport t) const override {
    return t == transport::tls ? std::optional<std::uint16_t>(443) : std::nullopt;
  }
};

class route_plan_test : public ::testing::Test {
 protected:
  route_plan_test() {
    registry_.add("", "echo", std::make_shared<protocol>());
    registry_.add("", "web", web_like_);
    registry_.add("tenant", "web", tenant_web_);
  }
  protocol_registry registry_;
  std::shared_ptr<protocol> web_like_ = std::make_shared<web_like>();
  std::shared_ptr<protocol> tenant_web_ = std::make_shared<web_like>();
};

TEST_F(route_plan_test, the_first_offered_transport_is_the_default) {
  auto plan = plan_listener(registry_, "web://127.0.0.1:0", {});
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->transport, transport::tls);
  EXPECT_EQ(plan->port, 0);
}

TEST_F(route_plan_test, a_class_finds_its_own_protocol_and_falls_back_to_the_global_one) {
  auto own = plan_listener(registry_, "web://127.0.0.1:0;class=tenant", {});
  ASSERT_TRUE(own);
  EXPECT_EQ(own->handler, tenant_web_);
  auto fallback = plan_listener(registry_, "web://127.0.0.1:0;class=other", {});
  ASSERT_TRUE(fallback);
  EXPECT_EQ(fallback->handler, web_like_);
  EXPECT_EQ(fallback->class_name, "other");
}

TEST_F(route_plan_test, an_unknown_scheme_is_named) {
  auto plan = plan_listener(registry_, "nope://127.0.0.1:1", {});
  ASSERT_FALSE(plan);
  EXPECT_THAT(plan.error().message, HasSubstr("no protocol registered for scheme \"nope\""));
}

TEST_F(route_plan_test, a_transport_the_protocol_does_not_offer_is_refused) {
  auto plan = plan_listener(registry_, "web://127.0.0.1:1;transport=unix", {});
  ASSERT_FALSE(plan);
  EXPECT_THAT(plan.error().message, HasSubstr("transport \"unix\" is not offered by the \"web\" protocol"));
}

TEST_F(route_plan_test, features_not_built_yet_are_refused_by_name) {
  auto sctp_transport = plan_listener(registry_, "echo://127.0.0.1:1;transport=sctp", {});
  ASSERT_FALSE(sctp_transport);
  auto sctp = plan_listener(registry_, "echo://127.0.0.1:1;sctp_in_streams=2", {});
  ASSERT_FALSE(sctp);
  EXPECT_THAT(sctp.error().message, HasSubstr("option \"sctp_in_streams\" is not supported yet"));
}

TEST_F(route_plan_test, connecting_takes_the_default_port_or_names_its_absence) {
  auto with_default = plan_routes(registry_, "web://127.0.0.1", {});
  ASSERT_TRUE(with_default) << with_default.error().message;
  EXPECT_EQ(with_default->front().port, 443);
  auto without = plan_routes(registry_, "echo://127.0.0.1", {});
  ASSERT_FALSE(without);
  EXPECT_THAT(without.error().message, HasSubstr("no port, and the \"echo\" protocol has no default port for tcp"));
}

TEST_F(route_plan_test, a_listener_keeps_an_explicit_port_zero) {
  auto plan = plan_listener(registry_, "web://127.0.0.1:0;transport=tls", {});
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->port, 0);
}

TEST_F(route_plan_test, unix_sockets_need_an_empty_host_and_an_absolute_path) {
  auto good = plan_listener(registry_, "echo:///tmp/x.sock;transport=unix", {});
  ASSERT_TRUE(good) << good.error().message;
  EXPECT_EQ(good->unix_path, "/tmp/x.sock");
  auto with_host = plan_listener(registry_, "echo://localhost/tmp/x.sock;transport=unix", {});
  ASSERT_FALSE(with_host);
  EXPECT_THAT(with_host.error().message, HasSubstr("a unix socket URL has an empty host"));
}

TEST_F(route_plan_test, code_options_win_over_the_url) {
  options overrides;
  overrides.idle_timeout = std::chrono::milliseconds(42);
  auto plan = plan_listener(registry_, "echo://127.0.0.1:0;idle_timeout=5000", overrides);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->idle_timeout(), std::chrono::milliseconds(42));
}

TEST_F(route_plan_test, routes_keep_their_order) {
  auto plan = plan_routes(registry_, "echo://127.0.0.1:1, echo://[::1]:2;transport=tls", {});
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->size(), 2u);
  EXPECT_EQ((*plan)[0].port, 1);
  EXPECT_EQ((*plan)[1].host, "::1");
  EXPECT_EQ((*plan)[1].transport, transport::tls);
}

}  // namespace
}  // namespace polyport::detail
