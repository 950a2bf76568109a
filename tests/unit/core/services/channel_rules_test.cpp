// Pure rules of the team and channel services: Mattermost's name validation, the names of
// direct and group channels, and what a team looks like to someone who may not manage it.

#include <gtest/gtest.h>

#include "core/services/channel_service.hpp"
#include "core/services/team_service.hpp"

namespace parley::core::services {
namespace {

TEST(TeamRules, TeamNamesFollowMattermost) {
  for (const char* name : {"ab", "ops", "team-1", "a__b", "x0", "a-b-c"}) {
    EXPECT_TRUE(isValidTeamName(name)) << name;
  }
  for (const char* name : {"a", "", "Ops", "-ab", "ab-", "a_b", "a b", "a___b", "é1"}) {
    EXPECT_FALSE(isValidTeamName(name)) << name;
  }
  EXPECT_TRUE(isValidTeamName(std::string(64, 'a')));
  EXPECT_FALSE(isValidTeamName(std::string(65, 'a')));
}

TEST(TeamRules, ReservedNamesArePrefixes) {
  EXPECT_TRUE(isReservedTeamName("admin"));
  EXPECT_TRUE(isReservedTeamName("apiteam"));
  EXPECT_TRUE(isReservedTeamName("Signup"));
  EXPECT_FALSE(isReservedTeamName("myadmin"));
}

TEST(TeamRules, ValidateNamesTheFirstBadField) {
  model::Team team;
  team.name = "ops";
  team.displayName = "Operations";
  team.type = model::kTeamOpen;
  EXPECT_TRUE(validateTeam(team));
  auto broken = team;
  broken.displayName = "";
  EXPECT_EQ(validateTeam(broken).error().id, "model.team.is_valid.name.app_error");
  broken = team;
  broken.name = "login-page";
  EXPECT_EQ(validateTeam(broken).error().id, "model.team.is_valid.reserved.app_error");
  broken = team;
  broken.type = 'X';
  EXPECT_EQ(validateTeam(broken).error().id, "model.team.is_valid.type.app_error");
  broken = team;
  broken.displayName = std::string(64, 'e');
  EXPECT_TRUE(validateTeam(broken));
  broken.displayName = std::string(65, 'e');
  EXPECT_FALSE(validateTeam(broken));
}

TEST(TeamRules, SanitizedForNonManagers) {
  model::Team team;
  team.email = "owner@x.test";
  team.inviteId = "invite";
  model::User user;
  user.roles = "system_user";
  model::TeamMember member;
  const auto plain = sanitizeTeam(user, &member, team);
  EXPECT_EQ(plain.email, "");
  EXPECT_EQ(plain.inviteId, "");
  member.schemeAdmin = true;
  EXPECT_EQ(sanitizeTeam(user, &member, team).email, "owner@x.test");
}

TEST(ChannelRules, DirectAndGroupNames) {
  const std::string a(26, 'a');
  const std::string b(26, 'b');
  EXPECT_EQ(directChannelName(b, a), a + "__" + b);
  EXPECT_EQ(directChannelName(a, b), a + "__" + b);
  // sha1("abc") — the ids are sorted and concatenated before hashing.
  EXPECT_EQ(groupChannelName({"c", "a", "b"}), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(ChannelRules, ChannelNames) {
  for (const char* name : {"a", "town-square", "off_topic", "x-", "0"}) {
    EXPECT_TRUE(isValidChannelName(name)) << name;
  }
  for (const char* name : {"", "-a", "_a", "Town", "a b", "a.b"}) {
    EXPECT_FALSE(isValidChannelName(name)) << name;
  }
  EXPECT_FALSE(isValidChannelName(std::string(65, 'a')));
}

TEST(ChannelRules, ValidateRefusesDirectShapedNamesForTeamChannels) {
  model::Channel channel;
  channel.type = model::kChannelOpen;
  channel.name = std::string(26, 'a') + "__" + std::string(26, 'b');
  EXPECT_EQ(validateChannel(channel).error().id, "model.channel.is_valid.name.app_error");
  channel.type = model::kChannelDirect;
  EXPECT_TRUE(validateChannel(channel));
  channel.type = model::kChannelPrivate;
  channel.name = std::string(40, 'f');
  EXPECT_EQ(validateChannel(channel).error().id, "model.channel.is_valid.name.app_error");
  channel.name = "ok";
  channel.header = std::string(1025, 'h');
  EXPECT_EQ(validateChannel(channel).error().id, "model.channel.is_valid.header.app_error");
  // Limits count code points: 250 two-byte letters are a valid purpose.
  channel.header.clear();
  std::string purpose;
  for (int i = 0; i < 250; ++i) purpose += "é";
  channel.purpose = purpose;
  EXPECT_TRUE(validateChannel(channel));
  channel.purpose += "é";
  EXPECT_EQ(validateChannel(channel).error().id, "model.channel.is_valid.purpose.app_error");
}

}  // namespace
}  // namespace parley::core::services
