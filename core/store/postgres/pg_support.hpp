#pragma once
// Helpers shared by the PostgreSQL stores of this directory: reading JSON columns, turning a
// statement's outcome into a Status, and the user row that several queries join in.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/user.hpp"
#include "core/store/postgres/connection.hpp"

namespace parley::core::store::postgres {

// JSON columns are constrained by the schema; a value that still fails to parse (edited by
// hand) degrades to `fallback` rather than failing the whole read.
nlohmann::json parseJson(std::string_view text, const nlohmann::json& fallback);

// The outcome of a statement whose rows do not matter.
inline Status done(Result<Rows> rows) {
  if (!rows) return std::move(rows).error();
  return {};
}

// The first column of every row, as strings (id lists).
inline Result<std::vector<std::string>> firstColumn(Result<Rows> rows) {
  if (!rows) return std::move(rows).error();
  std::vector<std::string> values;
  values.reserve(static_cast<std::size_t>(rows->size()));
  for (int row = 0; row < rows->size(); ++row) values.push_back(rows->string(row, 0));
  return values;
}

inline bool startsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// "col = PARLEY_PG_ANY_OF_JSON_1": col is one of the keys in parameter $1, a JSON array of
// strings. The keys become an array (ARRAY(SELECT ...), computed once), which the planner can
// only match in col's index, key by key. A subquery to join instead (col IN (SELECT ...)) is
// planned for a list of 100 keys whatever the list holds, and that plan reads the whole table
// once it looks small enough: a hash join over a sequential scan of the users for one id, or
// of every row of an outbox whose statistics were taken while it was empty.
#define PARLEY_PG_ANY_OF_JSON_1 "ANY(ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))"

// "SELECT nextval(...) ..." PARLEY_PG_FIRST_IDS: the next $1 values of a sequence, at most
// kMaxIdsAhead (the callers clamp). Named sequences (not pg_get_serial_sequence(), which ran at
// every plan) and a series whose length the plan does not depend on: with
// generate_series(1, $1) the server found a cheaper plan for each count and planned the
// statement at every execution, twice what executing it cost.
#define PARLEY_PG_FIRST_IDS " FROM generate_series(1, 64) AS n WHERE n <= $1"
inline constexpr int kMaxIdsAhead = 64;  // the series of PARLEY_PG_FIRST_IDS

// The column list of every query that reads whole users, in the order of UserColumn; a macro so
// that statements can splice it into their SQL literals. Queries that join other tables select
// these first and their own columns from UserColumn::kCount on.
#define PARLEY_PG_USER_COLUMNS                                                                 \
  "id, create_at, update_at, delete_at, username, password, auth_service, email, "             \
  "email_verified, nickname, first_name, last_name, position, roles, allow_marketing, props, " \
  "notify_props, last_password_update, last_picture_update, failed_attempts, locale, "         \
  "timezone, mfa_active, last_activity_at, last_login, is_bot, disable_welcome_email, "        \
  "remote_id, remote_bridge, remote_user_id, remote_domain"

// Indexes into PARLEY_PG_USER_COLUMNS.
struct UserColumn {
  enum : int {
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
    kCount,
  };
};

// `values` as a JSON array, for statements that take a list as one parameter
// (`... IN (SELECT jsonb_array_elements_text($1::jsonb))`).
std::string jsonArray(const std::vector<std::string>& values);

// A LIKE pattern matching strings that start with `prefix` (lower-cased), with LIKE's
// wildcards and the escape character (backslash) in `prefix` taken literally.
std::string likePrefix(std::string_view prefix);

// The user in `row`, from the PARLEY_PG_USER_COLUMNS that start at column 0.
model::User userFromRow(const Rows& rows, int row);
// kNotFound "app.user.missing_account.const": no user has that id (name, email...).
Error missingAccount();

// The values of PARLEY_PG_USER_COLUMNS for an INSERT, in order.
Params userParams(const model::User& user);

}  // namespace parley::core::store::postgres
