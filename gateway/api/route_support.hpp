#pragma once
// What the team and channel routes share: path ids, paging, JSON body fields, and running a
// service call in a database job and rendering its result.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/result.hpp"
#include "core/services/team_service.hpp"
#include "core/store/store.hpp"
#include "gateway/api/api_context.hpp"
#include "gateway/api/session_context.hpp"
#include "gateway/http/exchange.hpp"
#include "gateway/http/router.hpp"

namespace parley::gateway::api {

// Mattermost's paging defaults (web/params.go): per_page 60, at most 200 (silently clamped);
// a page or per_page that is not a non-negative integer falls back to the default.
inline constexpr int kPerPageDefault = 60;
inline constexpr int kPerPageMaximum = 200;
// Most ids one request may name (POST .../members/ids, batch adds).
inline constexpr std::size_t kMaxIdsPerRequest = 1000;

struct Paging {
  int page = 0;
  int perPage = kPerPageDefault;
};
Paging pagingOf(const http::Request& request);

// The path parameter `name` when it is a valid id; else 400 invalid_url_param naming it.
core::Result<std::string> idParam(const http::Request& request, std::string_view name);
// The path parameter "user_id", where "me" is the caller.
core::Result<std::string> userIdParam(const http::Request& request,
                                      const AuthenticatedUser& caller);

// The ids of a membership path, /{parent}/{user_id} (user_id may be "me").
struct MemberPath {
  std::string parentId;
  std::string userId;
};
core::Result<MemberPath> memberPath(const http::Request& request, const AuthenticatedUser& caller,
                                    std::string_view parentParam);

// The request body as a JSON value of the expected kind; else 400 invalid_body_param naming
// `what`.
core::Result<nlohmann::json> jsonObjectBody(const http::Request& request, std::string_view what);
core::Result<nlohmann::json> jsonArrayBody(const http::Request& request, std::string_view what);
// A JSON array of valid ids (at most kMaxIdsPerRequest); else 400 invalid_body_param.
core::Result<std::vector<std::string>> idList(const nlohmann::json& array, std::string_view what);

// Optional fields of a JSON object: absent or null leaves `out` as it is; a value of another
// type is 400 invalid_body_param naming the field.
core::Status readString(const nlohmann::json& object, const char* key,
                        std::optional<std::string>& out);
core::Status readBool(const nlohmann::json& object, const char* key, std::optional<bool>& out);

// {scheme_admin, scheme_user[, scheme_guest]}: booleans; scheme_guest defaults to false.
core::Result<core::services::SchemeRoles> parseSchemeRoles(const http::Request& request);

// The handlers of PUT .../{parent}/members/{user_id}/roles {roles} and .../schemeRoles for
// teams and channels: parse, then `update(store, caller, parentId, userId, roles)`.
using RouteHandler = std::function<asio::awaitable<http::Response>(
    const ApiContext&, http::Request&, const AuthenticatedUser&)>;
using UpdateRoles = core::Status (*)(core::store::Store&, const core::model::User&,
                                     std::string_view, std::string_view, std::string_view);
using UpdateSchemeRoles = core::Status (*)(core::store::Store&, const core::model::User&,
                                           std::string_view, std::string_view,
                                           const core::services::SchemeRoles&);
RouteHandler memberRolesRoute(std::string parentParam, UpdateRoles update);
RouteHandler memberSchemeRolesRoute(std::string parentParam, UpdateSchemeRoles update);

// Registers a route whose handler is handler(api, request, caller), for callers with a session.
template <typename Handler>
void addCallerRoute(http::Router& router, const ApiContextPtr& api, http_proto::verb method,
                    const char* pattern, Handler handler) {
  router.add(
      method, pattern,
      withSession(api, [api, handler](http::Request& request, const AuthenticatedUser& caller) {
        return handler(*api, request, caller);
      }));
}

// handler(api, request, caller, extra) as a handler(api, request, caller).
template <typename Handler, typename Extra>
auto withExtra(Handler handler, Extra extra) {
  return [handler, extra](const ApiContext& api, http::Request& request,
                          const AuthenticatedUser& caller) {
    return handler(api, request, caller, extra);
  };
}

// Runs `job(Store&)` (a callable that lives in the caller's coroutine frame) in a database job
// and renders its value with `render`, or answers its error.
template <typename Job, typename Render>
asio::awaitable<http::Response> respond(const ApiContext& api, Job& job, Render render,
                                        unsigned status = 200) {
  auto result = co_await api.database->run([&job](core::store::Store& s) { return job(s); });
  if (!result) co_return http::Response::error(std::move(result).error());
  co_return http::Response::json(status, render(*result));
}

// The same for jobs that return a Status: {"status":"OK"}.
template <typename Job>
asio::awaitable<http::Response> respondOk(const ApiContext& api, Job& job) {
  auto result = co_await api.database->run([&job](core::store::Store& s) { return job(s); });
  if (!result) co_return http::Response::error(std::move(result).error());
  co_return http::Response::statusOk();
}

// A JSON array of `render(item)` for each item.
template <typename Items, typename Render>
nlohmann::json jsonArray(const Items& items, Render render) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& item : items) array.push_back(render(item));
  return array;
}

}  // namespace parley::gateway::api
