#pragma once
// A Bridge connects Parley to one partner network (Matrix, XMPP, another Mattermost). Each
// implementation lives in its own directory under bridges/ and is built from gateway.yaml.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/config/config.hpp"

namespace parley::bridges {

class Bridge {
 public:
  virtual ~Bridge() = default;
  virtual std::string_view name() const = 0;
  // Starts the bridge's own threads or connections; returns once they are under way.
  virtual core::Status start() = 0;
  // Flushes acknowledgements and stops; called on shutdown before the database closes.
  virtual void stop() = 0;
};

using BridgePtr = std::unique_ptr<Bridge>;

// Builds the bridges that gateway.yaml enables. Configuration validation already refused any
// bridge this build does not provide, so an error here is an internal inconsistency.
core::Result<std::vector<BridgePtr>> createBridges(const core::config::Config& config);

}  // namespace parley::bridges
