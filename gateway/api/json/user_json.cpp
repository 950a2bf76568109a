#include "gateway/api/json/user_json.hpp"

namespace parley::gateway::api::json {
namespace {

// Go's omitempty: the field is written only when it is not the zero value.
template <typename T>
void putIfSet(nlohmann::json& out, const char* key, const T& value) {
  if (value != T{}) out[key] = value;
}

void putIfNotEmpty(nlohmann::json& out, const char* key, const nlohmann::json& value) {
  if (!value.empty()) out[key] = value;
}

}  // namespace

nlohmann::json userToJson(const core::model::User& user) {
  nlohmann::json out = {
      {"id", user.id},
      {"delete_at", user.deleteAt},
      {"username", user.username},
      {"auth_data", ""},
      {"auth_service", user.authService},
      {"email", user.email},
      {"nickname", user.nickname},
      {"first_name", user.firstName},
      {"last_name", user.lastName},
      {"position", user.position},
      {"roles", user.roles},
      {"locale", user.locale},
      {"timezone", user.timezone},
      {"disable_welcome_email", user.disableWelcomeEmail},
  };
  putIfSet(out, "create_at", user.createAt);
  putIfSet(out, "update_at", user.updateAt);
  putIfSet(out, "email_verified", user.emailVerified);
  putIfSet(out, "allow_marketing", user.allowMarketing);
  putIfNotEmpty(out, "props", user.props);
  putIfNotEmpty(out, "notify_props", user.notifyProps);
  putIfSet(out, "last_password_update", user.lastPasswordUpdate);
  putIfSet(out, "last_picture_update", user.lastPictureUpdate);
  putIfSet(out, "failed_attempts", user.failedAttempts);
  putIfSet(out, "mfa_active", user.mfaActive);
  putIfSet(out, "remote_id", user.remoteId);
  putIfSet(out, "last_activity_at", user.lastActivityAt);
  putIfSet(out, "is_bot", user.isBot);
  putIfSet(out, "last_login", user.lastLogin);
  return out;
}

nlohmann::json userToJson(const core::model::User& user, const UserViewer& viewer) {
  nlohmann::json out = userToJson(user);
  if (viewer.id == user.id) return out;
  for (const char* key : {"notify_props", "email_verified", "allow_marketing",
                          "last_password_update", "failed_attempts"}) {
    out.erase(key);
  }
  if (!viewer.isSystemAdmin) {
    out["auth_service"] = "";
    if (!viewer.showEmailAddress) out["email"] = "";
    if (!viewer.showFullName) {
      out["first_name"] = "";
      out["last_name"] = "";
    }
  }
  return out;
}

nlohmann::json preferencesToJson(const std::vector<core::model::Preference>& preferences) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : preferences) {
    out.push_back(
        {{"user_id", p.userId}, {"category", p.category}, {"name", p.name}, {"value", p.value}});
  }
  return out;
}

}  // namespace parley::gateway::api::json
