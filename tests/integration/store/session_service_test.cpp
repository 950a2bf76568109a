// Sessions against a real PostgreSQL with a manual clock: the three login steps, expiry,
// activity updates, device replacement and revocation (core/services/session_service.hpp).

#include "core/services/session_service.hpp"

#include <gtest/gtest.h>

#include "core/model/id.hpp"
#include "core/security/token.hpp"
#include "core/services/account_service.hpp"
#include "tests/integration/store/store_fixture.hpp"

namespace parley::core::services {
namespace {

using namespace std::chrono_literals;
using store::Store;
using testing::runSync;

constexpr const char* kPassword = "correct horse battery";

class SessionServiceTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    migrateOrFail();
    openPool();
    auto admin = runSync(*database_, [](Store& store) {
      return initAdmin(store, "admin", "admin@example.org", kPassword);
    });
    ASSERT_TRUE(admin.ok()) << admin.error().message;
    admin_ = *admin;
  }

  Result<LoginResult> loginSync(const std::string& loginId, const std::string& password,
                                LoginOptions options = {}) {
    auto account = runSync(
        *database_, [&](Store& store) { return findLoginAccount(store, loginId, password); });
    if (!account) return std::move(account).error();
    const bool matches = checkPassword(*account, password);
    return runSync(*database_,
                   [&](Store& store) { return completeLogin(store, *account, matches, options); });
  }

  Result<model::SessionWithUser> authenticateSync(const std::string& token) {
    return runSync(*database_, [&](Store& store) { return authenticate(store, token); });
  }

  model::User admin_;
};

TEST_F(SessionServiceTest, LoginStoresOnlyTheTokenHashAndAuthenticates) {
  auto login = loginSync("admin", kPassword, {"android_rn-v2:push", 2h});
  ASSERT_TRUE(login.ok()) << login.error().id;
  EXPECT_TRUE(model::isValidId(login->token));
  EXPECT_EQ(login->session.tokenHash, security::tokenHash(login->token));
  EXPECT_EQ(login->session.expiresAt - login->session.createAt, 2 * 3600 * 1000);
  EXPECT_EQ(login->session.roles, "system_admin system_user");
  EXPECT_TRUE(model::isValidId(login->session.csrfToken));

  auto found = authenticateSync(login->token);
  ASSERT_TRUE(found.ok()) << found.error().id;
  EXPECT_EQ(found->session.id, login->session.id);
  EXPECT_EQ(found->session.deviceId, "android_rn-v2:push");
  EXPECT_EQ(found->session.csrfToken, login->session.csrfToken);
  EXPECT_EQ(found->user.id, admin_.id);
  EXPECT_EQ(found->user.lastLogin, clock_->nowMillis());

  auto other = runSync(*database_, [&](Store& store) {
    return store.sessions().getByTokenHash(security::tokenHash(login->token + "x"));
  });
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kNotFound);
}

TEST_F(SessionServiceTest, ExpiryFollowsTheClockAndActivityIsRecordedNowAndThen) {
  auto login = loginSync("admin", kPassword, {"", 1h});
  ASSERT_TRUE(login.ok());
  const auto created = clock_->nowMillis();

  clock_->advance(1min);
  auto early = authenticateSync(login->token);
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->session.lastActivityAt, created) << "not written on every request";

  clock_->advance(10min);
  auto later = authenticateSync(login->token);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->session.lastActivityAt, clock_->nowMillis());

  clock_->advance(50min);
  auto expired = authenticateSync(login->token);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().id, kSessionExpiredId);
}

TEST_F(SessionServiceTest, ADeviceLoggingInAgainReplacesItsSession) {
  auto first = loginSync("admin", kPassword, {"ios-device", 1h});
  auto other = loginSync("admin", kPassword, {"", 1h});
  auto second = loginSync("admin", kPassword, {"ios-device", 1h});
  ASSERT_TRUE(first.ok() && other.ok() && second.ok());
  EXPECT_FALSE(authenticateSync(first->token).ok());
  EXPECT_TRUE(authenticateSync(other->token).ok());
  EXPECT_TRUE(authenticateSync(second->token).ok());

  auto revoked = runSync(*database_,
                         [&](Store& store) { return store.sessions().revokeAllOfUser(admin_.id); });
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(*revoked, 2);
  EXPECT_FALSE(authenticateSync(other->token).ok());
  EXPECT_FALSE(authenticateSync(second->token).ok());
}

TEST_F(SessionServiceTest, FailuresAreCountedAndLockTheAccount) {
  for (int i = 0; i < kMaximumLoginAttempts; ++i) {
    auto wrong = loginSync("admin", "wrong password");
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.error().id, kInvalidCredentialsId);
  }
  auto locked = loginSync("admin", kPassword);
  ASSERT_FALSE(locked.ok());
  EXPECT_EQ(locked.error().id, "api.user.check_user_login_attempts.too_many.app_error");

  auto unknown = loginSync("nobody@example.org", kPassword);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().id, kInvalidCredentialsId);
  EXPECT_EQ(unknown.error().code, ErrorCode::kUnauthenticated);
}

}  // namespace
}  // namespace parley::core::services
