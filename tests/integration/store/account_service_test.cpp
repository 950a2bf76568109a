#include "core/services/account_service.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "core/model/id.hpp"
#include "core/security/password.hpp"
#include "tests/integration/store/store_fixture.hpp"

namespace parley::core::services {
namespace {

using store::Store;
using testing::runSync;

class AccountServiceTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    migrateOrFail();
    openPool();
  }

  Result<model::User> initAdminSync(std::string username, std::string email, std::string password) {
    return runSync(*database_,
                   [&](Store& store) { return initAdmin(store, username, email, password); });
  }

  LockdownStatus lockdown() {
    auto status = runSync(*database_, [](Store& store) { return lockdownStatus(store); });
    EXPECT_TRUE(status.ok()) << status.error().detail;
    return status.ok() ? *status : LockdownStatus{};
  }
};

TEST_F(AccountServiceTest, CreatesTheFirstAdminAndLocksSignup) {
  EXPECT_FALSE(lockdown().adminExists);
  EXPECT_FALSE(lockdown().signupLocked);

  auto admin = initAdminSync(" Admin ", "Admin@Example.ORG", "correct horse battery");
  ASSERT_TRUE(admin.ok()) << admin.error().message << " " << admin.error().detail;
  EXPECT_EQ(admin->username, "admin");
  EXPECT_EQ(admin->email, "admin@example.org");
  EXPECT_EQ(admin->roles, "system_admin system_user");
  EXPECT_EQ(admin->createAt, clock_->nowMillis());
  EXPECT_TRUE(model::isValidId(admin->id));

  auto stored =
      runSync(*database_, [](Store& store) { return store.users().getByUsername("admin"); });
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(stored->isSystemAdmin());
  EXPECT_TRUE(security::verifyPassword("correct horse battery", stored->passwordHash));
  EXPECT_FALSE(security::verifyPassword("wrong password", stored->passwordHash));
  EXPECT_EQ(stored->notifyProps.value("push", ""), "mention");

  EXPECT_TRUE(lockdown().adminExists);
  EXPECT_TRUE(lockdown().signupLocked);
  auto locked =
      runSync(*database_, [](Store& store) { return store.system().get(kSignupLockedKey); });
  ASSERT_TRUE(locked.ok());
  EXPECT_EQ(locked->value_or(""), "true");
}

TEST_F(AccountServiceTest, ASecondCallConflictsAndChangesNothing) {
  ASSERT_TRUE(initAdminSync("admin", "admin@example.org", "correct horse battery").ok());
  auto again = initAdminSync("admin2", "admin2@example.org", "another password");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(again.error().id, "app.admin.already_exists");
  auto second =
      runSync(*database_, [](Store& store) { return store.users().getByUsername("admin2"); });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kNotFound);
  auto admins = runSync(*database_, [](Store& store) { return store.users().countSystemAdmins(); });
  EXPECT_EQ(admins.value(), 1);
}

TEST_F(AccountServiceTest, ConcurrentCallsCreateExactlyOneAdmin) {
  Result<model::User> first = makeError(ErrorCode::kInternal, "", "not run");
  Result<model::User> second = makeError(ErrorCode::kInternal, "", "not run");
  std::thread a([&] { first = initAdminSync("first", "first@example.org", "password one"); });
  std::thread b([&] { second = initAdminSync("second", "second@example.org", "password two"); });
  a.join();
  b.join();
  EXPECT_NE(first.ok(), second.ok()) << "exactly one succeeds";
  const auto& loser = first.ok() ? second : first;
  if (!loser.ok()) {
    EXPECT_EQ(loser.error().id, "app.admin.already_exists");
  }
  auto admins = runSync(*database_, [](Store& store) { return store.users().countSystemAdmins(); });
  EXPECT_EQ(admins.value(), 1);
}

