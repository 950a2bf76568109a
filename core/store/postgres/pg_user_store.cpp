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

}  // namespace

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

}  // namespace parley::core::store::postgres
