// Domain events against a real PostgreSQL: Store::afterCommit() hands events to the database's
// sink only after COMMIT succeeded (nothing for a rollback, at once outside a transaction), and
// the services record what they did: posts with their mentioned members, edits, deletions,
// reactions, memberships, read state and preferences, and nothing when they refuse.

#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "core/services/channel_service.hpp"
#include "core/services/post_service.hpp"
#include "core/services/reaction_service.hpp"
#include "core/services/team_service.hpp"
#include "core/services/user_service.hpp"
#include "core/store/postgres/connection.hpp"
#include "tests/integration/store/store_fixture.hpp"

namespace parley::core::services {
namespace {

using store::Store;
using testing::runSync;

constexpr const char* kAlice = "aliceuseraaaaaaaaaaaaaaaaa";
constexpr const char* kBob = "bobuseraaaaaaaaaaaaaaaaaaa";
constexpr const char* kCarol = "caroluseraaaaaaaaaaaaaaaaa";
constexpr const char* kTeam = "teamaaaaaaaaaaaaaaaaaaaaaa";
constexpr const char* kTownSquare = "townsquareaaaaaaaaaaaaaaaa";
constexpr const char* kSecret = "secretaaaaaaaaaaaaaaaaaaaa";
constexpr const char* kArchived = "archivedaaaaaaaaaaaaaaaaaa";

constexpr const char* kFixture = R"sql(
INSERT INTO users (id, username, email, roles) VALUES
  ('aliceuseraaaaaaaaaaaaaaaaa', 'alice', 'alice@example.org', 'system_user'),
  ('bobuseraaaaaaaaaaaaaaaaaaa', 'bob', 'bob@example.org', 'system_user'),
  ('caroluseraaaaaaaaaaaaaaaaa', 'carol', 'carol@example.org', 'system_user');
INSERT INTO teams (id, display_name, name) VALUES ('teamaaaaaaaaaaaaaaaaaaaaaa', 'Ops', 'ops');
INSERT INTO team_members (team_id, user_id, scheme_user, scheme_guest, scheme_admin) VALUES
  ('teamaaaaaaaaaaaaaaaaaaaaaa', 'aliceuseraaaaaaaaaaaaaaaaa', true, false, true),
  ('teamaaaaaaaaaaaaaaaaaaaaaa', 'bobuseraaaaaaaaaaaaaaaaaaa', true, false, false),
  ('teamaaaaaaaaaaaaaaaaaaaaaa', 'caroluseraaaaaaaaaaaaaaaaa', true, false, false);
INSERT INTO channels (id, team_id, type, display_name, name, delete_at) VALUES
  ('townsquareaaaaaaaaaaaaaaaa', 'teamaaaaaaaaaaaaaaaaaaaaaa', 'O', 'Town Square', 'town-square', 0),
  ('secretaaaaaaaaaaaaaaaaaaaa', 'teamaaaaaaaaaaaaaaaaaaaaaa', 'P', 'Secret', 'secret', 0),
  ('archivedaaaaaaaaaaaaaaaaaa', 'teamaaaaaaaaaaaaaaaaaaaaaa', 'O', 'Old', 'old', 5);
INSERT INTO channel_members (channel_id, user_id, scheme_user, scheme_guest, scheme_admin) VALUES
  ('townsquareaaaaaaaaaaaaaaaa', 'aliceuseraaaaaaaaaaaaaaaaa', true, false, false),
  ('townsquareaaaaaaaaaaaaaaaa', 'bobuseraaaaaaaaaaaaaaaaaaa', true, false, false),
  ('secretaaaaaaaaaaaaaaaaaaaa', 'aliceuseraaaaaaaaaaaaaaaaa', true, false, true),
  ('secretaaaaaaaaaaaaaaaaaaaa', 'bobuseraaaaaaaaaaaaaaaaaaa', true, false, false),
  ('archivedaaaaaaaaaaaaaaaaaa', 'aliceuseraaaaaaaaaaaaaaaaa', true, false, false);
)sql";

// Records what the sink received (called on the pool's workers).
class Recorder {
 public:
  events::DomainEventSink sink() {
    return [this](const events::DomainEvent& event) {
      std::lock_guard lock(mutex_);
      events_.push_back(event);
    };
  }
  std::vector<events::DomainEvent> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(events_, {});
  }
  std::size_t size() {
    std::lock_guard lock(mutex_);
    return events_.size();
  }

