#include "client/proxy_send.hpp"

#include <optional>

#include "listener/proxy_header.hpp"

namespace polyport::detail {

namespace {

// ::ffff:a.b.c.d (RFC 4291 2.5.5.2).
ip_address mapped_to_v6(const ip_address& v4) {
  ip_address v6;
  v6.is_v6 = true;
  v6.bytes[10] = 0xff;
  v6.bytes[11] = 0xff;
  for (int i = 0; i < 4; ++i) {
    v6.bytes[static_cast<std::size_t>(12 + i)] = v4.bytes[static_cast<std::size_t>(i)];
  }
  return v6;
}

bool is_ip(const std::optional<endpoint>& side) { return side && side->path.empty(); }

void append_field(std::string& key, const std::optional<std::string>& field) {
  if (field) {
    key.append(std::to_string(field->size())).append(":").append(*field);
  }
  key.append("|");
}

}  // namespace

result<proxy_header> complete_proxy_header(proxy_header given, polyport::transport transport, const endpoint& local,
                                           const endpoint& remote) {
  if (given.local) {
    return given;
  }
  bool unix_connection = transport == polyport::transport::unix_stream;
  if (!given.source && !unix_connection) {
    given.source = local;  // a unix client socket is unnamed: the source stays absent
  }
  if (!given.destination) {
    given.destination = remote;
  }
  if (given.transport == proxy_transport::unspecified) {
    given.transport = proxy_transport::stream;
  }
  if (given.family != proxy_family::unspecified) {
    return given;  // the caller chose: the encoder checks the addresses against it
  }
  if (is_ip(given.source) && is_ip(given.destination)) {
    if (given.source->address.is_v6 != given.destination->address.is_v6) {
      for (auto* side : {&given.source, &given.destination}) {
        if (!(*side)->address.is_v6) {
          (*side)->address = mapped_to_v6((*side)->address);
        }
      }
    }
    given.family = given.source->address.is_v6 ? proxy_family::inet6 : proxy_family::inet;
    return given;
  }
  if (!is_ip(given.source) && !is_ip(given.destination)) {
    given.family = proxy_family::unix_socket;
    return given;
  }
  return error{"a PROXY header cannot name " + (given.source ? given.source->to_string() : std::string("an unnamed socket")) +
               " as the client of " + given.destination->to_string() +
               ": both must be IP addresses or both unix sockets (set proxy_send_header.destination)"};
}

result<std::vector<std::byte>> proxy_send_bytes(const options& opts, polyport::transport transport,
                                                const endpoint& local, const endpoint& remote) {
  auto header = complete_proxy_header(opts.proxy_send_header.value_or(proxy_header{}), transport, local, remote);
  if (!header) {
    return header.error();
  }
  return opts.proxy_send == proxy_version::v1 ? encode_proxy_v1(*header) : encode_proxy_v2(*header);
}

std::string proxy_send_key(const options& opts) {
  if (!opts.proxy_send) {
    return {};
  }
  std::string key = "|proxy ";
  key.append(to_string(*opts.proxy_send)).append("|");
  if (!opts.proxy_send_header) {
    return key + "own";
  }
  const proxy_header& h = *opts.proxy_send_header;
  for (int part : {int{h.local}, static_cast<int>(h.family), static_cast<int>(h.transport), int{h.has_crc32c}}) {
    key.append(std::to_string(part)).append(",");
  }
  for (const auto* side : {&h.source, &h.destination}) {
    append_field(key, *side ? std::optional((*side)->to_string()) : std::nullopt);
  }
  for (const auto* field : {&h.alpn, &h.authority, &h.unique_id, &h.netns}) {
    append_field(key, *field);
  }
  if (h.ssl) {
    key.append(std::to_string(h.ssl->client)).append("/").append(std::to_string(h.ssl->verify)).append("|");
    for (const auto* field : {&h.ssl->version, &h.ssl->cn, &h.ssl->cipher, &h.ssl->sig_alg, &h.ssl->key_alg}) {
      append_field(key, *field);
    }
  }
  for (const proxy_tlv& tlv : h.tlvs) {
    key.append(std::to_string(tlv.type)).append(":").append(std::to_string(tlv.value.size())).append(":");
    key.append(reinterpret_cast<const char*>(tlv.value.data()), tlv.value.size());
  }
  return key;
}

}  // namespace polyport::detail
