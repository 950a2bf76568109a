#include "gateway/websocket/member_cache.hpp"

#include <gtest/gtest.h>

#include <map>

#include "gateway/websocket/event_renderer.hpp"

namespace parley::gateway::websocket {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
namespace ev = core::events;

// The database: members by channel or team id; answers at once, or later when held.
class Source final : public MemberLookup {
 public:
  std::map<std::string, std::vector<std::string>> members;
  bool hold = false;
  bool fail = false;
  std::vector<std::pair<std::string, Done>> held;
  int lookups = 0;

  void channelMembers(const std::string& channelId, Done done) override {
    ++lookups;
    if (hold) {
      held.emplace_back(channelId, std::move(done));
    } else {
      answer(channelId, done);
    }
  }
  void teamMembers(const std::string& teamId, Done done) override {
    ++lookups;
    answer(teamId, done);
  }
  // Answers the oldest held lookup with the members as they are now.
  void releaseOldest() {
    auto [id, done] = std::move(held.front());
    held.erase(held.begin());
    answer(id, done);
  }

 private:
  void answer(const std::string& id, const Done& done) {
    if (fail) {
      done(core::makeError(core::ErrorCode::kUnavailable, "store.unavailable", "down"));
    } else {
      done(memberList(members[id]));
    }
  }
};

// What one lookup answered.
struct Answer {
  bool called = false;
  core::Result<MemberList> members = MemberList();
  std::vector<std::string> ids() const {
    return members && *members ? **members : std::vector<std::string>{};
  }
};

class MemberCacheTest : public ::testing::Test {
 protected:
  MemberCacheTest() {
    source_ = std::make_shared<Source>();
    source_->members["town"] = {"bob", "alice"};
    source_->members["other"] = {"alice", "carol"};
    clock_ = std::make_shared<core::ManualClock>();
    MemberCacheOptions options;
    options.maxAge = 10s;
    options.maxChannels = 3;
    cache_ = MemberCache::create(source_, clock_, options);
  }

  std::shared_ptr<Answer> ask(const std::string& channelId) {
    auto answer = std::make_shared<Answer>();
    cache_->channelMembers(channelId, [answer](core::Result<MemberList> members) {
      answer->called = true;
      answer->members = std::move(members);
    });
    return answer;
  }
  void observe(const ev::DomainEvent& event) {
    for (const auto& rendered : renderEvent(event)) cache_->observe(rendered);
  }

