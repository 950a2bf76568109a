#pragma once
// Teams and team memberships (reference/mattermost-api.md §5.3): creation with the two default
// channels, listing what a user may see, joining and leaving, member roles. Every function
// checks the caller's permissions (permissions.hpp) and runs inside one database job; those
// that write more than one row do so in one transaction.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/team.hpp"
#include "core/model/user.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

inline constexpr std::size_t kTeamNameMinLength = 2;
inline constexpr std::size_t kTeamNameMaxLength = 64;
inline constexpr std::size_t kTeamDisplayNameMaxRunes = 64;
inline constexpr std::size_t kTeamDescriptionMaxLength = 255;
inline constexpr std::size_t kTeamCompanyNameMaxLength = 64;
inline constexpr std::size_t kTeamAllowedDomainsMaxLength = 1000;
// The default channels every team has and every new (non-guest) member joins.
inline constexpr std::string_view kTownSquare = "town-square";
inline constexpr std::string_view kOffTopic = "off-topic";

// Mattermost's IsValidTeamName: 2-64 of [a-z0-9-] (or one "__" inside), starting and ending
// with a letter or digit.
bool isValidTeamName(std::string_view name);
// Names that start with one of the paths of the web app (admin, api, login, ...).
bool isReservedTeamName(std::string_view name);
// Mattermost's Team.IsValid() on the fields a client sets: 400 "model.team.is_valid.*".
Status validateTeam(const model::Team& team);

// What a team looks like to `caller`: without email and invite id unless they may manage it.
model::Team sanitizeTeam(const model::User& caller, const model::TeamMember* member,
                         model::Team team);

// Fields a client may set on create; the rest are the server's.
struct NewTeam {
  std::string name;
  std::string displayName;
  std::string description;
  char type = 0;
  std::string companyName;
  std::string allowedDomains;
  bool allowOpenInvite = false;
};

struct TeamPatch {
  std::optional<std::string> displayName;
  std::optional<std::string> description;
  std::optional<std::string> companyName;
  std::optional<std::string> allowedDomains;
  std::optional<bool> allowOpenInvite;
};

struct TeamPage {
  std::vector<model::Team> teams;
  std::optional<std::int64_t> totalCount;
};

// create_team; the creator becomes team admin and member of town-square and off-topic.
Result<model::Team> createTeam(store::Store& store, const model::User& caller,
                               const NewTeam& input);
// A team the caller belongs to, or one they could join (open with list_public_teams); else 403.
Result<model::Team> getTeam(store::Store& store, const model::User& caller,
                            std::string_view teamId);
Result<model::Team> getTeamByName(store::Store& store, const model::User& caller,
                                  std::string_view name);
// Teams the caller may list: all with list_private_teams, open ones with list_public_teams.
Result<TeamPage> listTeams(store::Store& store, const model::User& caller, int page, int perPage,
                           bool includeTotal);
// manage_team.
Result<model::Team> patchTeam(store::Store& store, const model::User& caller,
                              std::string_view teamId, const TeamPatch& patch);
// manage_team archives; `permanently` needs manage_system and removes everything.
Status deleteTeam(store::Store& store, const model::User& caller, std::string_view teamId,
                  bool permanently);

// manage_team: un-archives the team.
Result<model::Team> restoreTeam(store::Store& store, const model::User& caller,
                                std::string_view teamId);

// Teams and memberships of `userId`: the caller themself, or with edit_other_users.
Result<std::vector<model::Team>> teamsOfUser(store::Store& store, const model::User& caller,
                                             std::string_view userId);
Result<std::vector<model::TeamMember>> teamMembershipsOfUser(store::Store& store,
                                                             const model::User& caller,
                                                             std::string_view userId);
Result<std::vector<store::TeamUnread>> teamUnreadsOfUser(store::Store& store,
                                                         const model::User& caller,
                                                         std::string_view userId);

// Joining yourself: an open team (join_public_teams) or an invite-only one
// (join_private_teams); adding others: add_user_to_team; adding a guest: manage_team. Joining
// adds non-guests to town-square and off-topic. An active member is returned as is.
Result<model::TeamMember> addTeamMember(store::Store& store, const model::User& caller,
                                        std::string_view teamId, std::string_view userId);
// view_team.
Result<std::vector<model::TeamMember>> listTeamMembers(store::Store& store,
                                                       const model::User& caller,
                                                       std::string_view teamId, int page,
                                                       int perPage);
Result<model::TeamMember> getTeamMember(store::Store& store, const model::User& caller,
                                        std::string_view teamId, std::string_view userId);
// Leaving (yourself) or removing (remove_user_from_team); also leaves the team's channels.
Status removeTeamMember(store::Store& store, const model::User& caller, std::string_view teamId,
                        std::string_view userId);
// manage_team_roles. `roles` is a space-separated list of team roles (team_user, team_admin).
Status updateTeamMemberRoles(store::Store& store, const model::User& caller,
                             std::string_view teamId, std::string_view userId,
                             std::string_view roles);
struct SchemeRoles {
  bool admin = false;
  bool user = false;
  bool guest = false;
};
// A role list as Mattermost stores it on a membership: the scheme roles (`admin`, `user`,
// `guest` names of the scope) become flags, the rest stays explicit.
struct SplitRoles {
  SchemeRoles scheme;
  std::string explicitRoles;
};
SplitRoles splitSchemeRoles(std::string_view roles, std::string_view adminRole,
                            std::string_view userRole, std::string_view guestRole);
Status updateTeamMemberSchemeRoles(store::Store& store, const model::User& caller,
                                   std::string_view teamId, std::string_view userId,
                                   const SchemeRoles& roles);
// view_team.
Result<store::TeamStats> teamStats(store::Store& store, const model::User& caller,
                                   std::string_view teamId);

// 403 view_team unless the caller has an active membership in the (existing) team or is an
// administrator.
Status requireViewTeam(store::Store& store, const model::User& caller, std::string_view teamId);
// The caller's active membership in the team, or nullopt (used by the channel service too).
Result<std::optional<model::TeamMember>> activeTeamMember(store::Store& store,
                                                          std::string_view teamId,
                                                          std::string_view userId);
// The user `userId` may be acted on by `caller`: themself, or with edit_other_users.
Status requireSelfOrEditOthers(const model::User& caller, std::string_view userId);
// A kConflict error as 400, as Mattermost answers taken team and channel names.
Status conflictAsBadRequest(Status status);
// 400 "api.context.invalid_body_param.app_error" / invalid_url_param naming `name`.
Error invalidBodyParam(std::string_view name);
Error invalidUrlParam(std::string_view name);

}  // namespace parley::core::services
