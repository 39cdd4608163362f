#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli/commands.hpp"
#include "transport/self_signed.hpp"

namespace polyport::cli {

namespace {

// A private folder for the demo's socket file and its throw-away TLS identity.
std::filesystem::path demo_folder() {
  auto folder = std::filesystem::temp_directory_path() / ("polyport-demo-" + std::to_string(::getuid()));
  std::filesystem::create_directories(folder);
  std::filesystem::permissions(folder, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
  return folder;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

}  // namespace

demo_set prepare_demo() {
  auto folder = demo_folder();
  demo_set demo;
  demo.urls.push_back("echo://127.0.0.1:5315;transport=tcp");
  auto identity = detail::make_self_signed_identity({"localhost", "127.0.0.1", "::1"});
  if (identity) {
    write_file(folder / "cert.pem", identity->certificate_pem);
    write_file(folder / "key.pem", identity->private_key_pem);
    demo.urls.push_back("echo://127.0.0.1:5316;transport=tls;tls_certfile=" + (folder / "cert.pem").string() +
                        ";tls_keyfile=" + (folder / "key.pem").string());
  }
  demo.urls.push_back("echo://" + (folder / "echo.sock").string() + ";transport=unix");
  demo.notes = "polyport demo: echo servers on loopback. Try:\n"
               "  polyport send \"echo://127.0.0.1:5315;transport=tcp\" hello\n";
  if (identity) {
    demo.notes += "  polyport send \"echo://localhost:5316;transport=tls;tls_cacertfile=" + (folder / "cert.pem").string() +
                  "\" hello\n";
  }
  demo.notes += "  polyport send \"echo://" + (folder / "echo.sock").string() + ";transport=unix\" hello\n";
  return demo;
}

}  // namespace polyport::cli
