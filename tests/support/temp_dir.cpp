#include "support/temp_dir.hpp"

#include <stdlib.h>

#include <fstream>
#include <stdexcept>

#include "transport/self_signed.hpp"

namespace polyport::testing {

temp_dir::temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "polyport-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  path_ = pattern;
}

temp_dir::~temp_dir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

test_identity write_test_identity(const temp_dir& dir, const std::string& prefix) {
  auto identity = detail::make_self_signed_identity({"localhost", "127.0.0.1", "::1"});
  if (!identity) {
    throw std::runtime_error(identity.error().message);
  }
  test_identity out{dir.file(prefix + "cert.pem"), dir.file(prefix + "key.pem")};
  std::ofstream(out.certfile) << identity->certificate_pem;
  std::ofstream(out.keyfile) << identity->private_key_pem;
  return out;
}

}  // namespace polyport::testing
