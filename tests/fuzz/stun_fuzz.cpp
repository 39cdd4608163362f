// Fuzzes the STUN codec and the Binding responder with one datagram.
//
// Beyond "no crash, no out-of-bounds read", it checks that
// - a parsed message's attributes lie inside it, and rebuilding them gives a message that parses
//   back to the same attributes;
// - the responder answers only what parses, with a response that parses, carries the request's
//   transaction id, a valid FINGERPRINT (cookie clients) and the sender as mapped address;
// - a Binding client never takes the datagram as the answer to a transaction it did not start.

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "polyport/stun.hpp"
#include "polyport/stun_client.hpp"
#include "polyport/stun_server.hpp"
#include "fuzz_require.hpp"

namespace {

using namespace polyport;

using polyport::fuzzing::require;

void check_view(std::span<const std::byte> input, const stun::message_view& view) {
  require(input.size() >= stun::header_size && input.size() <= stun::max_message_size && input.size() % 4 == 0);
  auto attributes = view.attributes();
  for (const auto& found : attributes) {
    require(found.value.data() >= input.data() &&
            found.value.data() + found.value.size() <= input.data() + input.size());
  }
  (void)view.mapped_address();
  (void)view.error();
  (void)view.software();
  (void)view.unknown_attributes();
  (void)view.fingerprint_valid();
  std::byte key[] = {std::byte{'k'}};
  (void)view.integrity_valid(key);
  (void)view.integrity_sha256_valid(key);

  stun::message_builder again(view.kind(), view.method(), view.id(),
                              (static_cast<std::uint32_t>(input[4]) << 24) |
                                  (static_cast<std::uint32_t>(input[5]) << 16) |
                                  (static_cast<std::uint32_t>(input[6]) << 8) | static_cast<std::uint32_t>(input[7]));
  for (const auto& found : attributes) {
    if (found.type != stun::attribute::fingerprint) {
      again.add(found.type, found.value);
    }
  }
  auto rebuilt = std::move(again).finish();
  require(rebuilt.ok());
  auto reparsed = stun::message_view::parse(*rebuilt);
  require(reparsed.ok() && reparsed->id() == view.id() && reparsed->method() == view.method() &&
          reparsed->kind() == view.kind());
  auto second = reparsed->attributes();
  std::size_t compared = 0;
  for (const auto& found : attributes) {
    if (found.type == stun::attribute::fingerprint) {
      continue;
    }
    require(compared < second.size() && second[compared].type == found.type &&
            std::equal(found.value.begin(), found.value.end(), second[compared].value.begin(),
                       second[compared].value.end()));
    ++compared;
  }
}

void check_answer(std::span<const std::byte> input, bool parsed) {
  endpoint from{*ip_address::parse(input.size() % 2 == 0 ? "192.0.2.1" : "2001:db8::1"), 4242, {}};
  auto outcome = stun::binding_answer(input, from, {.answer_classic = true});
  if (outcome.verdict != stun::verdict::answered) {
    require(outcome.reply.empty());
    return;
  }
  require(parsed);
  auto request = stun::message_view::parse(input);
  auto response = stun::message_view::parse(outcome.reply);
  require(response.ok() && response->id() == request->id() && response->method() == stun::binding);
  if (response->kind() == stun::message_class::success_response) {
    require(response->mapped_address().value() == from);
  } else {
    require(response->kind() == stun::message_class::error_response && response->error()->code == 420);
  }
  require(!request->has_cookie() || response->fingerprint_valid());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::byte> input = std::as_bytes(std::span(data, size));
  auto view = stun::message_view::parse(input);
  if (view) {
    check_view(input, *view);
  }
  check_answer(input, view.ok());

  boost::asio::io_context io;
  stun::binding_client client(io, [](std::span<const std::byte>, const endpoint&) {}, {});
  require(!client.offer(input, endpoint{*ip_address::parse("127.0.0.1"), 3478, {}}));
  return 0;
}
