#include "core/services/access_token_service.hpp"

#include "core/model/id.hpp"
#include "core/model/permissions.hpp"
#include "core/security/token.hpp"
#include "core/services/permissions.hpp"
#include "core/services/session_service.hpp"

namespace parley::core::services {
namespace {

namespace permission = model::permission;

// Mattermost's SessionHasPermissionToUserOrBot: the user themself, edit_other_users, or a bot
// the caller manages (their own with manage_bots, anyone's with manage_others_bots).
Status mayActFor(store::Store& store, const model::User& caller, std::string_view userId) {
  if (caller.id == userId || hasSystemPermission(caller, permission::kEditOtherUsers)) return {};
  auto bot = store.bots().get(userId);
  if (bot) {
    if (hasSystemPermission(caller, permission::kManageOthersBots)) return {};
    if (bot->ownerId == caller.id && hasSystemPermission(caller, permission::kManageBots)) {
      return {};
    }
  } else if (bot.error().code != ErrorCode::kNotFound) {
    return std::move(bot).error();
  }
  return permissionDenied(permission::kEditOtherUsers);
}

Status checkAccess(store::Store& store, const model::User& caller, std::string_view userId,
                   std::string_view needed) {
  if (!hasSystemPermission(caller, needed)) return permissionDenied(needed);
  return mayActFor(store, caller, userId);
}

std::string_view permissionFor(AccessTokenChange change) {
  return change == AccessTokenChange::kEnable ? permission::kCreateUserAccessToken
                                              : permission::kRevokeUserAccessToken;
}

// The token `tokenId` if `caller` holds `needed` and may act for its user.
Result<model::AccessToken> accessibleToken(store::Store& store, const model::User& caller,
                                           std::string_view tokenId, std::string_view needed) {
  if (!hasSystemPermission(caller, needed)) return permissionDenied(needed);
  auto token = store.accessTokens().getById(tokenId);
  if (!token) return token;
  if (auto allowed = mayActFor(store, caller, token->userId); !allowed) {
    return std::move(allowed).error();
  }
  return token;
}

}  // namespace

Result<NewAccessToken> createAccessToken(store::Store& store, const model::User& caller,
                                         std::string_view userId, std::string_view description,
                                         bool enabled) {
  if (!enabled) {
    return makeError(ErrorCode::kNotImplemented, "app.user_access_token.disabled",
                     "Personal access tokens are disabled on this server.");
  }
  if (auto allowed = checkAccess(store, caller, userId, permission::kCreateUserAccessToken);
      !allowed) {
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
  // A puppet stands for a user of another network: nothing may act as it but its bridge.
  if (user->isRemote()) {
    return makeError(ErrorCode::kInvalidArgument, "app.user_access_token.remote_user",
                     "Remote users cannot have personal access tokens.");
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
  if (auto allowed = checkAccess(store, caller, userId, permission::kReadUserAccessToken);
      !allowed) {
    return std::move(allowed).error();
  }
  return store.accessTokens().listOfUser(userId, offset, limit);
}

Result<std::vector<model::AccessToken>> allAccessTokens(store::Store& store,
                                                        const model::User& caller,
                                                        std::int64_t offset, std::int64_t limit) {
  if (!hasSystemPermission(caller, permission::kManageSystem)) {
    return permissionDenied(permission::kManageSystem);
  }
  return store.accessTokens().listAll(offset, limit);
}

Result<model::AccessToken> getAccessToken(store::Store& store, const model::User& caller,
                                          std::string_view tokenId) {
  return accessibleToken(store, caller, tokenId, permission::kReadUserAccessToken);
}

Status changeAccessToken(store::Store& store, const model::User& caller, std::string_view tokenId,
                         AccessTokenChange change) {
  auto token = accessibleToken(store, caller, tokenId, permissionFor(change));
  if (!token) return std::move(token).error();
  return store.transaction([&](store::Store& tx) -> Status {
    if (change == AccessTokenChange::kEnable) return tx.accessTokens().setActive(tokenId, true);
    // The sessions standing for the token, so that their WebSocket connections close too.
    auto sessions = tx.sessions().listOfUser(token->userId);
    if (!sessions) return std::move(sessions).error();
    std::vector<std::string> ofToken;
    for (const auto& session : *sessions) {
      const auto id = session.props.find(model::kSessionPropAccessTokenId);
      if (id != session.props.end() && id->is_string() && id->get<std::string>() == tokenId) {
        ofToken.push_back(session.id);
      }
    }
    if (auto revoked = tx.sessions().revokeByAccessToken(tokenId); !revoked) return revoked;
    if (auto revoked = revokeSessions(tx, token->userId, std::move(ofToken)); !revoked) {
      return revoked;
    }
    if (change == AccessTokenChange::kDisable) return tx.accessTokens().setActive(tokenId, false);
    return tx.accessTokens().remove(tokenId);
  });
}

}  // namespace parley::core::services
