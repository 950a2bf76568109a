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
// in which any post fails is rolled back and its posts are created again one per transaction,
// so that one post's error never becomes another's.
//
// A queued post is an HTTP request waiting for its answer, so the server's connection limit
// (`limits.max_connections`) bounds the lanes too.

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/post.hpp"
#include "core/model/user.hpp"
#include "core/store/database.hpp"

namespace parley::core::services {

class PostLanes : public std::enable_shared_from_this<PostLanes> {
 public:
  using Done = std::function<void(Result<model::Post>)>;

  // Posts per transaction at most: a longer queue takes several.
  static constexpr std::size_t kPostsPerTransaction = 32;

  explicit PostLanes(store::DatabasePtr database) : database_(std::move(database)) {}

  // Creates `draft` as `author`'s post (createPost with its default options) after the posts
  // queued before it to the same channel. `done` runs on a database worker once the post's
  // transaction has committed, or with the post's error. Thread-safe.
  void create(model::User author, model::Post draft, Done done);

 private:
  struct Request {
    model::User author;
    model::Post draft;
    Done done;
  };

  // A job that writes the lane's queued posts, a batch per transaction, until it is empty.
  void drain(std::string channelId);
  std::vector<Result<model::Post>> createTogether(store::Store& store,
                                                  const std::vector<Request>& batch);

  const store::DatabasePtr database_;
  std::mutex mutex_;
  // By channel id; a lane exists while a job drains it (its queue is then never empty).
  std::map<std::string, std::deque<Request>> lanes_;
};

}  // namespace parley::core::services
