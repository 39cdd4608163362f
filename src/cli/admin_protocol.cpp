#include "cli/admin_protocol.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/stun_server_address.hpp"
#include "polyport/access_rules.hpp"

namespace polyport::cli {

namespace {

std::vector<std::string> words_of(std::string_view line) {
  std::vector<std::string> words;
  std::istringstream in{std::string(line)};
  for (std::string word; in >> word;) {
    words.push_back(word);
  }
  return words;
}

std::optional<std::uint64_t> number_of(const std::string& text) {
  std::uint64_t value = 0;
  auto [end, failure] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (failure != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::string counters(const connection_stats& s) {
  std::string line = "accepted=" + std::to_string(s.accepted) + " current=" + std::to_string(s.current) +
                     " bytes_in=" + std::to_string(s.bytes_in) + " bytes_out=" + std::to_string(s.bytes_out) +
                     " accept_errors=" + std::to_string(s.accept_errors);
  for (std::size_t r = 0; r < close_reason_count; ++r) {
    line += " closed." + std::string(to_string(static_cast<close_reason>(r))) + "=" + std::to_string(s.closed[r]);
  }
  return line;
}

std::string state_of(const listener& l) {
  if (!l.is_running()) {
    return "stopped";
  }
  return l.is_suspended() ? "suspended" : "accepting";
}

class admin_protocol final : public protocol {
 public:
  explicit admin_protocol(runtime& served) : served_(served) {}

  std::shared_ptr<const framer> make_framer(const options&) const override {
    return make_line_framer(4096);
  }

  void on_message(connection& conn, std::span<const std::byte> line) override {
    // Off the worker: drain waits for connections, which may live on this very worker.
    std::thread([this, reply_to = conn.ref(), command = std::string(reinterpret_cast<const char*>(line.data()),
                                                                     line.size())] {
      std::string reply = run(words_of(command));
      reply_to.send(reply + ".");
    }).detach();
  }

 private:
  std::string run(const std::vector<std::string>& words) {
    if (words.empty()) {
      return "error: empty command\n";
    }
    const std::string& verb = words[0];
    auto all = served_.listeners();
    if (verb == "listeners" || verb == "stats") {
      std::string out;
      connection_stats total = served_.stats();
      for (const auto& each : all) {
        out += std::to_string(each->id()) + " " + each->description() + " " +
               (verb == "stats" ? counters(each->stats()) : state_of(*each)) + "\n";
      }
      if (verb == "stats") {
        out += "total " + counters(total) + "\n";
      }
      return out;
    }
    if (words.size() < 2) {
      return "error: " + verb + " needs a listener id (see: listeners)\n";
    }
    auto id = number_of(words[1]);
    auto target = std::find_if(all.begin(), all.end(), [&](const auto& each) { return id && each->id() == *id; });
    if (target == all.end()) {
      return "error: no listener \"" + words[1] + "\" (see: listeners)\n";
    }
    return run_on(**target, verb, words);
  }

  std::string run_on(listener& target, const std::string& verb, const std::vector<std::string>& words) {
    if (verb == "suspend") {
      target.suspend();
      return "ok\n";
    }
    if (verb == "resume") {
      auto resumed = target.resume();
      return resumed ? "ok\n" : "error: " + resumed.error().message + "\n";
    }
    if (verb == "rules") {
      std::string out;
      for (const auto& rule : target.access().list()) {
        out += to_string(rule) + "\n";
      }
      return out;
    }
    if (words.size() < 3) {
      return "error: " + verb + " needs a value\n";
    }
    if (verb == "stun") {
      return mapped_address_of(target, {words.begin() + 2, words.end()});
    }
    if (verb == "update") {
      auto changes = options_from_params(words[2]);
      auto updated = changes ? target.update(*changes) : result<void>(changes.error());
      return updated ? "ok\n" : "error: " + updated.error().message + "\n";
    }
    if (verb == "allow" || verb == "deny") {
      auto rule = access_rules::parse(verb + " " + words[2]);
      if (!rule) {
        return "error: " + rule.error().message + "\n";
      }
      target.access().add_front(*rule);
      return "ok\n";
    }
    auto value = number_of(words[2]);
    if (!value) {
      return "error: \"" + words[2] + "\" is not a whole number\n";
    }
    if (verb == "max_connections") {
      target.set_max_connections(*value);
      return "ok\n";
    }
    if (verb == "drain") {
      std::size_t closed = target.drain(std::chrono::milliseconds(*value));
      return "ok closed=" + std::to_string(closed) + "\n";
    }
    return "error: unknown command \"" + verb + "\"\n";
  }

  // Asks STUN servers from the listener's own socket: its address as they see it.
  static std::string mapped_address_of(listener& target, const std::vector<std::string>& servers) {
    std::vector<endpoint> asked;
    for (const auto& text : servers) {
      auto server = parse_stun_server(text);
      if (!server) {
        return "error: " + server.error().message + "\n";
      }
      auto addresses = stun_server_endpoints(*server);
      if (addresses.empty()) {
        return "error: cannot resolve \"" + server->host + "\": give an IP address or localhost\n";
      }
      asked.insert(asked.end(), addresses.begin(), addresses.end());
    }
    // Three sends and a short last wait: a silent server fails in 3.5 s, inside the admin
    // client's default 5 s wait.
    stun::client_settings quick;
    quick.max_sends = 3;
    quick.last_wait_factor = 4;
    quick.software = "polyport";
    auto mapped = target.discover_mapped_address(std::move(asked), quick).get();
    return mapped ? "mapped " + mapped->to_string() + "\n" : "error: " + mapped.error().message + "\n";
  }

  runtime& served_;
};

}  // namespace

std::shared_ptr<protocol> make_admin_protocol(runtime& served) {
  return std::make_shared<admin_protocol>(served);
}

}  // namespace polyport::cli
