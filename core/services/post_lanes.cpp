#include "core/services/post_lanes.hpp"

#include <cstddef>
#include <utility>

#include "core/services/batch_reads.hpp"
#include "core/services/post_service.hpp"

namespace parley::core::services {

void PostLanes::create(model::User author, model::Post draft, Done done) {
  std::string channelId = draft.channelId;
  bool idle = false;
  {
    std::lock_guard lock(mutex_);
    auto& lane = lanes_[channelId];
    idle = lane.empty();
    lane.push_back({std::move(author), std::move(draft), std::move(done)});
  }
  if (idle) drain(std::move(channelId));
}

void PostLanes::drain(std::string channelId) {
  database_->submit([self = shared_from_this(), channelId = std::move(channelId)](store::Store& s) {
    std::vector<Request> batch;
    {
      // Moved out but left in place: a lane that is not empty tells create() a job runs.
      std::lock_guard lock(self->mutex_);
      for (auto& request : self->lanes_.at(channelId)) {
        if (batch.size() == kPostsPerTransaction) break;
        batch.push_back(std::move(request));
      }
    }
    std::vector<Result<model::Post>> results;
    if (batch.size() == 1) {
      results.push_back(createPost(s, batch.front().author, std::move(batch.front().draft)));
    } else {
      results = self->createTogether(s, batch);
    }
    bool more = false;
    {
      std::lock_guard lock(self->mutex_);
      auto lane = self->lanes_.find(channelId);
      auto& queue = lane->second;
      queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(batch.size()));
      more = !queue.empty();
      if (!more) self->lanes_.erase(lane);
    }
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
    // What queued meanwhile goes in a new job at the back of the pool's queue: a busy channel
    // does not hold a worker while other work waits.
    if (more) self->drain(channelId);
  });
}

std::vector<Result<model::Post>> PostLanes::createTogether(store::Store& store,
                                                           const std::vector<Request>& batch) {
  std::vector<Result<model::Post>> results;
  BatchReads reads;  // the channel's links, read once for the batch
  CreatePostOptions options;
  options.reads = &reads;
  const Status committed = store.transaction([&](store::Store& tx) -> Status {
    for (const Request& request : batch) {
      auto created = createPost(tx, request.author, request.draft, options);
      if (!created) return std::move(created).error();
      results.push_back(std::move(created));
    }
    return {};
  });
  if (committed) return results;
  results.clear();
  for (const Request& request : batch) {
    results.push_back(createPost(store, request.author, request.draft));
  }
  return results;
}

}  // namespace parley::core::services