 private:
  std::mutex mutex_;
  std::vector<events::DomainEvent> events_;
};

class DomainEventsTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    migrateOrFail();
    auto connection = store::postgres::Connection::open(dsn_, {});
    ASSERT_TRUE(connection.ok()) << connection.error().detail;
    sql_ = std::move(*connection);
    auto written = sql_->execScript(kFixture);
    ASSERT_TRUE(written.ok()) << written.error().detail;
    clock_->advance(std::chrono::milliseconds(1'700'000'000'000 - clock_->nowMillis()));
    openPool(2, recorder_.sink());
  }

  model::User user(const char* id) {
    auto found = runSync(*database_, [id](Store& s) { return s.users().getById(id); });
    EXPECT_TRUE(found.ok());
    return found.ok() ? *found : model::User{};
  }

  Result<model::Post> post(const char* author, const char* channel, std::string message) {
    model::Post draft;
    draft.channelId = channel;
    draft.message = std::move(message);
    const model::User who = user(author);
    return runSync(*database_, [&](Store& s) { return createPost(s, who, draft); });
  }

  // The only event recorded since the last take(), as T.
  template <typename T>
  T only() {
    auto recorded = recorder_.take();
    EXPECT_EQ(recorded.size(), 1u);
    if (recorded.size() != 1 || !std::holds_alternative<T>(recorded.front())) {
      ADD_FAILURE() << "expected exactly one event of the awaited type";
      return T{};
    }
    return std::get<T>(recorded.front());
  }

  std::string scalar(const char* sql) {
    auto rows = sql_->execScript(sql);
    EXPECT_TRUE(rows.ok()) << (rows.ok() ? "" : rows.error().detail);
    return rows.ok() && !rows->empty() ? rows->string(0, 0) : "";
  }

  Recorder recorder_;
  std::unique_ptr<store::postgres::Connection> sql_;
};

events::StatusChanged marker(const char* status) { return events::StatusChanged{kAlice, status}; }

TEST_F(DomainEventsTest, ACommittedTransactionDeliversItsEventsAfterCommitInOrder) {
  std::size_t seenInside = 99;
  Status status = runSync(*database_, [&](Store& s) {
    return s.transaction([&](Store& tx) -> Status {
      tx.afterCommit(marker("first"));
      auto created = tx.preferences().save({{kAlice, "display_settings", "x", "1"}});
      if (!created) return created;
      tx.afterCommit(marker("second"));
      seenInside = recorder_.size();
      return {};
    });
  });
  ASSERT_TRUE(status.ok()) << status.error().detail;
  EXPECT_EQ(seenInside, 0u) << "nothing is delivered before COMMIT";
  auto recorded = recorder_.take();
  ASSERT_EQ(recorded.size(), 2u);
  EXPECT_EQ(std::get<events::StatusChanged>(recorded[0]).status, "first");
  EXPECT_EQ(std::get<events::StatusChanged>(recorded[1]).status, "second");
}

