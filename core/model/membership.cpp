#include "core/model/channel.hpp"
#include "core/model/permissions.hpp"
#include "core/model/team.hpp"

namespace parley::core::model {
namespace {

// Mattermost's GetRoles(): the scheme roles first, then the explicit ones, space-separated.
std::string schemeRoles(bool guest, bool user, bool admin, std::string_view guestRole,
                        std::string_view userRole, std::string_view adminRole,
                        std::string_view explicitRoles) {
  std::string roles;
  auto append = [&roles](std::string_view role) {
    if (role.empty()) return;
    if (!roles.empty()) roles += ' ';
    roles += role;
  };
  if (guest) append(guestRole);
  if (user) append(userRole);
  if (admin) append(adminRole);
  append(explicitRoles);
  return roles;
}

}  // namespace

std::string TeamMember::roles() const {
  return schemeRoles(schemeGuest, schemeUser, schemeAdmin, kRoleTeamGuest, kRoleTeamUser,
                     kRoleTeamAdmin, explicitRoles);
}

std::string ChannelMember::roles() const {
  return schemeRoles(schemeGuest, schemeUser, schemeAdmin, kRoleChannelGuest, kRoleChannelUser,
                     kRoleChannelAdmin, explicitRoles);
}

}  // namespace parley::core::model
