#include "core/services/session_service.hpp"

#include "core/model/access_token.hpp"
#include "core/model/id.hpp"
#include "core/security/password.hpp"
#include "core/security/token.hpp"

namespace parley::core::services {
namespace {

Error unauthenticated(std::string_view id, std::string message) {
  return makeError(ErrorCode::kUnauthenticated, std::string(id), std::move(message));
}

Error invalidCredentials() {
  return unauthenticated(kInvalidCredentialsId, "Enter a valid email or username and/or password.");
}

Error sessionExpired() {
  return unauthenticated(kSessionExpiredId, "Invalid or expired session, please login again.");
}

// Verified when the account does not exist, so that an unknown name costs as much as a wrong
// password. Made once, from a random password nobody knows.
const std::string& decoyHash() {
  static const std::string kHash = [] {
    auto made = security::hashPassword(security::generatePassword());
    return made ? std::move(made).value() : std::string();
  }();
  return kHash;
}

}  // namespace

Result<LoginAccount> findLoginAccount(store::Store& store, std::string_view loginId,
                                      std::string_view password) {
  if (password.empty()) {
    return makeError(ErrorCode::kInvalidArgument, "api.user.login.blank_pwd.app_error",
                     "Password field must not be blank");
  }
  const std::string key = model::normalizeUsernameOrEmail(loginId);
  LoginAccount account;
  if (key.empty()) return account;
  auto user = store.users().getByUsername(key);
  if (!user && user.error().code == ErrorCode::kNotFound) user = store.users().getByEmail(key);
  if (!user) {
    if (user.error().code == ErrorCode::kNotFound) return account;
    return std::move(user).error();
  }
  if (user->isBot) {
    return unauthenticated("api.user.login.bot_login_forbidden.app_error",
                           "Bot login is forbidden.");
  }
  if (user->isRemote()) {
    return unauthenticated("api.user.login.remote_users.login.error",
                           "Login failed because remote users are not allowed to log in.");
  }
  if (user->failedAttempts >= kMaximumLoginAttempts) {
    return unauthenticated("api.user.check_user_login_attempts.too_many.app_error",
                           "Your account is locked because of too many failed password "
                           "attempts. Please reset your password.");
  }
  account.user = std::move(user).value();
  return account;
}

bool checkPassword(const LoginAccount& account, std::string_view password) {
  if (!account.user) {
    (void)security::verifyPassword(password, decoyHash());
    return false;
  }
  return security::verifyPassword(password, account.user->passwordHash);
}

Result<LoginResult> completeLogin(store::Store& store, const LoginAccount& account,
                                  bool passwordMatches, const LoginOptions& options) {
  if (!account.user) return invalidCredentials();
  const model::User& user = *account.user;
  if (!passwordMatches) {
    if (auto counted = store.users().recordLogin(user.id, user.failedAttempts + 1, 0); !counted) {
      return std::move(counted).error();
    }
    return invalidCredentials();
  }
  if (user.deleteAt != 0) {
    return unauthenticated("api.user.login.inactive.app_error",
                           "Login failed because your account has been deactivated. Please "
                           "contact an administrator.");
  }

  const auto now = store.clock().nowMillis();
  LoginResult result;
  result.token = model::newId();
  result.user = user;
  result.user.failedAttempts = 0;
  result.user.lastLogin = now;
  model::Session& session = result.session;
  session.id = model::newId();
  session.tokenHash = security::tokenHash(result.token);
  session.createAt = now;
  session.lastActivityAt = now;
  session.expiresAt = now + options.sessionLength.count();
  session.userId = user.id;
  session.deviceId = options.deviceId;
  session.roles = user.roles;
  session.csrfToken = model::newId();

  auto done = store.transaction([&](store::Store& tx) -> Status {
    if (auto recorded = tx.users().recordLogin(user.id, 0, now); !recorded) return recorded;
    if (!session.deviceId.empty()) {
      if (auto revoked = tx.sessions().revokeDevice(user.id, session.deviceId, ""); !revoked) {
        return revoked;
      }
    }
    return tx.sessions().create(session);
  });
  if (!done) return std::move(done).error();
  return result;
}

namespace {

bool isAccessTokenSession(const model::Session& session) {
  const auto type = session.props.find(model::kSessionPropType);
  return type != session.props.end() && type->is_string() &&
         type->get_ref<const std::string&>() == model::kSessionTypeUserAccessToken;
}

// The first use of a personal access token: a never-expiring session stands for it from now
// on. Two first uses at once race on the token_hash unique index; the loser reads the winner's.
Result<model::SessionWithUser> sessionForAccessToken(store::Store& store,
                                                     const std::string& tokenHash,
                                                     const AuthenticateOptions& options) {
  auto found = store.accessTokens().getByTokenHash(tokenHash);
  if (!found) {
    if (found.error().code == ErrorCode::kNotFound) return sessionExpired();
    return std::move(found).error();
  }
  const model::User& user = found->user;
  if (!found->token.isActive || user.deleteAt != 0 ||
      (!options.allowUserAccessTokens && !user.isBot)) {
    return sessionExpired();
  }
  const auto now = store.clock().nowMillis();
  model::SessionWithUser result{model::Session{}, user};
  model::Session& session = result.session;
  session.id = model::newId();
  session.tokenHash = tokenHash;
  session.createAt = now;
  session.lastActivityAt = now;
  session.userId = user.id;
  session.roles = user.roles;
  session.csrfToken = model::newId();
  session.props = {{model::kSessionPropType, model::kSessionTypeUserAccessToken},
                   {model::kSessionPropAccessTokenId, found->token.id},
                   {"is_bot", user.isBot ? "true" : "false"}};
  auto created = store.sessions().create(session);
  if (!created) {
    if (created.error().code != ErrorCode::kConflict) return std::move(created).error();
    auto winner = store.sessions().getByTokenHash(tokenHash);
    if (!winner) return std::move(winner).error();
    return std::move(winner).value();
  }
  return result;
}

}  // namespace

SessionState sessionState(const model::SessionWithUser& found, std::int64_t nowMillis,
                          const AuthenticateOptions& options) {
  const model::Session& session = found.session;
  if (session.isExpired(nowMillis) || found.user.deleteAt != 0) return SessionState::kDead;
  if (!options.allowUserAccessTokens && !found.user.isBot && isAccessTokenSession(session)) {
    return SessionState::kRefused;
  }
  if (nowMillis - session.lastActivityAt > kActivityUpdateMillis) {
    return SessionState::kActivityDue;
  }
  return SessionState::kUsable;
}

Result<model::SessionWithUser> authenticate(store::Store& store, std::string_view token,
                                            const AuthenticateOptions& options) {
  if (token.empty()) return sessionExpired();
  const std::string hash = security::tokenHash(token);
  auto found = store.sessions().getByTokenHash(hash);
  if (!found) {
    if (found.error().code == ErrorCode::kNotFound) {
      return sessionForAccessToken(store, hash, options);
    }
    return std::move(found).error();
  }
  model::Session& session = found->session;
  const auto now = store.clock().nowMillis();
  switch (sessionState(*found, now, options)) {
    case SessionState::kDead:
      // Nobody can use it again: drop it now rather than leave it for a sweep.
      if (auto revoked = store.sessions().revoke(session.id); !revoked) {
        return std::move(revoked).error();
      }
      return sessionExpired();
    case SessionState::kRefused: return sessionExpired();
    case SessionState::kActivityDue:
      if (auto touched = store.sessions().touch(session.id, now); !touched) {
        return std::move(touched).error();
      }
      session.lastActivityAt = now;
      break;
    case SessionState::kUsable: break;
  }
  return std::move(found).value();
}

Status logout(store::Store& store, const model::Session& session) {
  return revokeSessions(store, session.userId, {session.id});
}

namespace {

Status mayManageSessionsOf(const model::User& caller, std::string_view userId) {
  if (caller.id == userId || caller.isSystemAdmin()) return {};
  return makeError(ErrorCode::kPermissionDenied, "api.context.permissions.app_error",
                   "You do not have the appropriate permissions.");
}

}  // namespace

Result<std::vector<model::Session>> sessionsOfUser(store::Store& store, const model::User& caller,
                                                   std::string_view userId) {
  if (auto allowed = mayManageSessionsOf(caller, userId); !allowed) {
    return std::move(allowed).error();
  }
  return store.sessions().listOfUser(userId);
}

Status revokeSessionOfUser(store::Store& store, const model::User& caller, std::string_view userId,
                           std::string_view sessionId) {
  if (auto allowed = mayManageSessionsOf(caller, userId); !allowed) return allowed;
  auto session = store.sessions().getById(sessionId);
  if (!session) return std::move(session).error();
  if (session->userId != userId) {
    return makeError(ErrorCode::kInvalidArgument, "api.context.invalid_url_param.app_error",
                     "Invalid or missing user_id in request URL.");
  }
  return revokeSessions(store, session->userId, {session->id});
}

Status revokeAllSessionsOfUser(store::Store& store, const model::User& caller,
                               std::string_view userId) {
  if (auto allowed = mayManageSessionsOf(caller, userId); !allowed) return allowed;
  return revokeAllSessions(store, userId);
}

Status revokeSessions(store::Store& store, std::string_view userId,
                      std::vector<std::string> sessionIds) {
  for (const auto& id : sessionIds) {
    if (auto revoked = store.sessions().revoke(id); !revoked) return revoked;
  }
  if (!sessionIds.empty()) {
    store.afterCommit(events::SessionsRevoked{std::string(userId), std::move(sessionIds), false});
  }
  return {};
}

Status revokeAllSessions(store::Store& store, std::string_view userId) {
  auto revoked = store.sessions().revokeAllOfUser(userId);
  if (!revoked) return std::move(revoked).error();
  store.afterCommit(events::SessionsRevoked{std::string(userId), {}, true});
  return {};
}

Status attachDevice(store::Store& store, const model::Session& session, std::string_view deviceId) {
  if (deviceId.empty() || deviceId.size() > kDeviceIdMaxLength) {
    return makeError(ErrorCode::kInvalidArgument, "api.context.invalid_body_param.app_error",
                     "Invalid or missing device_id in request body.");
  }
  return store.transaction([&](store::Store& tx) -> Status {
    if (auto revoked = tx.sessions().revokeDevice(session.userId, deviceId, session.id); !revoked) {
      return revoked;
    }
    return tx.sessions().setDevice(session.id, deviceId);
  });
}

}  // namespace parley::core::services
