#include "tests/support/lane_batch.hpp"

#include <condition_variable>
#include <cstddef>
#include <future>
#include <mutex>
#include <optional>

namespace parley::testing {

std::vector<core::Result<core::model::Post>> postAsOneLaneBatch(
    core::store::Database& database, core::services::PostLanes& lanes, int workers,
    std::vector<std::pair<core::model::User, core::model::Post>> drafts) {
  std::promise<void> release;
  const auto held = release.get_future().share();
  for (int worker = 0; worker < workers; ++worker) {
    database.submit([held](core::store::Store&) { held.wait(); });
  }
  // Waited for under the mutex the callbacks hold: this frame (and the mutex) outlives the last
  // callback's use of them, which a promise set inside the callback would not guarantee.
  std::mutex mutex;
  std::condition_variable allDone;
  std::vector<std::optional<core::Result<core::model::Post>>> results(drafts.size());
  std::size_t done = 0;
  for (std::size_t i = 0; i < drafts.size(); ++i) {
    lanes.create(std::move(drafts[i].first), std::move(drafts[i].second),
                 [&, i](core::Result<core::model::Post> created) {
                   std::lock_guard lock(mutex);
                   results[i] = std::move(created);
                   if (++done == results.size()) allDone.notify_one();
                 });
  }
  release.set_value();
  std::unique_lock lock(mutex);
  allDone.wait(lock, [&] { return done == results.size(); });
  std::vector<core::Result<core::model::Post>> ordered;
  for (auto& result : results) ordered.push_back(std::move(*result));
  return ordered;
}

}  // namespace parley::testing
