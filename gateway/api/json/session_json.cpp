#include "gateway/api/json/session_json.hpp"

namespace parley::gateway::api::json {

nlohmann::json sessionToJson(const core::model::Session& session) {
  return {{"id", session.id},
          {"token", ""},
          {"create_at", session.createAt},
          {"expires_at", session.expiresAt},
          {"last_activity_at", session.lastActivityAt},
          {"user_id", session.userId},
          {"device_id", session.deviceId},
          {"roles", session.roles},
          {"is_oauth", session.isOAuth},
          {"expired_notify", false},
          {"props", session.props},
          {"team_members", nullptr},
          {"local", session.local}};
}

}  // namespace parley::gateway::api::json
