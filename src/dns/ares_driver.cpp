#include "dns/ares_driver.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <boost/asio/posix/stream_descriptor.hpp>

#include <algorithm>
#include <mutex>
#include <optional>
#include <string>

#include "dns/answer_parser.hpp"

namespace polyport::detail {

namespace {

struct pending_query {
  std::string name;
  record_type type;
  answer_handler done;
};

std::string describe_status(int status) {
  switch (status) {
    case ARES_ETIMEOUT:
      return "timed out";
    case ARES_ECONNREFUSED:  // c-ares 1.18 reports a REFUSED answer this way too
      return "refused by the DNS server";
    case ARES_ESERVFAIL:
      return "server failure (SERVFAIL)";
    case ARES_EREFUSED:
      return "the server refused the query (REFUSED)";
    case ARES_ENOTIMP:
      return "the server does not implement this query (NOTIMP)";
    case ARES_EFORMERR:
      return "the server could not read the query (FORMERR)";
    case ARES_EBADRESP:
      return "malformed answer";
    case ARES_EDESTRUCTION:
    case ARES_ECANCELLED:
      return "the resolver was stopped";
    default:
      return ares_strerror(status);
  }
}

std::string servers_text(const std::vector<endpoint>& servers) {
  std::string text;
  for (const endpoint& server : servers) {
    if (!text.empty()) {
      text += ',';
    }
    text += server.to_string();
  }
  return text;
}

// The addresses of `family` that `host` lists for `name`; nullopt when it does not list the name.
std::optional<std::vector<ip_address>> hosts_file_addresses(ares_channel channel, const std::string& name, int family) {
  hostent* found = nullptr;
  if (ares_gethostbyname_file(channel, name.c_str(), family, &found) != ARES_SUCCESS || found == nullptr) {
    return std::nullopt;
  }
  std::vector<ip_address> addresses;
  for (char** entry = found->h_addr_list; *entry != nullptr; ++entry) {
    ip_address address;
    address.is_v6 = family == AF_INET6;
    std::copy_n(reinterpret_cast<const std::uint8_t*>(*entry), address.is_v6 ? 16 : 4, address.bytes.begin());
    addresses.push_back(address);
  }
  ares_free_hostent(found);
  return addresses;
}

// A and AAAA come from /etc/hosts first, as the system resolver does: a name listed there for
// either family (localhost) is never sent to a DNS server.
std::optional<dns_answer> from_hosts_file(ares_channel channel, const std::string& name, record_type type) {
  if (type != record_type::a && type != record_type::aaaa) {
    return std::nullopt;
  }
  auto v4 = hosts_file_addresses(channel, name, AF_INET);
  auto v6 = hosts_file_addresses(channel, name, AF_INET6);
  if (!v4 && !v6) {
    return std::nullopt;
  }
  dns_answer answer;
  auto& listed = type == record_type::a ? v4 : v6;
  if (listed && !listed->empty()) {
    answer.kind = dns_answer::outcome::records;
    answer.addresses = std::move(*listed);
  }
  return answer;
}

}  // namespace

// One socket c-ares asked us to watch. c-ares owns the descriptor: it is released, never closed.
struct ares_driver::watcher {
  explicit watcher(boost::asio::io_context& io, ares_socket_t fd) : descriptor(io, fd), fd(fd) {}
  boost::asio::posix::stream_descriptor descriptor;
  ares_socket_t fd;
  bool want_read = false, want_write = false;
  bool reading = false, writing = false;  // a wait is outstanding
  bool gone = false;
};

ares_driver::ares_driver(boost::asio::io_context& io) : io_(io), timer_(io) {}

result<std::unique_ptr<ares_driver>> ares_driver::create(boost::asio::io_context& io, const dns_settings& settings) {
  static std::once_flag library_ready;
  std::call_once(library_ready, [] { ares_library_init(ARES_LIB_INIT_ALL); });
  std::unique_ptr<ares_driver> driver(new ares_driver(io));
  ares_options chosen{};
  chosen.sock_state_cb = &ares_driver::on_socket_state;
  chosen.sock_state_cb_data = driver.get();
  chosen.timeout = static_cast<int>(std::max<std::int64_t>(settings.timeout.count(), 1));
  chosen.tries = static_cast<int>(std::max(settings.tries, 1u));
  int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
  if (int status = ares_init_options(&driver->channel_, &chosen, mask); status != ARES_SUCCESS) {
    return error{std::string("cannot start the DNS resolver: ") + ares_strerror(status)};
  }
  if (!settings.servers.empty()) {
    std::string text = servers_text(settings.servers);
    if (int status = ares_set_servers_ports_csv(driver->channel_, text.c_str()); status != ARES_SUCCESS) {
      return error{"invalid DNS servers \"" + text + "\": " + ares_strerror(status)};
    }
  }
  return driver;
}

ares_driver::~ares_driver() {
  stopping_ = true;
  if (channel_ != nullptr) {
    ares_destroy(channel_);  // completes pending queries and closes (through the callback) sockets
  }
  for (auto& [fd, watched] : watchers_) {
    watched->gone = true;
    watched->descriptor.release();
  }
}

void ares_driver::query(const std::string& name, record_type type, answer_handler done) {
  if (stopping_) {
    done(error{describe_status(ARES_EDESTRUCTION)});
    return;
  }
  if (auto listed = from_hosts_file(channel_, name, type)) {
    done(std::move(*listed));
    return;
  }
  auto* pending = new pending_query{name, type, std::move(done)};
  ares_query(channel_, name.c_str(), 1 /* IN */, static_cast<int>(type), &ares_driver::on_answer, pending);
  rearm_timer();
}

void ares_driver::on_answer(void* pending, int status, int, unsigned char* answer, int length) {
  std::unique_ptr<pending_query> asked(static_cast<pending_query*>(pending));
  if (answer != nullptr && length > 0) {
    asked->done(parse_answer({answer, static_cast<std::size_t>(length)}, asked->name, asked->type));
    return;
  }
  asked->done(error{describe_status(status)});
}

void ares_driver::on_socket_state(void* self, ares_socket_t fd, int readable, int writable) {
  static_cast<ares_driver*>(self)->socket_state(fd, readable != 0, writable != 0);
}

void ares_driver::socket_state(ares_socket_t fd, bool readable, bool writable) {
  auto found = watchers_.find(fd);
  if (!readable && !writable) {
    if (found != watchers_.end()) {
      found->second->gone = true;
      found->second->descriptor.release();  // cancels our waits; c-ares closes the socket next
      watchers_.erase(found);
    }
    return;
  }
  if (found == watchers_.end()) {
    found = watchers_.emplace(fd, std::make_shared<watcher>(io_, fd)).first;
  }
  std::shared_ptr<watcher> watched = found->second;
  watched->want_read = readable;
  watched->want_write = writable;
  if (readable && !watched->reading) {
    wait_for(watched, false);
  }
  if (writable && !watched->writing) {
    wait_for(watched, true);
  }
}

void ares_driver::wait_for(const std::shared_ptr<watcher>& watched, bool for_write) {
  (for_write ? watched->writing : watched->reading) = true;
  auto kind = for_write ? boost::asio::posix::descriptor_base::wait_write : boost::asio::posix::descriptor_base::wait_read;
  watched->descriptor.async_wait(kind, [this, watched, for_write](const boost::system::error_code& failure) {
    (for_write ? watched->writing : watched->reading) = false;
    if (failure || watched->gone) {
      return;
    }
    ares_socket_t fd = watched->fd;
    ares_process_fd(channel_, for_write ? ARES_SOCKET_BAD : fd, for_write ? fd : ARES_SOCKET_BAD);
    // c-ares may have closed the socket meanwhile, or still want it.
    if (!watched->gone && (for_write ? watched->want_write : watched->want_read) &&
        !(for_write ? watched->writing : watched->reading)) {
      wait_for(watched, for_write);
    }
    rearm_timer();
  });
}

void ares_driver::rearm_timer() {
  timeval next{};
  if (ares_timeout(channel_, nullptr, &next) == nullptr) {  // nothing pending
    timer_.cancel();
    return;
  }
  timer_.expires_after(std::chrono::seconds(next.tv_sec) + std::chrono::microseconds(next.tv_usec));
  timer_.async_wait([this](const boost::system::error_code& failure) {
    if (failure) {
      return;
    }
    ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    rearm_timer();
  });
}

}  // namespace polyport::detail
