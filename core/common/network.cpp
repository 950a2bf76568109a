#include "core/common/network.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace parley::core {
namespace {

constexpr int kV4Offset = 96;  // the IPv4 part of ::ffff:a.b.c.d starts at bit 96

bool isV4Text(std::string_view text) { return text.find(':') == std::string_view::npos; }

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  // inet_pton wants a terminated string; the longest IPv6 text is 45 characters.
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string terminated(text);
  IpAddress out;
  if (isV4Text(text)) {
    std::array<std::uint8_t, 4> v4{};
    if (inet_pton(AF_INET, terminated.c_str(), v4.data()) != 1) return std::nullopt;
    out.bytes[10] = 0xff;
    out.bytes[11] = 0xff;
    for (std::size_t i = 0; i < 4; ++i) out.bytes[12 + i] = v4[i];
    return out;
  }
  if (inet_pton(AF_INET6, terminated.c_str(), out.bytes.data()) != 1) return std::nullopt;
  return out;
}

bool IpAddress::isV4() const {
  for (std::size_t i = 0; i < 10; ++i) {
    if (bytes[i] != 0) return false;
  }
  return bytes[10] == 0xff && bytes[11] == 0xff;
}

Result<Network> Network::parse(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return makeError(ErrorCode::kInvalidArgument, "config.network.invalid",
                     "\"" + std::string(text) + "\" is not a network: " + std::string(why));
  };
  const auto slash = text.find('/');
  const std::string_view addressText = text.substr(0, slash);
  const auto address = IpAddress::parse(addressText);
  if (!address) {
    return bad("expected an IPv4 or IPv6 address with an optional /prefix, e.g. 10.8.0.0/16");
  }
  const bool v4 = isV4Text(addressText);
  const int maxBits = v4 ? 32 : 128;
  int bits = maxBits;
  if (slash != std::string_view::npos) {
    const std::string_view prefix = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(prefix.data(), prefix.data() + prefix.size(), bits);
    if (prefix.empty() || ec != std::errc() || end != prefix.data() + prefix.size() || bits < 0 ||
        bits > maxBits) {
      return bad("the prefix length must be 0 to " + std::to_string(maxBits));
    }
  }
  Network network;
  network.base_ = *address;
  network.bits_ = v4 ? kV4Offset + bits : bits;
  for (int bit = network.bits_; bit < 128; ++bit) {
    if ((network.base_.bytes[bit / 8] >> (7 - bit % 8)) & 1) {
      return bad("it has address bits set beyond the /" + std::to_string(bits) + " prefix");
    }
  }
  return network;
}

bool Network::contains(const IpAddress& address) const {
  const int whole = bits_ / 8;
  for (int i = 0; i < whole; ++i) {
    if (address.bytes[i] != base_.bytes[i]) return false;
  }
  const int rest = bits_ % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (address.bytes[whole] & mask) == base_.bytes[whole];
}

bool Network::contains(std::string_view address) const {
  const auto parsed = IpAddress::parse(address);
  return parsed && contains(*parsed);
}

std::string Network::text() const {
  std::array<char, INET6_ADDRSTRLEN> buffer{};
  if (base_.isV4() && bits_ >= kV4Offset) {
    inet_ntop(AF_INET, base_.bytes.data() + 12, buffer.data(), buffer.size());
    return std::string(buffer.data()) + "/" + std::to_string(bits_ - kV4Offset);
  }
  inet_ntop(AF_INET6, base_.bytes.data(), buffer.data(), buffer.size());
  return std::string(buffer.data()) + "/" + std::to_string(bits_);
}

bool anyContains(const std::vector<Network>& networks, std::string_view address) {
  const auto parsed = IpAddress::parse(address);
  if (!parsed) return false;
  for (const auto& network : networks) {
    if (network.contains(*parsed)) return true;
  }
  return false;
}

}  // namespace parley::core
