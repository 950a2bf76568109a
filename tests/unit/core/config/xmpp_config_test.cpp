// bridges.xmpp of gateway.yaml: what an operator writes for the XMPP component and every
// mistake reported as file:line, with the secret never appearing in a message.

#include <gtest/gtest.h>

#include <map>

#include "core/config/config_loader.hpp"
#include "tests/support/temp_dir.hpp"

namespace parley::core::config {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kSecret = "s3cr3t-component-key";

class XmppConfigTest : public ::testing::Test {
 protected:
  XmppConfigTest() {
    dir_.write("xmpp.secret", std::string(kSecret) + "\n\n");
    dir_.write("empty.secret", "\n");
  }

  LoadResult load(const std::string& bridges) const {
    const std::map<std::string, std::string> env = {{"PARLEY_XMPP_SECRET", std::string(kSecret)},
                                                    {"EMPTY_VAR", ""}};
    return loadConfigString(bridges + "database: {dsn: dbname=parley}\n", "gateway.yaml",
                            dir_.path(),
                            [env](std::string_view name) -> std::optional<std::string> {
                              const auto it = env.find(std::string(name));
                              if (it == env.end()) return std::nullopt;
                              return it->second;
                            });
  }

  static std::vector<std::string> problems(const LoadResult& result) {
    std::vector<std::string> out;
    for (const auto& problem : result.problems) {
      out.push_back(problem.toString());
      EXPECT_EQ(problem.message.find(kSecret), std::string::npos) << problem.toString();
    }
    return out;
  }

