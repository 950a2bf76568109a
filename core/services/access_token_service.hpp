#pragma once
// Personal access tokens (reference/mattermost-api.md §3.4): created, listed, disabled,
// enabled and revoked here; used as a Bearer token through session_service authenticate().
//
// How a token authenticates: the first request that presents it finds no session with its
// hash, finds the token instead (authenticate() in session_service), and creates a session
// with the token's hash, no expiry and props {type: UserAccessToken, user_access_token_id}, as
// Mattermost does. Every later request is the ordinary one-query session lookup. Disabling or
// revoking the token deletes that session in the same transaction, so the next request fails.
//
// Run inside a database job.

#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/access_token.hpp"
#include "core/model/user.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

struct NewAccessToken {
  model::AccessToken record;
  std::string token;  // shown once, never stored
};

// POST /users/{user_id}/tokens. `enabled` is gateway.yaml's enable_user_access_tokens
// (kNotImplemented "app.user_access_token.disabled" when off). The caller needs
// create_user_access_token (system admins, and users granted system_user_access_token through
// PUT /users/{id}/roles), and the user must be the caller, a bot the caller manages, or anyone
// with edit_other_users (kPermissionDenied). Reading needs read_user_access_token, revoking and
// disabling revoke_user_access_token, enabling create_user_access_token. The description is
// required
// ("api.context.invalid_body_param.app_error") and at most 255 characters
// ("model.user_access_token.is_valid.description.app_error").
Result<NewAccessToken> createAccessToken(store::Store& store, const model::User& caller,
                                         std::string_view userId, std::string_view description,
                                         bool enabled);

// GET /users/{user_id}/tokens (paged) and GET /users/tokens/{token_id}.
Result<std::vector<model::AccessToken>> accessTokensOf(store::Store& store,
                                                       const model::User& caller,
                                                       std::string_view userId, std::int64_t offset,
                                                       std::int64_t limit);
Result<model::AccessToken> getAccessToken(store::Store& store, const model::User& caller,
                                          std::string_view tokenId);

enum class AccessTokenChange { kRevoke, kDisable, kEnable };

// GET /users/tokens (paged): every user's tokens, for callers with manage_system only
// (kPermissionDenied otherwise).
Result<std::vector<model::AccessToken>> allAccessTokens(store::Store& store,
                                                        const model::User& caller,
                                                        std::int64_t offset, std::int64_t limit);

// POST /users/tokens/revoke|disable|enable {token_id}: revoke and disable end the token's
// session at once.
Status changeAccessToken(store::Store& store, const model::User& caller, std::string_view tokenId,
                         AccessTokenChange change);

}  // namespace parley::core::services
