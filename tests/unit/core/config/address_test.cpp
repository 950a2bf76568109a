#include "core/config/address.hpp"

#include <gtest/gtest.h>

namespace parley::core::config {
namespace {

TEST(AddressTest, ParsesListenAddresses) {
  struct Row {
    const char* text;
    const char* host;
    std::uint16_t port;
  };
  for (const Row& row :
       {Row{"127.0.0.1:8065", "127.0.0.1", 8065}, Row{"0.0.0.0:0", "0.0.0.0", 0},
        Row{"[::1]:8065", "::1", 8065}, Row{"[::]:1", "::", 1},
        Row{"[fe80::1:2]:65535", "fe80::1:2", 65535}, Row{"localhost:80", "localhost", 80},
        Row{"gw.example.org:443", "gw.example.org", 443}}) {
    const auto parsed = parseListenAddress(row.text);
    ASSERT_TRUE(parsed.ok()) << row.text << ": " << parsed.error().message;
    EXPECT_EQ(parsed->host, row.host);
    EXPECT_EQ(parsed->port, row.port);
  }
}

TEST(AddressTest, ExplainsBadListenAddresses) {
  struct Row {
    const char* text;
    const char* message;
  };
  for (
      const Row& row : {
          Row{"abc", R"(expected host:port such as 127.0.0.1:8065, got "abc")"},
          Row{":8065", R"(expected host:port such as 127.0.0.1:8065, got ":8065")"},
          Row{"127.0.0.1:", R"(expected host:port such as 127.0.0.1:8065, got "127.0.0.1:")"},
          Row{"[::1]", R"(expected host:port such as 127.0.0.1:8065, got "[::1]")"},
          Row{"[::1:8065", R"(expected host:port such as 127.0.0.1:8065, got "[::1:8065")"},
          Row{"::1:8065",
              R"(expected host:port such as 127.0.0.1:8065 (an IPv6 address goes in brackets, as in [::1]:8065), got "::1:8065")"},
          Row{"[1.2.3.4]:80", R"("1.2.3.4" is not an IPv6 address)"},
          Row{"256.1.1.1:80", R"("256.1.1.1" is not an IPv4 address or a host name)"},
          Row{"bad_host:80", R"("bad_host" is not an IPv4 address or a host name)"},
          Row{"-x.org:80", R"("-x.org" is not an IPv4 address or a host name)"},
          Row{"127.0.0.1:65536", R"(the port must be a number from 0 to 65535, got "65536")"},
          Row{"127.0.0.1:http", R"(the port must be a number from 0 to 65535, got "http")"},
          Row{"127.0.0.1:-1", R"(the port must be a number from 0 to 65535, got "-1")"},
      }) {
    const auto parsed = parseListenAddress(row.text);
    ASSERT_FALSE(parsed.ok()) << row.text;
    EXPECT_EQ(parsed.error().message, row.message) << row.text;
  }
}

TEST(AddressTest, HostNames) {
  EXPECT_TRUE(isHostName("localhost"));
  EXPECT_TRUE(isHostName("a-b.example.org"));
  EXPECT_TRUE(isHostName("xn--bcher-kva.example"));
  EXPECT_TRUE(isHostName(std::string(63, 'a') + ".org"));
  EXPECT_FALSE(isHostName(std::string(64, 'a') + ".org"));
  EXPECT_FALSE(isHostName(""));
  EXPECT_FALSE(isHostName("a..b"));
  EXPECT_FALSE(isHostName("a.b."));
  EXPECT_FALSE(isHostName("a-.org"));
  EXPECT_FALSE(isHostName("under_score.org"));
  EXPECT_FALSE(isHostName("10.0.0.300"));
}

TEST(AddressTest, SiteUrls) {
  EXPECT_EQ(parseSiteUrl("http://127.0.0.1:8065").value(), "http://127.0.0.1:8065");
  EXPECT_EQ(parseSiteUrl("https://chat.example.org/").value(), "https://chat.example.org");
  EXPECT_EQ(parseSiteUrl("https://[2001:db8::1]:8443").value(), "https://[2001:db8::1]:8443");
  for (const char* bad :
       {"chat.example.org", "ftp://chat.example.org", "https://", "https://chat.example.org/x",
        "https://chat.example.org?x=1", "https://chat.example.org#top",
        "https://u@chat.example.org", "https://chat.example.org:0",
        "https://chat.example.org:99999", "https://a b", "https://chat.example.org//",
        "HTTP://chat.example.org", "https://2001:db8::1"}) {
    const auto parsed = parseSiteUrl(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().message,
              std::string("expected an http:// or https:// URL without a path, such as "
                          "https://chat.example.org, got \"") +
                  bad + "\"");
  }
}

}  // namespace
}  // namespace parley::core::config
