#include "core/store/postgres/pg_session_store.hpp"

#include "core/store/postgres/pg_store.hpp"
#include "core/store/postgres/pg_support.hpp"

namespace parley::core::store::postgres {
namespace {

// Sessions come with their user in one round trip: the user's columns first, so userFromRow()
// reads them unchanged, then the session's from UserColumn::kCount on (renamed, as both tables
// have id, create_at, props, ...).
#define PARLEY_SESSION_COLUMNS                                                                 \
  "id AS s_id, encode(token_hash, 'hex') AS s_token_hash, create_at AS s_create_at, "          \
  "expires_at AS s_expires_at, last_activity_at AS s_last_activity_at, user_id AS s_user_id, " \
  "device_id AS s_device_id, roles AS s_roles, is_oauth AS s_is_oauth, "                       \
  "csrf_token AS s_csrf_token, props AS s_props, local AS s_local"
constexpr Statement kSessionInsert{
    "session_insert",
    "INSERT INTO sessions (id, token_hash, create_at, expires_at, last_activity_at, user_id, "
    "device_id, roles, is_oauth, csrf_token, props, local) "
    "VALUES ($1, decode($2, 'hex'), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"};
constexpr Statement kSessionByTokenHash{
    "session_by_token_hash",
    "SELECT " PARLEY_PG_USER_COLUMNS ", s.* FROM (SELECT " PARLEY_SESSION_COLUMNS
    " FROM sessions WHERE token_hash = decode($1, 'hex')) s JOIN users ON users.id = s.s_user_id"};
constexpr Statement kSessionById{"session_by_id",
                                 "SELECT " PARLEY_SESSION_COLUMNS " FROM sessions WHERE id = $1"};
constexpr Statement kSessionsOfUser{
    "sessions_of_user", "SELECT " PARLEY_SESSION_COLUMNS
                        " FROM sessions WHERE user_id = $1 ORDER BY last_activity_at DESC, id"};
#undef PARLEY_SESSION_COLUMNS
constexpr Statement kSessionTouch{"session_touch",
                                  "UPDATE sessions SET last_activity_at = $2 WHERE id = $1"};
constexpr Statement kSessionRevoke{"session_revoke", "DELETE FROM sessions WHERE id = $1"};
constexpr Statement kSessionRevokeUser{"session_revoke_user",
                                       "DELETE FROM sessions WHERE user_id = $1"};
constexpr Statement kSessionRevokeDevice{
    "session_revoke_device",
    "DELETE FROM sessions WHERE user_id = $1 AND device_id = $2 AND id <> $3"};
constexpr Statement kSessionRevokeAccessToken{
    "session_revoke_access_token",
    "DELETE FROM sessions WHERE props ->> 'user_access_token_id' = $1"};
constexpr Statement kSessionSetDevice{"session_set_device",
                                      "UPDATE sessions SET device_id = $2 WHERE id = $1"};

enum SessionColumn : int {
  kSessionId,
  kSessionTokenHash,
  kSessionCreateAt,
  kSessionExpiresAt,
  kSessionLastActivityAt,
  kSessionUserId,
  kSessionDeviceId,
  kSessionRoles,
  kSessionIsOAuth,
  kSessionCsrfToken,
  kSessionProps,
  kSessionLocal,
};

// The session columns of a row that starts at `first`.
model::Session sessionFromRow(const Rows& rows, int row, int first) {
  model::Session session;
  session.id = rows.string(row, first + kSessionId);
  session.tokenHash = rows.string(row, first + kSessionTokenHash);
  session.createAt = rows.int64(row, first + kSessionCreateAt);
  session.expiresAt = rows.int64(row, first + kSessionExpiresAt);
  session.lastActivityAt = rows.int64(row, first + kSessionLastActivityAt);
  session.userId = rows.string(row, first + kSessionUserId);
  session.deviceId = rows.string(row, first + kSessionDeviceId);
  session.roles = rows.string(row, first + kSessionRoles);
  session.isOAuth = rows.boolean(row, first + kSessionIsOAuth);
  session.csrfToken = rows.string(row, first + kSessionCsrfToken);
  session.props = parseJson(rows.text(row, first + kSessionProps), nlohmann::json::object());
  session.local = rows.boolean(row, first + kSessionLocal);
  return session;
}

}  // namespace

Status PgSessionStore::create(const model::Session& session) {
  Params params;
  params.add(session.id)
      .add(session.tokenHash)
      .add(session.createAt)
      .add(session.expiresAt)
      .add(session.lastActivityAt)
      .add(session.userId)
      .add(session.deviceId)
      .add(session.roles)
      .add(session.isOAuth)
      .add(session.csrfToken)
      .add(session.props.dump())
      .add(session.local);
  return done(store_.exec(kSessionInsert, params));
}

Result<Rows> PgSessionStore::getOne(const Statement& statement, std::string_view key) {
  auto rows = store_.exec(statement, Params().add(key));
  if (rows && rows->empty()) {
    return makeError(ErrorCode::kNotFound, "app.session.get.app_error",
                     "Unable to find the session.");
  }
  return rows;
}

Result<model::SessionWithUser> PgSessionStore::getByTokenHash(std::string_view tokenHash) {
  auto rows = getOne(kSessionByTokenHash, tokenHash);
  if (!rows) return std::move(rows).error();
  return model::SessionWithUser{sessionFromRow(*rows, 0, UserColumn::kCount),
                                userFromRow(*rows, 0)};
}

Result<model::Session> PgSessionStore::getById(std::string_view sessionId) {
  auto rows = getOne(kSessionById, sessionId);
  if (!rows) return std::move(rows).error();
  return sessionFromRow(*rows, 0, 0);
}

Result<std::vector<model::Session>> PgSessionStore::listOfUser(std::string_view userId) {
  auto rows = store_.exec(kSessionsOfUser, Params().add(userId));
  if (!rows) return std::move(rows).error();
  std::vector<model::Session> sessions;
  sessions.reserve(static_cast<std::size_t>(rows->size()));
  for (int row = 0; row < rows->size(); ++row) sessions.push_back(sessionFromRow(*rows, row, 0));
  return sessions;
}

Status PgSessionStore::touch(std::string_view sessionId, std::int64_t lastActivityAt) {
  return done(store_.exec(kSessionTouch, Params().add(sessionId).add(lastActivityAt)));
}

Status PgSessionStore::revoke(std::string_view sessionId) {
  return done(store_.exec(kSessionRevoke, Params().add(sessionId)));
}

Result<std::int64_t> PgSessionStore::revokeAllOfUser(std::string_view userId) {
  auto rows = store_.exec(kSessionRevokeUser, Params().add(userId));
  if (!rows) return std::move(rows).error();
  return rows->affected();
}

Status PgSessionStore::revokeDevice(std::string_view userId, std::string_view deviceId,
                                    std::string_view keepSessionId) {
  return done(
      store_.exec(kSessionRevokeDevice, Params().add(userId).add(deviceId).add(keepSessionId)));
}

Status PgSessionStore::setDevice(std::string_view sessionId, std::string_view deviceId) {
  return done(store_.exec(kSessionSetDevice, Params().add(sessionId).add(deviceId)));
}

Status PgSessionStore::revokeByAccessToken(std::string_view tokenId) {
  return done(store_.exec(kSessionRevokeAccessToken, Params().add(tokenId)));
}

}  // namespace parley::core::store::postgres