  std::shared_ptr<Source> source_;
  std::shared_ptr<core::ManualClock> clock_;
  std::shared_ptr<MemberCache> cache_;
};

TEST_F(MemberCacheTest, AChannelIsReadOnceAndSharedSorted) {
  const auto first = ask("town");
  const auto second = ask("town");
  ASSERT_TRUE(first->called && second->called);
  EXPECT_EQ(first->ids(), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(first->members->get(), second->members->get()) << "one list for every event";
  EXPECT_EQ(source_->lookups, 1);
  // Events that leave memberships alone keep it.
  ev::Event posted{"posted", json::object(), {}};
  posted.audience.channelId = "town";
  cache_->observe(posted);
  ask("town");
  EXPECT_EQ(source_->lookups, 1);
}

TEST_F(MemberCacheTest, AnAddedMemberIsInTheNextAnswer) {
  ask("town");
  source_->members["town"].push_back("dave");
  observe(ev::ChannelMemberAdded{"town", "team", "dave", "alice"});
  EXPECT_EQ(ask("town")->ids(), (std::vector<std::string>{"alice", "bob", "dave"}));
}

TEST_F(MemberCacheTest, ARemovedMemberIsNotInTheNextAnswer) {
  ask("town");
  ask("other");
  source_->members["town"] = {"alice"};
  observe(ev::ChannelMemberRemoved{"town", "bob", "alice"});
  EXPECT_EQ(ask("town")->ids(), (std::vector<std::string>{"alice"}));
  EXPECT_EQ(source_->lookups, 3) << "only the channel concerned is read again";
  ask("other");
  EXPECT_EQ(source_->lookups, 3);
}

TEST_F(MemberCacheTest, AnyEventNamingAChannelThatMayChangeItsMembersForgetsIt) {
  ask("town");
  // As the relay would carry an event this cache does not know: on the safe side.
  ev::Event unknown{"some_future_event", json{{"channel_id", "town"}}, {}};
  unknown.audience.userId = "bob";
  cache_->observe(unknown);
  ask("town");
  EXPECT_EQ(source_->lookups, 2);

  core::model::Channel archived;
  archived.id = "town";
  archived.teamId = "team";
  archived.type = core::model::kChannelOpen;  // goes to the team, names the channel in data
  archived.deleteAt = 5;
  observe(ev::ChannelDeleted{archived});
  ask("town");
  EXPECT_EQ(source_->lookups, 3);
}

TEST_F(MemberCacheTest, LeavingATeamForgetsEveryChannelOfThatUser) {
  ask("town");   // alice, bob
  ask("other");  // alice, carol
  source_->members["town"] = {"alice"};
  observe(ev::TeamMemberRemoved{"team", "bob", "bob"});
  EXPECT_EQ(ask("town")->ids(), (std::vector<std::string>{"alice"}));
  EXPECT_EQ(source_->lookups, 3);
  ask("other");
  EXPECT_EQ(source_->lookups, 3) << "bob was not cached in it";
}

TEST_F(MemberCacheTest, ADeactivatedUserIsForgottenEverywhere) {
  ask("town");
  ask("other");
  core::model::User bob;
  bob.id = "bob";
  bob.username = "bob";
  observe(ev::UserUpdated{bob});
  ask("town");
  EXPECT_EQ(source_->lookups, 2) << "a profile change is no membership change";
  bob.deleteAt = 1234;
  source_->members["town"] = {"alice"};
  observe(ev::UserUpdated{bob});
  EXPECT_EQ(ask("town")->ids(), (std::vector<std::string>{"alice"}));
  EXPECT_EQ(source_->lookups, 3);
}

TEST_F(MemberCacheTest, ALookupUnderWayWhenItsChannelIsForgottenIsNotRemembered) {
  source_->hold = true;
  const auto before = ask("town");
  const auto alsoBefore = ask("town");
  EXPECT_EQ(source_->lookups, 1) << "one lookup for both";
  ASSERT_FALSE(before->called);
  // The removal commits and its event is seen while the first read is still under way; that
  // read may have happened before the commit.
  observe(ev::ChannelMemberRemoved{"town", "bob", "alice"});
  source_->releaseOldest();  // answers with bob: as the database was for it
  ASSERT_TRUE(before->called && alsoBefore->called);
  source_->members["town"] = {"alice"};
  const auto after = ask("town");
  EXPECT_EQ(source_->lookups, 2) << "the old answer was not kept";
  source_->releaseOldest();
  EXPECT_EQ(after->ids(), (std::vector<std::string>{"alice"}));
}

TEST_F(MemberCacheTest, LeavingATeamForgetsLookupsUnderWay) {
  source_->hold = true;
  ask("other");  // the read may already have found bob, wherever
  observe(ev::TeamMemberRemoved{"team", "bob", "bob"});
  source_->releaseOldest();
  source_->hold = false;
  ask("other");
  EXPECT_EQ(source_->lookups, 2);
}

TEST_F(MemberCacheTest, EntriesAreReadAgainAfterMaxAge) {
  ask("town");
  clock_->advance(9s);
  ask("town");
  EXPECT_EQ(source_->lookups, 1);
  clock_->advance(2s);
  source_->members["town"] = {"zoe"};
  EXPECT_EQ(ask("town")->ids(), (std::vector<std::string>{"zoe"}));
  EXPECT_EQ(source_->lookups, 2);
}

TEST_F(MemberCacheTest, FailuresAreAnsweredButNotRemembered) {
  source_->fail = true;
  const auto failed = ask("town");
  ASSERT_TRUE(failed->called);
  EXPECT_FALSE(failed->members);
  source_->fail = false;
  EXPECT_EQ(ask("town")->ids(), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(source_->lookups, 2);
}

TEST_F(MemberCacheTest, DeletingATeamForgetsEverythingAndTheSizeIsBounded) {
  ask("town");
  ask("other");
  observe(ev::TeamDeleted{core::model::Team{}});
  ask("town");
  ask("other");
  EXPECT_EQ(source_->lookups, 4);
  for (const char* id : {"a", "b", "c", "d", "e"}) ask(id);
  EXPECT_LE(cache_->size(), 3u);
  EXPECT_EQ(ask("e")->called, true);
}

TEST_F(MemberCacheTest, TeamsAreAlwaysAskedOfTheSource) {
  int answers = 0;
  cache_->teamMembers("other", [&](core::Result<MemberList> members) {
    ++answers;
    EXPECT_EQ(**members, (std::vector<std::string>{"alice", "carol"}));
  });
  cache_->teamMembers("other", [&](core::Result<MemberList>) { ++answers; });
  EXPECT_EQ(answers, 2);
  EXPECT_EQ(source_->lookups, 2);
}

}  // namespace
}  // namespace parley::gateway::websocket
