#include "core/services/permissions.hpp"

#include <string>

#include "core/model/permissions.hpp"

namespace parley::core::services {

namespace p = model::permission;

Error permissionDenied(std::string_view permission) {
  return makeError(ErrorCode::kPermissionDenied, "api.context.permissions.app_error",
                   "You do not have the appropriate permissions.",
                   "missing permission " + std::string(permission));
}

bool hasSystemPermission(const model::User& user, std::string_view permission) {
  return model::rolesGrant(user.roles, permission);
}

bool hasTeamPermission(const model::User& user, const model::TeamMember* member,
                       std::string_view permission) {
  if (hasSystemPermission(user, permission)) return true;
  return member != nullptr && member->isActive() && model::rolesGrant(member->roles(), permission);
}

bool hasChannelPermission(const model::User& user, const ChannelAccess& access,
                          std::string_view permission) {
  if (access.member && model::rolesGrant(access.member->roles(), permission)) return true;
  const model::TeamMember* team = access.teamMember ? &*access.teamMember : nullptr;
  return hasTeamPermission(user, team, permission);
}

bool canReadChannel(const model::User& user, const ChannelAccess& access) {
  if (hasChannelPermission(user, access, p::kReadChannel)) return true;
  if (access.channel.type != model::kChannelOpen || !access.teamMember) return false;
  return hasTeamPermission(user, &*access.teamMember, p::kReadPublicChannel);
}

Result<ChannelAccess> loadChannelAccess(store::Store& store, const model::User& user,
                                        std::string_view channelId) {
  return store.channels().access(user.id, channelId);
}

Status checkChannelPermission(const model::User& user, const ChannelAccess& access,
                              std::string_view permission) {
  if (!canReadChannel(user, access)) return permissionDenied(p::kReadChannel);
  if (permission != p::kReadChannel && !hasChannelPermission(user, access, permission)) {
    return permissionDenied(permission);
  }
  return {};
}

Result<ChannelAccess> requireChannelPermission(store::Store& store, const model::User& user,
                                               std::string_view channelId,
                                               std::string_view permission) {
  auto access = loadChannelAccess(store, user, channelId);
  if (!access) return access;
  if (auto allowed = checkChannelPermission(user, *access, permission); !allowed) {
    return std::move(allowed).error();
  }
  return access;
}

}  // namespace parley::core::services