// A transaction's OutboundQueued events reach the sink as one, where the first one was: the
// drainer is woken once per commit, with every link and decided row of it, in order.
TEST_F(DomainEventsTest, ATransactionsOutboundChangesWakeTheDrainerOnce) {
  const auto queued = [](std::vector<std::string> linkIds, std::int64_t liveRow) {
    events::OutboundQueued event;
    event.linkIds = std::move(linkIds);
    event.subjectId = kAlice;
    if (liveRow != 0) {
      events::LiveCrossing crossing;
      crossing.permitted = true;
      crossing.outboxId = liveRow;
      event.live.push_back(std::move(crossing));
    }
    return event;
  };
  Status status = runSync(*database_, [&](Store& s) {
    return s.transaction([&](Store& tx) -> Status {
      tx.afterCommit(marker("before"));
      tx.afterCommit(queued({"link-a"}, 0));
      tx.afterCommit(marker("between"));
      tx.afterCommit(queued({"link-b", "link-a"}, 7));
      tx.afterCommit(queued({}, 8));
      return {};
    });
  });
  ASSERT_TRUE(status.ok()) << status.error().detail;
  auto recorded = recorder_.take();
  ASSERT_EQ(recorded.size(), 3u);
  EXPECT_EQ(std::get<events::StatusChanged>(recorded[0]).status, "before");
  const auto& merged = std::get<events::OutboundQueued>(recorded[1]);
  EXPECT_EQ(merged.linkIds, (std::vector<std::string>{"link-a", "link-b"}));
  ASSERT_EQ(merged.live.size(), 2u);
  EXPECT_EQ(merged.live[0].outboxId, 7);
  EXPECT_EQ(merged.live[1].outboxId, 8);
  EXPECT_EQ(std::get<events::StatusChanged>(recorded[2]).status, "between");
}

TEST_F(DomainEventsTest, ARolledBackTransactionDeliversNothing) {
  Status refused = runSync(*database_, [&](Store& s) {
    return s.transaction([&](Store& tx) -> Status {
      tx.afterCommit(marker("lost"));
      return makeError(ErrorCode::kInvalidArgument, "test.refused", "refused");
    });
  });
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(recorder_.size(), 0u);

  // A statement that fails inside the body, whose error the body ignores: COMMIT rolls back.
  Status ignored = runSync(*database_, [&](Store& s) {
    return s.transaction([&](Store& tx) -> Status {
      tx.afterCommit(marker("lost too"));
      model::User duplicate;
      duplicate.id = kAlice;
      duplicate.username = "alice2";
      duplicate.email = "alice2@example.org";
      EXPECT_FALSE(tx.users().create(duplicate).ok());
      return {};
    });
  });
  ASSERT_FALSE(ignored.ok());
  EXPECT_EQ(ignored.error().id, "store.transaction.rolled_back");
  EXPECT_EQ(recorder_.size(), 0u) << "a COMMIT that rolled back delivers nothing";

  // The next transaction on the same worker starts clean.
  Status next = runSync(*database_, [&](Store& s) {
    return s.transaction([&](Store& tx) -> Status {
      tx.afterCommit(marker("kept"));
      return {};
    });
  });
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(only<events::StatusChanged>().status, "kept");
}

