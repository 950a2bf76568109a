#include "core/services/access_token_service.hpp"

#include "core/model/id.hpp"
#include "core/security/token.hpp"
#include "core/services/user_service.hpp"

namespace parley::core::services {
namespace {

// create/read/revoke_user_access_token: system admins, and holders of the
// system_user_access_token role.
bool mayUseAccessTokens(const model::User& caller) {
  return caller.isSystemAdmin() || caller.hasRole(kRoleSystemUserAccessToken);
}

// Mattermost's SessionHasPermissionToUserOrBot: the user themself, a system admin, or the
// owner of a bot.
Status mayActFor(store::Store& store, const model::User& caller, std::string_view userId) {
  if (caller.id == userId || caller.isSystemAdmin()) return {};
  auto bot = store.bots().get(userId);
  if (bot && bot->ownerId == caller.id) return {};
  if (!bot && bot.error().code != ErrorCode::kNotFound) return std::move(bot).error();
  return permissionDenied();
}

Status checkAccess(store::Store& store, const model::User& caller, std::string_view userId) {
  if (!mayUseAccessTokens(caller)) return permissionDenied();
  return mayActFor(store, caller, userId);
}

}  // namespace

Result<NewAccessToken> createAccessToken(store::Store& store, const model::User& caller,
                                         std::string_view userId, std::string_view description,
                                         bool enabled) {
  if (!enabled) {
    return makeError(ErrorCode::kNotImplemented, "app.user_access_token.disabled",
                     "Personal access tokens are disabled on this server.");
  }
  if (auto allowed = checkAccess(store, caller, userId); !allowed) {
    return std::move(allowed).error();
  }
  if (description.empty()) {
    return makeError(ErrorCode::kInvalidArgument, "api.context.invalid_body_param.app_error",
                     "Invalid or missing description in request body.");
  }
  if (description.size() > model::kAccessTokenDescriptionMaxLength) {
    return makeError(ErrorCode::kInvalidArgument,
                     "model.user_access_token.is_valid.description.app_error",
                     "The description must be at most 255 characters.");
  }
  auto user = store.users().getById(userId);
  if (!user) return std::move(user).error();
  if (user->deleteAt != 0) {
    return makeError(ErrorCode::kInvalidArgument, "app.user_access_token.inactive_user",
                     "The account of this token is deactivated.");
  }
  NewAccessToken created;
  created.token = model::newId();
  created.record.id = model::newId();
  created.record.tokenHash = security::tokenHash(created.token);
  created.record.userId = std::string(userId);
  created.record.description = std::string(description);
  created.record.createAt = store.clock().nowMillis();
  if (auto stored = store.accessTokens().create(created.record); !stored) {
    return std::move(stored).error();
  }
  return created;
}

Result<std::vector<model::AccessToken>> accessTokensOf(store::Store& store,
                                                       const model::User& caller,
                                                       std::string_view userId, std::int64_t offset,
                                                       std::int64_t limit) {
  if (auto allowed = checkAccess(store, caller, userId); !allowed) {
    return std::move(allowed).error();
  }
  return store.accessTokens().listOfUser(userId, offset, limit);
}

Result<model::AccessToken> getAccessToken(store::Store& store, const model::User& caller,
                                          std::string_view tokenId) {
  if (!mayUseAccessTokens(caller)) return permissionDenied();
  auto token = store.accessTokens().getById(tokenId);
  if (!token) return token;
  if (auto allowed = mayActFor(store, caller, token->userId); !allowed) {
    return std::move(allowed).error();
  }
  return token;
}

Status changeAccessToken(store::Store& store, const model::User& caller, std::string_view tokenId,
                         AccessTokenChange change) {
  auto token = getAccessToken(store, caller, tokenId);
  if (!token) return std::move(token).error();
  return store.transaction([&](store::Store& tx) -> Status {
    if (change == AccessTokenChange::kEnable) return tx.accessTokens().setActive(tokenId, true);
    if (auto revoked = tx.sessions().revokeByAccessToken(tokenId); !revoked) return revoked;
    if (change == AccessTokenChange::kDisable) return tx.accessTokens().setActive(tokenId, false);
    return tx.accessTokens().remove(tokenId);
  });
}

}  // namespace parley::core::services
