#include "gateway/api/roles.hpp"

#include <algorithm>

#include "core/model/id.hpp"
#include "gateway/api/session_context.hpp"
#include "gateway/api/users_common.hpp"

namespace parley::gateway::api {
namespace {

// Mattermost's IsValidRoleName: 1 to 64 characters of a-z, 0-9 and '_'.
bool isValidRoleName(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

core::Error roleNotFound(const char* id) {
  return core::makeError(core::ErrorCode::kNotFound, id, "Unable to find the role.");
}

// At most this many names per POST /roles/names (the clients ask for a few dozen).
constexpr std::size_t kMaxRoleNames = 200;

// POST /roles/names: the known roles among the names; unknown names are left out.
asio::awaitable<http::Response> rolesByNames(const ApiContext&, http::Request& request,
                                             const AuthenticatedUser&) {
  auto names = stringArrayBody(request, "rolenames", kMaxRoleNames);
  if (!names) co_return http::Response::error(std::move(names).error());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& name : *names) {
    if (!isValidRoleName(name)) co_return http::Response::error(invalidBodyParam("role"));
    if (const auto* role = core::model::findRole(name)) out.push_back(roleToJson(*role));
  }
  co_return http::Response::json(200, out);
}

// GET /roles/name/{role_name}
asio::awaitable<http::Response> roleByName(const ApiContext&, http::Request& request,
                                           const AuthenticatedUser&) {
  const std::string_view name = request.param("role_name");
  if (!isValidRoleName(name)) co_return http::Response::error(invalidUrlParam("role_name"));
  const auto* role = core::model::findRole(name);
  if (role == nullptr)
    co_return http::Response::error(roleNotFound("app.role.get_by_name.app_error"));
  co_return http::Response::json(200, roleToJson(*role));
}

// GET /roles/{role_id}
asio::awaitable<http::Response> roleById(const ApiContext&, http::Request& request,
                                         const AuthenticatedUser&) {
  const auto id = idParam(request, "role_id");
  if (!id) co_return http::Response::error(id.error());
  const auto roles = core::model::builtInRoles();
  const auto it = std::find_if(roles.begin(), roles.end(), [&id](const core::model::Role& role) {
    return core::model::roleId(role.name) == *id;
  });
  if (it == roles.end()) co_return http::Response::error(roleNotFound("app.role.get.app_error"));
  co_return http::Response::json(200, roleToJson(*it));
}

}  // namespace

nlohmann::json roleToJson(const core::model::Role& role) {
  nlohmann::json permissions = nlohmann::json::array();
  for (const auto permission : role.permissions) permissions.push_back(permission);
  return {{"id", core::model::roleId(role.name)},
          {"name", role.name},
          {"display_name", role.displayName},
          {"description", role.description},
          {"create_at", 0},
          {"update_at", 0},
          {"delete_at", 0},
          {"permissions", permissions},
          {"scheme_managed", role.schemeManaged},
          {"built_in", true},
          {"scheme_id", ""}};
}

void registerRoleRoutes(http::Router& router, ApiContextPtr api) {
  using http_proto::verb;
  addCallerRoute(router, api, verb::post, "/api/v4/roles/names", rolesByNames);
  addCallerRoute(router, api, verb::get, "/api/v4/roles/name/{role_name}", roleByName);
  addCallerRoute(router, api, verb::get, "/api/v4/roles/{role_id}", roleById);
}

}  // namespace parley::gateway::api
