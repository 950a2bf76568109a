// Which address is the client's (gateway.yaml server.trusted_proxies): the socket's peer,
// unless it is a trusted proxy; then the right-most X-Forwarded-For entry that is not itself a
// trusted proxy. A header from anyone else is ignored.

#include "gateway/http/forwarded.hpp"

#include <gtest/gtest.h>

namespace parley::gateway::http {
namespace {

std::vector<core::Network> networks(std::initializer_list<const char*> texts) {
  std::vector<core::Network> out;
  for (const char* text : texts) out.push_back(core::Network::parse(text).value());
  return out;
}

TEST(ForwardedTest, WithoutTrustedProxiesThePeerIsTheClient) {
  EXPECT_EQ(clientAddress("203.0.113.9", "10.8.0.5", {}), "203.0.113.9");
  EXPECT_EQ(clientAddress("127.0.0.1", "", {}), "127.0.0.1");
}

TEST(ForwardedTest, AnUntrustedPeersHeaderIsIgnored) {
  const auto proxies = networks({"192.0.2.0/24"});
  EXPECT_EQ(clientAddress("203.0.113.9", "10.8.0.5", proxies), "203.0.113.9");
}

TEST(ForwardedTest, ATrustedProxyNamesTheClient) {
  const auto proxies = networks({"192.0.2.0/24", "::1"});
  EXPECT_EQ(clientAddress("192.0.2.10", "10.8.0.5", proxies), "10.8.0.5");
  EXPECT_EQ(clientAddress("::1", " 2001:db8::7 ", proxies), "2001:db8::7");
  EXPECT_EQ(clientAddress("::1", "[2001:db8::7]", proxies), "2001:db8::7");
  // No header (or an empty one): the proxy itself is all we know.
  EXPECT_EQ(clientAddress("192.0.2.10", "", proxies), "192.0.2.10");
  EXPECT_EQ(clientAddress("192.0.2.10", " , ", proxies), "192.0.2.10");
}

TEST(ForwardedTest, TheRightMostUntrustedEntryWinsOverWhatTheClientWrote) {
  const auto proxies = networks({"192.0.2.0/24"});
  // The client sent "X-Forwarded-For: 10.8.0.5"; the proxy appended the address it saw.
  EXPECT_EQ(clientAddress("192.0.2.10", "10.8.0.5, 203.0.113.9", proxies), "203.0.113.9");
  // A chain of trusted proxies is walked past.
  EXPECT_EQ(clientAddress("192.0.2.10", "10.8.0.5, 203.0.113.9, 192.0.2.20, 192.0.2.30", proxies),
            "203.0.113.9");
  // Every entry a trusted proxy: the left-most.
  EXPECT_EQ(clientAddress("192.0.2.10", "192.0.2.40,192.0.2.20", proxies), "192.0.2.40");
  // An entry that is no address is no proxy: it stops the walk and matches no network.
  EXPECT_EQ(clientAddress("192.0.2.10", "10.8.0.5, garbage", proxies), "garbage");
}

}  // namespace
}  // namespace parley::gateway::http
