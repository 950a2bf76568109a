#pragma once
// Persistence of posts (posts table) and of what a new post changes elsewhere: the channel's
// counters and the read state of its members. Call only from inside a database job (see
// store.hpp); several calls that must succeed together go inside Store::transaction.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/post.hpp"
#include "core/model/user.hpp"

namespace parley::core::store {

// A search over posts, already parsed (core/services/search_query.hpp) and restricted to what
// the caller may read: channels `userId` is a member of, in `teamId` ("" for all teams; direct
// and group channels always count).
struct PostSearch {
  std::string userId;
  std::string teamId;
  std::string websearch;  // websearch_to_tsquery input: words, "phrases", -excluded; may be ""
  std::string prefixes;   // to_tsquery input of prefix terms ("deplo:* & rol:*"); may be ""
  bool isOrSearch = false;
  std::vector<std::string> fromUsernames;
  std::vector<std::string> inChannelNames;
  std::vector<std::string> notFromUsernames;
  std::vector<std::string> notInChannelNames;
  std::int64_t createdAfter = 0;   // inclusive, 0 for none
  std::int64_t createdBefore = 0;  // inclusive, 0 for none
  bool includeDeletedChannels = false;
  int offset = 0;
  int limit = 60;
};

class PostStore {
 public:
  virtual ~PostStore() = default;

  // Inserts `post` as given and, in the same statement, records it in its channel
  // (last_post_at, last_root_post_at, total_msg_count, total_msg_count_root) and marks it read
  // for its author (last_viewed_at, msg_count, msg_count_root of their membership, if any).
  // Inside a transaction the write may reach the server only with the transaction's next
  // statement or its COMMIT, which then report its failure.
  virtual Status create(const model::Post& post, std::int64_t now) = 0;

  // Sets the post's file_ids (after attaching them dropped some: FileInfoStore::attachToPost).
  virtual Status setFileIds(std::string_view postId, const std::vector<std::string>& fileIds) = 0;

  // Adds one mention (and one root mention when `isRoot`) to the members of `channelId` other
  // than `authorId` whose username is in `usernames`, or to all of them when `everyone`.
  // Returns the ids of the members it counted a mention for.
  virtual Result<std::vector<std::string>> addMentions(std::string_view channelId,
                                                       std::string_view authorId,
                                                       const std::vector<std::string>& usernames,
                                                       bool everyone, bool isRoot) = 0;

  // The post, deleted or not. kNotFound "app.post.get.app_error".
  virtual Result<model::Post> get(std::string_view id) = 0;
  // get(), and the user `authorId` ("": the post's author) as UserStore::getById reads them
  // (its errors too), in one round trip: what an outgoing change says of its author.
  virtual Result<std::pair<model::Post, model::User>> getWithAuthor(std::string_view id,
                                                                    std::string_view authorId) = 0;
  // The posts among `ids` that exist, deleted or not, newest first.
  virtual Result<std::vector<model::Post>> getMany(const std::vector<std::string>& ids) = 0;

  // Writes the editable fields: message, hashtags, props, file_ids, is_pinned, has_reactions,
  // edit_at, update_at.
  virtual Status update(const model::Post& post) = 0;

  // Soft-deletes the post and, for a root, its replies: delete_at = update_at = `at`, and
  // props.deleteBy = `deleterId` on the post itself.
  virtual Status softDelete(std::string_view id, std::string_view deleterId, std::int64_t at) = 0;

  // Live posts of a channel, newest first, `offset` and `limit` applied; deleted ones too when
  // `includeDeleted`.
  virtual Result<std::vector<model::Post>> newest(std::string_view channelId, int offset, int limit,
                                                  bool includeDeleted) = 0;
  // Live posts created before (newest first) or after (oldest first) `createAt`.
  virtual Result<std::vector<model::Post>> before(std::string_view channelId, std::int64_t createAt,
                                                  int offset, int limit) = 0;
  virtual Result<std::vector<model::Post>> after(std::string_view channelId, std::int64_t createAt,
                                                 int offset, int limit) = 0;
  // Posts (deleted ones too) with update_at > `since`, newest first, at most `limit`.
  virtual Result<std::vector<model::Post>> since(std::string_view channelId, std::int64_t since,
                                                 int limit) = 0;
  // The id of the live post just after / just before `createAt` in the channel, or "".
  virtual Result<std::string> nextPostId(std::string_view channelId, std::int64_t createAt) = 0;
  virtual Result<std::string> prevPostId(std::string_view channelId, std::int64_t createAt) = 0;
  // The newest update_at of the channel's posts (0 without posts): the channel posts ETag.
  virtual Result<std::int64_t> lastUpdateAt(std::string_view channelId) = 0;

  // The live replies of `rootId`, oldest first.
  virtual Result<std::vector<model::Post>> replies(std::string_view rootId) = 0;

  // The security labels (props.parley_label; "" where a post has none) of a thread up to one of
  // its posts: the root `rootId` and its replies created no later than `postId`, deleted ones
  // included (what they said has been seen), oldest first. One statement.
  virtual Result<std::vector<std::string>> threadLabels(std::string_view rootId,
                                                        std::string_view postId) = 0;

  // Live pinned posts of a channel, newest first.
  virtual Result<std::vector<model::Post>> pinned(std::string_view channelId) = 0;

  // Matching live posts, newest first.
  virtual Result<std::vector<model::Post>> search(const PostSearch& search) = 0;
};

}  // namespace parley::core::store
