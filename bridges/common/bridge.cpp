#include "bridges/common/bridge.hpp"

namespace parley::bridges {

core::Result<std::vector<BridgePtr>> createBridges(const BridgeEnvironment& environment) {
  std::vector<BridgePtr> bridges;
  for (const auto& bridge : environment.config->bridges) {
    if (!bridge.enabled) continue;
    // One branch per bridge this build provides, e.g.
    //   if (bridge.name == "xmpp") { auto made = xmpp::XmppBridge::create(environment); ... }
    return core::makeError(core::ErrorCode::kInvalidArgument, "bridges.unavailable",
                           "the " + bridge.name + " bridge is not available in this build");
  }
  return bridges;
}

}  // namespace parley::bridges
