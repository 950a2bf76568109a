#include "core/model/link.hpp"

namespace parley::core::model {

std::string_view linkDirectionName(LinkDirection direction) {
  switch (direction) {
    case LinkDirection::kInbound: return "inbound";
    case LinkDirection::kOutbound: return "outbound";
    case LinkDirection::kBoth: break;
  }
  return "both";
}

}  // namespace parley::core::model
