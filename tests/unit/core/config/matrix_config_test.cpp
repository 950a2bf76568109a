// bridges.matrix of gateway.yaml: what an operator writes for the Application Service and every
// mistake reported as file:line.

#include <gtest/gtest.h>

#include "core/config/config_loader.hpp"
#include "tests/support/temp_dir.hpp"

namespace parley::core::config {
namespace {

using namespace std::chrono_literals;

class MatrixConfigTest : public ::testing::Test {
 protected:
  LoadResult load(const std::string& bridges) const {
    return loadConfigString(bridges + "database: {dsn: dbname=parley}\n", "gateway.yaml",
                            dir_.path(), [](std::string_view) { return std::nullopt; });
  }

  static std::vector<std::string> problems(const LoadResult& result) {
    std::vector<std::string> out;
    for (const auto& problem : result.problems) out.push_back(problem.toString());
    return out;
  }

  testing::TempDir dir_{"parley-matrix-config"};
};

TEST_F(MatrixConfigTest, AnEnabledBridgeWithEveryKey) {
  const auto result = load(
      "bridges:\n"
      "  matrix:\n"
      "    enabled: true\n"
      "    homeserver_url: https://matrix.partner.example/\n"
      "    server_name: partner.example\n"
      "    id: parley-ops\n"
      "    url: http://gateway.dmz:8065/matrix/\n"
      "    sender_localpart: opsbot\n"
      "    user_prefix: ops_\n"
      "    alias_prefix: opsroom_\n"
      "    token_file: secrets/matrix.yaml\n"
      "    request_timeout: 5s\n"
      "    max_file_size: 20MiB\n"
      "links:\n"
      "  - {channel: ops/town-square, bridge: matrix, remote: \"#town:partner.example\"}\n");
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
  const Config& c = *result.config;
  ASSERT_TRUE(c.matrix.has_value());
  const MatrixBridgeConfig& m = *c.matrix;
  EXPECT_TRUE(m.enabled);
  EXPECT_EQ(m.homeserverUrl, "https://matrix.partner.example");
  EXPECT_EQ(m.serverName, "partner.example");
  EXPECT_EQ(m.id, "parley-ops");
  EXPECT_EQ(m.url, "http://gateway.dmz:8065/matrix");
  EXPECT_EQ(m.urlPath, "/matrix");
  EXPECT_EQ(m.senderLocalpart, "opsbot");
  EXPECT_EQ(m.userPrefix, "ops_");
  EXPECT_EQ(m.aliasPrefix, "opsroom_");
  EXPECT_EQ(m.tokenFile, dir_.path() / "secrets/matrix.yaml");
  EXPECT_EQ(m.requestTimeout, 5s);
  EXPECT_EQ(m.maxFileBytes, 20ull * 1024 * 1024);
  EXPECT_EQ(c.bridges, (std::vector<BridgeConfig>{{"matrix", true}}));
}

TEST_F(MatrixConfigTest, DefaultsAndAUrlWithoutPath) {
  const auto result = load(
      "bridges:\n  matrix:\n    homeserver_url: http://127.0.0.1:8008\n    server_name: "
      "localhost:8448\n    url: http://127.0.0.1:8065\n    token_file: /var/lib/parley/t.yaml\n");
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
  const MatrixBridgeConfig& m = *result.config->matrix;
  EXPECT_FALSE(m.enabled);
  EXPECT_EQ(m.urlPath, "");
  EXPECT_EQ(m.id, "parley");
  EXPECT_EQ(m.senderLocalpart, "parleybot");
  EXPECT_EQ(m.userPrefix, "mm_");
  EXPECT_EQ(m.requestTimeout, 30s);
  EXPECT_EQ(m.maxFileBytes, 0u);
  EXPECT_EQ(result.config->bridges, (std::vector<BridgeConfig>{{"matrix", false}}));
}

TEST_F(MatrixConfigTest, ListedOnly) {
  const auto result = load("bridges:\n  matrix: {enabled: false}\n");
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
  EXPECT_FALSE(result.config->matrix.has_value());
  EXPECT_EQ(result.config->bridges, (std::vector<BridgeConfig>{{"matrix", false}}));
}

TEST_F(MatrixConfigTest, MistakesAreReportedAtTheirLine) {
  const auto result = load(
      "bridges:\n"
      "  matrix:\n"
      "    enabled: true\n"
      "    homeserver_url: matrix.partner.example\n"
      "    server_name: Partner.Example\n"
      "    url: http://gateway.dmz:8065/a b\n"
      "    sender_localpart: mm_bot\n"
      "    token_file: t.yaml\n"
      "    request_timeout: 0s\n");
  EXPECT_EQ(problems(result),
            (std::vector<std::string>{
                R"(gateway.yaml:4: bridges.matrix.homeserver_url: expected an http:// or )"
                R"(https:// URL without a path, such as https://chat.example.org, got )"
                R"("matrix.partner.example")",
                R"(gateway.yaml:5: bridges.matrix.server_name: expected a lower-case server )"
                R"(name such as example.org, got "Partner.Example")",
                R"(gateway.yaml:6: bridges.matrix.url: expected the URL the homeserver reaches )"
                R"(Parley at, such as http://parley.internal:8065 or )"
                R"(http://parley.internal:8065/matrix, got "http://gateway.dmz:8065/a b")",
                R"(gateway.yaml:7: bridges.matrix: sender_localpart must not start with )"
                R"(user_prefix (the bot would be taken for a puppet))",
                R"(gateway.yaml:9: bridges.matrix.request_timeout: expected a duration from 1s )"
                R"(to 10m, got "0s")",
            }));
}

TEST_F(MatrixConfigTest, AMaxFileSizeThatIsNotASize) {
  const auto result = load(
      "bridges:\n  matrix:\n    homeserver_url: http://127.0.0.1:8008\n    server_name: hs\n"
      "    url: http://127.0.0.1:8065\n    token_file: t.yaml\n    max_file_size: lots\n");
  EXPECT_EQ(problems(result),
            std::vector<std::string>{
                R"(gateway.yaml:7: bridges.matrix.max_file_size: expected a number of bytes or )"
                R"(a size with a unit (KB, MB, GB, KiB, MiB, GiB, ...) such as "100MiB", got )"
                R"("lots")"});
}

}  // namespace
}  // namespace parley::core::config
