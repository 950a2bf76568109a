#pragma once
// Persistence of teams and team memberships. Call only from inside a database job (see
// store.hpp).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/team.hpp"

namespace parley::core::store {

// Unread totals of one team for one user (Mattermost's TeamUnread), over the team's channels
// the user is a member of.
struct TeamUnread {
  std::string teamId;
  std::int64_t msgCount = 0;
  std::int64_t mentionCount = 0;
  std::int64_t mentionCountRoot = 0;
  std::int64_t msgCountRoot = 0;
};

struct TeamStats {
  std::int64_t totalMemberCount = 0;   // active memberships
  std::int64_t activeMemberCount = 0;  // active memberships of active users
};

class TeamStore {
 public:
  virtual ~TeamStore() = default;

  // kConflict "app.team.save.existing.app_error" when the name is taken.
  virtual Status create(const model::Team& team) = 0;
  // Writes every field of `team` but id and create_at; the same conflict as create().
  virtual Status update(const model::Team& team) = 0;
  // Deletes the team with its channels and memberships (ON DELETE CASCADE).
  virtual Status removePermanently(std::string_view teamId) = 0;

  // kNotFound "app.team.get.find.app_error"; archived teams are found too.
  virtual Result<model::Team> get(std::string_view teamId) = 0;
  // kNotFound "app.team.get_by_name.missing.app_error".
  virtual Result<model::Team> getByName(std::string_view name) = 0;

  // Teams not archived, by display name: all of them, or (openOnly) those anyone may join:
  // type O with allow_open_invite.
  virtual Result<std::vector<model::Team>> list(bool openOnly, int offset, int limit) = 0;
  virtual Result<std::int64_t> count(bool openOnly) = 0;
  // Teams (not archived) in which `userId` has an active membership, by display name.
  virtual Result<std::vector<model::Team>> teamsOfUser(std::string_view userId) = 0;

  // The membership, active or left (delete_at != 0); nullopt when there never was one.
  virtual Result<std::optional<model::TeamMember>> member(std::string_view teamId,
                                                          std::string_view userId) = 0;
  // Inserts or overwrites the membership (roles, flags, delete_at).
  virtual Status saveMember(const model::TeamMember& member) = 0;
  // Active memberships of a team, by user id.
  virtual Result<std::vector<model::TeamMember>> members(std::string_view teamId, int offset,
                                                         int limit) = 0;
  // Active memberships of a user in teams that are not archived.
  virtual Result<std::vector<model::TeamMember>> membershipsOfUser(std::string_view userId) = 0;

  virtual Result<TeamStats> stats(std::string_view teamId) = 0;
  virtual Result<std::vector<TeamUnread>> unreadsOfUser(std::string_view userId) = 0;

  // Ids of the team's active members, for delivering its real-time events.
  virtual Result<std::vector<std::string>> memberUserIds(std::string_view teamId) = 0;
};

}  // namespace parley::core::store
