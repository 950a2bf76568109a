#pragma once
// Teams and team memberships as Mattermost models them (reference/mattermost-api.md §7 "Team",
// "TeamMember"). Plain data: the store reads and writes it, services decide what it may
// contain, the gateway turns it into JSON.

#include <cstdint>
#include <string>

namespace parley::core::model {

inline constexpr char kTeamOpen = 'O';
inline constexpr char kTeamInvite = 'I';

struct Team {
  std::string id;
  std::int64_t createAt = 0;
  std::int64_t updateAt = 0;
  std::int64_t deleteAt = 0;
  std::string displayName;
  std::string name;
  std::string description;
  std::string email;
  char type = kTeamOpen;
  std::string companyName;
  std::string allowedDomains;
  std::string inviteId;
  bool allowOpenInvite = false;
  std::int64_t lastTeamIconUpdate = 0;
};

// A user's membership in a team. The implicit roles come from the scheme flags, as in
// Mattermost; `explicitRoles` holds any others granted by name.
struct TeamMember {
  std::string teamId;
  std::string userId;
  std::string explicitRoles;
  std::int64_t deleteAt = 0;  // left the team (membership kept for history)
  bool schemeGuest = false;
  bool schemeUser = true;
  bool schemeAdmin = false;
  std::int64_t createAt = 0;

  bool isActive() const { return deleteAt == 0; }
  // "team_user", "team_user team_admin" or "team_guest", followed by the explicit roles: the
  // `roles` field of Mattermost's JSON.
  std::string roles() const;
};

}  // namespace parley::core::model
