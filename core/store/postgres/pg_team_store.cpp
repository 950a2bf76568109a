#include "core/store/postgres/pg_team_store.hpp"

#include "core/store/postgres/pg_channel_rows.hpp"
#include "core/store/postgres/pg_store.hpp"
#include "core/store/postgres/pg_support.hpp"

namespace parley::core::store::postgres {
namespace {

// $1..$14 in the order of PARLEY_PG_TEAM_COLUMNS.
constexpr Statement kTeamInsert{
    "team_insert",
    "INSERT INTO teams (id, create_at, update_at, delete_at, display_name, name, description, "
    "email, type, company_name, allowed_domains, invite_id, allow_open_invite, "
    "last_team_icon_update) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"};
constexpr Statement kTeamUpdate{
    "team_update",
    "UPDATE teams SET update_at = $3, delete_at = $4, display_name = $5, name = $6, "
    "description = $7, email = $8, type = $9, company_name = $10, allowed_domains = $11, "
    "invite_id = $12, allow_open_invite = $13, last_team_icon_update = $14 "
    "WHERE id = $1 AND create_at = $2"};
constexpr Statement kTeamDelete{"team_delete", "DELETE FROM teams WHERE id = $1"};
constexpr Statement kTeamById{"team_by_id",
                              "SELECT " PARLEY_PG_TEAM_COLUMNS " FROM teams t WHERE t.id = $1"};
constexpr Statement kTeamByName{"team_by_name",
                                "SELECT " PARLEY_PG_TEAM_COLUMNS " FROM teams t WHERE t.name = $1"};
// $1: only open teams.
constexpr Statement kTeamList{"team_list",
                              "SELECT " PARLEY_PG_TEAM_COLUMNS
                              " FROM teams t WHERE t.delete_at = 0"
                              " AND (NOT $1::boolean OR (t.type = 'O' AND t.allow_open_invite))"
                              " ORDER BY t.display_name, t.id OFFSET $2 LIMIT $3"};
constexpr Statement kTeamCount{"team_count",
                               "SELECT count(*) FROM teams t WHERE t.delete_at = 0"
                               " AND (NOT $1::boolean OR (t.type = 'O' AND t.allow_open_invite))"};
constexpr Statement kTeamsOfUser{"teams_of_user",
                                 "SELECT " PARLEY_PG_TEAM_COLUMNS
                                 " FROM teams t JOIN team_members tm ON tm.team_id = t.id"
                                 " WHERE tm.user_id = $1 AND tm.delete_at = 0 AND t.delete_at = 0"
                                 " ORDER BY t.display_name, t.id"};
constexpr Statement kTeamMember{"team_member",
                                "SELECT " PARLEY_PG_TEAM_MEMBER_COLUMNS
                                " FROM team_members tm WHERE tm.team_id = $1 AND tm.user_id = $2"};
constexpr Statement kTeamMemberSave{
    "team_member_save",
    "INSERT INTO team_members (team_id, user_id, roles, delete_at, scheme_guest, scheme_user, "
    "scheme_admin, create_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
    "ON CONFLICT (team_id, user_id) DO UPDATE SET roles = $3, delete_at = $4, "
    "scheme_guest = $5, scheme_user = $6, scheme_admin = $7"};
constexpr Statement kTeamMembers{"team_members",
                                 "SELECT " PARLEY_PG_TEAM_MEMBER_COLUMNS
                                 " FROM team_members tm WHERE tm.team_id = $1 AND tm.delete_at = 0"
                                 " ORDER BY tm.user_id OFFSET $2 LIMIT $3"};
constexpr Statement kTeamMemberUserIds{
    "team_member_user_ids",
    "SELECT user_id FROM team_members WHERE team_id = $1 AND delete_at = 0"};
constexpr Statement kTeamMembershipsOfUser{
    "team_memberships_of_user",
    "SELECT " PARLEY_PG_TEAM_MEMBER_COLUMNS
    " FROM team_members tm JOIN teams t ON t.id = tm.team_id"
    " WHERE tm.user_id = $1 AND tm.delete_at = 0 AND t.delete_at = 0 ORDER BY tm.team_id"};
constexpr Statement kTeamStats{"team_stats",
                               "SELECT count(*), count(*) FILTER (WHERE u.delete_at = 0)"
                               " FROM team_members tm JOIN users u ON u.id = tm.user_id"
                               " WHERE tm.team_id = $1 AND tm.delete_at = 0"};
constexpr Statement kTeamUnreads{
    "team_unreads",
    "SELECT tm.team_id,"
    " COALESCE(sum(GREATEST(c.total_msg_count - cm.msg_count, 0)), 0),"
    " COALESCE(sum(cm.mention_count), 0), COALESCE(sum(cm.mention_count_root), 0),"
    " COALESCE(sum(GREATEST(c.total_msg_count_root - cm.msg_count_root, 0)), 0)"
    " FROM team_members tm JOIN teams t ON t.id = tm.team_id AND t.delete_at = 0"
    " LEFT JOIN channels c ON c.team_id = tm.team_id AND c.delete_at = 0"
    " LEFT JOIN channel_members cm ON cm.channel_id = c.id AND cm.user_id = tm.user_id"
    " WHERE tm.user_id = $1 AND tm.delete_at = 0 AND (c.id IS NULL OR cm.user_id IS NOT NULL)"
    " GROUP BY tm.team_id ORDER BY tm.team_id"};

Params teamParams(const model::Team& team) {
  Params params;
  params.add(team.id)
      .add(team.createAt)
      .add(team.updateAt)
      .add(team.deleteAt)
      .add(team.displayName)
      .add(team.name)
      .add(team.description)
      .add(team.email)
      .add(std::string_view(&team.type, 1))
      .add(team.companyName)
      .add(team.allowedDomains)
      .add(team.inviteId)
      .add(team.allowOpenInvite)
      .add(team.lastTeamIconUpdate);
  return params;
}

std::vector<model::Team> teamsFrom(const Rows& rows) {
  std::vector<model::Team> teams;
  teams.reserve(static_cast<std::size_t>(rows.size()));
  for (int row = 0; row < rows.size(); ++row) teams.push_back(teamFromRow(rows, row, 0));
  return teams;
}

std::vector<model::TeamMember> teamMembersFrom(const Rows& rows) {
  std::vector<model::TeamMember> members;
  members.reserve(static_cast<std::size_t>(rows.size()));
  for (int row = 0; row < rows.size(); ++row) members.push_back(*teamMemberFromRow(rows, row, 0));
  return members;
}

}  // namespace

Status PgTeamStore::write(const Statement& statement, const model::Team& team) {
  auto rows = store_.exec(statement, teamParams(team));
  if (rows) return {};
  Error error = std::move(rows).error();
  if (error.code == ErrorCode::kConflict) {
    error.id = "app.team.save.existing.app_error";
    error.message = "A team with that name already exists.";
  }
  return error;
}

Status PgTeamStore::create(const model::Team& team) { return write(kTeamInsert, team); }
Status PgTeamStore::update(const model::Team& team) { return write(kTeamUpdate, team); }

Status PgTeamStore::removePermanently(std::string_view teamId) {
  return done(store_.exec(kTeamDelete, Params().add(teamId)));
}

Result<model::Team> PgTeamStore::getOne(const Statement& statement, std::string_view key,
                                        const char* errorId, const char* message) {
  auto rows = store_.exec(statement, Params().add(key));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return makeError(ErrorCode::kNotFound, errorId, message);
  return teamFromRow(*rows, 0, 0);
}

Result<model::Team> PgTeamStore::get(std::string_view teamId) {
  return getOne(kTeamById, teamId, "app.team.get.find.app_error",
                "Unable to find the existing team.");
}

Result<model::Team> PgTeamStore::getByName(std::string_view name) {
  return getOne(kTeamByName, name, "app.team.get_by_name.missing.app_error",
                "Unable to find the existing team.");
}

Result<std::vector<model::Team>> PgTeamStore::list(bool openOnly, int offset, int limit) {
  auto rows = store_.exec(kTeamList, Params().add(openOnly).add(offset).add(limit));
  if (!rows) return std::move(rows).error();
  return teamsFrom(*rows);
}

Result<std::int64_t> PgTeamStore::count(bool openOnly) {
  auto rows = store_.exec(kTeamCount, Params().add(openOnly));
  if (!rows) return std::move(rows).error();
  return rows->int64(0, 0);
}

Result<std::vector<model::Team>> PgTeamStore::teamsOfUser(std::string_view userId) {
  auto rows = store_.exec(kTeamsOfUser, Params().add(userId));
  if (!rows) return std::move(rows).error();
  return teamsFrom(*rows);
}

Result<std::optional<model::TeamMember>> PgTeamStore::member(std::string_view teamId,
                                                             std::string_view userId) {
  auto rows = store_.exec(kTeamMember, Params().add(teamId).add(userId));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<model::TeamMember>();
  return teamMemberFromRow(*rows, 0, 0);
}

Status PgTeamStore::saveMember(const model::TeamMember& member) {
  return done(store_.exec(kTeamMemberSave, Params()
                                               .add(member.teamId)
                                               .add(member.userId)
                                               .add(member.explicitRoles)
                                               .add(member.deleteAt)
                                               .add(member.schemeGuest)
                                               .add(member.schemeUser)
                                               .add(member.schemeAdmin)
                                               .add(member.createAt)));
}

Result<std::vector<model::TeamMember>> PgTeamStore::members(std::string_view teamId, int offset,
                                                            int limit) {
  auto rows = store_.exec(kTeamMembers, Params().add(teamId).add(offset).add(limit));
  if (!rows) return std::move(rows).error();
  return teamMembersFrom(*rows);
}

Result<std::vector<model::TeamMember>> PgTeamStore::membershipsOfUser(std::string_view userId) {
  auto rows = store_.exec(kTeamMembershipsOfUser, Params().add(userId));
  if (!rows) return std::move(rows).error();
  return teamMembersFrom(*rows);
}

Result<TeamStats> PgTeamStore::stats(std::string_view teamId) {
  auto rows = store_.exec(kTeamStats, Params().add(teamId));
  if (!rows) return std::move(rows).error();
  return TeamStats{rows->int64(0, 0), rows->int64(0, 1)};
}

Result<std::vector<std::string>> PgTeamStore::memberUserIds(std::string_view teamId) {
  return firstColumn(store_.exec(kTeamMemberUserIds, Params().add(teamId)));
}

Result<std::vector<TeamUnread>> PgTeamStore::unreadsOfUser(std::string_view userId) {
  auto rows = store_.exec(kTeamUnreads, Params().add(userId));
  if (!rows) return std::move(rows).error();
  std::vector<TeamUnread> unreads;
  for (int row = 0; row < rows->size(); ++row) {
    unreads.push_back(TeamUnread{rows->string(row, 0), rows->int64(row, 1), rows->int64(row, 2),
                                 rows->int64(row, 3), rows->int64(row, 4)});
  }
  return unreads;
}

}  // namespace parley::core::store::postgres
