#include "transport/tls_stream.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "transport/self_signed.hpp"

namespace polyport::detail {
namespace {

namespace fs = std::filesystem;

bool finished(const io_outcome& outcome) {
  return outcome.status != io_status::want_read && outcome.status != io_status::want_write;
}

// One side's work: `step` makes progress and returns what it waits for next, or nullopt when
// it has finished (successfully or not).
struct task {
  int fd;
  std::function<std::optional<io_status>()> step;
};

// Runs each task again only when its descriptor is ready for what it asked for, which also
// checks that want_read/want_write are reported truthfully. Stops when all are finished, or
// when nothing moves for 2 s (a side left waiting on a peer that failed).
void run(std::vector<task> tasks) {
  std::vector<std::optional<io_status>> waits;
  for (task& each : tasks) {
    waits.push_back(each.step());
  }
  for (;;) {
    std::vector<pollfd> polled;
    std::vector<std::size_t> owners;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      if (waits[i]) {
        short events = *waits[i] == io_status::want_write ? POLLOUT : POLLIN;
        polled.push_back({tasks[i].fd, events, 0});
        owners.push_back(i);
      }
    }
    if (polled.empty() || ::poll(polled.data(), polled.size(), 2000) <= 0) {
      return;
    }
    for (std::size_t j = 0; j < polled.size(); ++j) {
      if (polled[j].revents != 0) {
        waits[owners[j]] = tasks[owners[j]].step();
      }
    }
  }
}

task handshake_task(byte_stream& stream, io_outcome& outcome) {
  return {stream.fd(), [&stream, &outcome]() -> std::optional<io_status> {
            outcome = stream.handshake();
            return finished(outcome) ? std::nullopt : std::optional(outcome.status);
          }};
}

// Writes `payload` as many small and large buffers, so gathering and partial writes both happen.
task write_task(byte_stream& stream, const std::string& payload, io_outcome& last, int& waits) {
  return {stream.fd(),
          [&stream, &payload, &last, &waits,
           sent = std::size_t{0}]() mutable -> std::optional<io_status> {
            static constexpr std::size_t sizes[] = {1, 100, 5000, 3, 20000, 70000, 700};
            while (sent < payload.size()) {
              std::vector<iovec> buffers;
              for (std::size_t at = sent, i = 0; at < payload.size() && buffers.size() < 64; ++i) {
                std::size_t size = std::min(sizes[i % std::size(sizes)], payload.size() - at);
                buffers.push_back({const_cast<char*>(payload.data() + at), size});
                at += size;
              }
              last = stream.write(buffers);
              if (last.status != io_status::done) {
                waits += finished(last) ? 0 : 1;
                return finished(last) ? std::nullopt : std::optional(last.status);
              }
              sent += last.bytes;
            }
            return std::nullopt;
          }};
}

task read_task(byte_stream& stream, std::string& received, std::size_t expected, io_outcome& last,
               std::size_t buffer_size = 64 * 1024) {
  return {stream.fd(),
          [&stream, &received, expected, &last, buffer_size]() -> std::optional<io_status> {
            std::vector<std::byte> buffer(buffer_size);
            while (received.size() < expected) {
              last = stream.read(buffer);
              if (last.status != io_status::done) {
                return finished(last) ? std::nullopt : std::optional(last.status);
              }
              received.append(reinterpret_cast<const char*>(buffer.data()), last.bytes);
            }
            return std::nullopt;
          }};
}

class tls_stream_test : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tls_stream_test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    directory_ = pattern;
    write_identity("server", {"localhost", "127.0.0.1", "::1"});
    write_identity("client", {"client.example"});
  }
  void TearDown() override { fs::remove_all(directory_); }

  std::string path(const std::string& name) const { return (directory_ / name).string(); }

  void write_identity(const std::string& name, const std::vector<std::string>& names) {
    pem_identity identity = make_self_signed_identity(names).value();
    write_file(name + "_cert.pem", identity.certificate_pem);
    write_file(name + "_key.pem", identity.private_key_pem);
    write_file(name + "_combined.pem", identity.certificate_pem + identity.private_key_pem);
  }
  void write_file(const std::string& name, const std::string& contents) const {
    std::ofstream(path(name), std::ios::binary) << contents;
  }

  tls_options server_options() const {
    return with_files(path("server_cert.pem"), path("server_key.pem"));
  }
  tls_options client_options() const {
    tls_options options;
    options.cacertfile = path("server_cert.pem");
    return options;
  }
  static tls_options with_files(const std::string& certfile, const std::string& keyfile = "") {
    tls_options options;
    options.certfile = certfile;
    options.keyfile = keyfile;
    return options;
  }

  // Connects a client and a server stream over a socket pair and runs both handshakes.
  void connect(const tls_options& client, const tls_options& server,
               const std::string& name = "localhost") {
    std::array<int, 2> fds{};
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds.data()), 0);
    client_ = make_tls_stream(fds[0], make_tls_context(tls_role::client, client).value(), name);
    server_ = make_tls_stream(fds[1], make_tls_context(tls_role::server, server).value(), "");
    run({handshake_task(*client_, client_handshake_), handshake_task(*server_, server_handshake_)});
  }
  void expect_connected() const {
    EXPECT_EQ(client_handshake_.status, io_status::done) << client_handshake_.error;
    EXPECT_EQ(server_handshake_.status, io_status::done) << server_handshake_.error;
  }

  // Sends `payload` from one stream to the other and returns what arrived; counts in
  // write_waits_ how often the writer had to wait.
  std::string transfer(byte_stream& from, byte_stream& to, const std::string& payload,
                       std::size_t read_buffer = 64 * 1024) {
    io_outcome written;
    io_outcome read;
    std::string received;
    write_waits_ = 0;
    run({write_task(from, payload, written, write_waits_),
         read_task(to, received, payload.size(), read, read_buffer)});
    EXPECT_EQ(written.status, io_status::done) << written.error;
    EXPECT_EQ(read.status, io_status::done) << read.error;
    return received;
  }

  fs::path directory_;
  std::unique_ptr<byte_stream> client_;
  std::unique_ptr<byte_stream> server_;
  io_outcome client_handshake_;
  io_outcome server_handshake_;
  int write_waits_ = 0;
};

