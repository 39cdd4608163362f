// Fuzzes the URL parser, the option table and the CIDR parser. Beyond "no crash", it checks
// the promises a caller relies on: to_string writes a URL that parse_url reads back equal, and
// to_string(cidr) a network that parse_cidr reads back equal.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "polyport/cidr.hpp"
#include "polyport/options.hpp"
#include "polyport/url.hpp"

namespace {

void fail(const char* what, std::string_view input, const std::string& detail) {
  std::fprintf(stderr, "%s\ninput: %.*s\n%s\n", what, static_cast<int>(input.size()), input.data(), detail.c_str());
  std::abort();
}

void check_url(const polyport::url& u, std::string_view input) {
  std::string text = polyport::to_string(u);
  auto again = polyport::parse_url(text);
  if (!again.ok()) {
    fail("to_string wrote a URL parse_url refuses", input, text + "\n" + again.error().message);
  }
  if (!(*again == u)) {
    fail("to_string and parse_url do not round trip", input, text + "\n" + polyport::to_string(*again));
  }
  auto from_url = polyport::options_from_url(u);
  if (from_url.ok()) {
    polyport::options merged = polyport::merge_options(*from_url, *from_url);
    (void)polyport::check_supported(merged);
  }
}

void check_cidr(std::string_view input) {
  auto network = polyport::parse_cidr(input);
  if (!network.ok()) {
    return;
  }
  std::string text = polyport::to_string(*network);
  auto again = polyport::parse_cidr(text);
  if (!again.ok() || !(*again == *network)) {
    fail("to_string(cidr) and parse_cidr do not round trip", input, text);
  }
  const std::uint8_t address[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3};
  (void)polyport::contains(*network, std::span(address));
  (void)polyport::contains(*network, std::span(address).subspan(12));
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto urls = polyport::parse_urls(input);
  if (urls.ok()) {
    for (const polyport::url& u : *urls) {
      check_url(u, input);
    }
  }
  check_cidr(input);
  return 0;
}
