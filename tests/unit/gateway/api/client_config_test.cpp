#include "gateway/api/client_config.hpp"

#include <gtest/gtest.h>

#include "gateway/api/version.hpp"

namespace parley::gateway::api {
namespace {

constexpr const char* kId = "pqt3xjw8ytbjuefqdz3ffh5q1o";

InstallationFacts facts(bool signupLocked = false) { return {kId, signupLocked}; }

std::string value(const StringMap& map, const std::string& key) {
  const auto found = map.find(key);
  return found == map.end() ? "<missing>" : found->second;
}

TEST(ClientConfig, LimitedConfigCarriesWhatClientsNeedBeforeLogin) {
  core::config::Config config;
  config.server.siteUrl = "https://chat.example.org//";
  const auto limited = clientConfig(config, facts(), ClientConfigScope::kLimited);

  EXPECT_EQ(value(limited, "Version"), kMattermostApiVersion);
  EXPECT_EQ(value(limited, "BuildNumber"), kBuildNumber);
  EXPECT_EQ(value(limited, "DiagnosticId"), kId);
  EXPECT_EQ(value(limited, "TelemetryId"), kId);
  EXPECT_EQ(value(limited, "SiteURL"), "https://chat.example.org");
  EXPECT_EQ(value(limited, "SiteName"), "Parley");
  EXPECT_EQ(value(limited, "PasswordMinimumLength"), "8");
  EXPECT_EQ(value(limited, "MaxPostSize"), "16383");
  for (const char* off : {"EnableLdap", "EnableSaml", "EnableMultifactorAuthentication",
                          "EnableSignUpWithGitLab", "EnableSignUpWithOpenId", "PluginsEnabled"}) {
    EXPECT_EQ(value(limited, off), "false") << off;
  }
  for (const char* on : {"EnableSignInWithEmail", "EnableSignInWithUsername"}) {
    EXPECT_EQ(value(limited, on), "true") << on;
  }
  EXPECT_EQ(limited.count("CollapsedThreads"), 0u) << "only for logged-in users";
  EXPECT_EQ(limited.count("ExperimentalEnablePostMetadata"), 0u);
}

TEST(ClientConfig, SecuritySettingsAreStringBooleans) {
  core::config::Config config;
  config.security.enableUserCreation = false;
  config.security.enableGuestAccounts = true;
  config.security.enableBotAccountCreation = false;
  const auto limited = clientConfig(config, facts(), ClientConfigScope::kLimited);
  EXPECT_EQ(value(limited, "EnableUserCreation"), "false");
  EXPECT_EQ(value(limited, "EnableSignUpWithEmail"), "false");
  EXPECT_EQ(value(limited, "EnableGuestAccounts"), "true");
  EXPECT_EQ(value(limited, "EnableBotAccountCreation"), "false");
  EXPECT_EQ(value(limited, "EnableOpenServer"), "false");
}

TEST(ClientConfig, OpenServerOnlyUntilSignupIsLocked) {
  core::config::Config config;
  config.security.enableOpenServer = true;
  EXPECT_EQ(
      value(clientConfig(config, facts(false), ClientConfigScope::kLimited), "EnableOpenServer"),
      "true");
  const auto locked = clientConfig(config, facts(true), ClientConfigScope::kLimited);
  EXPECT_EQ(value(locked, "EnableOpenServer"), "false");
  EXPECT_EQ(value(locked, "EnableUserCreation"), "true") << "admins still create accounts";

  config.security.enableOpenServer = false;
  EXPECT_EQ(
      value(clientConfig(config, facts(false), ClientConfigScope::kLimited), "EnableOpenServer"),
      "false");
}

TEST(ClientConfig, FullConfigAddsSettingsForLoggedInUsers) {
  core::config::Config config;
  config.files.maxFileSize = 5 * 1024 * 1024;
  config.security.enableUserAccessTokens = false;
  const auto limited = clientConfig(config, facts(), ClientConfigScope::kLimited);
  const auto full = clientConfig(config, facts(), ClientConfigScope::kFull);
  for (const auto& [key, text] : limited) EXPECT_EQ(value(full, key), text) << key;
  EXPECT_EQ(value(full, "CollapsedThreads"), "disabled");
  EXPECT_EQ(value(full, "ExperimentalEnablePostMetadata"), "true");
  EXPECT_EQ(value(full, "MaxFileSize"), "5242880");
  EXPECT_EQ(value(full, "EnableUserAccessTokens"), "false");
}

TEST(ClientLicense, IsUnlicensed) {
  EXPECT_EQ(clientLicense(), (StringMap{{"IsLicensed", "false"}}));
}

}  // namespace
}  // namespace parley::gateway::api
