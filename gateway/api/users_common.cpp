#include "gateway/api/users_common.hpp"

#include <charconv>

#include "core/model/id.hpp"
#include "gateway/api/json/user_json.hpp"

namespace parley::gateway::api {

core::Error invalidBodyParam(std::string_view name) {
  return core::makeError(core::ErrorCode::kInvalidArgument,
                         "api.context.invalid_body_param.app_error",
                         "Invalid or missing " + std::string(name) + " in request body.");
}

core::Error invalidUrlParam(std::string_view name) {
  return core::makeError(core::ErrorCode::kInvalidArgument,
                         "api.context.invalid_url_param.app_error",
                         "Invalid or missing " + std::string(name) + " in request URL.");
}

core::Result<std::string> userIdParam(const http::Request& request,
                                      const AuthenticatedUser& caller) {
  if (request.param("user_id") == "me") return caller.user.id;
  return idParam(request, "user_id");
}

core::Result<std::string> idParam(const http::Request& request, std::string_view name) {
  const std::string_view id = request.param(name);
  if (!core::model::isValidId(id)) return invalidUrlParam(name);
  return std::string(id);
}

core::Result<std::int64_t> intParam(const http::Request& request, std::string_view name,
                                    std::int64_t fallback) {
  const auto text = request.query().get(name);
  if (!text) return fallback;
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size() || value < 0) {
    return invalidUrlParam(name);
  }
  return value;
}

core::Result<Page> pageParams(const http::Request& request) {
  auto page = intParam(request, "page", 0);
  if (!page) return std::move(page).error();
  auto perPage = intParam(request, "per_page", kPerPageDefault);
  if (!perPage) return std::move(perPage).error();
  Page result;
  result.limit = std::min(*perPage, kPerPageMaximum);
  // Far pages are empty rather than an overflow.
  result.offset = *page > (std::int64_t{1} << 40) ? (std::int64_t{1} << 50) : *page * result.limit;
  return result;
}

core::Result<std::vector<std::string>> stringArrayBody(const http::Request& request,
                                                       std::string_view name, std::size_t maxCount,
                                                       bool allowEmpty) {
  const auto json = nlohmann::json::parse(request.body(), nullptr, /*allow_exceptions=*/false);
  if (!json.is_array() || json.size() > maxCount || (!allowEmpty && json.empty())) {
    return invalidBodyParam(name);
  }
  std::vector<std::string> values;
  values.reserve(json.size());
  for (const auto& item : json) {
    if (!item.is_string()) return invalidBodyParam(name);
    values.push_back(item.get<std::string>());
  }
  return values;
}

core::Result<nlohmann::json> objectBody(const http::Request& request, std::string_view name) {
  auto json = nlohmann::json::parse(request.body(), nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return invalidBodyParam(name);
  return json;
}

nlohmann::json userFor(const core::model::User& user, const AuthenticatedUser& caller) {
  return json::userToJson(user, json::UserViewer{caller.user.id, caller.user.isSystemAdmin()});
}

nlohmann::json usersFor(const std::vector<core::model::User>& users,
                        const AuthenticatedUser& caller) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& user : users) out.push_back(userFor(user, caller));
  return out;
}

http::Response userError(core::Error error) {
  const bool taken = error.code == core::ErrorCode::kConflict &&
                     (error.id == "app.user.save.username_exists.app_error" ||
                      error.id == "app.user.save.email_exists.app_error");
  return http::Response::error(std::move(error),
                               taken ? std::optional<unsigned>(400) : std::nullopt);
}

}  // namespace parley::gateway::api
