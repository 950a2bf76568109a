// Networks in CIDR form (gateway.yaml policy.vpn_networks, server.trusted_proxies): parsing,
// the edges of the prefix, IPv4 seen through IPv4-mapped IPv6, and refused text.

#include "core/common/network.hpp"

#include <gtest/gtest.h>

namespace parley::core {
namespace {

Network net(std::string_view text) {
  auto parsed = Network::parse(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : Network();
}

TEST(NetworkTest, Ipv4PrefixContainsItsAddressesOnly) {
  const Network vpn = net("10.8.0.0/16");
  EXPECT_TRUE(vpn.contains("10.8.0.0"));
  EXPECT_TRUE(vpn.contains("10.8.255.255"));
  EXPECT_FALSE(vpn.contains("10.9.0.0"));
  EXPECT_FALSE(vpn.contains("10.7.255.255"));
  EXPECT_EQ(vpn.text(), "10.8.0.0/16");
}

TEST(NetworkTest, Ipv4MappedIpv6IsTheSameAddress) {
  const Network vpn = net("10.8.0.0/16");
  EXPECT_TRUE(vpn.contains("::ffff:10.8.1.2"));
  EXPECT_FALSE(vpn.contains("::ffff:10.9.1.2"));
  EXPECT_TRUE(net("::ffff:10.8.0.0/112").contains("10.8.3.4"));
  // An IPv6 address that is not a mapped one is never in an IPv4 network.
  EXPECT_FALSE(vpn.contains("::a08:102"));
}

TEST(NetworkTest, SlashZeroAndFullLengthPrefixes) {
  const Network anyV4 = net("0.0.0.0/0");
  EXPECT_TRUE(anyV4.contains("203.0.113.9"));
  EXPECT_TRUE(anyV4.contains("255.255.255.255"));
  EXPECT_FALSE(anyV4.contains("2001:db8::1"));
  const Network anything = net("::/0");
  EXPECT_TRUE(anything.contains("2001:db8::1"));
  EXPECT_TRUE(anything.contains("127.0.0.1"));

  const Network host = net("192.0.2.7/32");
  EXPECT_TRUE(host.contains("192.0.2.7"));
  EXPECT_FALSE(host.contains("192.0.2.6"));
  EXPECT_FALSE(host.contains("192.0.2.8"));
  EXPECT_EQ(net("192.0.2.7"), host);  // a bare address is one host

  const Network loopback = net("::1/128");
  EXPECT_TRUE(loopback.contains("::1"));
  EXPECT_FALSE(loopback.contains("::2"));
  EXPECT_EQ(net("::1"), loopback);
  EXPECT_EQ(loopback.text(), "::1/128");
}

TEST(NetworkTest, Ipv6PrefixesNotOnAByteBoundary) {
  const Network vpn = net("fd00:8::/31");
  EXPECT_TRUE(vpn.contains("fd00:8::1"));
  EXPECT_TRUE(vpn.contains("fd00:9:ffff::1"));
  EXPECT_FALSE(vpn.contains("fd00:a::1"));
  EXPECT_EQ(vpn.text(), "fd00:8::/31");
  const Network twelve = net("10.16.0.0/12");
  EXPECT_TRUE(twelve.contains("10.31.255.255"));
  EXPECT_FALSE(twelve.contains("10.32.0.0"));
}

TEST(NetworkTest, BadTextIsRefusedWithTheTextQuoted) {
  for (const char* bad : {"", "/8", "10.8.0.0/", "10.8.0.0/33", "10.8.0.0/-1", "10.8.0.0/1x",
                          "::/129", "10.8/16", "10.8.0.0.1/16", "example.org/24", "fe80::1%eth0/64",
                          "[::1]/128", "10.8.1.0/16", "fd00:8::1/32", " 10.8.0.0/16"}) {
    auto parsed = Network::parse(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.error().message.find("\"" + std::string(bad) + "\""), std::string::npos)
        << parsed.error().message;
  }
  EXPECT_NE(Network::parse("10.8.1.0/16").error().message.find("beyond the /16"),
            std::string::npos);
}

TEST(NetworkTest, AddressesThatAreNoAddressMatchNothing) {
  const std::vector<Network> all = {net("0.0.0.0/0"), net("::/0")};
  EXPECT_TRUE(anyContains(all, "192.0.2.1"));
  for (const char* notAddress : {"", "unknown", "192.0.2.1:8080", "[::1]", "::1%lo"}) {
    EXPECT_FALSE(anyContains(all, notAddress)) << notAddress;
  }
  EXPECT_FALSE(anyContains({}, "192.0.2.1"));
}

}  // namespace
}  // namespace parley::core
