#include "gateway/websocket/policy_filter.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/services/access_policy.hpp"
#include "tests/unit/core/policy/policy_fixtures.hpp"

namespace parley::gateway::websocket {
namespace {

using namespace std::chrono_literals;

// The member cache: fixed members per channel or team.
class Source final : public MemberLookup {
 public:
  std::map<std::string, std::vector<std::string>> members;
  std::vector<std::string> observed;
  bool fail = false;

  void channelMembers(const std::string& channelId, Done done) override {
    if (fail) {
      done(core::makeError(core::ErrorCode::kUnavailable, "store.unavailable", "down"));
      return;
    }
    done(memberList(members[channelId]));
  }
  void teamMembers(const std::string& teamId, Done done) override {
    done(memberList(members[teamId]));
  }
  void observe(const core::events::Event& event) override { observed.push_back(event.name); }
};

// The policy: who may read, and every user it was asked about; answers at once or when released.
struct Policy {
  std::set<std::string> readers;
  std::vector<std::string> asked;
  bool hold = false;
  std::vector<std::function<void()>> held;

  PolicyMemberFilter::Decider decider() {
    return [this](const std::string&, std::vector<std::string> userIds,
                  std::function<void(PolicyMemberFilter::Decisions)> done) {
      auto answer = [this, userIds, done] {
        PolicyMemberFilter::Decisions decided;
        for (const auto& id : userIds) decided[id] = readers.contains(id);
        done(std::move(decided));
      };
      asked.insert(asked.end(), userIds.begin(), userIds.end());
      if (hold) {
        held.push_back(answer);
      } else {
        answer();
      }
    };
  }
};

std::vector<policy::Source> bundle(const std::string& ruleId) {
  return {{"p.yaml", policy::testing::bundleHead() + "rules:\n  - {id: " + ruleId +
                         ", effect: permit, actions: [channel.read], when: [\"subject.role == "
                         "'member'\"]}\n"}};
}

class PolicyFilterTest : public ::testing::Test {
 protected:
  PolicyFilterTest() {
    source_ = std::make_shared<Source>();
    source_->members["vault"] = {"alice", "bob", "dave"};
    source_->members["team"] = {"alice", "bob", "carol", "dave"};
    policy_.readers = {"alice", "bob"};
    holder_ = std::make_shared<policy::PolicyHolder>();
    EXPECT_TRUE(holder_->reloadSources(bundle("A")).ok());
    clock_ = std::make_shared<core::ManualClock>();
    filter_ = PolicyMemberFilter::create(source_, holder_, policy_.decider(), clock_, 10s);
  }

  // The members the filter answers for `channelId` (empty on an error or no answer yet).
  std::vector<std::string> members(const std::string& channelId, bool* answered = nullptr) {
    std::vector<std::string> ids;
    if (answered) *answered = false;
    filter_->channelMembers(channelId, [&](core::Result<MemberList> list) {
      if (answered) *answered = true;
      if (list && *list) ids = **list;
    });
    return ids;
  }

