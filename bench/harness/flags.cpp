#include "flags.hpp"

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace bench {
namespace {

[[noreturn]] void print_usage(const std::string& usage, const std::map<std::string, std::string>& defaults,
                              int status) {
  std::FILE* out = status == 0 ? stdout : stderr;
  std::fprintf(out, "%s\nflags (default):\n", usage.c_str());
  for (const auto& [name, value] : defaults) {
    std::fprintf(out, "  --%s (%s)\n", name.c_str(), value.c_str());
  }
  std::exit(status);
}

std::string shell_quote(std::string_view word) {
  if (!word.empty() &&
      word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,") ==
          std::string_view::npos) {
    return std::string(word);
  }
  std::string quoted = "'";
  for (const char c : word) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

}  // namespace

flags::flags(int argc, char** argv, std::map<std::string, std::string> defaults, const std::string& usage)
    : values_(std::move(defaults)) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      print_usage(usage, values_, 0);
    }
    const auto found = arg.starts_with("--") ? values_.find(std::string(arg.substr(2))) : values_.end();
    if (found == values_.end() || i + 1 == argc) {
      std::fprintf(stderr, "unknown flag or missing value: %s\n", argv[i]);
      print_usage(usage, values_, 2);
    }
    found->second = argv[++i];
  }
}

const std::string& flags::text(const std::string& name) const { return values_.at(name); }

int flags::positive(const std::string& name) const {
  const std::string& value = text(name);
  char* end = nullptr;
  const long number = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || number <= 0 || number > 1'000'000'000) {
    std::fprintf(stderr, "--%s wants a positive integer, got '%s'\n", name.c_str(), value.c_str());
    std::exit(2);
  }
  return static_cast<int>(number);
}

std::string quoted_command_line(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    if (i > 0) {
      line += ' ';
    }
    line += shell_quote(argv[i]);
  }
  return line;
}

}  // namespace bench
