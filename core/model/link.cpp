#include "core/model/link.hpp"

#include "core/model/canonical_message.hpp"

namespace parley::core::model {

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
