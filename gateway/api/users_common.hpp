#pragma once
// Request parsing shared by the user, token, bot and role routes: JSON arrays of strings,
// integer query parameters, session routes, and users as the caller may see them.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/user.hpp"
#include "core/services/team_service.hpp"
#include "gateway/api/route_support.hpp"
#include "gateway/api/session_context.hpp"
#include "gateway/http/exchange.hpp"

namespace parley::gateway::api {

// Shared with the team and channel routes (route_support.hpp, team_service.hpp): idParam,
// userIdParam (with "me"), pagingOf, invalidBodyParam, invalidUrlParam.
using core::services::invalidBodyParam;
using core::services::invalidUrlParam;

// The row offset of a page.
inline std::int64_t offsetOf(const Paging& paging) {
  return std::int64_t{paging.page} * paging.perPage;
}

// An optional non-negative integer query parameter (`fallback` when absent).
core::Result<std::int64_t> intParam(const http::Request& request, std::string_view name,
                                    std::int64_t fallback);

// The request body as a JSON array of at most `maxCount` strings; invalid_body_param `name`
// otherwise (also for an empty array when `allowEmpty` is false).
core::Result<std::vector<std::string>> stringArrayBody(const http::Request& request,
                                                       std::string_view name, std::size_t maxCount,
                                                       bool allowEmpty = false);

// A user or a list of users as `caller` may see them (json::userToJson with a UserViewer).
nlohmann::json userFor(const core::model::User& user, const AuthenticatedUser& caller);
nlohmann::json usersFor(const std::vector<core::model::User>& users,
                        const AuthenticatedUser& caller);

// Response::error, except that a taken username or email is 400 as in Mattermost (the store
// reports it as a conflict).
http::Response userError(core::Error error);

}  // namespace parley::gateway::api
