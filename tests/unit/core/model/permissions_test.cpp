#include "core/model/permissions.hpp"

#include <gtest/gtest.h>

#include <set>

#include "core/model/channel.hpp"
#include "core/model/id.hpp"
#include "core/model/team.hpp"
#include "core/model/user.hpp"

namespace parley::core::model {
namespace {

namespace p = permission;

TEST(Permissions, MobileClientsFindWhatTheyGateTheirPostBoxOn) {
  // mattermost-mobile disables posting, reactions and uploads without these.
  for (auto granted : {p::kCreatePost, p::kAddReaction, p::kUploadFile}) {
    EXPECT_TRUE(rolesGrant("channel_user", granted)) << granted;
    EXPECT_TRUE(rolesGrant("channel_guest", granted)) << granted;
  }
}

TEST(Permissions, GuestsHoldLeastPrivilege) {
  EXPECT_FALSE(rolesGrant("system_guest", p::kViewMembers));
  EXPECT_FALSE(rolesGrant("system_guest", p::kCreateTeam));
  EXPECT_FALSE(rolesGrant("system_guest", p::kJoinPublicTeams));
  EXPECT_TRUE(rolesGrant("system_guest", p::kCreateDirectChannel));
  EXPECT_TRUE(rolesGrant("team_guest", p::kViewTeam));
  EXPECT_FALSE(rolesGrant("team_guest", p::kListTeamChannels));
  EXPECT_FALSE(rolesGrant("team_guest", p::kReadPublicChannel));
  EXPECT_FALSE(rolesGrant("team_guest", p::kCreatePublicChannel));
  EXPECT_FALSE(rolesGrant("channel_guest", p::kManagePublicChannelMembers));
  EXPECT_FALSE(rolesGrant("channel_guest", p::kGetPublicLink));
}

TEST(Permissions, SystemAdminGrantsEverythingOtherRolesOnlyTheirList) {
  EXPECT_TRUE(rolesGrant("system_admin system_user", p::kDeleteOthersPosts));
  EXPECT_TRUE(rolesGrant("system_admin", "a_permission_of_the_future"));
  EXPECT_FALSE(rolesGrant("system_user", p::kManageSystem));
  EXPECT_TRUE(rolesGrant("system_user system_user_access_token", p::kCreateUserAccessToken));
  EXPECT_FALSE(rolesGrant("system_user", p::kCreateUserAccessToken));
}

TEST(Permissions, UnknownAndEmptyRoleListsGrantNothing) {
  EXPECT_FALSE(rolesGrant("", p::kCreatePost));
  EXPECT_FALSE(rolesGrant("  ", p::kCreatePost));
  EXPECT_FALSE(rolesGrant("channel_superuser", p::kCreatePost));
  EXPECT_TRUE(rolesGrant("channel_superuser  channel_user", p::kCreatePost));
}

TEST(Permissions, ValidRoleListsBelongToOneScope) {
  EXPECT_TRUE(areValidRoles("system_user", RoleScope::kSystem));
  EXPECT_TRUE(areValidRoles("system_admin system_user", RoleScope::kSystem));
  EXPECT_FALSE(areValidRoles("system_user team_user", RoleScope::kSystem));
  EXPECT_FALSE(areValidRoles("system_user wizard", RoleScope::kSystem));
  EXPECT_FALSE(areValidRoles("", RoleScope::kSystem));
  EXPECT_TRUE(areValidRoles("channel_user channel_admin", RoleScope::kChannel));
}

TEST(Permissions, EveryRoleHasAStableDistinctIdAndFindsItself) {
  std::set<std::string> ids;
  for (const Role& role : builtInRoles()) {
    const std::string id = roleId(role.name);
    EXPECT_TRUE(isValidId(id)) << role.name;
    EXPECT_EQ(id, roleId(role.name));
    EXPECT_EQ(findRole(role.name), &role);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), builtInRoles().size());
  EXPECT_EQ(findRole("nobody"), nullptr);
}

TEST(Membership, RolesComeFromSchemeFlagsThenExplicitRoles) {
  ChannelMember member;
  EXPECT_EQ(member.roles(), "channel_user");
  member.schemeAdmin = true;
  EXPECT_EQ(member.roles(), "channel_user channel_admin");
  ChannelMember guest;
  guest.schemeUser = false;
  guest.schemeGuest = true;
  EXPECT_EQ(guest.roles(), "channel_guest");
  TeamMember teamMember;
  teamMember.explicitRoles = "custom_role";
  EXPECT_EQ(teamMember.roles(), "team_user custom_role");
}

}  // namespace
}  // namespace parley::core::model
