#include "core/store/postgres/pg_user_store.hpp"

#include "core/store/postgres/pg_store.hpp"
#include "core/store/postgres/pg_support.hpp"

namespace parley::core::store::postgres {
namespace {

constexpr Statement kUserInsert{
    "user_insert",
    "INSERT INTO users (" PARLEY_PG_USER_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
    "$10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, "
    "$28, $29, $30, $31)"};
constexpr Statement kUserById{"user_by_id",
                              "SELECT " PARLEY_PG_USER_COLUMNS " FROM users WHERE id = $1"};
constexpr Statement kUserByUsername{"user_by_username",
                                    "SELECT " PARLEY_PG_USER_COLUMNS
                                    " FROM users WHERE lower(username) = lower($1)"};
constexpr Statement kUserByEmail{
    "user_by_email", "SELECT " PARLEY_PG_USER_COLUMNS " FROM users WHERE lower(email) = lower($1)"};
constexpr Statement kUserRecordLogin{
    "user_record_login",
    "UPDATE users SET failed_attempts = $2, "
    "last_login = CASE WHEN $3::bigint = 0 THEN last_login ELSE $3::bigint END WHERE id = $1"};

constexpr Statement kUserCountSystemAdmins{
    "user_count_system_admins",
    "SELECT count(*) FROM users "
    "WHERE delete_at = 0 AND 'system_admin' = ANY (string_to_array(roles, ' '))"};

constexpr Statement kUserCount{"user_count", "SELECT count(*) FROM users"};
constexpr Statement kUserUpdate{
    "user_update",
    "UPDATE users SET username = $2, email = $3, email_verified = $4, nickname = $5, "
    "first_name = $6, last_name = $7, position = $8, locale = $9, timezone = $10, props = $11, "
    "notify_props = $12, allow_marketing = $13, update_at = $14 WHERE id = $1"};
constexpr Statement kUserSetDeleteAt{
    "user_set_delete_at",
    "UPDATE users SET delete_at = $2, update_at = $3, "
    "failed_attempts = CASE WHEN $2::bigint = 0 THEN 0 ELSE failed_attempts END WHERE id = $1"};
constexpr Statement kUserSetRoles{"user_set_roles",
                                  "UPDATE users SET roles = $2, update_at = $3 WHERE id = $1"};
constexpr Statement kUserSetPassword{
    "user_set_password",
    "UPDATE users SET password = $2, last_password_update = $3, update_at = $3, "
    "failed_attempts = 0 WHERE id = $1"};

// Guests see themselves and the users with whom they share a channel ($N is the viewer, ""
// for no restriction). Spliced into the queries below with the viewer's parameter number.
#define PARLEY_PG_VISIBLE_TO(n)                                                 \
  "($" n " = '' OR u.id = $" n                                                  \
  " OR EXISTS (SELECT 1 FROM channel_members mine JOIN channel_members theirs " \
  "ON theirs.channel_id = mine.channel_id WHERE mine.user_id = $" n " AND theirs.user_id = u.id))"

constexpr Statement kUsersByIds{
    "users_by_ids",
    "SELECT " PARLEY_PG_USER_COLUMNS " FROM users u WHERE u.id = " PARLEY_PG_ANY_OF_JSON_1
    " AND u.update_at > $2 AND " PARLEY_PG_VISIBLE_TO("3") " ORDER BY u.username"};
constexpr Statement kUsersByUsernames{
    "users_by_usernames",
    "SELECT " PARLEY_PG_USER_COLUMNS
    " FROM users u WHERE lower(u.username) = "
    "ANY(ARRAY(SELECT lower(jsonb_array_elements_text($1::jsonb)))) AND " PARLEY_PG_VISIBLE_TO(
        "2") " ORDER BY u.username"};
constexpr Statement kUsersSearch{
    "users_search",
    "SELECT " PARLEY_PG_USER_COLUMNS
    " FROM users u WHERE "
    "($1 = '' OR EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = $1 "
    "AND tm.user_id = u.id AND tm.delete_at = 0)) "
    "AND ($2 = '' OR NOT EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = $2 "
    "AND tm.user_id = u.id AND tm.delete_at = 0)) "
    "AND ($3 = '' OR EXISTS (SELECT 1 FROM channel_members cm WHERE cm.channel_id = $3 "
    "AND cm.user_id = u.id)) "
    "AND ($4 = '' OR NOT EXISTS (SELECT 1 FROM channel_members cm WHERE cm.channel_id = $4 "
    "AND cm.user_id = u.id)) "
    "AND (NOT $5::boolean OR NOT EXISTS (SELECT 1 FROM team_members tm WHERE tm.user_id = u.id "
    "AND tm.delete_at = 0)) "
    "AND ($6 = 'any' OR ($6 = 'active' AND u.delete_at = 0) "
    "OR ($6 = 'inactive' AND u.delete_at <> 0)) "
    "AND ($7 = '' OR $7 = ANY (string_to_array(u.roles, ' '))) "
    "AND ($8 = '' OR lower(u.username) LIKE $8 ESCAPE '\\' "
    "OR lower(u.nickname) LIKE $8 ESCAPE '\\' OR lower(u.first_name) LIKE $8 ESCAPE '\\' "
    "OR lower(u.last_name) LIKE $8 ESCAPE '\\' "
    "OR ($9::boolean AND lower(u.email) LIKE $8 ESCAPE '\\')) "
    "AND " PARLEY_PG_VISIBLE_TO("10") " ORDER BY "
    "CASE WHEN $11 = 'last_activity_at' THEN u.last_activity_at END DESC NULLS LAST, "
    "CASE WHEN $11 = 'create_at' THEN u.create_at END DESC NULLS LAST, u.username "
    "OFFSET $12 LIMIT $13"};
constexpr Statement kUsersShareChannel{
    "users_share_channel",
    "SELECT EXISTS (SELECT 1 FROM channel_members mine JOIN channel_members theirs "
    "ON theirs.channel_id = mine.channel_id WHERE mine.user_id = $1 AND theirs.user_id = $2)"};
#undef PARLEY_PG_VISIBLE_TO
constexpr Statement kUserIsTeamMember{
    "user_is_team_member",
    "SELECT EXISTS (SELECT 1 FROM team_members WHERE user_id = $1 AND team_id = $2 "
    "AND delete_at = 0)"};
constexpr Statement kUserCanSeeChannelMembers{
    "user_can_see_channel_members",
    "SELECT EXISTS (SELECT 1 FROM channels c WHERE c.id = $2 AND c.delete_at = 0 AND ("
    "EXISTS (SELECT 1 FROM channel_members cm WHERE cm.channel_id = c.id AND cm.user_id = $1) "
    "OR (c.type = 'O' AND EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = c.team_id "
    "AND tm.user_id = $1 AND tm.delete_at = 0))))"};
constexpr Statement kUsersActivity{
    "users_activity",
    "SELECT u.id, GREATEST(u.last_activity_at, "
    "COALESCE((SELECT max(s.last_activity_at) FROM sessions s WHERE s.user_id = u.id), 0)) "
    "FROM users u WHERE u.id = " PARLEY_PG_ANY_OF_JSON_1};

// The kConflict of a unique index on users, with Mattermost's id for it.
Error userConflict(Error error) {
  if (error.code == ErrorCode::kConflict) {
    if (startsWith(error.detail, "users_username_key")) {
      error.id = "app.user.save.username_exists.app_error";
      error.message = "An account with that username already exists.";
    } else if (startsWith(error.detail, "users_email_key")) {
      error.id = "app.user.save.email_exists.app_error";
      error.message = "An account with that email already exists.";
    }
  }
  return error;
}

const char* activeFilter(UserQuery::Active active) {
  switch (active) {
    case UserQuery::Active::kActive: return "active";
    case UserQuery::Active::kInactive: return "inactive";
    case UserQuery::Active::kAny: break;
  }
  return "any";
}

}  // namespace

Status PgUserStore::create(const model::User& user) {
  auto done = store_.exec(kUserInsert, userParams(user));
  if (done) return {};
  return userConflict(std::move(done).error());
}

Status PgUserStore::update(const model::User& user) {
  Params params;
  params.add(user.id)
      .add(user.username)
      .add(user.email)
      .add(user.emailVerified)
      .add(user.nickname)
      .add(user.firstName)
      .add(user.lastName)
      .add(user.position)
      .add(user.locale)
      .add(user.timezone.dump())
      .add(user.props.dump())
      .add(user.notifyProps.dump())
      .add(user.allowMarketing)
      .add(user.updateAt);
  auto rows = store_.exec(kUserUpdate, params);
  if (!rows) return userConflict(std::move(rows).error());
  if (rows->affected() == 0) return missingAccount();
  return {};
}

Status PgUserStore::updateOne(const Statement& statement, const Params& params) {
  auto rows = store_.exec(statement, params);
  if (!rows) return std::move(rows).error();
  if (rows->affected() == 0) return missingAccount();
  return {};
}

Status PgUserStore::setDeleteAt(std::string_view id, std::int64_t deleteAt, std::int64_t updateAt) {
  return updateOne(kUserSetDeleteAt, Params().add(id).add(deleteAt).add(updateAt));
}

Status PgUserStore::setRoles(std::string_view id, std::string_view roles, std::int64_t updateAt) {
  return updateOne(kUserSetRoles, Params().add(id).add(roles).add(updateAt));
}

Status PgUserStore::setPassword(std::string_view id, std::string_view passwordHash,
                                std::int64_t now) {
  return updateOne(kUserSetPassword, Params().add(id).add(passwordHash).add(now));
}

Result<std::vector<model::User>> PgUserStore::getMany(const Statement& statement,
                                                      const Params& params) {
  auto rows = store_.exec(statement, params);
  if (!rows) return std::move(rows).error();
  std::vector<model::User> users;
  users.reserve(static_cast<std::size_t>(rows->size()));
  for (int row = 0; row < rows->size(); ++row) users.push_back(userFromRow(*rows, row));
  return users;
}

Result<std::vector<model::User>> PgUserStore::getByIds(const std::vector<std::string>& ids,
                                                       std::int64_t since,
                                                       std::string_view visibleTo) {
  return getMany(kUsersByIds, Params().add(jsonArray(ids)).add(since).add(visibleTo));
}

Result<std::vector<model::User>> PgUserStore::getByUsernames(
    const std::vector<std::string>& usernames, std::string_view visibleTo) {
  return getMany(kUsersByUsernames, Params().add(jsonArray(usernames)).add(visibleTo));
}

Result<std::vector<model::User>> PgUserStore::search(const UserQuery& query) {
  Params params;
  params.add(query.inTeam)
      .add(query.notInTeam)
      .add(query.inChannel)
      .add(query.notInChannel)
      .add(query.withoutTeam)
      .add(activeFilter(query.active))
      .add(query.role)
      .add(query.term.empty() ? std::string() : likePrefix(query.term))
      .add(query.termMatchesEmail)
      .add(query.visibleTo)
      .add(query.sort)
      .add(query.offset)
      .add(query.limit);
  return getMany(kUsersSearch, params);
}

Result<bool> PgUserStore::exists(const Statement& statement, std::string_view first,
                                 std::string_view second) {
  auto rows = store_.exec(statement, Params().add(first).add(second));
  if (!rows) return std::move(rows).error();
  return rows->boolean(0, 0);
}

Result<bool> PgUserStore::shareChannel(std::string_view viewerId, std::string_view otherId) {
  return exists(kUsersShareChannel, viewerId, otherId);
}

Result<bool> PgUserStore::isTeamMember(std::string_view viewerId, std::string_view teamId) {
  return exists(kUserIsTeamMember, viewerId, teamId);
}

Result<bool> PgUserStore::canSeeChannelMembers(std::string_view viewerId,
                                               std::string_view channelId) {
  return exists(kUserCanSeeChannelMembers, viewerId, channelId);
}

Result<std::vector<UserActivity>> PgUserStore::activity(const std::vector<std::string>& ids) {
  auto rows = store_.exec(kUsersActivity, Params().add(jsonArray(ids)));
  if (!rows) return std::move(rows).error();
  std::vector<UserActivity> activity;
  for (int row = 0; row < rows->size(); ++row) {
    activity.push_back(UserActivity{rows->string(row, 0), rows->int64(row, 1)});
  }
  return activity;
}

Result<std::int64_t> PgUserStore::count() {
  auto rows = store_.exec(kUserCount);
  if (!rows) return std::move(rows).error();
  return rows->int64(0, 0);
}

Result<model::User> PgUserStore::getOne(const Statement& statement, std::string_view key) {
  auto rows = store_.exec(statement, Params().add(key));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return missingAccount();
  return userFromRow(*rows, 0);
}

Result<model::User> PgUserStore::getById(std::string_view id) { return getOne(kUserById, id); }

Result<model::User> PgUserStore::getByUsername(std::string_view username) {
  return getOne(kUserByUsername, username);
}

Result<model::User> PgUserStore::getByEmail(std::string_view email) {
  return getOne(kUserByEmail, email);
}

Result<std::int64_t> PgUserStore::countSystemAdmins() {
  auto rows = store_.exec(kUserCountSystemAdmins);
  if (!rows) return std::move(rows).error();
  return rows->int64(0, 0);
}

Status PgUserStore::recordLogin(std::string_view id, int failedAttempts, std::int64_t lastLogin) {
  return done(store_.exec(kUserRecordLogin, Params().add(id).add(failedAttempts).add(lastLogin)));
}

}  // namespace parley::core::store::postgres
