#pragma once
// PostgreSQL implementation of PostStore: the posts table, plus the channel counters and member
// read state a new post changes.

#include "core/store/post_store.hpp"
#include "core/store/postgres/connection.hpp"

namespace parley::core::store::postgres {

class PgStore;

// The columns of every query that reads whole posts (alias p), in the order postFromRow reads
// them; has_reactions is derived from the live reactions, so it cannot drift.
#define PARLEY_PG_POST_COLUMNS                                                              \
  "p.id, p.create_at, p.update_at, p.edit_at, p.delete_at, p.is_pinned, p.user_id, "        \
  "p.channel_id, COALESCE(p.root_id, ''), COALESCE(p.original_id, ''), p.message, p.type, " \
  "p.props, p.hashtags, p.file_ids, p.pending_post_id, COALESCE(p.remote_id, ''), "         \
  "p.reply_count, p.last_reply_at, "                                                        \
  "EXISTS (SELECT 1 FROM reactions r WHERE r.post_id = p.id AND r.delete_at = 0)"

model::Post postFromRow(const Rows& rows, int row);

class PgPostStore final : public PostStore {
 public:
  explicit PgPostStore(PgStore& store) : store_(store) {}

  Status create(const model::Post& post, std::int64_t now) override;
  Status setFileIds(std::string_view postId, const std::vector<std::string>& fileIds) override;
  Result<std::vector<std::string>> addMentions(std::string_view channelId,
                                               std::string_view authorId,
                                               const std::vector<std::string>& usernames,
                                               bool everyone, bool isRoot) override;
  Result<model::Post> get(std::string_view id) override;
  Result<std::pair<model::Post, model::User>> getWithAuthor(std::string_view id,
                                                            std::string_view authorId) override;
  Result<std::vector<model::Post>> getMany(const std::vector<std::string>& ids) override;
  Status update(const model::Post& post) override;
  Status softDelete(std::string_view id, std::string_view deleterId, std::int64_t at) override;
  Result<std::vector<model::Post>> newest(std::string_view channelId, int offset, int limit,
                                          bool includeDeleted) override;
  Result<std::vector<model::Post>> before(std::string_view channelId, std::int64_t createAt,
                                          int offset, int limit) override;
  Result<std::vector<model::Post>> after(std::string_view channelId, std::int64_t createAt,
                                         int offset, int limit) override;
  Result<std::vector<model::Post>> since(std::string_view channelId, std::int64_t since,
                                         int limit) override;
  Result<std::string> nextPostId(std::string_view channelId, std::int64_t createAt) override;
  Result<std::string> prevPostId(std::string_view channelId, std::int64_t createAt) override;
  Result<std::int64_t> lastUpdateAt(std::string_view channelId) override;
  Result<std::vector<model::Post>> replies(std::string_view rootId) override;
  Result<std::vector<std::string>> threadLabels(std::string_view rootId,
                                                std::string_view postId) override;
  Result<std::vector<model::Post>> pinned(std::string_view channelId) override;
  Result<std::vector<model::Post>> search(const PostSearch& search) override;

 private:
  Result<std::vector<model::Post>> posts(const Statement& statement, const Params& params);
  Result<std::string> firstId(const Statement& statement, const Params& params);

  PgStore& store_;
};

}  // namespace parley::core::store::postgres
