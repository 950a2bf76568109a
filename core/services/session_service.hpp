#pragma once
// Password login, session lookup and logout (reference/mattermost-api.md §3).
//
// A login is three steps so that the slow, memory-hard password check holds neither an I/O
// thread nor a database connection:
//   1. findLoginAccount()  in a database job: the account and Mattermost's pre-flight checks;
//   2. checkPassword()     on the blocking pool: Argon2id verification;
//   3. completeLogin()     in a database job: count the failure, or create the session.
// An unknown account goes through the same three steps (against a decoy hash) and ends in the
// same error as a wrong password, so neither the answer nor its timing tells them apart.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/session.hpp"
#include "core/model/user.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

// Mattermost's ServiceSettings.MaximumLoginAttempts default: after this many wrong passwords in
// a row the account refuses password logins until the counter is reset.
inline constexpr int kMaximumLoginAttempts = 10;

// last_activity_at is written at most this often per session (Mattermost's
// SessionActivityTimeout), so that an active client does not cost a write per request.
inline constexpr std::int64_t kActivityUpdateMillis = std::int64_t{5} * 60 * 1000;

// Error ids clients switch on.
inline constexpr std::string_view kInvalidCredentialsId =
    "api.user.login.invalid_credentials_email_username";
inline constexpr std::string_view kSessionExpiredId = "api.context.session_expired.app_error";

struct LoginAccount {
  std::optional<model::User> user;  // nullopt: no such account
};

// Step 1. `loginId` is a username or an email (trimmed, compared case-insensitively).
// Errors: kInvalidArgument "api.user.login.blank_pwd.app_error" for an empty password;
// kUnauthenticated for bots ("api.user.login.bot_login_forbidden.app_error"), puppets of remote
// users ("api.user.login.remote_users.login.error") and accounts locked after too many failures
// ("api.user.check_user_login_attempts.too_many.app_error"); kUnavailable.
Result<LoginAccount> findLoginAccount(store::Store& store, std::string_view loginId,
                                      std::string_view password);

// Step 2. Slow by design (~45 ms): run it on the blocking pool.
bool checkPassword(const LoginAccount& account, std::string_view password);

struct LoginOptions {
  std::string deviceId;
  std::chrono::milliseconds sessionLength{std::chrono::hours(24 * 30)};
};

struct LoginResult {
  model::Session session;
  model::User user;
  std::string token;  // the bearer token: returned to the client once, never stored
};

// Step 3. A wrong password (or an unknown account) counts a failed attempt and fails with
// kUnauthenticated kInvalidCredentialsId; a deactivated account fails with kUnauthenticated
// "api.user.login.inactive.app_error". Otherwise resets the failure count, records the login,
// replaces an earlier session of the same device and creates a session of `sessionLength`.
Result<LoginResult> completeLogin(store::Store& store, const LoginAccount& account,
                                  bool passwordMatches, const LoginOptions& options);

struct AuthenticateOptions {
  // gateway.yaml enable_user_access_tokens: when off, personal access tokens of people stop
  // working (bots' tokens still do), as Mattermost's EnableUserAccessTokens.
  bool allowUserAccessTokens = true;
};

// What a session found for a request may be used for at `nowMillis`.
enum class SessionState {
  kUsable,
  kActivityDue,  // usable, once last_activity_at is recorded (kActivityUpdateMillis)
  kDead,         // expired, or its user deactivated: nobody may use it again
  kRefused,      // a personal access token's, and people's tokens are turned off
};
SessionState sessionState(const model::SessionWithUser& found, std::int64_t nowMillis,
                          const AuthenticateOptions& options);

// The live session for `token` with its user, recording activity now and then; expired
// sessions and sessions of deactivated users are deleted. A personal access token without a
// session yet gets one (see access_token_service.hpp), so that each later request is one
// lookup. Fails with kUnauthenticated kSessionExpiredId, or kUnavailable.
Result<model::SessionWithUser> authenticate(store::Store& store, std::string_view token,
                                            const AuthenticateOptions& options = {});

// Revokes one session (logout).
Status logout(store::Store& store, const model::Session& session);

// The sessions of `userId` (nothing secret: the token is not stored). Only the user and
// system administrators may see or revoke them: kPermissionDenied
// "api.context.permissions.app_error" otherwise.
Result<std::vector<model::Session>> sessionsOfUser(store::Store& store, const model::User& caller,
                                                   std::string_view userId);

// Revokes one session of `userId`; kInvalidArgument "api.context.invalid_url_param.app_error"
// when the session belongs to someone else, kNotFound "app.session.get.app_error" when it does
// not exist.
Status revokeSessionOfUser(store::Store& store, const model::User& caller, std::string_view userId,
                           std::string_view sessionId);

// Revokes every session of `userId` (including the caller's own when it is theirs).
Status revokeAllSessionsOfUser(store::Store& store, const model::User& caller,
                               std::string_view userId);

// Revokes sessions and records SessionsRevoked so that their WebSocket connections close (on
// every node) once the caller's transaction commits: `sessionIds` of `userId`, or all of them.
Status revokeSessions(store::Store& store, std::string_view userId,
                      std::vector<std::string> sessionIds);
Status revokeAllSessions(store::Store& store, std::string_view userId);

// The sessions table's limit on device ids.
inline constexpr std::size_t kDeviceIdMaxLength = 512;

// Registers `deviceId` (a mobile push token, "<platform>-v2:<token>") on `session` and revokes
// the user's other sessions on that device. kInvalidArgument
// "api.context.invalid_body_param.app_error" for an empty or over-long id.
Status attachDevice(store::Store& store, const model::Session& session, std::string_view deviceId);

}  // namespace parley::core::services
