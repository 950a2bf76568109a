// Personal access tokens (reference/mattermost-api.md §3.4): POST/GET
// /api/v4/users/{user_id}/tokens, GET /users/tokens (everyone's, for admins), GET
// /users/tokens/{token_id}, POST /users/tokens/revoke|disable|enable. How a token authenticates
// is described in core/services/access_token_service.hpp.

#include "core/common/json_fields.hpp"
#include "core/common/log.hpp"
#include "core/model/id.hpp"
#include "core/services/access_token_service.hpp"
#include "gateway/api/session_context.hpp"
#include "gateway/api/users.hpp"
#include "gateway/api/users_common.hpp"

namespace parley::gateway::api {
namespace {

namespace services = core::services;
using core::store::Store;

// Mattermost's UserAccessToken JSON; `token` only in the answer to its creation.
nlohmann::json tokenToJson(const core::model::AccessToken& token) {
  return {{"id", token.id},
          {"user_id", token.userId},
          {"description", token.description},
          {"is_active", token.isActive}};
}

// POST /users/{user_id}/tokens {description}
asio::awaitable<http::Response> createToken(const ApiContext& api, http::Request& request,
                                            const AuthenticatedUser& caller) {
  const auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(userId.error());
  auto body = jsonObjectBody(request, "token");
  if (!body) co_return http::Response::error(std::move(body).error());
  const auto field = body->find("description");
  if (field != body->end() && !field->is_null() && !field->is_string()) {
    co_return http::Response::error(invalidBodyParam("description"));
  }
  const std::string description = core::stringField(*body, "description");
  const bool enabled = api.config->security.enableUserAccessTokens;
  auto created = co_await api.database->run([&caller, &userId, &description, enabled](Store& s) {
    return services::createAccessToken(s, caller.user, *userId, description, enabled);
  });
  if (!created) co_return http::Response::error(std::move(created).error());
  core::log::info("auth", "personal access token created",
                  {{"request_id", request.requestId()},
                   {"token_id", created->record.id},
                   {"user_id", created->record.userId},
                   {"by", caller.user.id}});
  nlohmann::json out = tokenToJson(created->record);
  out["token"] = created->token;
  co_return http::Response::json(200, out);
}

http::Response tokenList(core::Result<std::vector<core::model::AccessToken>> tokens) {
  if (!tokens) return http::Response::error(std::move(tokens).error());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& token : *tokens) out.push_back(tokenToJson(token));
  return http::Response::json(200, out);
}

// GET /users/{user_id}/tokens?page&per_page
asio::awaitable<http::Response> listTokens(const ApiContext& api, http::Request& request,
                                           const AuthenticatedUser& caller) {
  const auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(userId.error());
  const Paging paging = pagingOf(request);
  co_return tokenList(co_await api.database->run([&caller, &userId, &paging](Store& s) {
    return services::accessTokensOf(s, caller.user, *userId, offsetOf(paging), paging.perPage);
  }));
}

// GET /users/tokens?page&per_page
asio::awaitable<http::Response> listAllTokens(const ApiContext& api, http::Request& request,
                                              const AuthenticatedUser& caller) {
  const Paging paging = pagingOf(request);
  co_return tokenList(co_await api.database->run([&caller, &paging](Store& s) {
    return services::allAccessTokens(s, caller.user, offsetOf(paging), paging.perPage);
  }));
}

// GET /users/tokens/{token_id}
asio::awaitable<http::Response> getToken(const ApiContext& api, http::Request& request,
                                         const AuthenticatedUser& caller) {
  const auto tokenId = idParam(request, "token_id");
  if (!tokenId) co_return http::Response::error(tokenId.error());
  auto token = co_await api.database->run(
      [&caller, &tokenId](Store& s) { return services::getAccessToken(s, caller.user, *tokenId); });
  if (!token) co_return http::Response::error(std::move(token).error());
  co_return http::Response::json(200, tokenToJson(*token));
}

// POST /users/tokens/revoke|disable|enable {token_id}
asio::awaitable<http::Response> changeToken(const ApiContext& api, http::Request& request,
                                            const AuthenticatedUser& caller,
                                            services::AccessTokenChange change) {
  auto body = jsonObjectBody(request, "token_id");
  if (!body) co_return http::Response::error(std::move(body).error());
  const auto field = body->find("token_id");
  if (field == body->end() || !field->is_string() ||
      !core::model::isValidId(field->get_ref<const std::string&>())) {
    co_return http::Response::error(invalidBodyParam("token_id"));
  }
  const std::string tokenId = field->get<std::string>();
  auto changed = co_await api.database->run([&caller, &tokenId, change](Store& s) {
    return services::changeAccessToken(s, caller.user, tokenId, change);
  });
  if (!changed) co_return http::Response::error(std::move(changed).error());
  core::log::info("auth", "personal access token changed",
                  {{"request_id", request.requestId()},
                   {"token_id", tokenId},
                   {"change", change == services::AccessTokenChange::kRevoke    ? "revoke"
                              : change == services::AccessTokenChange::kDisable ? "disable"
                                                                                : "enable"},
                   {"by", caller.user.id}});
  co_return http::Response::statusOk();
}

}  // namespace

void registerAccessTokenRoutes(http::Router& router, ApiContextPtr api) {
  using http_proto::verb;
  const auto withCaller = [&router, &api](verb method, const char* pattern, auto handler) {
    addCallerRoute(router, api, method, pattern, handler);
  };
  using Change = services::AccessTokenChange;
  for (const auto& [path, change] : {std::pair{"/api/v4/users/tokens/revoke", Change::kRevoke},
                                     std::pair{"/api/v4/users/tokens/disable", Change::kDisable},
                                     std::pair{"/api/v4/users/tokens/enable", Change::kEnable}}) {
    withCaller(
        verb::post, path,
        [change = change](const ApiContext& a, http::Request& r, const AuthenticatedUser& c) {
          return changeToken(a, r, c, change);
        });
  }
  withCaller(verb::get, "/api/v4/users/tokens", listAllTokens);
  withCaller(verb::get, "/api/v4/users/tokens/{token_id}", getToken);
  withCaller(verb::post, "/api/v4/users/{user_id}/tokens", createToken);
  withCaller(verb::get, "/api/v4/users/{user_id}/tokens", listTokens);
}

}  // namespace parley::gateway::api
