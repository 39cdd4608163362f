// Streamed request bodies checked with curl: a large file uploaded with a Content-Length (curl
// then sends Expect: 100-continue) and chunked, each taken in pieces by on_http_body and checked
// by size and hash; an upload over http_max_body is refused with 413 before its body is sent.

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "peers/peer_helpers.hpp"
#include "polyport/runtime.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace polyport::testing {
namespace {

constexpr std::uint64_t fnv_offset = 14695981039346656037ULL;

template <class Byte>
std::uint64_t fnv1a(std::uint64_t hash, std::span<const Byte> bytes) {
  for (Byte b : bytes) {
    hash = (hash ^ static_cast<std::uint8_t>(b)) * 1099511628211ULL;
  }
  return hash;
}

struct upload {
  std::uint64_t size = 0;
  std::uint64_t hash = fnv_offset;
};

// Streams every large body and answers "size hash".
class hashing_protocol : public protocol {
 public:
  std::vector<polyport::transport> transports(std::string_view) const override { return {transport::http}; }
  bool on_http_stream(connection& conn, const http_request&) override {
    conn.emplace_state<upload>();
    return true;
  }
  bool on_http_body(connection& conn, const http_request&, std::span<const std::byte> piece) override {
    auto& got = conn.state<upload>();
    got.size += piece.size();
    got.hash = fnv1a(got.hash, piece);
    return true;
  }
  void on_http(connection& conn, const http_request& request, http_response& response) override {
    upload got = request.body_streamed ? conn.state<upload>() : upload{};
    response.body = std::to_string(got.size) + " " + std::to_string(got.hash);
  }
};

class curl_upload : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(has_program("curl", "curl"));
    for (std::size_t i = 0; i < 6 * 1024 * 1024; ++i) {
      data_ += static_cast<char>((i * 131 + i / 4096) & 0xff);
    }
    std::ofstream(dir_.path() / "upload.bin", std::ios::binary) << data_;
    rt_.register_protocol("hashing", std::make_shared<hashing_protocol>());
    auto started = rt_.listen("hashing://127.0.0.1:0;transport=http;max_frame=65536;http_max_body=8388608");
    ASSERT_TRUE(started.ok()) << started.error().message;
    server_ = *started;
    url_ = "http://127.0.0.1:" + std::to_string(server_->local().port) + "/upload";
  }

  std::string expected() const {
    return std::to_string(data_.size()) + " " + std::to_string(fnv1a(fnv_offset, std::span(data_.data(), data_.size())));
  }

  temp_dir dir_;
  std::string data_;
  runtime rt_{{.workers = 1}};
  std::shared_ptr<listener> server_;
  std::string url_;
};

TEST_F(curl_upload, a_large_file_streams_with_its_length) {
  auto sent = run_command({"curl", "-sS", "--data-binary", "@" + dir_.file("upload.bin"), url_});
  ASSERT_EQ(sent.exit_code, 0) << sent.output;
  EXPECT_EQ(sent.output, expected());
}

TEST_F(curl_upload, a_large_file_streams_chunked) {
  auto sent = run_command(
      {"curl", "-sS", "-H", "Transfer-Encoding: chunked", "--data-binary", "@" + dir_.file("upload.bin"), url_});
  ASSERT_EQ(sent.exit_code, 0) << sent.output;
  EXPECT_EQ(sent.output, expected());
}

TEST_F(curl_upload, an_upload_over_http_max_body_gets_413_and_is_counted) {
  std::ofstream(dir_.path() / "upload.bin", std::ios::binary | std::ios::app) << data_;
  auto sent = run_command({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--data-binary",
                           "@" + dir_.file("upload.bin"), url_});
  EXPECT_EQ(sent.output, "413");
  EXPECT_TRUE(eventually([&] { return server_->stats().closed_by(close_reason::frame_error) == 1; }));
}

}  // namespace
}  // namespace polyport::testing
