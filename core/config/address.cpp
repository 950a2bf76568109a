#include "core/config/address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <optional>

namespace parley::core::config {
namespace {

constexpr std::string_view kListenExample = "host:port such as 127.0.0.1:8065";
constexpr std::string_view kSiteUrlExample =
    "an http:// or https:// URL without a path, such as https://chat.example.org";

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

Error invalid(std::string message) {
  return Error{ErrorCode::kInvalidArgument, "config.invalid_address", std::move(message)};
}

bool isIpv4(std::string_view text) {
  std::array<unsigned char, 4> out{};
  return ::inet_pton(AF_INET, std::string(text).c_str(), out.data()) == 1;
}

bool isIpv6(std::string_view text) {
  std::array<unsigned char, 16> out{};
  return ::inet_pton(AF_INET6, std::string(text).c_str(), out.data()) == 1;
}

bool isDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](unsigned char c) { return std::isdigit(c) != 0; });
}

// A port as written after the colon; nullopt unless it is 1-5 digits within [minimum, 65535].
std::optional<std::uint16_t> parsePort(std::string_view text, unsigned minimum) {
  if (!isDigits(text) || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (value < minimum || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

// "host", "host:port", "[v6]" or "[v6]:port" taken apart; `host` loses its brackets.
struct SplitAuthority {
  std::string_view host;
  std::string_view port;
  bool bracketed = false;
  bool hasPort = false;
};

// nullopt when a bracket is unclosed or followed by something other than ":port".
std::optional<SplitAuthority> splitAuthority(std::string_view text) {
  SplitAuthority out;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = text.substr(1, close - 1);
    out.bracketed = true;
    const auto rest = text.substr(close + 1);
    if (rest.empty()) return out;
    if (rest.front() != ':') return std::nullopt;
    out.port = rest.substr(1);
    out.hasPort = true;
    return out;
  }
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    out.host = text;
    return out;
  }
  out.host = text.substr(0, colon);
  out.port = text.substr(colon + 1);
  out.hasPort = true;
  return out;
}

}  // namespace

bool isIpAddress(std::string_view text) { return isIpv4(text) || isIpv6(text); }

bool isHostName(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  std::string_view lastLabel;
  std::size_t start = 0;
  while (true) {
    const auto dot = text.find('.', start);
    const auto label = text.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    const bool allowed = std::all_of(label.begin(), label.end(), [](unsigned char c) {
      return std::isalnum(c) != 0 || c == '-';
    });
    if (!allowed) return false;
    lastLabel = label;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  // "10.0.0.300" is a mistyped address, not a host name.
  return !isDigits(lastLabel);
}

Result<HostPort> parseListenAddress(std::string_view text) {
  const auto split = splitAuthority(text);
  if (!split || !split->hasPort || split->host.empty() || split->port.empty()) {
    return invalid("expected " + std::string(kListenExample) + ", got " + quoted(text));
  }
  if (!split->bracketed && split->host.find(':') != std::string_view::npos) {
    return invalid("expected " + std::string(kListenExample) +
                   " (an IPv6 address goes in brackets, as in [::1]:8065), got " + quoted(text));
  }
  const bool hostOk =
      split->bracketed ? isIpv6(split->host) : (isIpv4(split->host) || isHostName(split->host));
  if (!hostOk) {
    return invalid(quoted(split->host) + (split->bracketed
                                              ? " is not an IPv6 address"
                                              : " is not an IPv4 address or a host name"));
  }
  const auto port = parsePort(split->port, 0);
  if (!port)
    return invalid("the port must be a number from 0 to 65535, got " + quoted(split->port));
  return HostPort{std::string(split->host), *port};
}

Result<std::string> parseSiteUrl(std::string_view text) {
  auto fail = [&] {
    return invalid("expected " + std::string(kSiteUrlExample) + ", got " + quoted(text));
  };
  std::string_view rest;
  if (text.starts_with("http://")) {
    rest = text.substr(7);
  } else if (text.starts_with("https://")) {
    rest = text.substr(8);
  } else {
    return fail();
  }
  if (rest.ends_with('/')) rest.remove_suffix(1);
  // What remains must be the authority alone: no path, query, fragment or user info.
  if (rest.find_first_of("/?#@ ") != std::string_view::npos) return fail();
  const auto split = splitAuthority(rest);
  if (!split || split->host.empty()) return fail();
  if (!split->bracketed && split->host.find(':') != std::string_view::npos) return fail();
  const bool hostOk =
      split->bracketed ? isIpv6(split->host) : (isIpv4(split->host) || isHostName(split->host));
  if (!hostOk) return fail();
  if (split->hasPort && !parsePort(split->port, 1)) return fail();
  std::string normalized(text);
  if (normalized.ends_with('/')) normalized.pop_back();
  return normalized;
}

}  // namespace parley::core::config
