#pragma once
// A private temporary folder, removed with everything in it when the test ends; and a TLS
// identity (self-signed for localhost, 127.0.0.1 and ::1) written into one.

#include <filesystem>
#include <string>

namespace polyport::testing {

class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct test_identity {
  std::string certfile;
  std::string keyfile;
};
// Writes cert.pem and key.pem into `dir` (prefix lets a test make several identities).
test_identity write_test_identity(const temp_dir& dir, const std::string& prefix = "");

}  // namespace polyport::testing