TEST_F(tls_stream_test, handshakes_and_carries_data_both_ways) {
  connect(client_options(), server_options());
  expect_connected();
  EXPECT_EQ(transfer(*client_, *server_, "hello"), "hello");
  EXPECT_EQ(transfer(*server_, *client_, "world"), "world");
}

TEST_F(tls_stream_test, moves_a_mebibyte_through_partial_writes) {
  connect(client_options(), server_options());
  expect_connected();
  int small_buffer = 16 * 1024;
  ASSERT_EQ(::setsockopt(client_->fd(), SOL_SOCKET, SO_SNDBUF, &small_buffer, sizeof small_buffer),
            0);
  std::string payload(1024 * 1024, '\0');
  for (std::size_t i = 0; i < payload.size(); ++i) {
    payload[i] = static_cast<char>(i * 7919 % 251);
  }
  EXPECT_EQ(transfer(*client_, *server_, payload), payload);
  EXPECT_GT(write_waits_, 0) << "the socket buffer never filled";
  // A buffer smaller than a record: reads must drain what TLS holds before waiting again.
  EXPECT_EQ(transfer(*server_, *client_, payload, 1000), payload);
}

TEST_F(tls_stream_test, negotiates_tls_1_2_only_and_1_3_only) {
  for (const char* version : {"tlsv1.2", "tlsv1.3"}) {
    tls_options client = client_options();
    client.versions = {version};
    connect(client, server_options());
    expect_connected();
    std::string expected = version == std::string("tlsv1.2") ? "TLSv1.2 " : "TLSv1.3 ";
    EXPECT_EQ(client_->description().rfind(expected, 0), 0u) << client_->description();
    EXPECT_EQ(server_->description().rfind(expected, 0), 0u) << server_->description();
  }
}

TEST_F(tls_stream_test, fails_without_a_common_version) {
  tls_options client = client_options();
  client.versions = {"tlsv1.3"};
  tls_options server = server_options();
  server.versions = {"TLSv1.2"};
  connect(client, server);
  EXPECT_EQ(server_handshake_.status, io_status::failed);
  EXPECT_EQ(server_handshake_.error.rfind("TLS handshake failed: ", 0), 0u)
      << server_handshake_.error;
}

