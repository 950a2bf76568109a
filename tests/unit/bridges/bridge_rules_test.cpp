// The pure rules of the bridge framework: puppet usernames (never a local username, partners
// told apart by domain, within Mattermost's 64 characters), the drainer's backoff with jitter,
// the rooms of direct-message links, and the difference a whole reaction set makes.

#include <gtest/gtest.h>

#include "bridges/common/ingress_pipeline.hpp"
#include "bridges/common/outbox_drainer.hpp"
#include "core/model/reaction_set.hpp"
#include "core/model/user.hpp"
#include "core/services/puppet_service.hpp"

namespace parley {
namespace {

using core::services::puppetUsername;

TEST(PuppetUsername, FollowsTheRemoteUserConventionForEachNetwork) {
  EXPECT_EQ(puppetUsername("carol@partner.example", "partner.example"), "carol:partner.example");
  EXPECT_EQ(puppetUsername("carol@partner.example/phone", ""), "carol:partner.example");
  EXPECT_EQ(puppetUsername("@Carol:Matrix.Partner.Example", ""), "carol:matrix.partner.example");
  EXPECT_EQ(puppetUsername("J\xc3\xb6rg+x@partner.example", ""), "j__rg_x:partner.example");
  EXPECT_EQ(puppetUsername("bare", "ws.example"), "bare:ws.example");
  EXPECT_EQ(puppetUsername("", ""), "remote:remote");
}

TEST(PuppetUsername, CannotBeALocalUsernameAndFitsTheLimit) {
  const std::vector<std::string> ids{"alice@a.example", "@alice:b.example", "x",
                                     std::string(300, 'a')};
  for (const auto& id : ids) {
    const auto name = puppetUsername(id, std::string(200, 'd'));
    EXPECT_FALSE(core::model::isValidUsername(name)) << name;
    EXPECT_LE(name.size(), core::model::kUsernameMaxLength) << name;
    EXPECT_NE(name.find(':'), std::string::npos);
  }
  EXPECT_NE(puppetUsername("alice@a.example", ""), puppetUsername("alice@b.example", ""));
}

TEST(RetryDelay, DoublesUpToTheCeilingWithJitterInTheUpperHalf) {
  bridges::DrainerOptions options;
  options.retryBase = std::chrono::milliseconds(500);
  options.retryMax = std::chrono::milliseconds(60000);
  EXPECT_EQ(bridges::retryDelay(options, 1, 0.0).count(), 250);
  EXPECT_EQ(bridges::retryDelay(options, 1, 1.0).count(), 500);
  EXPECT_EQ(bridges::retryDelay(options, 2, 1.0).count(), 1000);
  EXPECT_EQ(bridges::retryDelay(options, 5, 0.5).count(), 6000);
  EXPECT_EQ(bridges::retryDelay(options, 40, 1.0).count(), 60000) << "capped";
  EXPECT_EQ(bridges::retryDelay(options, 1000, 0.0).count(), 30000);
  EXPECT_GT(bridges::retryDelay(options, 3, 0.9), bridges::retryDelay(options, 3, 0.1))
      << "the jitter spreads retries";
}

TEST(DirectRoom, NamesTheLocalUserAndTheRemoteSender) {
  const auto room = core::model::directRoom("bobuseraaaaaaaaaaaaaaaaaaa", "carol@partner.example");
  EXPECT_EQ(room, "dm:bobuseraaaaaaaaaaaaaaaaaaa:carol@partner.example");
  EXPECT_EQ(core::model::directRoomRemoteId(room), "carol@partner.example");
  EXPECT_EQ(core::model::directRoomRemoteId("@carol:matrix.example"), "");
  EXPECT_EQ(core::model::directRoomRemoteId("ops@rooms.example"), "");
  EXPECT_EQ(core::model::directRoomLocalId(room), "bobuseraaaaaaaaaaaaaaaaaaa");
  EXPECT_EQ(core::model::directRoomLocalId("ops@rooms.example"), "");
}

TEST(DirectRoom, AMatrixUserIdWithItsColonIsTheRemoteIdWhole) {
  const auto room = core::model::directRoom("bobuseraaaaaaaaaaaaaaaaaaa", "@carol:hs.example:8448");
  EXPECT_EQ(core::model::directRoomRemoteId(room), "@carol:hs.example:8448");
  EXPECT_EQ(core::model::directRoomLocalId(room), "bobuseraaaaaaaaaaaaaaaaaaa");
  EXPECT_EQ(core::model::directRoomLocalId("dm:nocolon"), "");
}

TEST(ReactionSetDelta, AddsWhatIsNewAndRemovesWhatIsGoneEachOnce) {
  using core::model::reactionSetDelta;
  auto delta = reactionSetDelta({}, {"+1", "heart", "+1"});
  EXPECT_EQ(delta.added, (std::vector<std::string>{"+1", "heart"}));
  EXPECT_TRUE(delta.removed.empty());
  delta = reactionSetDelta({"+1", "heart"}, {"heart", "tada"});
  EXPECT_EQ(delta.added, std::vector<std::string>{"tada"});
  EXPECT_EQ(delta.removed, std::vector<std::string>{"+1"});
  delta = reactionSetDelta({"+1", "heart"}, {"heart", "+1"});
  EXPECT_TRUE(delta.added.empty() && delta.removed.empty()) << "the order of a set is no change";
  delta = reactionSetDelta({"+1", "heart", "+1"}, {});
  EXPECT_TRUE(delta.added.empty());
  EXPECT_EQ(delta.removed, (std::vector<std::string>{"+1", "heart"})) << "an empty set removes all";
}

}  // namespace
}  // namespace parley
