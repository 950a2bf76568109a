#include "core/services/post_lanes.hpp"

#include <cstddef>
#include <iterator>
#include <set>
#include <utility>

#include "core/services/batch_reads.hpp"
#include "core/services/post_service.hpp"

namespace parley::core::services {

void PostLanes::create(model::User author, model::Post draft, Done done) {
  std::vector<model::Post> drafts;
  drafts.push_back(std::move(draft));
  enqueue({std::move(author), std::move(drafts), /*onBehalf=*/false,
           [done = std::move(done)](Written written) {
             if (!written) return done(std::move(written).error());
             done(std::move(written->front()));
           }},
          nullptr);
}

void PostLanes::createOnBehalf(store::Store& here, model::User author,
                               std::vector<model::Post> drafts, DoneAll done) {
  if (drafts.empty()) return done(std::vector<model::Post>{});
  enqueue({std::move(author), std::move(drafts), /*onBehalf=*/true, std::move(done)}, &here);
}

void PostLanes::enqueue(Request request, store::Store* here) {
  std::string channelId = request.drafts.front().channelId;
  bool idle = false;
  {
    std::lock_guard lock(mutex_);
    auto& lane = lanes_[channelId];
    idle = lane.empty();
    lane.push_back(std::move(request));
  }
  if (!idle) return;
  if (here != nullptr) {
    writeNextBatch(*here, channelId);
  } else {
    drain(std::move(channelId));
  }
}

void PostLanes::drain(std::string channelId) {
  database_->submit([self = shared_from_this(), channelId = std::move(channelId)](store::Store& s) {
    self->writeNextBatch(s, channelId);
  });
}

void PostLanes::writeNextBatch(store::Store& store, const std::string& channelId) {
  std::vector<Request> batch;
  {
    // Moved out but left in place: a lane that is not empty tells enqueue() it is being written.
    std::lock_guard lock(mutex_);
    std::size_t posts = 0;
    for (auto& request : lanes_.at(channelId)) {
      posts += request.drafts.size();
      if (!batch.empty() && posts > kPostsPerTransaction) break;
      batch.push_back(std::move(request));
    }
  }
  std::vector<Written> results = writeTogether(store, batch);
  bool more = false;
  {
    std::lock_guard lock(mutex_);
    auto lane = lanes_.find(channelId);
    auto& queue = lane->second;
    queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(batch.size()));
    more = !queue.empty();
    if (!more) lanes_.erase(lane);
  }
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
  // What queued meanwhile goes in a new job at the back of the pool's queue: a busy channel
  // does not hold a worker while other work waits.
  if (more) drain(channelId);
}

std::vector<PostLanes::Written> PostLanes::writeTogether(store::Store& store,
                                                         std::span<const Request> batch) {
  std::vector<Written> results;
  while (!batch.empty()) {
    if (batch.size() == 1) {
      results.push_back(writeAlone(store, batch.front()));
      break;
    }
    Attempt attempt = writeInOneTransaction(store, batch);
    if (attempt.committed) {
      std::move(attempt.written.begin(), attempt.written.end(), std::back_inserter(results));
      break;
    }
    if (!attempt.refused) {
      // Every request was written and the transaction's end failed: a deferred write, whose
      // request is not known, so each is written alone. (Had the connection gone with the
      // COMMIT, which may then have been done, these fail on it too: nothing is written twice.)
      for (const Request& request : batch) results.push_back(writeAlone(store, request));
      break;
    }
    // A request refused: those before it together again, it alone (its error, and a policy
    // denial's record), those after it as a batch.
    const std::size_t refused = *attempt.refused;
    auto before = writeTogether(store, batch.first(refused));
    std::move(before.begin(), before.end(), std::back_inserter(results));
    results.push_back(writeAlone(store, batch[refused]));
    batch = batch.subspan(refused + 1);
  }
  return results;
}

PostLanes::Attempt PostLanes::writeInOneTransaction(store::Store& store,
                                                    std::span<const Request> batch) const {
  Attempt attempt;
  BatchReads reads;  // each author's access and policy inputs, the channel's links: read once
  CreatePostOptions options;
  options.reads = &reads;
  options.denialRecord = DenialRecord::kAfterRollback;  // the refused request goes again alone
  const std::set<std::string> live = liveLinksOf(batch);
  if (!live.empty()) options.decideLive = &live;
  attempt.committed = store.transaction([&](store::Store& tx) -> Status {
    if (!live.empty()) {
      // As for a post written alone (createPost): the audit chain's lock and head, an id for
      // each decision's record and each row's number travel with the batch's first reads; the
      // decisions find the authors here.
      const auto decisions = static_cast<int>(live.size() * batch.size());
      tx.audit().lockChainAhead(decisions);
      tx.bridges().outboxIdsAhead(decisions);
      for (const Request& request : batch) reads.keepUser(request.author);
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      auto written = writePosts(tx, batch[i], options);
      if (!written) {
        attempt.refused = i;
        return std::move(written).error();
      }
      attempt.written.push_back(std::move(written));
    }
    return {};
  });
  return attempt;
}

std::set<std::string> PostLanes::liveLinksOf(std::span<const Request> batch) const {
  std::set<std::string> live;
  if (liveLinks_ == nullptr) return live;
  for (const Request& request : batch) {
    if (request.drafts.size() != 1) return {};
    CreatePostOptions options;
    options.checkChannelPermission = !request.onBehalf;
    auto links = liveLinksFor(*liveLinks_, request.drafts.front(), options);
    // One post that does not qualify, or a link that stopped being live meanwhile: none.
    if (links.empty() || (&request != &batch.front() && links != live)) return {};
    live = std::move(links);
  }
  return live;
}

PostLanes::Written PostLanes::writePosts(store::Store& store, const Request& request,
                                         CreatePostOptions options) {
  options.checkChannelPermission = !request.onBehalf;
  std::vector<model::Post> posts;
  for (const model::Post& draft : request.drafts) {
    auto created = createPost(store, request.author, draft, options);
    if (!created) return std::move(created).error();
    posts.push_back(std::move(*created));
  }
  return posts;
}

PostLanes::Written PostLanes::writeAlone(store::Store& store, const Request& request) const {
  // One post outside a transaction of ours: a refusal's audit record, which createPost writes
  // beside the refused post, must stay written.
  if (request.drafts.size() == 1) {
    CreatePostOptions options;
    options.liveLinks = liveLinks_.get();
    return writePosts(store, request, options);
  }
  Written written = std::vector<model::Post>{};
  const Status committed = store.transaction([&](store::Store& tx) -> Status {
    written = writePosts(tx, request, {});
    return written ? Status() : written.error();
  });
  if (!committed && written) return committed.error();
  return written;
}

}  // namespace parley::core::services
