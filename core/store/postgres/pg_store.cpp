#include "core/store/postgres/pg_store.hpp"

namespace parley::core::store::postgres {
namespace {

// ---- SQL ---------------------------------------------------------------------------------------

constexpr Statement kPing{"ping", "SELECT 1"};

// The column list shared by every user query; kUser* below are the indexes into it.
#define PARLEY_USER_COLUMNS                                                                    \
  "id, create_at, update_at, delete_at, username, password, auth_service, email, "             \
  "email_verified, nickname, first_name, last_name, position, roles, allow_marketing, props, " \
  "notify_props, last_password_update, last_picture_update, failed_attempts, locale, "         \
  "timezone, mfa_active, last_activity_at, last_login, is_bot, disable_welcome_email, "        \
  "remote_id, remote_bridge, remote_user_id, remote_domain"

constexpr Statement kUserInsert{
    "user_insert",
    "INSERT INTO users (" PARLEY_USER_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
    "$10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, "
    "$28, $29, $30, $31)"};
constexpr Statement kUserById{"user_by_id",
                              "SELECT " PARLEY_USER_COLUMNS " FROM users WHERE id = $1"};
constexpr Statement kUserByUsername{"user_by_username",
                                    "SELECT " PARLEY_USER_COLUMNS
                                    " FROM users WHERE lower(username) = lower($1)"};
constexpr Statement kUserByEmail{
    "user_by_email", "SELECT " PARLEY_USER_COLUMNS " FROM users WHERE lower(email) = lower($1)"};
constexpr Statement kUserRecordLogin{
    "user_record_login",
    "UPDATE users SET failed_attempts = $2, "
    "last_login = CASE WHEN $3::bigint = 0 THEN last_login ELSE $3::bigint END WHERE id = $1"};

// Sessions come with their user in one round trip: the user's columns first, so userFromRow()
// reads them unchanged, then the session's from kSessionFirstColumn on (renamed, as both tables
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
    "SELECT " PARLEY_USER_COLUMNS ", s.* FROM (SELECT " PARLEY_SESSION_COLUMNS
    " FROM sessions WHERE token_hash = decode($1, 'hex')) s JOIN users ON users.id = s.s_user_id"};
constexpr Statement kSessionById{"session_by_id",
                                 "SELECT " PARLEY_SESSION_COLUMNS " FROM sessions WHERE id = $1"};
constexpr Statement kSessionsOfUser{
    "sessions_of_user", "SELECT " PARLEY_SESSION_COLUMNS
                        " FROM sessions WHERE user_id = $1 ORDER BY last_activity_at DESC, id"};
#undef PARLEY_SESSION_COLUMNS
#undef PARLEY_USER_COLUMNS
constexpr Statement kSessionTouch{"session_touch",
                                  "UPDATE sessions SET last_activity_at = $2 WHERE id = $1"};
constexpr Statement kSessionRevoke{"session_revoke", "DELETE FROM sessions WHERE id = $1"};
constexpr Statement kSessionRevokeUser{"session_revoke_user",
                                       "DELETE FROM sessions WHERE user_id = $1"};
constexpr Statement kSessionRevokeDevice{
    "session_revoke_device",
    "DELETE FROM sessions WHERE user_id = $1 AND device_id = $2 AND id <> $3"};
constexpr Statement kSessionSetDevice{"session_set_device",
                                      "UPDATE sessions SET device_id = $2 WHERE id = $1"};
constexpr Statement kUserCountSystemAdmins{
    "user_count_system_admins",
    "SELECT count(*) FROM users "
    "WHERE delete_at = 0 AND 'system_admin' = ANY (string_to_array(roles, ' '))"};

constexpr Statement kSystemGet{"system_get", "SELECT value FROM system WHERE name = $1"};
constexpr Statement kSystemSet{"system_set",
                               "INSERT INTO system (name, value) VALUES ($1, $2) "
                               "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value"};
constexpr Statement kSystemLock{"system_lock",
                                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"};

// ---- rows --------------------------------------------------------------------------------------

enum UserColumn : int {
  kId,
  kCreateAt,
  kUpdateAt,
  kDeleteAt,
  kUsername,
  kPassword,
  kAuthService,
  kEmail,
  kEmailVerified,
  kNickname,
  kFirstName,
  kLastName,
  kPosition,
  kRoles,
  kAllowMarketing,
  kProps,
  kNotifyProps,
  kLastPasswordUpdate,
  kLastPictureUpdate,
  kFailedAttempts,
  kLocale,
  kTimezone,
  kMfaActive,
  kLastActivityAt,
  kLastLogin,
  kIsBot,
  kDisableWelcomeEmail,
  kRemoteId,
  kRemoteBridge,
  kRemoteUserId,
  kRemoteDomain,
  kSessionFirstColumn,
};

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

// JSON columns are constrained by the schema; a value that still fails to parse (edited by
// hand) degrades to the default rather than failing the whole read.
nlohmann::json parseJson(std::string_view text, const nlohmann::json& fallback) {
  auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? fallback : parsed;
}

model::User userFromRow(const Rows& rows, int row) {
  model::User user;
  user.id = rows.string(row, kId);
  user.createAt = rows.int64(row, kCreateAt);
  user.updateAt = rows.int64(row, kUpdateAt);
  user.deleteAt = rows.int64(row, kDeleteAt);
  user.username = rows.string(row, kUsername);
  user.passwordHash = rows.string(row, kPassword);
  user.authService = rows.string(row, kAuthService);
  user.email = rows.string(row, kEmail);
  user.emailVerified = rows.boolean(row, kEmailVerified);
  user.nickname = rows.string(row, kNickname);
  user.firstName = rows.string(row, kFirstName);
  user.lastName = rows.string(row, kLastName);
  user.position = rows.string(row, kPosition);
  user.roles = rows.string(row, kRoles);
  user.allowMarketing = rows.boolean(row, kAllowMarketing);
  user.props = parseJson(rows.text(row, kProps), nlohmann::json::object());
  user.notifyProps = parseJson(rows.text(row, kNotifyProps), nlohmann::json::object());
  user.lastPasswordUpdate = rows.int64(row, kLastPasswordUpdate);
  user.lastPictureUpdate = rows.int64(row, kLastPictureUpdate);
  user.failedAttempts = static_cast<int>(rows.int64(row, kFailedAttempts));
  user.locale = rows.string(row, kLocale);
  user.timezone = parseJson(rows.text(row, kTimezone), model::User{}.timezone);
  user.mfaActive = rows.boolean(row, kMfaActive);
  user.lastActivityAt = rows.int64(row, kLastActivityAt);
  user.lastLogin = rows.int64(row, kLastLogin);
  user.isBot = rows.boolean(row, kIsBot);
  user.disableWelcomeEmail = rows.boolean(row, kDisableWelcomeEmail);
  user.remoteId = rows.string(row, kRemoteId);  // NULL reads as ""
  user.remoteBridge = rows.string(row, kRemoteBridge);
  user.remoteUserId = rows.string(row, kRemoteUserId);
  user.remoteDomain = rows.string(row, kRemoteDomain);
  return user;
}

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

Status done(Result<Rows> rows) {
  if (!rows) return std::move(rows).error();
  return {};
}

Params userParams(const model::User& user) {
  Params params;
  params.add(user.id)
      .add(user.createAt)
      .add(user.updateAt)
      .add(user.deleteAt)
      .add(user.username)
      .add(user.passwordHash)
      .add(user.authService)
      .add(user.email)
      .add(user.emailVerified)
      .add(user.nickname)
      .add(user.firstName)
      .add(user.lastName)
      .add(user.position)
      .add(user.roles)
      .add(user.allowMarketing)
      .add(user.props.dump())
      .add(user.notifyProps.dump())
      .add(user.lastPasswordUpdate)
      .add(user.lastPictureUpdate)
      .add(user.failedAttempts)
      .add(user.locale)
      .add(user.timezone.dump())
      .add(user.mfaActive)
      .add(user.lastActivityAt)
      .add(user.lastLogin)
      .add(user.isBot)
      .add(user.disableWelcomeEmail)
      .addOrNull(user.remoteId)
      .addOrNull(user.remoteBridge)
      .addOrNull(user.remoteUserId)
      .addOrNull(user.remoteDomain);
  return params;
}

bool startsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

// ---- PgStore -----------------------------------------------------------------------------------

Result<Rows> PgStore::exec(const Statement& statement, const Params& params) {
  if (connection_ == nullptr) return unavailableError("not connected");
  return connection_->exec(statement, params);
}

Status PgStore::ping() {
  auto rows = exec(kPing);
  if (!rows) return std::move(rows).error();
  return {};
}

Status PgStore::transaction(const std::function<Status(Store&)>& body) {
  if (connection_ == nullptr) return unavailableError("not connected");
  if (transactionDepth_ > 0) {
    // Nested: part of the outer transaction, which commits or rolls back everything.
    ++transactionDepth_;
    Status status = body(*this);
    --transactionDepth_;
    return status;
  }
  if (auto begun = connection_->execScript("BEGIN"); !begun) return std::move(begun).error();
  transactionDepth_ = 1;
  Status status = [&]() -> Status {
    try {
      return body(*this);
    } catch (...) {
      transactionDepth_ = 0;
      (void)connection_->execScript("ROLLBACK");
      throw;
    }
  }();
  transactionDepth_ = 0;
  if (!status) {
    if (connection_->inTransaction()) (void)connection_->execScript("ROLLBACK");
    return status;
  }
  auto committed = connection_->execScript("COMMIT");
  if (!committed) return std::move(committed).error();
  // COMMIT of a transaction in which a statement failed (an error the body ignored) is a
  // ROLLBACK: nothing was written, and the caller must know.
  if (committed->commandTag() == "ROLLBACK") {
    return makeError(ErrorCode::kInternal, "store.transaction.rolled_back",
                     "A database transaction was rolled back.",
                     "a statement inside the transaction failed and its error was ignored");
  }
  return {};
}

// ---- PgUserStore -------------------------------------------------------------------------------

Status PgUserStore::create(const model::User& user) {
  auto done = store_.exec(kUserInsert, userParams(user));
  if (done) return {};
  Error error = std::move(done).error();
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

Result<model::User> PgUserStore::getOne(const Statement& statement, std::string_view key) {
  auto rows = store_.exec(statement, Params().add(key));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) {
    return makeError(ErrorCode::kNotFound, "app.user.missing_account.const",
                     "Unable to find the user.");
  }
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

// ---- PgSessionStore ----------------------------------------------------------------------------

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
  return model::SessionWithUser{sessionFromRow(*rows, 0, kSessionFirstColumn),
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

// ---- PgSystemStore -----------------------------------------------------------------------------

Result<std::optional<std::string>> PgSystemStore::get(std::string_view key) {
  auto rows = store_.exec(kSystemGet, Params().add(key));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<std::string>();
  return std::optional<std::string>(rows->string(0, 0));
}

Status PgSystemStore::set(std::string_view key, std::string_view value) {
  auto done = store_.exec(kSystemSet, Params().add(key).add(value));
  if (!done) return std::move(done).error();
  return {};
}

Status PgSystemStore::lock(std::string_view name) {
  auto done = store_.exec(kSystemLock, Params().add(name));
  if (!done) return std::move(done).error();
  return {};
}

}  // namespace parley::core::store::postgres
