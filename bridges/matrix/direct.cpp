#include "bridges/matrix/direct.hpp"

#include "core/common/json_fields.hpp"

namespace parley::bridges::matrix {

using core::stringField;

std::optional<DirectInvite> directInviteOf(
    const nlohmann::json& event, const std::function<bool(std::string_view)>& isParleyUser) {
  if (stringField(event, "type") != "m.room.member") return std::nullopt;
  const auto content = event.is_object() ? event.find("content") : event.end();
  if (!event.is_object() || content == event.end() || !content->is_object()) return std::nullopt;
  if (stringField(*content, "membership") != "invite") return std::nullopt;
  const auto direct = content->find("is_direct");
  if (direct == content->end() || !direct->is_boolean() || !direct->get<bool>()) {
    return std::nullopt;
  }
  DirectInvite invite{stringField(event, "room_id"), stringField(event, "sender"),
                      stringField(event, "state_key")};
  if (invite.roomId.empty() || invite.inviter.empty() || invite.invitee.empty() ||
      invite.inviter == invite.invitee || !isParleyUser(invite.invitee) ||
      isParleyUser(invite.inviter)) {
    return std::nullopt;
  }
  return invite;
}

nlohmann::json directRoomRequest(std::string_view invitee) {
  return nlohmann::json{{"preset", "trusted_private_chat"},
                        {"is_direct", true},
                        {"invite", nlohmann::json::array({std::string(invitee)})}};
}

}  // namespace parley::bridges::matrix
