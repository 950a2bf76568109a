#include "gateway/api/users_common.hpp"

#include <charconv>

#include "gateway/api/json/user_json.hpp"

namespace parley::gateway::api {

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

nlohmann::json userFor(const core::model::User& user, const AuthenticatedUser& caller) {
  return json::userToJson(user, json::UserViewer{caller.user.id, caller.user.isSystemAdmin()});
}

nlohmann::json usersFor(const std::vector<core::model::User>& users,
                        const AuthenticatedUser& caller) {
  return jsonArray(users,
                   [&caller](const core::model::User& user) { return userFor(user, caller); });
}

http::Response userError(core::Error error) {
  const bool taken = error.code == core::ErrorCode::kConflict &&
                     (error.id == "app.user.save.username_exists.app_error" ||
                      error.id == "app.user.save.email_exists.app_error");
  return http::Response::error(std::move(error),
                               taken ? std::optional<unsigned>(400) : std::nullopt);
}

}  // namespace parley::gateway::api
