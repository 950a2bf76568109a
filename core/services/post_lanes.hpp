#pragma once
// Posts made through the API, queued per channel and written a batch per transaction.
//
// Posts to one channel wait for each other in any case: each one's insert updates the channel's
// row (its counters), so PostgreSQL runs their transactions one after the other on that row's
// lock, and each pays for its own BEGIN, COMMIT and round trips. A lane instead lets the posts
// that arrive while its channel's transaction runs wait in memory, and writes them together in
// the next one: one COMMIT, and each post's writes travelling with the next post's reads. A post
// that finds its lane idle starts at once, alone, as it would without lanes.
//
// Each post is still created by services::createPost(), with its own checks and result: a batch
// in which a request is refused is rolled back; the requests before it are written together
// again, it is written alone (its own error, and a policy denial's audit record, which the batch
// does not append), and the requests after it go on as a batch. One request's error never
// becomes another's, nor costs the others their batch.
//
// The live crossing (outbox_writer.hpp) takes batches too: when the drainer here is caught up on
// the channel's links, a batch of root posts is decided for them as it is written, the egress
// decisions and their audit records in the batch's transaction, and the permitted messages go
// to the drainer with its commit. In a burst that spares the drainer reading every post back,
// with its author and the policy's inputs, to decide it in a transaction of its own.
//
// A request is one post made through the API, or the posts of one incoming webhook call (a long
// text becomes several), written all or none. A queued request is an HTTP request waiting for
// its answer, so the server's connection limit (`limits.max_connections`) bounds the lanes too.

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/post.hpp"
#include "core/model/user.hpp"
#include "core/services/live_links.hpp"
#include "core/services/post_service.hpp"
#include "core/store/database.hpp"

namespace parley::core::services {

class PostLanes : public std::enable_shared_from_this<PostLanes> {
 public:
  using Done = std::function<void(Result<model::Post>)>;
  using DoneAll = std::function<void(Result<std::vector<model::Post>>)>;

  // Posts per transaction at most: a longer queue takes several.
  static constexpr std::size_t kPostsPerTransaction = 32;

  // `liveLinks`: the drainer's (live_links.hpp); null: no post is decided as it is written.
  explicit PostLanes(store::DatabasePtr database,
                     std::shared_ptr<const LiveLinks> liveLinks = nullptr)
      : database_(std::move(database)), liveLinks_(std::move(liveLinks)) {}

  // Creates `draft` as `author`'s post (createPost with its default options) after the requests
  // queued before it to the same channel. `done` runs on a database worker once the post's
  // transaction has committed, or with the post's error. Thread-safe.
  void create(model::User author, model::Post draft, Done done);

  // Creates `drafts`, all to one channel, all or none, as posts made on `author`'s behalf (not
  // checked against the author's create_post permission: the caller has authorised them, as
  // for an incoming webhook). To be called inside a database job, with its store and outside
  // any transaction (the lane's would join it): a lane that is idle writes them there and then,
  // without a second pass through the pool's queue. `done` runs once they are written, with
  // them in order, or with the first one's error.
  void createOnBehalf(store::Store& here, model::User author, std::vector<model::Post> drafts,
                      DoneAll done);

 private:
  struct Request {
    model::User author;
    std::vector<model::Post> drafts;  // one channel's; written all or none
    bool onBehalf = false;            // CreatePostOptions::checkChannelPermission false
    DoneAll done;
  };
  using Written = Result<std::vector<model::Post>>;

  // Queues `request` in its channel's lane and, when the lane was idle, writes it: on `here`
  // when given, otherwise in a new job.
  void enqueue(Request request, store::Store* here);
  // A job that writes the lane's next batch, and leaves the rest to a new one.
  void drain(std::string channelId);
  void writeNextBatch(store::Store& store, const std::string& channelId);
  // `batch`'s results, in its order: in one transaction, or as above when a request is refused.
  std::vector<Written> writeTogether(store::Store& store, std::span<const Request> batch);
  struct Attempt {
    Status committed;
    std::vector<Written> written;        // when committed: every request's posts
    std::optional<std::size_t> refused;  // the request whose error ended the transaction
  };
  Attempt writeInOneTransaction(store::Store& store, std::span<const Request> batch) const;
  // The request's posts in the caller's transaction, stopping at the first error.
  static Written writePosts(store::Store& store, const Request& request, CreatePostOptions options);
  // The request's posts alone: one post as createPost writes it (with the live crossing),
  // several in a transaction.
  Written writeAlone(store::Store& store, const Request& request) const;
  // The links a batch is decided for as it is written (the live crossing): those the drainer is
  // caught up on, when every request of the batch is one post that qualifies (liveLinksFor).
  // Otherwise none: a batch decided in part would number its decided rows (taken ahead, with
  // the batch's first reads) before the undecided rows of posts written ahead of them.
  std::set<std::string> liveLinksOf(std::span<const Request> batch) const;

  const store::DatabasePtr database_;
  const std::shared_ptr<const LiveLinks> liveLinks_;
  std::mutex mutex_;
  // By channel id; a lane exists while it is being written (its queue is then never empty).
  std::map<std::string, std::deque<Request>> lanes_;
};

}  // namespace parley::core::services