TEST_F(tls_stream_test, description_names_the_protocol_once_connected) {
  std::array<int, 2> fds{};
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds.data()), 0);
  auto unconnected = make_tls_stream(
      fds[0], make_tls_context(tls_role::client, client_options()).value(), "localhost");
  ::close(fds[1]);
  EXPECT_EQ(unconnected->description(), "");
  connect(client_options(), server_options());
  EXPECT_EQ(client_->description(), "TLSv1.3 TLS_AES_256_GCM_SHA384");
}

TEST_F(tls_stream_test, verifies_ip_addresses_in_the_certificate) {
  for (const char* address : {"127.0.0.1", "::1", "[::1]"}) {
    connect(client_options(), server_options(), address);
    expect_connected();
  }
  connect(client_options(), server_options(), "10.1.2.3");
  EXPECT_EQ(client_handshake_.error,
            "TLS handshake failed: certificate verify failed (IP address mismatch)");
}

TEST_F(tls_stream_test, rejects_an_untrusted_certificate_by_default) {
  connect(tls_options{}, server_options());
  EXPECT_EQ(client_handshake_.status, io_status::failed);
  EXPECT_EQ(client_handshake_.error,
            "TLS handshake failed: certificate verify failed (self-signed certificate)");
  EXPECT_EQ(server_handshake_.status, io_status::failed) << "the client's alert reaches the server";
}

TEST_F(tls_stream_test, rejects_a_wrong_host_name) {
  connect(client_options(), server_options(), "example.com");
  EXPECT_EQ(client_handshake_.error,
            "TLS handshake failed: certificate verify failed (hostname mismatch)");
}

TEST_F(tls_stream_test, accepts_anything_with_verify_off) {
  tls_options client;
  client.verify = false;
  connect(client, server_options(), "example.com");
  expect_connected();
}

TEST_F(tls_stream_test, reports_option_errors_by_name) {
  auto server_error = [](const tls_options& options) {
    auto context = make_tls_context(tls_role::server, options);
    return context ? std::string("no error") : context.error().message;
  };
  EXPECT_EQ(server_error({}), "tls_certfile is required for a TLS server");
  EXPECT_EQ(server_error(with_files("/nonexistent/cert.pem")),
            "tls_certfile \"/nonexistent/cert.pem\": No such file or directory");
  EXPECT_EQ(server_error(with_files(path("server_cert.pem"))),
            "tls_keyfile \"" + path("server_cert.pem") + "\": no PEM private key found");
  EXPECT_EQ(server_error(with_files(path("server_cert.pem"), path("client_key.pem"))),
            "tls_keyfile \"" + path("client_key.pem") + "\" does not match tls_certfile \"" +
                path("server_cert.pem") + "\"");
  EXPECT_EQ(server_error(with_files(path("server_key.pem"))),
            "tls_certfile \"" + path("server_key.pem") + "\": no PEM certificate found");
  tls_options options = server_options();
  options.versions = {"tlsv1.1"};
  EXPECT_EQ(server_error(options), "tls_versions \"tlsv1.1\": unsupported, use tlsv1.2 or tlsv1.3");
  options = server_options();
  options.depth = 17;
  EXPECT_EQ(server_error(options), "tls_depth 17: out of range 0..16");
  tls_options client_options;
  client_options.cacertfile = "/nonexistent/ca.pem";
  auto client = make_tls_context(tls_role::client, client_options);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().message,
            "tls_cacertfile \"/nonexistent/ca.pem\": No such file or directory");
}

TEST_F(tls_stream_test, takes_the_key_from_the_certificate_file_by_default) {
  connect(client_options(), with_files(path("server_combined.pem")));
  expect_connected();
}

TEST_F(tls_stream_test, decrypts_the_key_with_the_password) {
  std::ifstream key_file(path("server_key.pem"));
  std::string key_pem((std::istreambuf_iterator<char>(key_file)), std::istreambuf_iterator<char>());
  BIO* in = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
  BIO* out = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(out, key, EVP_aes_256_cbc(), nullptr, 0, nullptr,
                                          const_cast<char*>("secret")),
            1);
  char* data = nullptr;
  write_file("encrypted_key.pem",
             std::string(data, static_cast<std::size_t>(BIO_get_mem_data(out, &data))));
  BIO_free(out);
  EVP_PKEY_free(key);
  BIO_free(in);

  tls_options server = with_files(path("server_cert.pem"), path("encrypted_key.pem"));
  server.password = "wrong";
  auto wrong = make_tls_context(tls_role::server, server);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().message.rfind("tls_keyfile \"" + path("encrypted_key.pem") +
                                            "\": cannot decrypt the key: wrong tls_password",
                                        0),
            0u)
      << wrong.error().message;
  server.password = "secret";
  connect(client_options(), server);
  expect_connected();
}

