#include "gateway/api/session_context.hpp"

#include "core/common/log.hpp"
#include "core/security/token.hpp"
#include "gateway/http/forwarded.hpp"

namespace parley::gateway::api {
namespace {

using core::ErrorCode;

core::Error sessionExpired(std::string detail = {}) {
  return core::makeError(ErrorCode::kUnauthenticated,
                         std::string(core::services::kSessionExpiredId),
                         "Invalid or expired session, please login again.", std::move(detail));
}

bool secureCookies(const ApiContext& api) {
  return api.config->server.siteUrl.starts_with("https://");
}

}  // namespace

core::model::ConnectionOrigin connectionOrigin(const ApiContext& api,
                                               const http::Request& request) {
  const auto& config = *api.config;
  const std::string client = http::clientAddress(request, config.server.trustedProxies);
  return core::anyContains(config.policy.vpnNetworks, client)
             ? core::model::ConnectionOrigin::kVpn
             : core::model::ConnectionOrigin::kDirect;
}

asio::awaitable<core::Result<std::optional<AuthenticatedUser>>> sessionOfToken(
    const ApiContext& api, const http::AuthToken& token) {
  using Found = core::Result<std::optional<AuthenticatedUser>>;
  core::services::AuthenticateOptions options;
  options.allowUserAccessTokens = api.config->security.enableUserAccessTokens;
  const auto known = [&](core::model::SessionWithUser found) {
    return std::optional<AuthenticatedUser>(
        AuthenticatedUser{std::move(found.session), std::move(found.user), token.location});
  };
  core::services::SessionCache::Ticket ticket = 0;
  if (api.sessions && !token.token.empty()) {
    const std::string hash = core::security::tokenHash(token.token);
    if (auto cached = api.sessions->find(hash, api.clock->nowMillis(), options)) {
      co_return known(std::move(*cached));
    }
    ticket = api.sessions->ticket();
  }
  // Jobs given to co_await capture by reference only: g++ 12 destroys a lambda temporary with
  // non-trivial captures twice when it is an argument inside a co_await expression.
  auto found = co_await api.database->run([&token, &options](core::store::Store& s) {
    return core::services::authenticate(s, token.token, options);
  });
  if (!found) {
    if (found.error().code == ErrorCode::kUnauthenticated) {
      co_return std::optional<AuthenticatedUser>();
    }
    co_return Found(std::move(found).error());
  }
  if (api.sessions) api.sessions->keep(*found, ticket);
  co_return known(std::move(found).value());
}

asio::awaitable<core::Result<std::optional<AuthenticatedUser>>> findSession(
    const ApiContext& api, http::Request& request) {
  using Found = core::Result<std::optional<AuthenticatedUser>>;
  const http::AuthToken token = http::extractToken(request);
  if (token.location == http::TokenLocation::kNone) co_return std::optional<AuthenticatedUser>();
  auto found = co_await sessionOfToken(api, token);
  if (!found || !found->has_value()) co_return found;
  (**found).user.connectionOrigin = connectionOrigin(api, request);
  const AuthenticatedUser& caller = **found;
  if (token.location == http::TokenLocation::kQuery && !caller.session.isOAuth) {
    co_return Found(core::makeError(ErrorCode::kUnauthenticated,
                                    "api.context.token_provided.app_error",
                                    "Session token provided in the query string; send it in the "
                                    "Authorization header instead."));
  }
  if (!http::csrfAllows(request, token.location, caller.session.csrfToken)) {
    core::log::warn("auth", "CSRF check failed for a cookie-authenticated request",
                    {{"request_id", request.requestId()}, {"user_id", caller.user.id}});
    co_return Found(sessionExpired("the request appears to be a CSRF attempt"));
  }
  co_return found;
}

asio::awaitable<core::Result<AuthenticatedUser>> requireSession(const ApiContext& api,
                                                                http::Request& request) {
  auto found = co_await findSession(api, request);
  if (!found) co_return std::move(found).error();
  if (!found->has_value()) co_return sessionExpired();
  co_return std::move(**found);
}

http::Response authFailure(const ApiContext& api, core::Error error) {
  const bool unauthenticated = error.code == ErrorCode::kUnauthenticated;
  http::Response response = http::Response::error(std::move(error));
  if (unauthenticated) clearSessionCookies(response, api);
  return response;
}

http::Handler withSession(ApiContextPtr api, SessionHandler handler) {
  return [api = std::move(api),
          handler = std::move(handler)](http::Request& request) -> asio::awaitable<http::Response> {
    auto caller = co_await requireSession(*api, request);
    if (!caller) co_return authFailure(*api, std::move(caller).error());
    co_return co_await handler(request, *caller);
  };
}

void attachSessionCookies(http::Response& response, const ApiContext& api,
                          const core::services::LoginResult& login) {
  http::CookieOptions options;
  options.maxAge = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::milliseconds(login.session.expiresAt - login.session.createAt));
  options.secure = secureCookies(api);
  http::CookieOptions httpOnly = options;
  httpOnly.httpOnly = true;
  response.header("Set-Cookie", http::setCookie(http::kSessionCookie, login.token, httpOnly))
      .header("Set-Cookie", http::setCookie(http::kUserIdCookie, login.user.id, options))
      .header("Set-Cookie", http::setCookie(http::kCsrfCookie, login.session.csrfToken, options));
}

void clearSessionCookies(http::Response& response, const ApiContext& api) {
  http::CookieOptions options;
  options.secure = secureCookies(api);
  for (const auto name : {http::kSessionCookie, http::kUserIdCookie, http::kCsrfCookie}) {
    response.header("Set-Cookie", http::setCookie(name, "", options));
  }
}

}  // namespace parley::gateway::api
