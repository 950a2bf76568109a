#include "core/services/permissions.hpp"

#include <gtest/gtest.h>

#include "core/model/permissions.hpp"

namespace parley::core::services {
namespace {

namespace p = model::permission;

model::User userWithRoles(std::string roles) {
  model::User user;
  user.id = "u";
  user.roles = std::move(roles);
  return user;
}

ChannelAccess channel(char type, bool teamMember, bool channelMember, bool guest = false) {
  ChannelAccess access;
  access.channel.id = "c";
  access.channel.type = type;
  access.channel.teamId = "t";
  if (teamMember) {
    access.teamMember = model::TeamMember{};
    access.teamMember->schemeGuest = guest;
    access.teamMember->schemeUser = !guest;
  }
  if (channelMember) {
    access.member = model::ChannelMember{};
    access.member->schemeGuest = guest;
    access.member->schemeUser = !guest;
  }
  return access;
}

TEST(ChannelPermissions, TeamMembersReadOpenChannelsWithoutJoiningButNotPrivateOnes) {
  const auto user = userWithRoles("system_user");
  EXPECT_TRUE(canReadChannel(user, channel(model::kChannelOpen, true, false)));
  EXPECT_FALSE(canReadChannel(user, channel(model::kChannelPrivate, true, false)));
  EXPECT_TRUE(canReadChannel(user, channel(model::kChannelPrivate, true, true)));
  EXPECT_FALSE(canReadChannel(user, channel(model::kChannelOpen, false, false)));
  // Reading an open channel is not posting in it: that takes membership.
  EXPECT_FALSE(
      hasChannelPermission(user, channel(model::kChannelOpen, true, false), p::kCreatePost));
}

TEST(ChannelPermissions, GuestsReadOnlyChannelsTheyWereAddedTo) {
  const auto guest = userWithRoles("system_guest");
  EXPECT_FALSE(canReadChannel(guest, channel(model::kChannelOpen, true, false, true)));
  const auto added = channel(model::kChannelOpen, true, true, true);
  EXPECT_TRUE(canReadChannel(guest, added));
  EXPECT_TRUE(hasChannelPermission(guest, added, p::kCreatePost));
  EXPECT_FALSE(hasChannelPermission(guest, added, p::kManagePublicChannelMembers));
}

TEST(ChannelPermissions, SystemAdminsReadAndModerateEverywhere) {
  const auto admin = userWithRoles("system_admin system_user");
  const auto foreign = channel(model::kChannelPrivate, false, false);
  EXPECT_TRUE(canReadChannel(admin, foreign));
  EXPECT_TRUE(hasChannelPermission(admin, foreign, p::kDeleteOthersPosts));
}

TEST(ChannelPermissions, TeamAdminsModerateTheirTeamsChannels) {
  const auto user = userWithRoles("system_user");
  auto access = channel(model::kChannelOpen, true, true);
  EXPECT_FALSE(hasChannelPermission(user, access, p::kDeleteOthersPosts));
  access.teamMember->schemeAdmin = true;
  EXPECT_TRUE(hasChannelPermission(user, access, p::kDeleteOthersPosts));
  // A membership the user left grants nothing.
  access.teamMember->deleteAt = 1;
  EXPECT_FALSE(hasTeamPermission(user, &*access.teamMember, p::kDeleteOthersPosts));
}

TEST(ChannelPermissions, DeniedIsMattermostsForbiddenError) {
  const Error error = permissionDenied(p::kCreatePost);
  EXPECT_EQ(error.code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(error.id, "api.context.permissions.app_error");
  EXPECT_NE(error.detail.find("create_post"), std::string::npos);
}

}  // namespace
}  // namespace parley::core::services