TEST_F(tls_stream_test, server_with_verify_requires_a_client_certificate) {
  tls_options server = server_options();
  server.verify = true;
  server.cacertfile = path("client_cert.pem");
  connect(client_options(), server);
  EXPECT_EQ(server_handshake_.error, "TLS handshake failed: peer did not return a certificate");
  // In TLS 1.3 the client finishes first and hears of the rejection on its next read.
  io_outcome read;
  std::string received;
  if (client_handshake_.status == io_status::done) {
    run({read_task(*client_, received, 1, read)});
    client_handshake_ = read;
  }
  EXPECT_EQ(client_handshake_.status, io_status::failed);

  tls_options untrusted = client_options();
  untrusted.certfile = path("server_combined.pem");
  connect(untrusted, server);
  EXPECT_EQ(server_handshake_.error,
            "TLS handshake failed: certificate verify failed (self-signed certificate)");

  tls_options client = client_options();
  client.certfile = path("client_cert.pem");
  client.keyfile = path("client_key.pem");
  connect(client, server);
  expect_connected();
  EXPECT_EQ(transfer(*client_, *server_, "trusted"), "trusted");
}

TEST(self_signed_identity, needs_names) {
  auto none = make_self_signed_identity({});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message, "self-signed identity: no names given");
  auto empty = make_self_signed_identity({"localhost", ""});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message, "self-signed identity: empty name");
}

TEST_F(tls_stream_test, reports_closed_after_the_peer_shuts_down) {
  connect(client_options(), server_options());
  expect_connected();
  EXPECT_EQ(transfer(*client_, *server_, "last words"), "last words");
  client_->shutdown();
  std::string received;
  io_outcome read;
  run({read_task(*server_, received, 1, read)});
  EXPECT_EQ(read.status, io_status::closed) << read.error;
}

TEST_F(tls_stream_test, hands_over_data_before_the_close_that_follows_it) {
  connect(client_options(), server_options());
  std::string bye = "bye";
  iovec buffer{bye.data(), bye.size()};
  ASSERT_EQ(client_->write({&buffer, 1}).bytes, bye.size());
  client_->shutdown();
  std::array<std::byte, 100> into{};
  ASSERT_EQ(::poll(std::array{pollfd{server_->fd(), POLLIN, 0}}.data(), 1, 2000), 1);
  io_outcome first = server_->read(into);
  EXPECT_EQ(first.status, io_status::done);
  EXPECT_EQ(first.bytes, bye.size());
  EXPECT_EQ(server_->read(into).status, io_status::closed);
}

TEST_F(tls_stream_test, reports_closed_when_the_peer_just_disconnects) {
  connect(client_options(), server_options());
  std::array<std::byte, 100> into{};
  // The session tickets the server sent must be read first: closing a socket with unread data
  // resets the connection instead of ending it.
  EXPECT_EQ(client_->read(into).status, io_status::want_read);
  client_.reset();  // no close_notify
  io_outcome read = server_->read(into);
  EXPECT_EQ(read.status, io_status::closed) << read.error;
}

TEST_F(tls_stream_test, writing_to_a_vanished_peer_fails_without_sigpipe) {
  connect(client_options(), server_options());
  server_.reset();
  std::string data = "anyone there?";
  iovec buffer{data.data(), data.size()};
  io_outcome written = client_->write({&buffer, 1});
  EXPECT_EQ(written.status, io_status::failed);
  EXPECT_EQ(written.error, "TLS write failed: Broken pipe");
}

TEST_F(tls_stream_test, ignores_errors_left_by_other_connections) {
  connect(client_options(), server_options());
  ERR_raise(ERR_LIB_SSL, SSL_R_BAD_LENGTH);  // as if another connection on this thread failed
  std::array<std::byte, 100> into{};
  EXPECT_EQ(server_->read(into).status, io_status::want_read);
  ERR_raise(ERR_LIB_SSL, SSL_R_BAD_LENGTH);
  EXPECT_EQ(transfer(*server_, *client_, "clean"), "clean");
}

}  // namespace
}  // namespace polyport::detail
