#pragma once
// A fixture for accept-path tests over plain TCP: a runtime with two workers, an echoing
// recording protocol registered as "rec", and listen(params) on 127.0.0.1, port 0.

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "polyport/runtime.hpp"
#include "recording_protocol.hpp"

namespace polyport::testing {

class tcp_listener_test : public ::testing::Test {
 protected:
  void SetUp() override { rt.register_protocol("rec", recorder); }

  // Starts "rec://127.0.0.1:0;transport=tcp;PARAMS" or throws (the test fails with the error).
  std::shared_ptr<listener> listen(const std::string& params) {
    auto started = rt.listen("rec://127.0.0.1:0;transport=tcp" + (params.empty() ? "" : ";" + params));
    if (!started) {
      throw std::runtime_error(started.error().message);
    }
    return *started;
  }

  runtime rt{{.workers = 2}};
  std::shared_ptr<recording_protocol> recorder = std::make_shared<recording_protocol>(true);
};

}  // namespace polyport::testing
