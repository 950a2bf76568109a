// The Matrix AS registration: tokens generated once with mode 0600 and kept, the YAML a
// homeserver installs, and token files Parley refuses.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include "bridges/matrix/registration.hpp"
#include "tests/support/temp_dir.hpp"

namespace parley::bridges::matrix {
namespace {

core::config::MatrixBridgeConfig config() {
  core::config::MatrixBridgeConfig c;
  c.enabled = true;
  c.homeserverUrl = "https://matrix.partner.example";
  c.serverName = "partner.example";
  c.id = "parley";
  c.url = "http://gateway.dmz:8065/matrix";
  c.urlPath = "/matrix";
  return c;
}

TEST(MatrixRegistration, TokensAreGeneratedOnceAndKept) {
  testing::TempDir dir{"parley-matrix-registration"};
  const auto file = dir.path() / "tokens.yaml";
  const auto first = loadOrCreateTokens(file);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->asToken.size(), 64u);
  EXPECT_EQ(first->hsToken.size(), 64u);
  EXPECT_NE(first->asToken, first->hsToken);
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const auto again = loadOrCreateTokens(file);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->asToken, first->asToken);
  EXPECT_EQ(again->hsToken, first->hsToken);
  const auto other = loadOrCreateTokens(dir.path() / "other.yaml");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->asToken, first->asToken);
}

TEST(MatrixRegistration, AFileOthersCanReadOrAMalformedOneIsRefused) {
  testing::TempDir dir{"parley-matrix-registration"};
  const auto open = dir.write("open.yaml", "as_token: " + std::string(64, 'a') +
                                               "\nhs_token: " + std::string(64, 'b') + "\n");
  ::chmod(open.c_str(), 0644);
  const auto refused = loadOrCreateTokens(open);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("chmod 600"), std::string::npos);
  EXPECT_EQ(refused.error().message.find(std::string(64, 'a')), std::string::npos);

  const auto same = dir.write("same.yaml", "as_token: " + std::string(64, 'a') +
                                               "\nhs_token: " + std::string(64, 'a') + "\n");
  ::chmod(same.c_str(), 0600);
  EXPECT_FALSE(loadOrCreateTokens(same).ok());
  const auto garbage = dir.write("garbage.yaml", "[not, a, map\n");
  ::chmod(garbage.c_str(), 0600);
  EXPECT_FALSE(loadOrCreateTokens(garbage).ok());
}

TEST(MatrixRegistration, TheYamlAHomeserverInstalls) {
  const AppServiceTokens tokens{std::string(64, '1'), std::string(64, '2')};
  const YAML::Node yaml = YAML::Load(registrationYaml(config(), tokens));
  EXPECT_EQ(yaml["id"].as<std::string>(), "parley");
  EXPECT_EQ(yaml["url"].as<std::string>(), "http://gateway.dmz:8065/matrix");
  EXPECT_EQ(yaml["as_token"].as<std::string>(), tokens.asToken);
  EXPECT_EQ(yaml["hs_token"].as<std::string>(), tokens.hsToken);
  EXPECT_EQ(yaml["sender_localpart"].as<std::string>(), "parleybot");
  EXPECT_FALSE(yaml["rate_limited"].as<bool>());
  const auto users = yaml["namespaces"]["users"];
  ASSERT_EQ(users.size(), 1u);
  EXPECT_TRUE(users[0]["exclusive"].as<bool>());
  EXPECT_EQ(users[0]["regex"].as<std::string>(), R"(@mm_.*:partner\.example)");
  EXPECT_EQ(yaml["namespaces"]["aliases"][0]["regex"].as<std::string>(),
            R"(#mm_.*:partner\.example)");
  EXPECT_EQ(yaml["namespaces"]["rooms"].size(), 0u);
}

}  // namespace
}  // namespace parley::bridges::matrix
