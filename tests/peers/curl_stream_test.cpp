// Streamed responses checked with curl: an on_http body_source sent chunked and with a known
// length, and static files over the streaming threshold sent from disk (whole, a range, HEAD).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "peers/peer_helpers.hpp"
#include "polyport/runtime.hpp"
#include "polyport/static_files.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace polyport::testing {
namespace {

// /count/N: N numbered lines, chunked; /sized/N: N bytes 'z' with a known length; anything
// else: a static file under the root.
class streaming_protocol : public protocol {
 public:
  explicit streaming_protocol(std::filesystem::path root) : root_(std::move(root)) {}
  std::vector<polyport::transport> transports(std::string_view) const override { return {transport::http}; }
  void on_http(connection&, const http_request& request, http_response& response) override {
    if (request.path.starts_with("/count/")) {
      response.body_source = [lines = std::stoul(request.path.substr(7)), next = 0UL]() mutable {
        return next < lines ? "line " + std::to_string(next++) + "\n" : std::string();
      };
      return;
    }
    if (request.path.starts_with("/sized/")) {
      std::uint64_t size = std::stoull(request.path.substr(7));
      response.body_length = size;
      response.body_source = [left = size]() mutable {
        std::string piece(std::min<std::uint64_t>(left, 10'000), 'z');
        left -= piece.size();
        return piece;
      };
      return;
    }
    serve_static(root_, request, response);
  }

 private:
  std::filesystem::path root_;
};

std::string numbered_lines(unsigned count) {
  std::string out;
  for (unsigned i = 0; i < count; ++i) {
    out += "line " + std::to_string(i) + "\n";
  }
  return out;
}

class curl_stream : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(has_program("curl", "curl"));
    for (std::size_t i = 0; i < 3 * 1024 * 1024; ++i) {
      big_file_ += static_cast<char>('a' + i * 7 % 26);
    }
    std::ofstream(dir_.path() / "big.bin", std::ios::binary) << big_file_;
    rt_.register_protocol("streaming", std::make_shared<streaming_protocol>(dir_.path()));
    auto started = rt_.listen("streaming://127.0.0.1:0;transport=http");
    ASSERT_TRUE(started.ok()) << started.error().message;
    base_ = "http://127.0.0.1:" + std::to_string((*started)->local().port);
  }

  temp_dir dir_;
  std::string big_file_;
  runtime rt_{{.workers = 1}};
  std::string base_;
};

TEST_F(curl_stream, a_body_source_is_sent_chunked_or_with_its_length) {
  auto chunked = run_command({"curl", "-sS", "-D", "-", base_ + "/count/20000"});
  ASSERT_EQ(chunked.exit_code, 0) << chunked.output.substr(0, 500);
  auto head_end = chunked.output.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos);
  EXPECT_NE(chunked.output.substr(0, head_end).find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_EQ(chunked.output.substr(head_end + 4), numbered_lines(20000));
  auto sized = run_command({"curl", "-sS", "-D", "-", base_ + "/sized/1000000"});
  ASSERT_EQ(sized.exit_code, 0) << sized.output.substr(0, 500);
  head_end = sized.output.find("\r\n\r\n");
  EXPECT_NE(sized.output.substr(0, head_end).find("Content-Length: 1000000"), std::string::npos);
  EXPECT_EQ(sized.output.substr(head_end + 4), std::string(1'000'000, 'z'));
}

TEST_F(curl_stream, streamed_and_whole_responses_share_a_kept_alive_connection_in_order) {
  auto several = run_command({"curl", "-sS", base_ + "/count/3", base_ + "/sized/5", base_ + "/count/2"});
  ASSERT_EQ(several.exit_code, 0) << several.output;
  EXPECT_EQ(several.output, numbered_lines(3) + "zzzzz" + numbered_lines(2));
  EXPECT_EQ(rt_.stats().accepted, 1u);
}

TEST_F(curl_stream, a_large_static_file_is_streamed_whole_by_range_and_for_head) {
  auto whole = run_command({"curl", "-sS", base_ + "/big.bin"});
  ASSERT_EQ(whole.exit_code, 0);
  EXPECT_TRUE(whole.output == big_file_) << "got " << whole.output.size() << " bytes";
  auto range = run_command({"curl", "-sS", "-r", "1000000-1999999", base_ + "/big.bin"});
  ASSERT_EQ(range.exit_code, 0);
  EXPECT_TRUE(range.output == big_file_.substr(1'000'000, 1'000'000)) << "got " << range.output.size() << " bytes";
  auto head = run_command({"curl", "-sS", "-I", base_ + "/big.bin"});
  ASSERT_EQ(head.exit_code, 0) << head.output;
  EXPECT_NE(head.output.find("Content-Length: " + std::to_string(big_file_.size()) + "\r\n"), std::string::npos)
      << head.output;
}

}  // namespace
}  // namespace polyport::testing
