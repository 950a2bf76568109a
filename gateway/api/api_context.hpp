#pragma once
// What the API handlers share: the validated configuration and the core's services. Built once
// by the executable's wiring and kept alive for the server's lifetime.

#include <memory>

#include "core/common/asio.hpp"
#include "core/common/clock.hpp"
#include "core/config/config.hpp"
#include "core/files/file_store.hpp"
#include "core/metrics/registry.hpp"
#include "core/services/post_lanes.hpp"
#include "core/services/session_cache.hpp"
#include "core/store/database.hpp"

namespace parley::gateway::api {

struct ApiContext {
  std::shared_ptr<const core::config::Config> config;
  core::store::DatabasePtr database;
  core::files::FileStorePtr files;
  std::shared_ptr<asio::thread_pool> blocking;  // filesystem and CPU-heavy work
  std::shared_ptr<core::metrics::Registry> metrics;
  core::ClockPtr clock;
  // Sessions of recent requests (null: every request reads its session).
  std::shared_ptr<core::services::SessionCache> sessions;
  // New posts, queued per channel and written a batch per transaction.
  std::shared_ptr<core::services::PostLanes> postLanes;
};

using ApiContextPtr = std::shared_ptr<const ApiContext>;

}  // namespace parley::gateway::api
