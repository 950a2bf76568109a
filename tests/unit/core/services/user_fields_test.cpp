// The pure validators of user_service: Mattermost's field rules and error ids.
#include <gtest/gtest.h>

#include "core/services/user_service.hpp"

namespace parley::core::services {
namespace {

std::string errorId(const Status& status) { return status ? std::string() : status.error().id; }

TEST(ValidatePassword, EnforcesMattermostLengthsWithTheirIds) {
  EXPECT_EQ(errorId(validatePassword("1234567")), "model.user.is_valid.pwd_min_length.app_error");
  EXPECT_EQ(errorId(validatePassword("12345678")), "");
  EXPECT_EQ(errorId(validatePassword(std::string(72, 'x'))), "");
  EXPECT_EQ(errorId(validatePassword(std::string(73, 'x'))),
            "model.user.is_valid.pwd_max_length.app_error");
}

TEST(ApplyUserFields, NormalisesAndValidatesEachField) {
  model::User user;
  UserFields fields;
  fields.username = "  Alice ";
  fields.email = "Alice@Example.org";
  ASSERT_TRUE(applyUserFields(user, fields));
  EXPECT_EQ(user.username, "alice");
  EXPECT_EQ(user.email, "alice@example.org");

  const auto failing = [](auto set) {
    UserFields f;
    set(f);
    model::User u;
    return errorId(applyUserFields(u, f));
  };
  EXPECT_EQ(failing([&](UserFields& f) { f.username = "9lives"; }),
            "model.user.is_valid.username.app_error");
  EXPECT_EQ(failing([&](UserFields& f) { f.username = "here"; }),
            "model.user.is_valid.username.app_error");
  EXPECT_EQ(failing([&](UserFields& f) { f.email = "no-at-sign"; }),
            "model.user.is_valid.email.app_error");
  EXPECT_EQ(failing([&](UserFields& f) { f.nickname = std::string(65, 'n'); }),
            "model.user.is_valid.nickname.app_error");
  // Runes, not bytes: 64 two-byte characters fit.
  std::string accented;
  for (int i = 0; i < 64; ++i) accented += "\xc3\xa9";
  EXPECT_EQ(failing([&](UserFields& f) { f.firstName = accented; }), "");
  EXPECT_EQ(failing([&](UserFields& f) { f.lastName = accented + "x"; }),
            "model.user.is_valid.last_name.app_error");
  EXPECT_EQ(failing([&](UserFields& f) { f.position = std::string(129, 'p'); }),
            "model.user.is_valid.position.app_error");
  EXPECT_EQ(failing([&](UserFields& f) { f.locale = "toolong"; }),
            "model.user.is_valid.locale.app_error");
  EXPECT_EQ(failing([&](UserFields& f) {
              f.props = nlohmann::json{{"k", 1}};
            }),
            "api.context.invalid_body_param.app_error");
  EXPECT_EQ(failing([&](UserFields& f) { f.timezone = nlohmann::json::array(); }),
            "api.context.invalid_body_param.app_error");
}

TEST(ApplyUserFields, NotifyPropsAndTimezoneMergeIntoTheExistingOnes) {
  model::User user;
  user.notifyProps = model::defaultNotifyProps();
  UserFields fields;
  fields.notifyProps = nlohmann::json{{"push", "all"}};
  fields.timezone = nlohmann::json{{"manualTimezone", "Europe/Paris"}};
  ASSERT_TRUE(applyUserFields(user, fields));
  EXPECT_EQ(user.notifyProps["push"], "all");
  EXPECT_EQ(user.notifyProps["email"], "true");
  EXPECT_EQ(user.timezone["manualTimezone"], "Europe/Paris");
  EXPECT_EQ(user.timezone["useAutomaticTimezone"], "true");
}

TEST(NewUserFromFields, RequiresUsernameEmailAndPassword) {
  UserFields fields;
  fields.username = "bob";
  fields.email = "bob@example.org";
  fields.password = "long enough";
  auto user = newUserFromFields(fields, 1000);
  ASSERT_TRUE(user);
  EXPECT_EQ(user->roles, "system_user");
  EXPECT_EQ(user->createAt, 1000);
  EXPECT_EQ(user->notifyProps["push"], "mention");
  EXPECT_TRUE(user->passwordHash.empty()) << "hashing is the caller's next step";

  fields.password.reset();
  EXPECT_EQ(newUserFromFields(fields, 0).error().id,
            "model.user.is_valid.pwd_min_length.app_error");
  fields.password = "long enough";
  fields.email.reset();
  EXPECT_EQ(newUserFromFields(fields, 0).error().id, "model.user.is_valid.email.app_error");
}

TEST(VisibilityRestriction, OnlyGuestsAreRestricted) {
  model::User user;
  user.id = "u";
  EXPECT_EQ(visibilityRestriction(user), "");
  user.roles = "system_guest";
  EXPECT_EQ(visibilityRestriction(user), "u");
}

}  // namespace
}  // namespace parley::core::services
