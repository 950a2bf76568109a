#pragma once
// Request parsing shared by the user, token and bot routes: Mattermost's invalid-parameter
// errors, the {user_id} path parameter with "me", paging, JSON arrays of strings, and users as
// the caller may see them.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/user.hpp"
#include "gateway/api/session_context.hpp"
#include "gateway/http/exchange.hpp"
#include "gateway/http/router.hpp"

namespace parley::gateway::api {

// 400 "api.context.invalid_body_param.app_error" / "...invalid_url_param..." naming `name`.
core::Error invalidBodyParam(std::string_view name);
core::Error invalidUrlParam(std::string_view name);

// The {user_id} of the path, with Mattermost's "me" for the caller; invalid_url_param for
// anything that is not an id.
core::Result<std::string> userIdParam(const http::Request& request,
                                      const AuthenticatedUser& caller);

// The path parameter `name`, which must be an id.
core::Result<std::string> idParam(const http::Request& request, std::string_view name);

// Mattermost's paging (web/params.go): page from 0, per_page 60 by default, clamped to 200.
// A value that is not a non-negative integer is invalid_url_param.
inline constexpr std::int64_t kPerPageDefault = 60;
inline constexpr std::int64_t kPerPageMaximum = 200;
struct Page {
  std::int64_t offset = 0;
  std::int64_t limit = kPerPageDefault;
};
core::Result<Page> pageParams(const http::Request& request);

// An optional non-negative integer query parameter (`fallback` when absent).
core::Result<std::int64_t> intParam(const http::Request& request, std::string_view name,
                                    std::int64_t fallback);

// The request body as a JSON array of at most `maxCount` strings; invalid_body_param `name`
// otherwise (also for an empty array when `allowEmpty` is false).
core::Result<std::vector<std::string>> stringArrayBody(const http::Request& request,
                                                       std::string_view name, std::size_t maxCount,
                                                       bool allowEmpty = false);

// The request body as a JSON object; invalid_body_param `name` otherwise.
core::Result<nlohmann::json> objectBody(const http::Request& request, std::string_view name);

// A user or a list of users as `caller` may see them (json::userToJson with a UserViewer).
nlohmann::json userFor(const core::model::User& user, const AuthenticatedUser& caller);
nlohmann::json usersFor(const std::vector<core::model::User>& users,
                        const AuthenticatedUser& caller);

// Registers `handler(api, request, caller)` for requests with a valid session (withSession).
template <typename Handler>
void addSessionRoute(http::Router& router, const ApiContextPtr& api, http_proto::verb method,
                     const char* pattern, Handler handler) {
  router.add(
      method, pattern,
      withSession(api, [api, handler](http::Request& request, const AuthenticatedUser& caller) {
        return handler(*api, request, caller);
      }));
}

// Response::error, except that a taken username or email is 400 as in Mattermost (the store
// reports it as a conflict).
http::Response userError(core::Error error);

}  // namespace parley::gateway::api
