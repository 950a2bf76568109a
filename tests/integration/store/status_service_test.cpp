// User statuses against a real PostgreSQL: validation and permissions of setStatus, a manual
// status winning over the one derived from activity, and StatusChanged recorded only when what
// others see changes (also for the first WebSocket connection, markConnected).

#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "core/services/status_service.hpp"
#include "core/services/user_service.hpp"
#include "core/store/postgres/connection.hpp"
#include "tests/integration/store/store_fixture.hpp"

namespace parley::core::services {
namespace {

using store::Store;
using testing::runSync;

constexpr const char* kAlice = "aliceuseraaaaaaaaaaaaaaaaa";
constexpr const char* kBob = "bobuseraaaaaaaaaaaaaaaaaaa";
constexpr const char* kAdmin = "adminuseraaaaaaaaaaaaaaaaa";

constexpr const char* kFixture = R"sql(
INSERT INTO users (id, username, email, roles) VALUES
  ('aliceuseraaaaaaaaaaaaaaaaa', 'alice', 'alice@example.org', 'system_user'),
  ('bobuseraaaaaaaaaaaaaaaaaaa', 'bob', 'bob@example.org', 'system_user'),
  ('adminuseraaaaaaaaaaaaaaaaa', 'admin', 'admin@example.org', 'system_user system_admin');
)sql";

class StatusServiceTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    migrateOrFail();
    auto connection = store::postgres::Connection::open(dsn_, {});
    ASSERT_TRUE(connection.ok()) << connection.error().detail;
    auto written = (*connection)->execScript(kFixture);
    ASSERT_TRUE(written.ok()) << written.error().detail;
    clock_->advance(std::chrono::milliseconds(1'700'000'000'000 - clock_->nowMillis()));
    openPool(2, [this](const events::DomainEvent& event) {
      std::lock_guard lock(mutex_);
      if (const auto* changed = std::get_if<events::StatusChanged>(&event)) {
        changes_.push_back(changed->userId + ":" + changed->status);
      }
    });
  }

  model::User user(const char* id) {
    auto found = runSync(*database_, [id](Store& s) { return s.users().getById(id); });
    EXPECT_TRUE(found.ok());
    return found.ok() ? *found : model::User{};
  }

  Result<model::UserStatus> set(const char* caller, const char* target, const char* status,
                                std::int64_t dndEndTime = 0) {
    const model::User who = user(caller);
    return runSync(*database_,
                   [&](Store& s) { return setStatus(s, who, target, status, dndEndTime); });
  }

  std::string seenStatus(const char* target) {
    const model::User viewer = user(kBob);
    auto statuses = runSync(*database_, [&](Store& s) { return statusesOf(s, viewer, {target}); });
    EXPECT_TRUE(statuses.ok());
    return statuses.ok() && statuses->size() == 1 ? statuses->front().status : "";
  }

  std::vector<std::string> changes() {
    std::lock_guard lock(mutex_);
    return std::exchange(changes_, {});
  }

  std::mutex mutex_;
  std::vector<std::string> changes_;
};

TEST_F(StatusServiceTest, InvalidStatusesAndOtherUsersAreRefusedAndChangeNothing) {
  auto bad = set(kAlice, kAlice, "busy");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().id, "api.context.invalid_body_param.app_error");
  auto negative = set(kAlice, kAlice, "dnd", -1);
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().code, ErrorCode::kInvalidArgument);
  auto other = set(kBob, kAlice, "dnd");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kPermissionDenied);
  auto unknown = set(kAdmin, "nobodyaaaaaaaaaaaaaaaaaaaa", "dnd");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(seenStatus(kAlice), "offline");
  EXPECT_TRUE(changes().empty());
}

TEST_F(StatusServiceTest, AManualStatusWinsOverActivityAndIsAnnouncedOnlyWhenItChanges) {
  auto dnd = set(kAlice, kAlice, "dnd", 1'800'000'000);
  ASSERT_TRUE(dnd.ok()) << dnd.error().message;
  EXPECT_TRUE(dnd->manual);
  EXPECT_EQ(dnd->dndEndTime, 1'800'000'000);
  EXPECT_EQ(dnd->prevStatus, "offline");
  EXPECT_EQ(seenStatus(kAlice), "dnd");
  EXPECT_EQ(changes(), std::vector<std::string>{std::string(kAlice) + ":dnd"});

  ASSERT_TRUE(set(kAlice, kAlice, "dnd").ok());
  EXPECT_TRUE(changes().empty());

  // A WebSocket connection does not override what the user set.
  auto connected = runSync(*database_, [](Store& s) { return markConnected(s, kAlice); });
  ASSERT_TRUE(connected.ok());
  EXPECT_FALSE(*connected);
  EXPECT_EQ(seenStatus(kAlice), "dnd");

  ASSERT_TRUE(set(kAdmin, kAlice, "away").ok());
  EXPECT_EQ(seenStatus(kAlice), "away");
  EXPECT_EQ(changes(), std::vector<std::string>{std::string(kAlice) + ":away"});
}

TEST_F(StatusServiceTest, AConnectionMakesAUserOnlineOncePerWindow) {
  auto first = runSync(*database_, [](Store& s) { return markConnected(s, kBob); });
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(*first);
  EXPECT_EQ(seenStatus(kBob), "online");
  EXPECT_EQ(changes(), std::vector<std::string>{std::string(kBob) + ":online"});

  // Reconnections soon after write and announce nothing.
  clock_->advance(std::chrono::minutes(1));
  auto again = runSync(*database_, [](Store& s) { return markConnected(s, kBob); });
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  EXPECT_TRUE(changes().empty());

  // Past the online window the user looks offline again, and a connection announces online.
  clock_->advance(std::chrono::minutes(20));
  EXPECT_EQ(seenStatus(kBob), "offline");
  auto later = runSync(*database_, [](Store& s) { return markConnected(s, kBob); });
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(*later);
  EXPECT_EQ(changes(), std::vector<std::string>{std::string(kBob) + ":online"});
}

}  // namespace
}  // namespace parley::core::services
