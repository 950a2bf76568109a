#include "bridges/common/bridge.hpp"

namespace parley::bridges {

core::Result<std::vector<BridgePtr>> createBridges(const core::config::Config& config) {
  std::vector<BridgePtr> bridges;
  for (const auto& bridge : config.bridges) {
    if (bridge.enabled) {
      return core::makeError(core::ErrorCode::kInvalidArgument, "bridges.unavailable",
                             "the " + bridge.name + " bridge is not available in this build");
    }
  }
  return bridges;
}

}  // namespace parley::bridges
