#include "core/model/link.hpp"

#include "core/model/canonical_message.hpp"

namespace parley::core::model {

namespace {
constexpr std::string_view kDirectPrefix = "dm:";
}  // namespace

std::string directRoom(std::string_view localUserId, std::string_view remoteId) {
  return std::string(kDirectPrefix) + std::string(localUserId) + ":" + std::string(remoteId);
}

std::string_view directRoomRemoteId(std::string_view remoteRoom) {
  if (!remoteRoom.starts_with(kDirectPrefix)) return {};
  remoteRoom.remove_prefix(kDirectPrefix.size());
  const auto colon = remoteRoom.find(':');
  return colon == std::string_view::npos ? std::string_view{} : remoteRoom.substr(colon + 1);
}

std::string_view directRoomLocalId(std::string_view remoteRoom) {
  if (directRoomRemoteId(remoteRoom).empty()) return {};
  remoteRoom.remove_prefix(kDirectPrefix.size());
  return remoteRoom.substr(0, remoteRoom.find(':'));
}

std::string_view linkDirectionName(LinkDirection direction) {
  switch (direction) {
    case LinkDirection::kInbound: return "inbound";
    case LinkDirection::kOutbound: return "outbound";
    case LinkDirection::kBoth: break;
  }
  return "both";
}

std::string_view messageChangeName(MessageChange change) {
  switch (change) {
    case MessageChange::kEdit: return "edit";
    case MessageChange::kDelete: return "delete";
    case MessageChange::kReaction: return "reaction";
    case MessageChange::kReactionDelete: return "reaction_delete";
    case MessageChange::kPost: break;
  }
  return "post";
}

}  // namespace parley::core::model
