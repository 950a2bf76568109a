#include "bridges/common/bridge.hpp"

#include "bridges/matrix/matrix_bridge.hpp"
#include "bridges/xmpp/xmpp_bridge.hpp"

namespace parley::bridges {
namespace {

struct Turns {
  std::vector<OutboundItem> items;
  std::vector<DeliveryResult> results;
  std::function<void(const OutboundItem&, std::function<void(DeliveryResult)>)> deliverOne;
  std::function<void(std::vector<DeliveryResult>)> done;
};

void nextTurn(const std::shared_ptr<Turns>& turns) {
  const OutboundItem& item = turns->items[turns->results.size()];
  turns->deliverOne(item, [turns](DeliveryResult result) {
    const bool retry = result.outcome == DeliveryResult::Outcome::kRetry;
    turns->results.push_back(std::move(result));
    if (retry || turns->results.size() == turns->items.size()) {
      turns->done(std::move(turns->results));
      return;
    }
    nextTurn(turns);
  });
}

}  // namespace

void deliverInTurn(
    std::vector<OutboundItem> items,
    std::function<void(const OutboundItem&, std::function<void(DeliveryResult)>)> deliverOne,
    std::function<void(std::vector<DeliveryResult>)> done) {
  if (items.empty()) {
    done({});
    return;
  }
  nextTurn(
      std::make_shared<Turns>(Turns{std::move(items), {}, std::move(deliverOne), std::move(done)}));
}

void Bridge::deliverRun(std::vector<OutboundItem> items,
                        std::function<void(std::vector<DeliveryResult>)> done) {
  deliverInTurn(
      std::move(items),
      [this](const OutboundItem& item, std::function<void(DeliveryResult)> one) {
        deliver(item, std::move(one));
      },
      std::move(done));
}

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
