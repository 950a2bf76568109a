#pragma once
// Network address syntaxes of gateway.yaml: the listen address and the site URL.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace parley::core::config {

struct HostPort {
  std::string host;  // an IPv4 address, an IPv6 address WITHOUT brackets, or a host name
  std::uint16_t port = 0;
};

// True for an RFC 1123 host name: dot-separated labels of letters, digits and hyphens (not at
// either end of a label), at most 63 characters each and 253 in all, last label not all digits.
bool isHostName(std::string_view text);

// True for an IPv4 address in dotted decimal or an IPv6 address (without brackets).
bool isIpAddress(std::string_view text);

// "127.0.0.1:8065", "[::1]:8065", "localhost:8065", "0.0.0.0:0". Port 0 (any free port) is
// allowed because tests bind it. On error, Error::message is one sentence saying what is wrong
// with `text` (it quotes `text`).
Result<HostPort> parseListenAddress(std::string_view text);

// "http://host[:port]" or "https://host[:port]", with at most a trailing "/" (removed in the
// result). Parley serves at the root of its origin, so a path, query or fragment is refused.
Result<std::string> parseSiteUrl(std::string_view text);

}  // namespace parley::core::config