TEST_F(DomainEventsTest, NestedTransactionsDeliverWithTheOutermostCommit) {
  Status failed = runSync(*database_, [&](Store& s) {
    return s.transaction([&](Store& outer) -> Status {
      Status inner = outer.transaction([&](Store& tx) -> Status {
        tx.afterCommit(marker("inner"));
        return {};
      });
      EXPECT_EQ(recorder_.size(), 0u) << "the inner commit is not the real one";
      if (!inner) return inner;
      return makeError(ErrorCode::kInvalidArgument, "test.refused", "refused");
    });
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(recorder_.size(), 0u);
}

TEST_F(DomainEventsTest, OutsideATransactionAnEventIsDeliveredAtOnce) {
  std::size_t seenRightAfter = 0;
  Status done = runSync(*database_, [&](Store& s) {
    s.afterCommit(marker("now"));
    seenRightAfter = recorder_.size();
    return Status{};
  });
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(seenRightAfter, 1u);
  EXPECT_EQ(only<events::StatusChanged>().status, "now");
}

TEST_F(DomainEventsTest, ANewPostCarriesItsChannelSenderAndMentionedMembers) {
  auto created = post(kAlice, kTownSquare, "hello @bob and @carol");
  ASSERT_TRUE(created.ok()) << created.error().id;
  const auto event = only<events::PostCreated>();
  EXPECT_EQ(event.post.id, created->id);
  EXPECT_EQ(event.post.message, "hello @bob and @carol");
  EXPECT_EQ(event.channel.id, kTownSquare);
  EXPECT_EQ(event.channel.type, model::kChannelOpen);
  EXPECT_EQ(event.channel.name, "town-square");
  EXPECT_EQ(event.channel.teamId, kTeam);
  EXPECT_EQ(event.senderUsername, "alice");
  EXPECT_TRUE(event.setOnline);
  EXPECT_EQ(event.mentionedUserIds, std::vector<std::string>{kBob})
      << "carol is not a member of the channel; alice does not mention herself";

  ASSERT_TRUE(post(kBob, kTownSquare, "@channel look").ok());
  EXPECT_EQ(only<events::PostCreated>().mentionedUserIds, std::vector<std::string>{kAlice});
}

TEST_F(DomainEventsTest, ARefusedPostRecordsNothing) {
  EXPECT_FALSE(post(kAlice, kArchived, "into the archive").ok());
  EXPECT_FALSE(post(kCarol, kSecret, "not a member").ok());
  EXPECT_EQ(recorder_.size(), 0u);
  EXPECT_EQ(scalar("SELECT count(*) FROM posts"), "0");
}

TEST_F(DomainEventsTest, EditsDeletionsAndReactions) {
  auto created = post(kAlice, kTownSquare, "first");
  ASSERT_TRUE(created.ok());
  recorder_.take();
  const model::User alice = user(kAlice);
  const model::User bob = user(kBob);

  PostPatch patch;
  patch.message = "second";
  ASSERT_TRUE(
      runSync(*database_, [&](Store& s) { return patchPost(s, alice, created->id, patch); }).ok());
  const auto edited = only<events::PostEdited>();
  EXPECT_EQ(edited.post.message, "second");
  EXPECT_NE(edited.post.editAt, 0);

  // Bob may not edit Alice's post: nothing happens, nothing is announced.
  EXPECT_FALSE(
      runSync(*database_, [&](Store& s) { return patchPost(s, bob, created->id, patch); }).ok());
  EXPECT_EQ(recorder_.size(), 0u);

  model::Reaction reaction;
  reaction.userId = kBob;
  reaction.postId = created->id;
  reaction.emojiName = "thumbsup";
  ASSERT_TRUE(runSync(*database_, [&](Store& s) { return addReaction(s, bob, reaction); }).ok());
  const auto added = only<events::ReactionAdded>();
  EXPECT_EQ(added.reaction.channelId, kTownSquare);
  EXPECT_EQ(added.reaction.emojiName, "thumbsup");

  ASSERT_TRUE(runSync(*database_, [&](Store& s) {
                return removeReaction(s, bob, kBob, created->id, "thumbsup");
              }).ok());
  const auto removed = only<events::ReactionRemoved>();
  EXPECT_EQ(removed.reaction.userId, kBob);
  EXPECT_EQ(removed.reaction.channelId, kTownSquare);
  // Removing it again removes nothing and announces nothing.
  ASSERT_TRUE(runSync(*database_, [&](Store& s) {
                return removeReaction(s, bob, kBob, created->id, "thumbsup");
              }).ok());
  EXPECT_EQ(recorder_.size(), 0u);

  ASSERT_TRUE(
      runSync(*database_, [&](Store& s) { return deletePost(s, alice, created->id); }).ok());
  const auto deleted = only<events::PostDeleted>();
  EXPECT_EQ(deleted.post.id, created->id);
  EXPECT_NE(deleted.post.deleteAt, 0);
  EXPECT_EQ(deleted.deletedBy, kAlice);
}

TEST_F(DomainEventsTest, MembershipsReadStateAndPreferences) {
  const model::User alice = user(kAlice);
  const model::User carol = user(kCarol);
  // Bob is in the channel already: only Carol is new.
  auto added = runSync(*database_, [&](Store& s) {
    return addChannelMembers(s, alice, kSecret, {kBob, kCarol});
  });
  ASSERT_TRUE(added.ok()) << added.error().id;
  const auto joined = only<events::ChannelMemberAdded>();
  EXPECT_EQ(joined.userId, kCarol);
  EXPECT_EQ(joined.channelId, kSecret);
  EXPECT_EQ(joined.teamId, kTeam);
  EXPECT_EQ(joined.actorId, kAlice);

  ASSERT_TRUE(runSync(*database_, [&](Store& s) {
                return removeChannelMember(s, carol, kSecret, kCarol);
              }).ok());
  const auto left = only<events::ChannelMemberRemoved>();
  EXPECT_EQ(left.userId, kCarol);
  EXPECT_EQ(left.removerId, kCarol);

  auto viewed = runSync(*database_, [&](Store& s) {
    return viewChannels(s, alice, kAlice, {kTownSquare, kSecret, kTownSquare});
  });
  ASSERT_TRUE(viewed.ok());
  const auto read = only<events::ChannelsViewed>();
  EXPECT_EQ(read.userId, kAlice);
  EXPECT_EQ(read.lastViewedAt.size(), 2u);
  EXPECT_EQ(read.lastViewedAt.at(kSecret), 1'700'000'000'000);

  const std::vector<model::Preference> preferences{
      {kAlice, "display_settings", "use_military_time", "true"}};
  ASSERT_TRUE(runSync(*database_, [&](Store& s) {
                return savePreferences(s, alice, kAlice, preferences);
              }).ok());
  const auto changed = only<events::PreferencesChanged>();
  EXPECT_EQ(changed.userId, kAlice);
  ASSERT_EQ(changed.preferences.size(), 1u);
  EXPECT_EQ(changed.preferences.front().name, "use_military_time");
  // Someone else's preferences: refused, nothing announced.
  EXPECT_FALSE(runSync(*database_, [&](Store& s) {
                 return savePreferences(s, carol, kAlice, preferences);
               }).ok());
  EXPECT_EQ(recorder_.size(), 0u);
}

TEST_F(DomainEventsTest, TeamChanges) {
  const model::User alice = user(kAlice);
  const model::User bob = user(kBob);
  TeamPatch patch;
  patch.displayName = "Operations";
  // Bob is no team admin: refused, nothing announced.
  EXPECT_FALSE(runSync(*database_, [&](Store& s) { return patchTeam(s, bob, kTeam, patch); }).ok());
  EXPECT_EQ(recorder_.size(), 0u);
  ASSERT_TRUE(
      runSync(*database_, [&](Store& s) { return patchTeam(s, alice, kTeam, patch); }).ok());
  EXPECT_EQ(only<events::TeamUpdated>().team.displayName, "Operations");

  ASSERT_TRUE(runSync(*database_, [&](Store& s) {
                return updateTeamMemberRoles(s, alice, kTeam, kBob, "team_user team_admin");
              }).ok());
  const auto roles = only<events::TeamMemberRolesUpdated>();
  EXPECT_EQ(roles.member.userId, kBob);
  EXPECT_TRUE(roles.member.schemeAdmin);

  ASSERT_TRUE(
      runSync(*database_, [&](Store& s) { return removeTeamMember(s, bob, kTeam, kCarol); }).ok());
  const auto removed = only<events::TeamMemberRemoved>();
  EXPECT_EQ(removed.userId, kCarol);
  EXPECT_EQ(removed.removerId, kBob);
}

}  // namespace
}  // namespace parley::core::services
