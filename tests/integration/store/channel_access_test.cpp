// The permission inputs of a channel read from a real PostgreSQL in one query
// (ChannelStore::access) and the decisions built on them (core/services/permissions.hpp).
// Rows are written with SQL here because the team and channel services are not what is tested.

#include <gtest/gtest.h>

#include "core/model/permissions.hpp"
#include "core/services/permissions.hpp"
#include "core/store/postgres/connection.hpp"
#include "tests/integration/store/store_fixture.hpp"

namespace parley::core::services {
namespace {

using store::Store;
using testing::runSync;

namespace p = model::permission;

// Ids are 26 characters; these spell out what they stand for.
constexpr const char* kMember = "memberuseraaaaaaaaaaaaaaaa";
constexpr const char* kOutsider = "outsideruseraaaaaaaaaaaaaa";
constexpr const char* kGuest = "guestuseraaaaaaaaaaaaaaaaa";
constexpr const char* kTeam = "teamaaaaaaaaaaaaaaaaaaaaaa";
constexpr const char* kTownSquare = "townsquareaaaaaaaaaaaaaaaa";
constexpr const char* kSecret = "secretaaaaaaaaaaaaaaaaaaaa";

constexpr const char* kFixture = R"sql(
INSERT INTO users (id, username, email, roles) VALUES
  ('memberuseraaaaaaaaaaaaaaaa', 'member', 'member@example.org', 'system_user'),
  ('outsideruseraaaaaaaaaaaaaa', 'outsider', 'outsider@example.org', 'system_user'),
  ('guestuseraaaaaaaaaaaaaaaaa', 'guest', 'guest@example.org', 'system_guest');
INSERT INTO teams (id, display_name, name) VALUES ('teamaaaaaaaaaaaaaaaaaaaaaa', 'Ops', 'ops');
INSERT INTO team_members (team_id, user_id, scheme_user, scheme_guest, scheme_admin) VALUES
  ('teamaaaaaaaaaaaaaaaaaaaaaa', 'memberuseraaaaaaaaaaaaaaaa', true, false, true),
  ('teamaaaaaaaaaaaaaaaaaaaaaa', 'guestuseraaaaaaaaaaaaaaaaa', false, true, false);
INSERT INTO channels (id, team_id, type, display_name, name, header, total_msg_count, props,
                      classification, security_label) VALUES
  ('townsquareaaaaaaaaaaaaaaaa', 'teamaaaaaaaaaaaaaaaaaaaaaa', 'O', 'Town Square',
   'town-square', 'Welcome', 42, NULL, '', '{}'),
  ('secretaaaaaaaaaaaaaaaaaaaa', 'teamaaaaaaaaaaaaaaaaaaaaaa', 'P', 'Secret', 'secret', '', 0,
   '{"k": "v"}', 'SECRET', '{"classification": "SECRET"}');
INSERT INTO channel_members (channel_id, user_id, last_viewed_at, msg_count) VALUES
  ('secretaaaaaaaaaaaaaaaaaaaa', 'memberuseraaaaaaaaaaaaaaaa', 1700000000000, 7);
)sql";

class ChannelAccessTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    migrateOrFail();
    auto connection = store::postgres::Connection::open(dsn_, {});
    ASSERT_TRUE(connection.ok()) << connection.error().detail;
    auto written = (*connection)->execScript(kFixture);
    ASSERT_TRUE(written.ok()) << written.error().detail;
    openPool();
  }

  Result<ChannelAccess> require(const char* userId, const char* channelId,
                                std::string_view permission) {
    return runSync(*database_, [&](Store& store) -> Result<ChannelAccess> {
      auto user = store.users().getById(userId);
      if (!user) return std::move(user).error();
      return requireChannelPermission(store, *user, channelId, permission);
    });
  }
};

TEST_F(ChannelAccessTest, ReadsTheChannelAndBothMembershipsInOneQuery) {
  auto access =
      runSync(*database_, [](Store& store) { return store.channels().access(kMember, kSecret); });
  ASSERT_TRUE(access.ok()) << access.error().detail;
  EXPECT_EQ(access->channel.name, "secret");
  EXPECT_EQ(access->channel.type, model::kChannelPrivate);
  EXPECT_EQ(access->channel.teamId, kTeam);
  EXPECT_EQ(access->channel.props, nlohmann::json({{"k", "v"}}));
  EXPECT_EQ(access->channel.classification, "SECRET");
  ASSERT_TRUE(access->teamMember.has_value());
  EXPECT_EQ(access->teamMember->roles(), "team_user team_admin");
  ASSERT_TRUE(access->member.has_value());
  EXPECT_EQ(access->member->lastViewedAt, 1700000000000);
  EXPECT_EQ(access->member->msgCount, 7);
  EXPECT_EQ(access->member->roles(), "channel_user");

  auto open = runSync(*database_,
                      [](Store& store) { return store.channels().access(kOutsider, kTownSquare); });
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(open->channel.totalMsgCount, 42);
  EXPECT_TRUE(open->channel.props.is_null());
  EXPECT_FALSE(open->teamMember.has_value());
  EXPECT_FALSE(open->member.has_value());
}

TEST_F(ChannelAccessTest, AnUnknownChannelIsNotFound) {
  auto access = runSync(*database_, [](Store& store) {
    return store.channels().access(kMember, "nosuchchannelaaaaaaaaaaaaa");
  });
  ASSERT_FALSE(access.ok());
  EXPECT_EQ(access.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(access.error().id, "app.channel.get.existing.app_error");
}

TEST_F(ChannelAccessTest, DecisionsFollowMembershipAndRoles) {
  EXPECT_TRUE(require(kMember, kTownSquare, p::kReadChannel).ok());
  EXPECT_TRUE(require(kMember, kSecret, p::kCreatePost).ok());
  // A team member reads the open channel but may not post before joining.
  EXPECT_EQ(require(kMember, kTownSquare, p::kCreatePost).error().code,
            ErrorCode::kPermissionDenied);
  // Outside the team: nothing. A guest of the team: not even the open channel.
  EXPECT_EQ(require(kOutsider, kTownSquare, p::kReadChannel).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(require(kGuest, kTownSquare, p::kReadChannel).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(require(kGuest, kSecret, p::kReadChannel).error().id,
            "api.context.permissions.app_error");
}

}  // namespace
}  // namespace parley::core::services