  std::shared_ptr<Source> source_;
  Policy policy_;
  std::shared_ptr<policy::PolicyHolder> holder_;
  std::shared_ptr<core::ManualClock> clock_;
  std::shared_ptr<PolicyMemberFilter> filter_;
};

using Ids = std::vector<std::string>;

TEST_F(PolicyFilterTest, LeavesOutMembersThePolicyDeniesReading) {
  EXPECT_EQ(members("vault"), (Ids{"alice", "bob"}));
  EXPECT_EQ(policy_.asked, (Ids{"alice", "bob", "dave"}));
}

TEST_F(PolicyFilterTest, RemembersDecisionsAndDecidesOnlyNewMembers) {
  members("vault");
  policy_.asked.clear();
  EXPECT_EQ(members("vault"), (Ids{"alice", "bob"}));
  EXPECT_TRUE(policy_.asked.empty());
  source_->members["vault"] = {"alice", "bob", "carol", "dave"};
  policy_.readers.insert("carol");
  EXPECT_EQ(members("vault"), (Ids{"alice", "bob", "carol"}));
  EXPECT_EQ(policy_.asked, (Ids{"carol"}));
}

TEST_F(PolicyFilterTest, AReloadDecidesEveryoneAgain) {
  members("vault");
  policy_.asked.clear();
  policy_.readers = {"dave"};
  ASSERT_TRUE(holder_->reloadSources(bundle("B")).ok());
  EXPECT_EQ(members("vault"), (Ids{"dave"}));
  EXPECT_EQ(policy_.asked.size(), 3u);
}

TEST_F(PolicyFilterTest, AnAttributeChangeDecidesEveryoneAgain) {
  members("vault");
  policy_.readers.erase("bob");
  EXPECT_EQ(members("vault"), (Ids{"alice", "bob"}));  // not told yet: remembered
  core::services::notePolicyAttributesChanged();
  EXPECT_EQ(members("vault"), (Ids{"alice"}));
}

TEST_F(PolicyFilterTest, RoleAndChannelChangesDecideAgainOtherEventsDoNot) {
  members("vault");
  policy_.readers.erase("alice");
  filter_->observe(core::events::Event{"posted", {}, {}});
  EXPECT_EQ(members("vault"), (Ids{"alice", "bob"}));
  for (const char* name : {"user_role_updated", "user_updated", "channel_member_updated",
                           "memberrole_updated", "channel_updated"}) {
    policy_.readers.insert("alice");
    members("vault");
    policy_.readers.erase("alice");
    filter_->observe(core::events::Event{name, {}, {}});
    EXPECT_EQ(members("vault"), (Ids{"bob"})) << name;
  }
  // The member cache sees every event too.
  EXPECT_EQ(source_->observed.front(), "posted");
  EXPECT_EQ(source_->observed.size(), 6u);
}

TEST_F(PolicyFilterTest, DecisionsExpire) {
  members("vault");
  policy_.readers.erase("bob");
  clock_->advance(9s);
  EXPECT_EQ(members("vault"), (Ids{"alice", "bob"}));
  clock_->advance(2s);
  EXPECT_EQ(members("vault"), (Ids{"alice"}));
}

TEST_F(PolicyFilterTest, DecisionsMadeAcrossAChangeAnswerButAreNotKept) {
  policy_.hold = true;
  bool answered = false;
  std::vector<std::string> first;
  filter_->channelMembers("vault", [&](core::Result<MemberList> list) {
    answered = true;
    first = **list;
  });
  EXPECT_FALSE(answered);  // the event waits for its decisions
  core::services::notePolicyAttributesChanged();
  policy_.held.front()();  // decided under the old epoch
  EXPECT_TRUE(answered);
  EXPECT_EQ(first, (Ids{"alice", "bob"}));
  policy_.hold = false;
  policy_.asked.clear();
  policy_.readers = {"alice"};
  EXPECT_EQ(members("vault"), (Ids{"alice"}));
  EXPECT_EQ(policy_.asked.size(), 3u);
}

// With connection origins each member is decided once per origin, and remembered so: a user
// readable from the VPN only is listed for their VPN connections alone.
TEST_F(PolicyFilterTest, DecidesAndRemembersEachOriginApart) {
  using core::model::ConnectionOrigin;
  filter_ = PolicyMemberFilter::create(source_, holder_, policy_.decider(), clock_, 10s,
                                       {ConnectionOrigin::kDirect, ConnectionOrigin::kVpn});
  policy_.readers = {"alice/direct", "alice/vpn", "bob/vpn"};
  EXPECT_EQ(members("vault"), (Ids{"alice", "bob/vpn"}));
  EXPECT_EQ(policy_.asked,
            (Ids{"alice/direct", "alice/vpn", "bob/direct", "bob/vpn", "dave/direct", "dave/vpn"}));
  policy_.asked.clear();
  policy_.readers = {"bob/direct"};  // not told: the decisions made per origin are kept
  EXPECT_EQ(members("vault"), (Ids{"alice", "bob/vpn"}));
  EXPECT_TRUE(policy_.asked.empty());
  core::services::notePolicyAttributesChanged();
  EXPECT_EQ(members("vault"), (Ids{"bob/direct"}));
}

TEST_F(PolicyFilterTest, TeamAudiencesAndFailuresPassThrough) {
  std::vector<std::string> team;
  filter_->teamMembers("team", [&](core::Result<MemberList> list) { team = **list; });
  EXPECT_EQ(team, (Ids{"alice", "bob", "carol", "dave"}));
  source_->fail = true;
  bool failed = false;
  filter_->channelMembers("vault", [&](core::Result<MemberList> list) { failed = !list.ok(); });
  EXPECT_TRUE(failed);
}

}  // namespace
}  // namespace parley::gateway::websocket