TEST_F(AccountServiceTest, ATakenUsernameIsAConflictAndLeavesSignupOpen) {
  model::User existing;
  existing.id = model::newId();
  existing.username = "admin";
  existing.email = "someone@example.org";
  ASSERT_TRUE(
      runSync(*database_, [&](Store& store) { return store.users().create(existing); }).ok());
  auto admin = initAdminSync("Admin", "admin@example.org", "correct horse battery");
  ASSERT_FALSE(admin.ok());
  EXPECT_EQ(admin.error().id, "app.user.save.username_exists.app_error");
  EXPECT_FALSE(lockdown().signupLocked) << "the transaction rolled back as a whole";
}

struct BadInput {
  const char* username;
  const char* email;
  const char* password;
  const char* errorId;
};

TEST_F(AccountServiceTest, InvalidInputIsRejectedWithAClearErrorAndNothingWritten) {
  const std::string longName(65, 'a');
  const std::string longEmail = std::string(120, 'a') + "@example.org";
  const std::string longPassword(73, 'p');
  const BadInput cases[] = {
      {"", "a@example.org", "good password", "model.user.is_valid.username.app_error"},
      {"1admin", "a@example.org", "good password", "model.user.is_valid.username.app_error"},
      {"ad min", "a@example.org", "good password", "model.user.is_valid.username.app_error"},
      {"admin!", "a@example.org", "good password", "model.user.is_valid.username.app_error"},
      {"all", "a@example.org", "good password", "model.user.is_valid.username.app_error"},
      {"channel", "a@example.org", "good password", "model.user.is_valid.username.app_error"},
      {"here", "a@example.org", "good password", "model.user.is_valid.username.app_error"},
      {"b\xc3\xa9la", "a@example.org", "good password", "model.user.is_valid.username.app_error"},
      {longName.c_str(), "a@example.org", "good password",
       "model.user.is_valid.username.app_error"},
      {"admin", "", "good password", "model.user.is_valid.email.app_error"},
      {"admin", "admin", "good password", "model.user.is_valid.email.app_error"},
      {"admin", "a@@example.org", "good password", "model.user.is_valid.email.app_error"},
      {"admin", "a@b@example.org", "good password", "model.user.is_valid.email.app_error"},
      {"admin", "Admin <a@example.org>", "good password", "model.user.is_valid.email.app_error"},
      {"admin", "a b@example.org", "good password", "model.user.is_valid.email.app_error"},
      {"admin", "a@example..org", "good password", "model.user.is_valid.email.app_error"},
      {"admin", ".a@example.org", "good password", "model.user.is_valid.email.app_error"},
      {"admin", "\"a\"@example.org", "good password", "model.user.is_valid.email.app_error"},
      {"admin", longEmail.c_str(), "good password", "model.user.is_valid.email.app_error"},
      {"admin", "a@example.org", "short", "model.user.is_valid.password.app_error"},
      {"admin", "a@example.org", longPassword.c_str(), "model.user.is_valid.password.app_error"},
  };
  for (const auto& input : cases) {
    auto result = initAdminSync(input.username, input.email, input.password);
    ASSERT_FALSE(result.ok()) << input.username << " / " << input.email;
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument) << input.username;
    EXPECT_EQ(result.error().id, input.errorId) << input.username << " / " << input.email;
    EXPECT_FALSE(result.error().message.empty());
  }
  EXPECT_FALSE(lockdown().adminExists);
  EXPECT_FALSE(lockdown().signupLocked);

  // The boundaries themselves are accepted.
  const std::string maxName = "a" + std::string(63, 'b');
  auto ok = initAdminSync(maxName, "first.last+tag@sub.example.org", std::string(72, 'p'));
  EXPECT_TRUE(ok.ok()) << ok.error().message;
}

TEST_F(AccountServiceTest, LockdownStatusIsUnavailableWhenTheDatabaseIsDown) {
  database_->stop();
  auto status = runSync(*database_, [](Store& store) { return lockdownStatus(store); });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace parley::core::services
