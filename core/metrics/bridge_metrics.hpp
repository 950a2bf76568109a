#pragma once
// Metrics of the bridges, per bridge and link (issue 6): rows queued in the outbox, items
// sent, failed (rejected by the peer), denied (by the boundary guard), retried, inbound events
// applied/denied/duplicate, and the lag from a change's commit to the peer's acknowledgement.
//
// Thread-safety: every method may be called from any thread.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/metrics/registry.hpp"

namespace parley::core::metrics {

class BridgeMetrics {
 public:
  struct Link {
    Counter* sent = nullptr;
    Counter* failed = nullptr;
    Counter* denied = nullptr;
    Counter* retried = nullptr;
    Histogram* lag = nullptr;  // seconds from the row's create_at to the acknowledgement
    std::shared_ptr<std::atomic<std::int64_t>> queued;  // pending rows, as last counted
  };
  struct Ingress {
    Counter* applied = nullptr;
    Counter* duplicate = nullptr;
    Counter* denied = nullptr;
    Counter* rejected = nullptr;  // unknown room/target, invalid, refused by the services
  };

  // `registry` may be null (metrics off: the counters still count, nothing is exported).
  explicit BridgeMetrics(Registry* registry);

  // The series of one link, registered on first use.
  Link& link(const std::string& bridge, const std::string& linkId);
  Ingress& ingress(const std::string& bridge);

 private:
  Registry* registry_;
  Registry own_;  // used when registry_ is null
  std::mutex mutex_;
  std::map<std::string, Link> links_;
  std::map<std::string, Ingress> ingress_;
};

}  // namespace parley::core::metrics