  testing::TempDir dir_{"parley-xmpp-config"};
};

TEST_F(XmppConfigTest, AnEnabledBridgeWithEveryKey) {
  const auto result = load(
      "bridges:\n"
      "  xmpp:\n"
      "    enabled: true\n"
      "    domain: mattermost.example.org\n"
      "    server_host: ::1\n"
      "    server_port: 15347\n"
      "    secret_file: xmpp.secret\n"
      "    reconnect_min: 250ms\n"
      "    reconnect_max: 30s\n"
      "    max_stanza_size: 64KiB\n"
      "    history: 5\n"
      "links:\n"
      "  - {channel: ops/town-square, bridge: xmpp, remote: town-square}\n");
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
  const Config& c = *result.config;
  ASSERT_TRUE(c.xmpp.has_value());
  EXPECT_TRUE(c.xmpp->enabled);
  EXPECT_EQ(c.xmpp->domain, "mattermost.example.org");
  EXPECT_EQ(c.xmpp->serverHost, "::1");
  EXPECT_EQ(c.xmpp->serverPort, 15347);
  EXPECT_EQ(c.xmpp->secret, kSecret);  // trailing newlines dropped
  EXPECT_EQ(c.xmpp->reconnectMin, 250ms);
  EXPECT_EQ(c.xmpp->reconnectMax, 30s);
  EXPECT_EQ(c.xmpp->maxStanzaBytes, 64u * 1024);
  EXPECT_EQ(c.xmpp->historyMessages, 5u);
  EXPECT_EQ(c.bridges, (std::vector<BridgeConfig>{{"xmpp", true}}));
  ASSERT_EQ(c.links.size(), 1u);
}

TEST_F(XmppConfigTest, DefaultsAndTheSecretFromTheEnvironment) {
  const auto result = load(
      "bridges:\n  xmpp:\n    enabled: true\n    domain: chat.localhost\n"
      "    secret_env: PARLEY_XMPP_SECRET\n");
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
  const XmppBridgeConfig& x = *result.config->xmpp;
  EXPECT_EQ(x.secret, kSecret);
  EXPECT_EQ(x.serverHost, "127.0.0.1");
  EXPECT_EQ(x.serverPort, 5347);
  EXPECT_EQ(x.reconnectMin, 1s);
  EXPECT_EQ(x.reconnectMax, 60s);
  EXPECT_EQ(x.maxStanzaBytes, 256u * 1024);
  EXPECT_EQ(x.historyMessages, 20u);
}

TEST_F(XmppConfigTest, AnEmptySectionIsADisabledBridgeLinksMayName) {
  const auto result = load(
      "bridges:\n  xmpp:\nlinks:\n  - {channel: ops/town-square, bridge: xmpp, remote: ops}\n");
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
  EXPECT_FALSE(result.config->xmpp.has_value());
  EXPECT_EQ(result.config->bridges, (std::vector<BridgeConfig>{{"xmpp", false}}));
}

TEST_F(XmppConfigTest, ADisabledMapStillNamesItsDomainAndSecret) {
  const auto result = load("bridges:\n  xmpp:\n    enabled: false\n");
  EXPECT_EQ(problems(result), (std::vector<std::string>{
                                  R"(gateway.yaml:2: bridges.xmpp: missing required key "domain")",
                                  R"(gateway.yaml:2: bridges.xmpp: one of secret_file or )"
                                  R"(secret_env is required)",
                              }));
}

struct BadXmpp {
  std::string name;
  std::string body;  // the keys under bridges.xmpp, from line 4 on (line 3 is enabled: true)
  std::vector<std::string> expected;
};

class XmppConfigMistakes : public XmppConfigTest, public ::testing::WithParamInterface<BadXmpp> {};

TEST_P(XmppConfigMistakes, AreReportedAtTheirLine) {
  const auto result = load("bridges:\n  xmpp:\n    enabled: true\n" + GetParam().body);
  EXPECT_FALSE(result.ok());
  std::vector<std::string> expected;
  for (std::string line : GetParam().expected) {
    if (const auto at = line.find("$DIR"); at != std::string::npos) {
      line.replace(at, 4, dir_.path().string());
    }
    expected.push_back(line);
  }
  EXPECT_EQ(problems(result), expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, XmppConfigMistakes,
    ::testing::Values(
        BadXmpp{"UpperCaseDomain",
                "    domain: Chat.Example.org\n    secret_file: xmpp.secret\n",
                {R"(gateway.yaml:4: bridges.xmpp.domain: expected a lower-case host name such )"
                 R"(as mattermost.example.org, got "Chat.Example.org")"}},
        BadXmpp{"DomainWithALocalpart",
                "    domain: parley@example.org\n    secret_file: xmpp.secret\n",
                {R"(gateway.yaml:4: bridges.xmpp.domain: expected a lower-case host name such )"
                 R"(as mattermost.example.org, got "parley@example.org")"}},
        BadXmpp{"BothSecrets",
                "    domain: chat.localhost\n    secret_file: xmpp.secret\n"
                "    secret_env: PARLEY_XMPP_SECRET\n",
                {R"(gateway.yaml:6: bridges.xmpp: only one of secret_file or secret_env may be )"
                 R"(set)"}},
        BadXmpp{
            "SecretFileMissing",
            "    domain: chat.localhost\n    secret_file: nothere\n",
            {R"(gateway.yaml:5: bridges.xmpp.secret_file: cannot read "nothere" ($DIR/nothere): No such file or directory)"}},
        BadXmpp{"SecretFileEmpty",
                "    domain: chat.localhost\n    secret_file: empty.secret\n",
                {R"(gateway.yaml:5: bridges.xmpp.secret_file: "empty.secret" is empty)"}},
        BadXmpp{"SecretEnvUnset",
                "    domain: chat.localhost\n    secret_env: PARLEY_UNSET\n",
                {R"(gateway.yaml:5: bridges.xmpp.secret_env: the environment variable )"
                 R"(PARLEY_UNSET is not set)"}},
        BadXmpp{"SecretEnvEmpty",
                "    domain: chat.localhost\n    secret_env: EMPTY_VAR\n",
                {R"(gateway.yaml:5: bridges.xmpp.secret_env: the environment variable EMPTY_VAR )"
                 R"(is empty)"}},
        // The secret written where the variable's name goes is not repeated in the message.
        BadXmpp{"SecretInsteadOfAnEnvName",
                "    domain: chat.localhost\n    secret_env: s3cr3t-component-key\n",
                {R"(gateway.yaml:5: bridges.xmpp.secret_env: expected the name of an )"
                 R"(environment variable (letters, digits and underscores) such as )"
                 R"(PARLEY_XMPP_SECRET)"}},
        BadXmpp{"PortOutOfRange",
                "    domain: chat.localhost\n    secret_file: xmpp.secret\n    server_port: 0\n",
                {R"(gateway.yaml:6: bridges.xmpp.server_port: expected an integer from 1 to )"
                 R"(65,535, got "0")"}},
        BadXmpp{"BadHost",
                "    domain: chat.localhost\n    secret_file: xmpp.secret\n"
                "    server_host: \"local host\"\n",
                {R"(gateway.yaml:6: bridges.xmpp.server_host: expected a host name or an IP )"
                 R"(address, got "local host")"}},
        BadXmpp{"BackoffUpsideDown",
                "    domain: chat.localhost\n    secret_file: xmpp.secret\n"
                "    reconnect_min: 30s\n    reconnect_max: 2s\n",
                {R"(gateway.yaml:7: bridges.xmpp: reconnect_min (30s) is longer than )"
                 R"(reconnect_max (2s))"}},
        BadXmpp{"StanzaLimitTooSmall",
                "    domain: chat.localhost\n    secret_file: xmpp.secret\n"
                "    max_stanza_size: 1KiB\n",
                {R"(gateway.yaml:6: bridges.xmpp.max_stanza_size: expected a size from 4KiB to )"
                 R"(16MiB, got "1KiB")"}},
        BadXmpp{"UnknownKey",
                "    domain: chat.localhost\n    secret_file: xmpp.secret\n    sercet: x\n",
                {R"(gateway.yaml:6: unknown key "sercet" in bridges.xmpp (expected one of: )"
                 R"(enabled, domain, server_host, server_port, secret_file, secret_env, )"
                 R"(reconnect_min, reconnect_max, max_stanza_size, history, max_file_size, )"
                 R"(fetch_timeout, allow_http_urls, allow_private_addresses))"}}),
    [](const ::testing::TestParamInfo<BadXmpp>& row) { return row.param.name; });

}  // namespace
}  // namespace parley::core::config
