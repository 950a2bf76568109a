#include "gateway/api/route_support.hpp"

#include <charconv>

#include "core/model/id.hpp"
#include "core/services/team_service.hpp"

namespace parley::gateway::api {
namespace {

std::optional<int> nonNegativeInt(std::optional<std::string_view> text) {
  if (!text) return std::nullopt;
  int value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size() || value < 0) return std::nullopt;
  return value;
}

core::Result<nlohmann::json> parseBody(const http::Request& request) {
  return nlohmann::json::parse(request.body(), nullptr, /*allow_exceptions=*/false);
}

}  // namespace

Paging pagingOf(const http::Request& request) {
  Paging paging;
  if (const auto page = nonNegativeInt(request.query().get("page"))) paging.page = *page;
  if (const auto perPage = nonNegativeInt(request.query().get("per_page"))) {
    paging.perPage = std::min(*perPage, kPerPageMaximum);
  }
  return paging;
}

core::Result<std::string> idParam(const http::Request& request, std::string_view name) {
  const std::string_view id = request.param(name);
  if (!core::model::isValidId(id)) return core::services::invalidUrlParam(name);
  return std::string(id);
}

core::Result<std::string> userIdParam(const http::Request& request,
                                      const AuthenticatedUser& caller) {
  if (request.param("user_id") == "me") return caller.user.id;
  return idParam(request, "user_id");
}

core::Result<MemberPath> memberPath(const http::Request& request, const AuthenticatedUser& caller,
                                    std::string_view parentParam) {
  auto parentId = idParam(request, parentParam);
  if (!parentId) return std::move(parentId).error();
  auto userId = userIdParam(request, caller);
  if (!userId) return std::move(userId).error();
  return MemberPath{std::move(*parentId), std::move(*userId)};
}

core::Result<nlohmann::json> jsonObjectBody(const http::Request& request, std::string_view what) {
  auto json = parseBody(request);
  if (!json->is_object()) return core::services::invalidBodyParam(what);
  return json;
}

core::Result<nlohmann::json> jsonArrayBody(const http::Request& request, std::string_view what) {
  auto json = parseBody(request);
  if (!json->is_array()) return core::services::invalidBodyParam(what);
  return json;
}

core::Result<std::vector<std::string>> idList(const nlohmann::json& array, std::string_view what) {
  if (!array.is_array() || array.size() > kMaxIdsPerRequest) {
    return core::services::invalidBodyParam(what);
  }
  std::vector<std::string> ids;
  for (const auto& item : array) {
    if (!item.is_string() || !core::model::isValidId(item.get_ref<const std::string&>())) {
      return core::services::invalidBodyParam(what);
    }
    ids.push_back(item.get<std::string>());
  }
  return ids;
}

core::Status readString(const nlohmann::json& object, const char* key,
                        std::optional<std::string>& out) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_string()) return core::services::invalidBodyParam(key);
  out = it->get<std::string>();
  return {};
}

core::Status readBool(const nlohmann::json& object, const char* key, std::optional<bool>& out) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_boolean()) return core::services::invalidBodyParam(key);
  out = it->get<bool>();
  return {};
}

// {scheme_admin, scheme_user[, scheme_guest]}: Client4 sends the first two only.
core::Result<core::services::SchemeRoles> parseSchemeRoles(const http::Request& request) {
  auto body = jsonObjectBody(request, "scheme_roles");
  if (!body) return std::move(body).error();
  core::services::SchemeRoles roles;
  for (auto [key, out] :
       {std::pair{"scheme_admin", &roles.admin}, std::pair{"scheme_user", &roles.user},
        std::pair{"scheme_guest", &roles.guest}}) {
    std::optional<bool> value;
    const bool optional = out == &roles.guest;
    if (auto read = readBool(*body, key, value); !read || (!value && !optional)) {
      return core::services::invalidBodyParam("scheme_roles");
    }
    *out = value.value_or(false);
  }
  return roles;
}

namespace {

asio::awaitable<http::Response> updateRoles(const ApiContext& api, http::Request& request,
                                            const AuthenticatedUser& caller,
                                            const std::string& parentParam, UpdateRoles update) {
  auto path = memberPath(request, caller, parentParam);
  if (!path) co_return http::Response::error(std::move(path).error());
  auto body = jsonObjectBody(request, "roles");
  if (!body) co_return http::Response::error(std::move(body).error());
  std::optional<std::string> roles;
  if (auto read = readString(*body, "roles", roles); !read || !roles) {
    co_return http::Response::error(core::services::invalidBodyParam("roles"));
  }
  auto job = [&](core::store::Store& s) {
    return update(s, caller.user, path->parentId, path->userId, *roles);
  };
  co_return co_await respondOk(api, job);
}

asio::awaitable<http::Response> updateSchemeRoles(const ApiContext& api, http::Request& request,
                                                  const AuthenticatedUser& caller,
                                                  const std::string& parentParam,
                                                  UpdateSchemeRoles update) {
  auto path = memberPath(request, caller, parentParam);
  if (!path) co_return http::Response::error(std::move(path).error());
  auto roles = parseSchemeRoles(request);
  if (!roles) co_return http::Response::error(std::move(roles).error());
  auto job = [&](core::store::Store& s) {
    return update(s, caller.user, path->parentId, path->userId, *roles);
  };
  co_return co_await respondOk(api, job);
}

}  // namespace

RouteHandler memberRolesRoute(std::string parentParam, UpdateRoles update) {
  return [parentParam = std::move(parentParam), update](
             const ApiContext& api, http::Request& request, const AuthenticatedUser& caller) {
    return updateRoles(api, request, caller, parentParam, update);
  };
}

RouteHandler memberSchemeRolesRoute(std::string parentParam, UpdateSchemeRoles update) {
  return [parentParam = std::move(parentParam), update](
             const ApiContext& api, http::Request& request, const AuthenticatedUser& caller) {
    return updateSchemeRoles(api, request, caller, parentParam, update);
  };
}

}  // namespace parley::gateway::api
