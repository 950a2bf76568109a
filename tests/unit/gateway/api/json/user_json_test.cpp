#include "gateway/api/json/user_json.hpp"

#include <gtest/gtest.h>

namespace parley::gateway::api::json {
namespace {

TEST(UserJson, NeverCarriesSecretsAndOmitsEmptyOptionalFields) {
  core::model::User user;
  user.id = "dri87zigoc4rywfs66z98fudqo";
  user.username = "alice";
  user.email = "alice@example.org";
  user.passwordHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
  const auto json = userToJson(user);
  EXPECT_FALSE(json.contains("password"));
  EXPECT_EQ(json.dump().find("argon2"), std::string::npos);
  EXPECT_EQ(json["auth_data"], "");
  for (const char* omitted :
       {"create_at", "update_at", "email_verified", "props", "notify_props", "last_password_update",
        "failed_attempts", "mfa_active", "remote_id", "last_activity_at", "is_bot", "last_login"}) {
    EXPECT_FALSE(json.contains(omitted)) << omitted << " is omitempty in Mattermost";
  }
  for (const char* always :
       {"id", "delete_at", "username", "auth_service", "email", "nickname", "first_name",
        "last_name", "position", "roles", "locale", "timezone", "disable_welcome_email"}) {
    EXPECT_TRUE(json.contains(always)) << always;
  }
  EXPECT_EQ(json["roles"], "system_user");
  EXPECT_EQ(json["timezone"]["useAutomaticTimezone"], "true");
}

TEST(UserJson, WritesSetFieldsWithMattermostNames) {
  core::model::User user;
  user.createAt = 1;
  user.updateAt = 2;
  user.emailVerified = true;
  user.isBot = true;
  user.lastLogin = 3;
  user.failedAttempts = 2;
  user.notifyProps = {{"push", "mention"}};
  user.remoteId = "remoteclusterid";
  const auto json = userToJson(user);
  EXPECT_EQ(json["create_at"], 1);
  EXPECT_EQ(json["update_at"], 2);
  EXPECT_EQ(json["email_verified"], true);
  EXPECT_EQ(json["is_bot"], true);
  EXPECT_EQ(json["last_login"], 3);
  EXPECT_EQ(json["failed_attempts"], 2);
  EXPECT_EQ(json["notify_props"]["push"], "mention");
  EXPECT_EQ(json["remote_id"], "remoteclusterid");
}

}  // namespace
}  // namespace parley::gateway::api::json

namespace parley::gateway::api::json {
namespace {

core::model::User fullUser() {
  core::model::User user;
  user.id = "dri87zigoc4rywfs66z98fudqo";
  user.username = "alice";
  user.email = "alice@example.org";
  user.firstName = "Alice";
  user.lastName = "Liddell";
  user.authService = "saml";
  user.emailVerified = true;
  user.allowMarketing = true;
  user.notifyProps = core::model::defaultNotifyProps();
  user.lastPasswordUpdate = 5;
  user.failedAttempts = 3;
  return user;
}

TEST(UserJsonViewer, TheOwnerSeesEverythingButSecrets) {
  const auto user = fullUser();
  EXPECT_EQ(userToJson(user, UserViewer{user.id}), userToJson(user));
}

TEST(UserJsonViewer, OthersSeeTheProfileOnly) {
  const auto user = fullUser();
  const auto json = userToJson(user, UserViewer{"x6ttm5h4bbdhfb7o8jkd7gsgiy"});
  for (const char* hidden : {"notify_props", "email_verified", "allow_marketing",
                             "last_password_update", "failed_attempts"}) {
    EXPECT_FALSE(json.contains(hidden)) << hidden;
  }
  EXPECT_EQ(json["auth_service"], "");
  // Mattermost's ShowEmailAddress and ShowFullName default to true.
  EXPECT_EQ(json["email"], "alice@example.org");
  EXPECT_EQ(json["first_name"], "Alice");
}

TEST(UserJsonViewer, PrivacySettingsHideEmailAndNamesFromNonAdmins) {
  const auto user = fullUser();
  UserViewer viewer{"x6ttm5h4bbdhfb7o8jkd7gsgiy"};
  viewer.showEmailAddress = false;
  viewer.showFullName = false;
  auto json = userToJson(user, viewer);
  EXPECT_EQ(json["email"], "");
  EXPECT_EQ(json["first_name"], "");
  EXPECT_EQ(json["last_name"], "");
  viewer.isSystemAdmin = true;
  json = userToJson(user, viewer);
  EXPECT_EQ(json["email"], "alice@example.org");
  EXPECT_EQ(json["auth_service"], "saml");
  EXPECT_FALSE(json.contains("notify_props"));
}

}  // namespace
}  // namespace parley::gateway::api::json
