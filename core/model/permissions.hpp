#pragma once
// Mattermost's built-in roles and the permissions they grant (server/public/model/role.go,
// reference/mattermost-api.md §5.8 and §9.1). A user's rights in a channel are the union of
// what their system roles, their team member roles and their channel member roles grant
// (core/services/permissions.hpp combines them). The catalogue is fixed: Parley has no
// permission schemes, so every role is built in and scheme-managed where Mattermost's is.
//
// Clients read these lists through POST /api/v4/roles/names and gate their UI on them: the
// mobile app disables its post box without create_post, reactions without add_reaction and
// uploads without upload_file.

#include <span>
#include <string>
#include <string_view>

namespace parley::core::model {

namespace permission {
// System scope.
inline constexpr std::string_view kCreateDirectChannel = "create_direct_channel";
inline constexpr std::string_view kCreateGroupChannel = "create_group_channel";
inline constexpr std::string_view kCreateTeam = "create_team";
inline constexpr std::string_view kListPublicTeams = "list_public_teams";
inline constexpr std::string_view kJoinPublicTeams = "join_public_teams";
inline constexpr std::string_view kListPrivateTeams = "list_private_teams";
inline constexpr std::string_view kJoinPrivateTeams = "join_private_teams";
inline constexpr std::string_view kViewMembers = "view_members";
inline constexpr std::string_view kEditOtherUsers = "edit_other_users";
inline constexpr std::string_view kManageSystem = "manage_system";
inline constexpr std::string_view kManageRoles = "manage_roles";
inline constexpr std::string_view kCreateUserAccessToken = "create_user_access_token";
inline constexpr std::string_view kReadUserAccessToken = "read_user_access_token";
inline constexpr std::string_view kRevokeUserAccessToken = "revoke_user_access_token";
inline constexpr std::string_view kCreateBot = "create_bot";
inline constexpr std::string_view kReadBots = "read_bots";
inline constexpr std::string_view kReadOthersBots = "read_others_bots";
inline constexpr std::string_view kManageBots = "manage_bots";
inline constexpr std::string_view kManageOthersBots = "manage_others_bots";
inline constexpr std::string_view kSysconsoleReadUserManagementUsers =
    "sysconsole_read_user_management_users";
// Team scope.
inline constexpr std::string_view kViewTeam = "view_team";
inline constexpr std::string_view kListTeamChannels = "list_team_channels";
inline constexpr std::string_view kJoinPublicChannels = "join_public_channels";
inline constexpr std::string_view kReadPublicChannel = "read_public_channel";
inline constexpr std::string_view kCreatePublicChannel = "create_public_channel";
inline constexpr std::string_view kCreatePrivateChannel = "create_private_channel";
inline constexpr std::string_view kInviteUser = "invite_user";
inline constexpr std::string_view kAddUserToTeam = "add_user_to_team";
inline constexpr std::string_view kRemoveUserFromTeam = "remove_user_from_team";
inline constexpr std::string_view kManageTeam = "manage_team";
inline constexpr std::string_view kManageTeamRoles = "manage_team_roles";
inline constexpr std::string_view kManageIncomingWebhooks = "manage_incoming_webhooks";
inline constexpr std::string_view kManageOthersIncomingWebhooks = "manage_others_incoming_webhooks";
inline constexpr std::string_view kManageOutgoingWebhooks = "manage_outgoing_webhooks";
inline constexpr std::string_view kConvertPublicChannelToPrivate =
    "convert_public_channel_to_private";
// Channel scope.
inline constexpr std::string_view kReadChannel = "read_channel";
inline constexpr std::string_view kReadChannelContent = "read_channel_content";
inline constexpr std::string_view kCreatePost = "create_post";
inline constexpr std::string_view kEditPost = "edit_post";
inline constexpr std::string_view kEditOthersPosts = "edit_others_posts";
inline constexpr std::string_view kDeletePost = "delete_post";
inline constexpr std::string_view kDeleteOthersPosts = "delete_others_posts";
inline constexpr std::string_view kAddReaction = "add_reaction";
inline constexpr std::string_view kRemoveReaction = "remove_reaction";
inline constexpr std::string_view kRemoveOthersReactions = "remove_others_reactions";
inline constexpr std::string_view kUploadFile = "upload_file";
inline constexpr std::string_view kGetPublicLink = "get_public_link";
inline constexpr std::string_view kUseChannelMentions = "use_channel_mentions";
inline constexpr std::string_view kUseGroupMentions = "use_group_mentions";
inline constexpr std::string_view kManagePublicChannelMembers = "manage_public_channel_members";
inline constexpr std::string_view kManagePrivateChannelMembers = "manage_private_channel_members";
inline constexpr std::string_view kManagePublicChannelProperties =
    "manage_public_channel_properties";
inline constexpr std::string_view kManagePrivateChannelProperties =
    "manage_private_channel_properties";
inline constexpr std::string_view kDeletePublicChannel = "delete_public_channel";
inline constexpr std::string_view kDeletePrivateChannel = "delete_private_channel";
inline constexpr std::string_view kManageChannelRoles = "manage_channel_roles";
}  // namespace permission

// Role names beyond the system ones of user.hpp.
inline constexpr std::string_view kRoleSystemUserAccessToken = "system_user_access_token";
inline constexpr std::string_view kRoleSystemPostAll = "system_post_all";
inline constexpr std::string_view kRoleTeamAdmin = "team_admin";
inline constexpr std::string_view kRoleTeamUser = "team_user";
inline constexpr std::string_view kRoleTeamGuest = "team_guest";
inline constexpr std::string_view kRoleChannelAdmin = "channel_admin";
inline constexpr std::string_view kRoleChannelUser = "channel_user";
inline constexpr std::string_view kRoleChannelGuest = "channel_guest";

enum class RoleScope { kSystem, kTeam, kChannel };

struct Role {
  std::string_view name;
  std::string_view displayName;  // Mattermost's i18n key, as its API returns it
  std::string_view description;
  RoleScope scope;
  bool schemeManaged;  // true for the roles a membership's scheme_* flags stand for
  std::span<const std::string_view> permissions;
};

// Every built-in role, system roles first.
std::span<const Role> builtInRoles();

// The role called `name`, or nullptr.
const Role* findRole(std::string_view name);

// Whether `role` grants `permission`. system_admin grants every permission of every scope.
bool roleGrants(const Role& role, std::string_view permission);

// Whether any role in the space-separated list `roles` grants `permission`. Unknown names
// grant nothing.
bool rolesGrant(std::string_view roles, std::string_view permission);

// Whether every name in the space-separated list `roles` is a built-in role of `scope`, and
// the list is not empty: what PUT /users/{id}/roles and the member-role routes accept.
bool areValidRoles(std::string_view roles, RoleScope scope);

// A stable 26-character id per role (Mattermost's Role.Id), derived from its name so that it is
// the same on every node and after every restart.
std::string roleId(std::string_view name);

}  // namespace parley::core::model
