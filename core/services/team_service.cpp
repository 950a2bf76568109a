#include "core/services/team_service.hpp"

#include <algorithm>
#include <array>
#include <unordered_map>

#include "core/model/id.hpp"
#include "core/model/permissions.hpp"
#include "core/services/channel_service.hpp"
#include "core/services/permissions.hpp"

namespace parley::core::services {
namespace {

namespace p = model::permission;

constexpr std::array<std::string_view, 17> kReservedTeamNames = {
    "admin", "api",   "channel", "claim",   "error", "files",  "help",   "landing",  "login",
    "mfa",   "oauth", "plug",    "plugins", "post",  "signup", "boards", "playbooks"};

Error teamInvalid(std::string_view field) {
  return makeError(ErrorCode::kInvalidArgument,
                   "model.team.is_valid." + std::string(field) + ".app_error",
                   "Invalid team " + std::string(field) + ".");
}

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// The caller's membership in `teamId` (nullopt when none), after the team exists.
struct TeamAndMember {
  model::Team team;
  std::optional<model::TeamMember> member;
  const model::TeamMember* memberPtr() const { return member ? &*member : nullptr; }
};

Result<TeamAndMember> loadTeam(store::Store& store, const model::User& caller,
                               std::string_view teamId) {
  auto team = store.teams().get(teamId);
  if (!team) return std::move(team).error();
  auto member = activeTeamMember(store, teamId, caller.id);
  if (!member) return std::move(member).error();
  return TeamAndMember{std::move(*team), std::move(*member)};
}

Result<TeamAndMember> requireTeamPermission(store::Store& store, const model::User& caller,
                                            std::string_view teamId, std::string_view permission) {
  auto loaded = loadTeam(store, caller, teamId);
  if (!loaded) return loaded;
  if (!hasTeamPermission(caller, loaded->memberPtr(), permission)) {
    return permissionDenied(permission);
  }
  return loaded;
}

bool isOpenTeam(const model::Team& team) {
  return team.type == model::kTeamOpen && team.allowOpenInvite;
}

// Whether the caller may see the team: a member, one who could join it, or an admin.
bool canSeeTeam(const model::User& caller, const TeamAndMember& loaded) {
  if (hasTeamPermission(caller, loaded.memberPtr(), p::kViewTeam)) return true;
  if (isOpenTeam(loaded.team)) return hasSystemPermission(caller, p::kListPublicTeams);
  return hasSystemPermission(caller, p::kListPrivateTeams);
}

Result<model::Team> visibleTeam(store::Store& store, const model::User& caller,
                                Result<model::Team> team) {
  if (!team) return team;
  auto member = activeTeamMember(store, team->id, caller.id);
  if (!member) return std::move(member).error();
  TeamAndMember loaded{std::move(*team), std::move(*member)};
  if (!canSeeTeam(caller, loaded)) return permissionDenied(p::kViewTeam);
  return sanitizeTeam(caller, loaded.memberPtr(), std::move(loaded.team));
}

Error userNotFound() {
  return makeError(ErrorCode::kNotFound, "app.user.missing_account.const",
                   "Unable to find the user.");
}

Error teamMemberNotFound() {
  return makeError(ErrorCode::kNotFound, "app.team.get_member.missing.app_error",
                   "No team member found for that user ID and team ID.");
}

Result<model::TeamMember> requireActiveMember(store::Store& store, std::string_view teamId,
                                              std::string_view userId) {
  auto member = activeTeamMember(store, teamId, userId);
  if (!member) return std::move(member).error();
  if (!member->has_value()) return teamMemberNotFound();
  return std::move(**member);
}

}  // namespace

bool isValidTeamName(std::string_view name) {
  if (name.size() < kTeamNameMinLength || name.size() > kTeamNameMaxLength) return false;
  if (!isLowerAlnum(name.front()) || !isLowerAlnum(name.back())) return false;
  const std::string_view inner = name.substr(1, name.size() - 2);
  if (inner == "__") return true;
  return std::all_of(inner.begin(), inner.end(),
                     [](char c) { return isLowerAlnum(c) || c == '-'; });
}

bool isReservedTeamName(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::any_of(kReservedTeamNames.begin(), kReservedTeamNames.end(),
                     [&lower](std::string_view reserved) { return lower.starts_with(reserved); });
}

Status validateTeam(const model::Team& team) {
  const std::size_t displayRunes = runeCount(team.displayName);
  if (displayRunes == 0 || displayRunes > kTeamDisplayNameMaxRunes) return teamInvalid("name");
  if (team.name.size() > kTeamNameMaxLength) return teamInvalid("url");
  if (team.description.size() > kTeamDescriptionMaxLength) return teamInvalid("description");
  if (isReservedTeamName(team.name)) return teamInvalid("reserved");
  if (!isValidTeamName(team.name)) return teamInvalid("characters");
  if (team.type != model::kTeamOpen && team.type != model::kTeamInvite) return teamInvalid("type");
  if (team.companyName.size() > kTeamCompanyNameMaxLength) return teamInvalid("company");
  if (team.allowedDomains.size() > kTeamAllowedDomainsMaxLength) return teamInvalid("domains");
  return {};
}

model::Team sanitizeTeam(const model::User& caller, const model::TeamMember* member,
                         model::Team team) {
  if (!hasTeamPermission(caller, member, p::kManageTeam)) {
    team.email.clear();
    team.inviteId.clear();
  }
  return team;
}

Status conflictAsBadRequest(Status status) {
  if (status || status.error().code != ErrorCode::kConflict) return status;
  Error error = std::move(status).error();
  error.code = ErrorCode::kInvalidArgument;
  return error;
}

Error invalidBodyParam(std::string_view name) {
  return makeError(ErrorCode::kInvalidArgument, "api.context.invalid_body_param.app_error",
                   "Invalid or missing " + std::string(name) + " in request body.");
}

Error invalidUrlParam(std::string_view name) {
  return makeError(ErrorCode::kInvalidArgument, "api.context.invalid_url_param.app_error",
                   "Invalid or missing " + std::string(name) + " in request URL.");
}

Status requireSelfOrEditOthers(const model::User& caller, std::string_view userId) {
  if (caller.id == userId || hasSystemPermission(caller, p::kEditOtherUsers)) return {};
  return permissionDenied(p::kEditOtherUsers);
}

Result<std::optional<model::TeamMember>> activeTeamMember(store::Store& store,
                                                          std::string_view teamId,
                                                          std::string_view userId) {
  auto member = store.teams().member(teamId, userId);
  if (!member) return member;
  if (member->has_value() && !(*member)->isActive()) return std::optional<model::TeamMember>();
  return member;
}

Result<model::Team> createTeam(store::Store& store, const model::User& caller,
                               const NewTeam& input) {
  if (!hasSystemPermission(caller, p::kCreateTeam)) return permissionDenied(p::kCreateTeam);
  const std::int64_t now = store.clock().nowMillis();
  model::Team team;
  team.id = model::newId();
  team.createAt = now;
  team.updateAt = now;
  team.displayName = input.displayName;
  team.name = input.name;
  team.description = input.description;
  team.email = caller.email;
  team.type = input.type;
  team.companyName = input.companyName;
  team.allowedDomains = input.allowedDomains;
  team.inviteId = model::newId();
  team.allowOpenInvite = input.allowOpenInvite;
  if (auto valid = validateTeam(team); !valid) return std::move(valid).error();

  Status written = store.transaction([&](store::Store& tx) -> Status {
    if (auto created = tx.teams().create(team); !created) return created;
    model::TeamMember member;
    member.teamId = team.id;
    member.userId = caller.id;
    member.schemeAdmin = true;
    member.createAt = now;
    if (auto saved = tx.teams().saveMember(member); !saved) return saved;
    tx.afterCommit(events::TeamMemberAdded{team.id, caller.id});
    if (auto channels = createDefaultChannels(tx, team, caller.id); !channels) return channels;
    return joinDefaultChannels(tx, team.id, caller);
  });
  if (!written) return conflictAsBadRequest(std::move(written)).error();
  return team;
}

Result<model::Team> getTeam(store::Store& store, const model::User& caller,
                            std::string_view teamId) {
  return visibleTeam(store, caller, store.teams().get(teamId));
}

Result<model::Team> getTeamByName(store::Store& store, const model::User& caller,
                                  std::string_view name) {
  return visibleTeam(store, caller, store.teams().getByName(name));
}

Result<TeamPage> listTeams(store::Store& store, const model::User& caller, int page, int perPage,
                           bool includeTotal) {
  TeamPage result;
  const bool all = hasSystemPermission(caller, p::kListPrivateTeams);
  if (!all && !hasSystemPermission(caller, p::kListPublicTeams)) {
    // Guests list nothing, as in Mattermost; they reach their teams through /users/me/teams.
    if (includeTotal) result.totalCount = 0;
    return result;
  }
  auto teams = store.teams().list(!all, page * perPage, perPage);
  if (!teams) return std::move(teams).error();
  auto memberships = store.teams().membershipsOfUser(caller.id);
  if (!memberships) return std::move(memberships).error();
  std::unordered_map<std::string, const model::TeamMember*> byTeam;
  for (const auto& member : *memberships) byTeam.emplace(member.teamId, &member);
  for (auto& team : *teams) {
    const auto it = byTeam.find(team.id);
    result.teams.push_back(
        sanitizeTeam(caller, it == byTeam.end() ? nullptr : it->second, std::move(team)));
  }
  if (includeTotal) {
    auto count = store.teams().count(!all);
    if (!count) return std::move(count).error();
    result.totalCount = *count;
  }
  return result;
}

Result<model::Team> patchTeam(store::Store& store, const model::User& caller,
                              std::string_view teamId, const TeamPatch& patch) {
  auto loaded = requireTeamPermission(store, caller, teamId, p::kManageTeam);
  if (!loaded) return std::move(loaded).error();
  model::Team team = loaded->team;
  if (patch.displayName) team.displayName = *patch.displayName;
  if (patch.description) team.description = *patch.description;
  if (patch.companyName) team.companyName = *patch.companyName;
  if (patch.allowedDomains) team.allowedDomains = *patch.allowedDomains;
  if (patch.allowOpenInvite) team.allowOpenInvite = *patch.allowOpenInvite;
  if (auto valid = validateTeam(team); !valid) return std::move(valid).error();
  team.updateAt = std::max(store.clock().nowMillis(), team.updateAt + 1);
  if (auto updated = conflictAsBadRequest(store.teams().update(team)); !updated) {
    return std::move(updated).error();
  }
  store.afterCommit(events::TeamUpdated{team});
  return sanitizeTeam(caller, loaded->memberPtr(), std::move(team));
}

Status deleteTeam(store::Store& store, const model::User& caller, std::string_view teamId,
                  bool permanently) {
  auto loaded = requireTeamPermission(store, caller, teamId, p::kManageTeam);
  if (!loaded) return std::move(loaded).error();
  if (permanently) {
    if (!hasSystemPermission(caller, p::kManageSystem)) return permissionDenied(p::kManageSystem);
    if (auto removed = store.teams().removePermanently(teamId); !removed) return removed;
    store.afterCommit(events::TeamDeleted{loaded->team});
    return {};
  }
  model::Team team = loaded->team;
  const std::int64_t now = store.clock().nowMillis();
  team.deleteAt = now;
  team.updateAt = now;
  if (auto updated = store.teams().update(team); !updated) return updated;
  store.afterCommit(events::TeamDeleted{std::move(team)});
  return {};
}

Result<model::Team> restoreTeam(store::Store& store, const model::User& caller,
                                std::string_view teamId) {
  auto loaded = requireTeamPermission(store, caller, teamId, p::kManageTeam);
  if (!loaded) return std::move(loaded).error();
  model::Team team = loaded->team;
  team.deleteAt = 0;
  team.updateAt = std::max(store.clock().nowMillis(), team.updateAt + 1);
  if (auto updated = store.teams().update(team); !updated) return std::move(updated).error();
  store.afterCommit(events::TeamRestored{team});
  return sanitizeTeam(caller, loaded->memberPtr(), std::move(team));
}

Result<std::vector<model::Team>> teamsOfUser(store::Store& store, const model::User& caller,
                                             std::string_view userId) {
  if (auto allowed = requireSelfOrEditOthers(caller, userId); !allowed) {
    return std::move(allowed).error();
  }
  auto teams = store.teams().teamsOfUser(userId);
  if (!teams) return teams;
  auto memberships = store.teams().membershipsOfUser(caller.id);
  if (!memberships) return std::move(memberships).error();
  std::vector<model::Team> result;
  for (auto& team : *teams) {
    const auto it =
        std::find_if(memberships->begin(), memberships->end(),
                     [&team](const model::TeamMember& member) { return member.teamId == team.id; });
    result.push_back(
        sanitizeTeam(caller, it == memberships->end() ? nullptr : &*it, std::move(team)));
  }
  return result;
}

Result<std::vector<model::TeamMember>> teamMembershipsOfUser(store::Store& store,
                                                             const model::User& caller,
                                                             std::string_view userId) {
  if (auto allowed = requireSelfOrEditOthers(caller, userId); !allowed) {
    return std::move(allowed).error();
  }
  return store.teams().membershipsOfUser(userId);
}

Result<std::vector<store::TeamUnread>> teamUnreadsOfUser(store::Store& store,
                                                         const model::User& caller,
                                                         std::string_view userId) {
  if (auto allowed = requireSelfOrEditOthers(caller, userId); !allowed) {
    return std::move(allowed).error();
  }
  return store.teams().unreadsOfUser(userId);
}

Result<model::TeamMember> addTeamMember(store::Store& store, const model::User& caller,
                                        std::string_view teamId, std::string_view userId) {
  auto loaded = loadTeam(store, caller, teamId);
  if (!loaded) return std::move(loaded).error();
  if (loaded->team.deleteAt != 0) {
    return makeError(ErrorCode::kInvalidArgument, "app.team.join_user_to_team.archived.app_error",
                     "The team is archived.");
  }
  auto user = store.users().getById(userId);
  if (!user) return std::move(user).error();
  if (user->deleteAt != 0) return userNotFound();

  const model::TeamMember* callerMember = loaded->memberPtr();
  if (caller.id == userId) {
    const bool open = isOpenTeam(loaded->team);
    const auto joinPermission = open ? p::kJoinPublicTeams : p::kJoinPrivateTeams;
    if (!hasSystemPermission(caller, joinPermission) &&
        !hasTeamPermission(caller, callerMember, p::kAddUserToTeam)) {
      return permissionDenied(p::kAddUserToTeam);
    }
  } else if (!hasTeamPermission(caller, callerMember, p::kAddUserToTeam)) {
    return permissionDenied(p::kAddUserToTeam);
  }
  if (user->isGuest() && !hasTeamPermission(caller, callerMember, p::kManageTeam)) {
    return permissionDenied(p::kManageTeam);
  }

  auto existing = store.teams().member(teamId, userId);
  if (!existing) return std::move(existing).error();
  if (existing->has_value() && (*existing)->isActive()) return std::move(**existing);

  model::TeamMember member;
  member.teamId = loaded->team.id;
  member.userId = user->id;
  member.schemeGuest = user->isGuest();
  member.schemeUser = !user->isGuest();
  member.createAt = existing->has_value() ? (*existing)->createAt : store.clock().nowMillis();
  Status written = store.transaction([&](store::Store& tx) -> Status {
    if (auto saved = tx.teams().saveMember(member); !saved) return saved;
    tx.afterCommit(events::TeamMemberAdded{member.teamId, member.userId});
    return joinDefaultChannels(tx, member.teamId, *user);
  });
  if (!written) return std::move(written).error();
  return member;
}

Result<std::vector<model::TeamMember>> listTeamMembers(store::Store& store,
                                                       const model::User& caller,
                                                       std::string_view teamId, int page,
                                                       int perPage) {
  auto loaded = requireTeamPermission(store, caller, teamId, p::kViewTeam);
  if (!loaded) return std::move(loaded).error();
  return store.teams().members(teamId, page * perPage, perPage);
}

Result<model::TeamMember> getTeamMember(store::Store& store, const model::User& caller,
                                        std::string_view teamId, std::string_view userId) {
  auto loaded = requireTeamPermission(store, caller, teamId, p::kViewTeam);
  if (!loaded) return std::move(loaded).error();
  return requireActiveMember(store, teamId, userId);
}

Status removeTeamMember(store::Store& store, const model::User& caller, std::string_view teamId,
                        std::string_view userId) {
  auto loaded = loadTeam(store, caller, teamId);
  if (!loaded) return std::move(loaded).error();
  if (caller.id != userId &&
      !hasTeamPermission(caller, loaded->memberPtr(), p::kRemoveUserFromTeam)) {
    return permissionDenied(p::kRemoveUserFromTeam);
  }
  auto member = requireActiveMember(store, teamId, userId);
  if (!member) return std::move(member).error();
  member->deleteAt = store.clock().nowMillis();
  return store.transaction([&](store::Store& tx) -> Status {
    if (auto saved = tx.teams().saveMember(*member); !saved) return saved;
    if (auto left = tx.channels().removeMemberFromTeamChannels(teamId, userId); !left) return left;
    tx.afterCommit(events::TeamMemberRemoved{std::string(teamId), std::string(userId), caller.id});
    return {};
  });
}

namespace {

// Writes changed roles of a membership; its owner hears of it (memberrole_updated).
Status saveMemberRoles(store::Store& store, const model::TeamMember& member) {
  if (auto saved = store.teams().saveMember(member); !saved) return saved;
  store.afterCommit(events::TeamMemberRolesUpdated{member});
  return {};
}

}  // namespace

Status updateTeamMemberRoles(store::Store& store, const model::User& caller,
                             std::string_view teamId, std::string_view userId,
                             std::string_view roles) {
  auto loaded = requireTeamPermission(store, caller, teamId, p::kManageTeamRoles);
  if (!loaded) return std::move(loaded).error();
  if (!model::areValidRoles(roles, model::RoleScope::kTeam)) return invalidBodyParam("roles");
  auto member = requireActiveMember(store, teamId, userId);
  if (!member) return std::move(member).error();
  const auto [flags, explicitRoles] =
      splitSchemeRoles(roles, model::kRoleTeamAdmin, model::kRoleTeamUser, model::kRoleTeamGuest);
  if (flags.guest != member->schemeGuest) return invalidBodyParam("roles");
  member->schemeAdmin = flags.admin;
  member->schemeUser = flags.user;
  member->explicitRoles = explicitRoles;
  return saveMemberRoles(store, *member);
}

SplitRoles splitSchemeRoles(std::string_view roles, std::string_view adminRole,
                            std::string_view userRole, std::string_view guestRole) {
  SplitRoles split;
  std::string_view rest = roles;
  while (!rest.empty()) {
    const auto space = rest.find(' ');
    const std::string_view role = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    if (role.empty()) continue;
    if (role == adminRole) {
      split.scheme.admin = true;
    } else if (role == userRole) {
      split.scheme.user = true;
    } else if (role == guestRole) {
      split.scheme.guest = true;
    } else {
      if (!split.explicitRoles.empty()) split.explicitRoles += ' ';
      split.explicitRoles += role;
    }
  }
  return split;
}

Status requireViewTeam(store::Store& store, const model::User& caller, std::string_view teamId) {
  auto loaded = requireTeamPermission(store, caller, teamId, p::kViewTeam);
  if (!loaded) return std::move(loaded).error();
  return {};
}

Status updateTeamMemberSchemeRoles(store::Store& store, const model::User& caller,
                                   std::string_view teamId, std::string_view userId,
                                   const SchemeRoles& roles) {
  auto loaded = requireTeamPermission(store, caller, teamId, p::kManageTeamRoles);
  if (!loaded) return std::move(loaded).error();
  auto member = requireActiveMember(store, teamId, userId);
  if (!member) return std::move(member).error();
  // A guest stays a guest and a user stays a user: promotion and demotion are separate routes.
  if (roles.guest != member->schemeGuest || (roles.guest && (roles.user || roles.admin))) {
    return invalidBodyParam("scheme_roles");
  }
  member->schemeAdmin = roles.admin;
  member->schemeUser = roles.user;
  return saveMemberRoles(store, *member);
}

Result<store::TeamStats> teamStats(store::Store& store, const model::User& caller,
                                   std::string_view teamId) {
  auto loaded = requireTeamPermission(store, caller, teamId, p::kViewTeam);
  if (!loaded) return std::move(loaded).error();
  return store.teams().stats(teamId);
}

}  // namespace parley::core::services
