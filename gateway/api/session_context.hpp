#pragma once
// Authentication of API requests (reference/mattermost-api.md §3): finds the token where
// Mattermost looks for it, loads the session with its user in one database job, applies the
// query-string and CSRF rules, and sets or clears the session cookies. The router stays
// generic: a route that needs a caller wraps its handler with withSession().

#include <functional>
#include <optional>

#include "core/model/session.hpp"
#include "core/services/session_service.hpp"
#include "gateway/api/api_context.hpp"
#include "gateway/http/auth.hpp"
#include "gateway/http/router.hpp"

namespace parley::gateway::api {

struct AuthenticatedUser {
  core::model::Session session;
  core::model::User user;
  http::TokenLocation location = http::TokenLocation::kNone;
};

// The origin of the request's connection: kVpn when its client address (http::clientAddress,
// after server.trusted_proxies) is in one of policy.vpn_networks, else kDirect. findSession()
// sets it on the caller's user, so the services' policy decisions see it.
core::model::ConnectionOrigin connectionOrigin(const ApiContext& api, const http::Request& request);

// The caller's session, for routes where one is optional (logout): nullopt when the request
// carries no token or an invalid one. Errors: 401 "api.context.token_provided.app_error" for a
// session token in the query string, 401 "api.context.session_expired.app_error" when the
// CSRF check fails, 503 when the database is down.
asio::awaitable<core::Result<std::optional<AuthenticatedUser>>> findSession(const ApiContext& api,
                                                                            http::Request& request);

// The session a token stands for, wherever it came from (findSession's lookup without the
// rules about where it was found; the WebSocket authentication_challenge uses it): nullopt
// when the token is unknown or expired, 503 when the database is down.
asio::awaitable<core::Result<std::optional<AuthenticatedUser>>> sessionOfToken(
    const ApiContext& api, const http::AuthToken& token);

// The caller's session, for routes that need one: as findSession(), and a missing or invalid
// token is 401 "api.context.session_expired.app_error".
asio::awaitable<core::Result<AuthenticatedUser>> requireSession(const ApiContext& api,
                                                                http::Request& request);

// The error response for a failed authentication; a 401 also clears the session cookies, as
// Mattermost does, so that a browser stops sending a dead token.
http::Response authFailure(const ApiContext& api, core::Error error);

using SessionHandler =
    std::function<asio::awaitable<http::Response>(http::Request&, const AuthenticatedUser&)>;

// A route handler that runs `handler` only for requests with a valid session.
http::Handler withSession(ApiContextPtr api, SessionHandler handler);

// MMAUTHTOKEN (HttpOnly), MMUSERID and MMCSRF for a new session: Path=/, Max-Age = the session
// length, Secure when the site URL is https.
void attachSessionCookies(http::Response& response, const ApiContext& api,
                          const core::services::LoginResult& login);

// Expires the three session cookies.
void clearSessionCookies(http::Response& response, const ApiContext& api);

}  // namespace parley::gateway::api
