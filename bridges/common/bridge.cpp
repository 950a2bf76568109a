#include "bridges/common/bridge.hpp"

#include "bridges/matrix/matrix_bridge.hpp"
#include "bridges/xmpp/xmpp_bridge.hpp"

namespace parley::bridges {

core::Result<std::vector<BridgePtr>> createBridges(const BridgeEnvironment& environment) {
  std::vector<BridgePtr> bridges;
  for (const auto& bridge : environment.config->bridges) {
    if (!bridge.enabled) continue;
    // One branch per bridge this build provides.
    if (bridge.name == "xmpp") {
      auto made = xmpp::XmppBridge::create(environment);
      if (!made) return std::move(made).error();
      bridges.push_back(std::move(made).value());
      continue;
    }
    if (bridge.name == "matrix") {
      auto made = matrix::MatrixBridge::create(environment);
      if (!made) return std::move(made).error();
      bridges.push_back(std::move(made).value());
      continue;
    }
    return core::makeError(core::ErrorCode::kInvalidArgument, "bridges.unavailable",
                           "the " + bridge.name + " bridge is not available in this build");
  }
  return bridges;
}

}  // namespace parley::bridges
