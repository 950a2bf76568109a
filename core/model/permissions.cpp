#include "core/model/permissions.hpp"

#include <array>

#include "core/common/sha256.hpp"
#include "core/model/id.hpp"
#include "core/model/user.hpp"

namespace parley::core::model {
namespace {

namespace p = permission;

// The lists follow Mattermost's MakeDefaultRoles (model/role.go) for the permissions Parley
// implements; permissions of features Parley does not have (playbooks, boards, custom groups,
// bookmarks, ...) are left out rather than advertised.
constexpr std::array kSystemUser{p::kCreateDirectChannel, p::kCreateGroupChannel, p::kCreateTeam,
                                 p::kListPublicTeams,     p::kJoinPublicTeams,    p::kViewMembers};
constexpr std::array kSystemGuest{p::kCreateDirectChannel, p::kCreateGroupChannel};
constexpr std::array kSystemUserAccessToken{p::kCreateUserAccessToken, p::kReadUserAccessToken,
                                            p::kRevokeUserAccessToken};
constexpr std::array kSystemPostAll{p::kCreatePost};
// system_admin holds every permission (roleGrants()); its list is what clients are shown.
constexpr std::array kSystemAdmin{p::kCreateDirectChannel, p::kCreateGroupChannel,
                                  p::kCreateTeam,          p::kListPublicTeams,
                                  p::kJoinPublicTeams,     p::kListPrivateTeams,
                                  p::kJoinPrivateTeams,    p::kViewMembers,
                                  p::kEditOtherUsers,      p::kManageSystem,
                                  p::kManageRoles,         p::kCreateUserAccessToken,
                                  p::kReadUserAccessToken, p::kRevokeUserAccessToken,
                                  p::kCreateBot,           p::kReadBots,
                                  p::kReadOthersBots,      p::kManageBots,
                                  p::kManageOthersBots,    p::kSysconsoleReadUserManagementUsers};

constexpr std::array kTeamUser{
    p::kListTeamChannels,    p::kJoinPublicChannels,   p::kReadPublicChannel, p::kViewTeam,
    p::kCreatePublicChannel, p::kCreatePrivateChannel, p::kInviteUser,        p::kAddUserToTeam};
constexpr std::array kTeamGuest{p::kViewTeam};
constexpr std::array kTeamAdmin{p::kEditOthersPosts,
                                p::kRemoveUserFromTeam,
                                p::kManageTeam,
                                p::kManageTeamRoles,
                                p::kManageChannelRoles,
                                p::kManageIncomingWebhooks,
                                p::kManageOthersIncomingWebhooks,
                                p::kManageOutgoingWebhooks,
                                p::kConvertPublicChannelToPrivate,
                                p::kDeletePost,
                                p::kDeleteOthersPosts,
                                p::kManagePublicChannelMembers,
                                p::kManagePrivateChannelMembers};

constexpr std::array kChannelUser{p::kReadChannel,
                                  p::kReadChannelContent,
                                  p::kAddReaction,
                                  p::kRemoveReaction,
                                  p::kManagePublicChannelMembers,
                                  p::kUploadFile,
                                  p::kGetPublicLink,
                                  p::kCreatePost,
                                  p::kUseChannelMentions,
                                  p::kManagePublicChannelProperties,
                                  p::kDeletePublicChannel,
                                  p::kManagePrivateChannelProperties,
                                  p::kDeletePrivateChannel,
                                  p::kManagePrivateChannelMembers,
                                  p::kDeletePost,
                                  p::kEditPost};
// Least privilege: no member management, no public links, no channel properties.
constexpr std::array kChannelGuest{p::kReadChannel,    p::kReadChannelContent, p::kAddReaction,
                                   p::kRemoveReaction, p::kUploadFile,         p::kEditPost,
                                   p::kCreatePost,     p::kUseChannelMentions};
constexpr std::array kChannelAdmin{p::kManageChannelRoles, p::kUseGroupMentions};

constexpr std::array kRoles{
    Role{kRoleSystemAdmin, "authentication.roles.global_admin.name",
         "authentication.roles.global_admin.description", RoleScope::kSystem, true, kSystemAdmin},
    Role{kRoleSystemUser, "authentication.roles.global_user.name",
         "authentication.roles.global_user.description", RoleScope::kSystem, true, kSystemUser},
    Role{kRoleSystemGuest, "authentication.roles.global_guest.name",
         "authentication.roles.global_guest.description", RoleScope::kSystem, true, kSystemGuest},
    Role{kRoleSystemUserAccessToken, "authentication.roles.system_user_access_token.name",
         "authentication.roles.system_user_access_token.description", RoleScope::kSystem, false,
         kSystemUserAccessToken},
    Role{kRoleSystemPostAll, "authentication.roles.system_post_all.name",
         "authentication.roles.system_post_all.description", RoleScope::kSystem, false,
         kSystemPostAll},
    Role{kRoleTeamAdmin, "authentication.roles.team_admin.name",
         "authentication.roles.team_admin.description", RoleScope::kTeam, true, kTeamAdmin},
    Role{kRoleTeamUser, "authentication.roles.team_user.name",
         "authentication.roles.team_user.description", RoleScope::kTeam, true, kTeamUser},
    Role{kRoleTeamGuest, "authentication.roles.team_guest.name",
         "authentication.roles.team_guest.description", RoleScope::kTeam, true, kTeamGuest},
    Role{kRoleChannelAdmin, "authentication.roles.channel_admin.name",
         "authentication.roles.channel_admin.description", RoleScope::kChannel, true,
         kChannelAdmin},
    Role{kRoleChannelUser, "authentication.roles.channel_user.name",
         "authentication.roles.channel_user.description", RoleScope::kChannel, true, kChannelUser},
    Role{kRoleChannelGuest, "authentication.roles.channel_guest.name",
         "authentication.roles.channel_guest.description", RoleScope::kChannel, true,
         kChannelGuest},
};

// Calls `visit(name)` for each name in a space-separated list; stops when it returns true.
template <typename Visit>
bool anyRoleName(std::string_view roles, Visit visit) {
  while (!roles.empty()) {
    const auto space = roles.find(' ');
    const std::string_view name = roles.substr(0, space);
    if (!name.empty() && visit(name)) return true;
    if (space == std::string_view::npos) break;
    roles.remove_prefix(space + 1);
  }
  return false;
}

}  // namespace

std::span<const Role> builtInRoles() { return kRoles; }

const Role* findRole(std::string_view name) {
  for (const Role& role : kRoles) {
    if (role.name == name) return &role;
  }
  return nullptr;
}

bool roleGrants(const Role& role, std::string_view permission) {
  if (role.name == kRoleSystemAdmin) return true;
  for (std::string_view granted : role.permissions) {
    if (granted == permission) return true;
  }
  return false;
}

bool rolesGrant(std::string_view roles, std::string_view permission) {
  return anyRoleName(roles, [permission](std::string_view name) {
    const Role* role = findRole(name);
    return role != nullptr && roleGrants(*role, permission);
  });
}

bool areValidRoles(std::string_view roles, RoleScope scope) {
  bool any = false;
  const bool invalid = anyRoleName(roles, [&any, scope](std::string_view name) {
    any = true;
    const Role* role = findRole(name);
    return role == nullptr || role->scope != scope;
  });
  return any && !invalid;
}

std::string roleId(std::string_view name) {
  // 16 bytes, as newId() draws: the same 26-character shape as every other id.
  const std::string digest = sha256OrThrow(name);
  return encodeBase32(reinterpret_cast<const unsigned char*>(digest.data()), 16);
}

}  // namespace parley::core::model
