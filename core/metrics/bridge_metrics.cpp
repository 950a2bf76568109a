#include "core/metrics/bridge_metrics.hpp"

namespace parley::core::metrics {

BridgeMetrics::BridgeMetrics(Registry* registry) : registry_(registry) {}

BridgeMetrics::Link& BridgeMetrics::link(const std::string& bridge, const std::string& linkId) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = links_.try_emplace(linkId);
  if (!inserted) return it->second;
  Registry& r = registry_ != nullptr ? *registry_ : own_;
  const Labels labels{{"bridge", bridge}, {"link", linkId}};
  Link& link = it->second;
  link.sent = &r.counter("parley_bridge_sent_total", "Outbox items the peer acknowledged.", labels);
  link.failed = &r.counter("parley_bridge_failed_total",
                           "Outbox items the peer rejected (kept as failed).", labels);
  link.denied = &r.counter("parley_bridge_denied_total",
                           "Outbox items the boundary guard denied (kept as denied).", labels);
  link.retried = &r.counter("parley_bridge_retried_total",
                            "Delivery attempts to be retried (peer down or busy).", labels);
  link.lag = &r.histogram("parley_bridge_lag_seconds",
                          "Time from a change's commit to the peer's acknowledgement.", labels,
                          latencyBuckets());
  link.queued = std::make_shared<std::atomic<std::int64_t>>(0);
  r.gauge("parley_bridge_queued", "Pending outbox rows of the link.", labels,
          [queued = link.queued] { return static_cast<double>(queued->load()); });
  return link;
}

BridgeMetrics::Ingress& BridgeMetrics::ingress(const std::string& bridge) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = ingress_.try_emplace(bridge);
  if (!inserted) return it->second;
  Registry& r = registry_ != nullptr ? *registry_ : own_;
  const auto series = [&](const char* outcome) {
    return &r.counter("parley_bridge_inbound_total", "Inbound events by outcome.",
                      {{"bridge", bridge}, {"outcome", outcome}});
  };
  it->second =
      Ingress{series("applied"), series("duplicate"), series("denied"), series("rejected")};
  return it->second;
}

}  // namespace parley::core::metrics
