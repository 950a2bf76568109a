#pragma once
// IP addresses and networks (CIDR) for the few places that classify a client by address: the
// VPN networks of the policy's connection origin and the trusted reverse proxies (gateway.yaml
// policy.vpn_networks, server.trusted_proxies). Parsed once at load; contains() is a compare of
// at most 16 bytes.
//
// IPv4 is held as IPv4-mapped IPv6 (::ffff:a.b.c.d), so "10.8.0.0/16" contains both "10.8.1.2"
// and "::ffff:10.8.1.2" (how a dual-stack socket reports an IPv4 peer).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"

namespace parley::core {

struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};

  // Dotted-quad IPv4 or IPv6 text (no brackets, no zone, no port); nullopt otherwise.
  static std::optional<IpAddress> parse(std::string_view text);
  bool isV4() const;  // IPv4 or IPv4-mapped IPv6
  bool operator==(const IpAddress&) const = default;
};

class Network {
 public:
  // "10.8.0.0/16", "fd00:8::/32", or a single address ("10.0.0.1" = /32, "::1" = /128). Bits
  // set beyond the prefix are an error (a typo for another network, more often than not); the
  // message is one sentence quoting `text`.
  static Result<Network> parse(std::string_view text);

  bool contains(const IpAddress& address) const;
  // False for text that is no address.
  bool contains(std::string_view address) const;
  // The canonical text ("10.8.0.0/16", "fd00:8::/32").
  std::string text() const;

  bool operator==(const Network&) const = default;

 private:
  IpAddress base_;
  int bits_ = 0;  // prefix length on the 128-bit (mapped) form
};

// True when any of `networks` contains `address` (text; false when it is no address).
bool anyContains(const std::vector<Network>& networks, std::string_view address);

}  // namespace parley::core
