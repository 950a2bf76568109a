#include "core/store/postgres/pg_post_store.hpp"

#include "core/store/postgres/pg_store.hpp"
#include "core/store/postgres/pg_support.hpp"

namespace parley::core::store::postgres {
namespace {

// Column indexes of PARLEY_PG_POST_COLUMNS.
enum PostColumn : int {
  kId,
  kCreateAt,
  kUpdateAt,
  kEditAt,
  kDeleteAt,
  kIsPinned,
  kUserId,
  kChannelId,
  kRootId,
  kOriginalId,
  kMessage,
  kType,
  kProps,
  kHashtags,
  kFileIds,
  kPendingPostId,
  kRemoteId,
  kReplyCount,
  kLastReplyAt,
  kHasReactions,
};

#define PARLEY_PG_POST_INSERT_COLUMNS                                                         \
  "id, create_at, update_at, is_pinned, user_id, channel_id, root_id, message, type, props, " \
  "hashtags, file_ids, pending_post_id, remote_id"

// The post, its channel's counters, and its author's read state (an author has read their own
// post): one statement. Roots are the posts without root_id ($7 NULL). Several posts in one
// statement leave every counter as one statement each, in their order, would: the channel
// counts them all, and each author's read state is the channel's count after their last post.
constexpr RowsStatement kCreate{
    {"post_create",
     "WITH p AS ("
     "  INSERT INTO posts (" PARLEY_PG_POST_INSERT_COLUMNS ")"
     "  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12::jsonb, $13, $14)"
     "  RETURNING channel_id),"
     " c AS ("
     "  UPDATE channels SET"
     "    last_post_at = greatest(last_post_at, $2),"
     "    last_root_post_at = CASE WHEN $7::varchar IS NULL"
     "      THEN greatest(last_root_post_at, $2) ELSE last_root_post_at END,"
     "    total_msg_count = total_msg_count + 1,"
     "    total_msg_count_root = total_msg_count_root"
     "      + CASE WHEN $7::varchar IS NULL THEN 1 ELSE 0 END"
     "  WHERE id = (SELECT channel_id FROM p)"
     "  RETURNING id, total_msg_count, total_msg_count_root)"
     " UPDATE channel_members cm SET"
     "   last_viewed_at = greatest(cm.last_viewed_at, $2),"
     "   msg_count = c.total_msg_count, msg_count_root = c.total_msg_count_root,"
     "   last_update_at = $15"
     " FROM c WHERE cm.channel_id = c.id AND cm.user_id = $5"},
    {"post_create_many",
     "WITH r AS ("
     "  SELECT * FROM unnest($1::varchar[], $2::bigint[], $3::bigint[], $4::boolean[],"
     "    $5::varchar[], $6::varchar[], $7::varchar[], $8::text[], $9::varchar[], $10::jsonb[],"
     "    $11::text[], $12::jsonb[], $13::varchar[], $14::varchar[], $15::bigint[])"
     "  WITH ORDINALITY AS r(" PARLEY_PG_POST_INSERT_COLUMNS ", now, n)),"
     " p AS ("
     "  INSERT INTO posts (" PARLEY_PG_POST_INSERT_COLUMNS ")"
     "  SELECT " PARLEY_PG_POST_INSERT_COLUMNS " FROM r ORDER BY n),"
     " s AS ("
     "  SELECT channel_id, count(*) AS posts, count(*) FILTER (WHERE root_id IS NULL) AS roots,"
     "    max(create_at) AS last, max(create_at) FILTER (WHERE root_id IS NULL) AS last_root"
     "  FROM r GROUP BY channel_id),"
     " c AS ("
     "  UPDATE channels ch SET"
     "    last_post_at = greatest(ch.last_post_at, s.last),"
     "    last_root_post_at = greatest(ch.last_root_post_at, s.last_root),"  // greatest skips NULL
     "    total_msg_count = ch.total_msg_count + s.posts,"
     "    total_msg_count_root = ch.total_msg_count_root + s.roots"
     "  FROM s WHERE ch.id = s.channel_id"
     "  RETURNING ch.id, ch.total_msg_count, ch.total_msg_count_root, s.posts, s.roots),"
     // Each author's last post, and how many posts (roots) of its channel's rows came up to it.
     " a AS ("
     "  SELECT DISTINCT ON (channel_id, user_id) channel_id, user_id, now,"
     "    count(*) OVER through AS posts_through,"
     "    count(*) FILTER (WHERE root_id IS NULL) OVER through AS roots_through,"
     "    max(create_at) OVER (PARTITION BY channel_id, user_id) AS last"
     "  FROM r WINDOW through AS (PARTITION BY channel_id ORDER BY n)"
     "  ORDER BY channel_id, user_id, n DESC)"
     " UPDATE channel_members cm SET"
     "   last_viewed_at = greatest(cm.last_viewed_at, a.last),"
     "   msg_count = c.total_msg_count - (c.posts - a.posts_through),"
     "   msg_count_root = c.total_msg_count_root - (c.roots - a.roots_through),"
     "   last_update_at = a.now"
     " FROM c JOIN a ON a.channel_id = c.id"
     " WHERE cm.channel_id = a.channel_id AND cm.user_id = a.user_id"}};

constexpr Statement kSetFileIds{"post_set_file_ids",
                                "UPDATE posts SET file_ids = $2::jsonb WHERE id = $1"};

constexpr Statement kAddMentions{
    "post_add_mentions",
    "UPDATE channel_members cm SET"
    "  mention_count = cm.mention_count + 1,"
    "  mention_count_root = cm.mention_count_root + CASE WHEN $4 THEN 1 ELSE 0 END"
    " FROM users u"
    " WHERE cm.channel_id = $1 AND u.id = cm.user_id AND cm.user_id <> $2"
    "   AND ($3 OR u.username IN (SELECT jsonb_array_elements_text($5::jsonb)))"
    " RETURNING cm.user_id"};

constexpr Statement kGet{"post_get",
                         "SELECT " PARLEY_PG_POST_COLUMNS " FROM posts p WHERE p.id = $1"};
// The user $2, or without one the author of post $1: independent of kGet's result, so both go
// in one round trip.
constexpr Statement kAuthorOf{
    "post_author_of", "SELECT " PARLEY_PG_USER_COLUMNS
                      " FROM users WHERE id = "
                      "COALESCE(NULLIF($2, ''), (SELECT user_id FROM posts WHERE id = $1))"};

constexpr Statement kGetMany{"post_get_many", "SELECT " PARLEY_PG_POST_COLUMNS
                                              " FROM posts p WHERE p.id = " PARLEY_PG_ANY_OF_JSON_1
                                              " ORDER BY p.create_at DESC, p.id DESC"};

constexpr Statement kUpdate{
    "post_update",
    "UPDATE posts SET message = $2, hashtags = $3, props = $4::jsonb, file_ids = $5::jsonb,"
    " is_pinned = $6, edit_at = $7, update_at = $8 WHERE id = $1"};

// The post and, for a root, its replies; only the post records who deleted it.
constexpr Statement kSoftDelete{
    "post_soft_delete",
    "UPDATE posts SET delete_at = $3, update_at = $3,"
    " props = CASE WHEN id = $1 THEN props || jsonb_build_object('deleteBy', $2::text)"
    "              ELSE props END"
    " WHERE (id = $1 OR root_id = $1) AND delete_at = 0"};

constexpr Statement kNewest{"post_newest",
                            "SELECT " PARLEY_PG_POST_COLUMNS
                            " FROM posts p WHERE p.channel_id = $1 AND ($4 OR p.delete_at = 0)"
                            " ORDER BY p.create_at DESC, p.id DESC OFFSET $2 LIMIT $3"};

constexpr Statement kBefore{
    "post_before", "SELECT " PARLEY_PG_POST_COLUMNS
                   " FROM posts p WHERE p.channel_id = $1 AND p.delete_at = 0 AND p.create_at < $2"
                   " ORDER BY p.create_at DESC, p.id DESC OFFSET $3 LIMIT $4"};

constexpr Statement kAfter{
    "post_after", "SELECT " PARLEY_PG_POST_COLUMNS
                  " FROM posts p WHERE p.channel_id = $1 AND p.delete_at = 0 AND p.create_at > $2"
                  " ORDER BY p.create_at ASC, p.id ASC OFFSET $3 LIMIT $4"};

constexpr Statement kSince{"post_since",
                           "SELECT " PARLEY_PG_POST_COLUMNS
                           " FROM posts p WHERE p.channel_id = $1 AND p.update_at > $2"
                           " ORDER BY p.create_at DESC, p.id DESC LIMIT $3"};

constexpr Statement kNextId{"post_next_id",
                            "SELECT id FROM posts WHERE channel_id = $1 AND delete_at = 0"
                            " AND create_at > $2 ORDER BY create_at ASC, id ASC LIMIT 1"};

constexpr Statement kPrevId{"post_prev_id",
                            "SELECT id FROM posts WHERE channel_id = $1 AND delete_at = 0"
                            " AND create_at < $2 ORDER BY create_at DESC, id DESC LIMIT 1"};

constexpr Statement kLastUpdateAt{
    "post_last_update_at", "SELECT COALESCE(max(update_at), 0) FROM posts WHERE channel_id = $1"};

constexpr Statement kReplies{"post_replies",
                             "SELECT " PARLEY_PG_POST_COLUMNS
                             " FROM posts p WHERE p.root_id = $1 AND p.delete_at = 0"
                             " ORDER BY p.create_at ASC, p.id ASC"};

constexpr Statement kThreadLabels{
    "post_thread_labels",
    "SELECT COALESCE(p.props->>'parley_label', '') FROM posts p"
    " WHERE (p.id = $1 OR p.root_id = $1)"
    " AND p.create_at <= (SELECT q.create_at FROM posts q WHERE q.id = $2)"
    " ORDER BY p.create_at ASC, p.id ASC"};

constexpr Statement kPinned{
    "post_pinned", "SELECT " PARLEY_PG_POST_COLUMNS
                   " FROM posts p WHERE p.channel_id = $1 AND p.is_pinned AND p.delete_at = 0"
                   " ORDER BY p.create_at DESC, p.id DESC"};

// Full-text search over message_tsv. The query texts are parameters handed to PostgreSQL's own
// parsers (websearch_to_tsquery never fails on any input; the prefix text is built from
// letters and digits only), so no user input ever becomes SQL. Only channels the caller is a
// member of are searched, as Mattermost does.
constexpr Statement kSearch{
    "post_search",
    "SELECT " PARLEY_PG_POST_COLUMNS
    " FROM posts p"
    " JOIN channels c ON c.id = p.channel_id"
    " JOIN channel_members m ON m.channel_id = p.channel_id AND m.user_id = $1"
    " CROSS JOIN LATERAL (SELECT CASE"
    "   WHEN $3::text = '' AND $4::text = '' THEN NULL"
    "   WHEN $4 = '' THEN websearch_to_tsquery('english', $3)"
    "   WHEN $3 = '' THEN to_tsquery('english', $4)"
    "   WHEN $5 THEN websearch_to_tsquery('english', $3) || to_tsquery('english', $4)"
    "   ELSE websearch_to_tsquery('english', $3) && to_tsquery('english', $4) END AS query) q"
    " WHERE p.delete_at = 0 AND p.type NOT LIKE 'system\\_%'"
    "   AND ($2::varchar = '' OR c.team_id = $2::varchar OR c.team_id IS NULL)"
    "   AND ($10 OR c.delete_at = 0)"
    "   AND (jsonb_array_length($6::jsonb) = 0 OR p.user_id IN"
    "        (SELECT u.id FROM users u"
    "         WHERE u.username IN (SELECT jsonb_array_elements_text($6::jsonb))))"
    "   AND (jsonb_array_length($7::jsonb) = 0"
    "        OR c.name IN (SELECT jsonb_array_elements_text($7::jsonb)))"
    "   AND p.user_id NOT IN (SELECT u.id FROM users u"
    "        WHERE u.username IN (SELECT jsonb_array_elements_text($13::jsonb)))"
    "   AND c.name NOT IN (SELECT jsonb_array_elements_text($14::jsonb))"
    "   AND ($8::bigint = 0 OR p.create_at >= $8::bigint)"
    "   AND ($9::bigint = 0 OR p.create_at <= $9::bigint)"
    "   AND (q.query IS NULL OR p.message_tsv @@ q.query)"
    " ORDER BY p.create_at DESC, p.id DESC OFFSET $11 LIMIT $12"};

Error postNotFound() {
  return makeError(ErrorCode::kNotFound, "app.post.get.app_error", "Unable to get the post.");
}

}  // namespace

model::Post postFromRow(const Rows& rows, int row) {
  model::Post post;
  post.id = rows.string(row, kId);
  post.createAt = rows.int64(row, kCreateAt);
  post.updateAt = rows.int64(row, kUpdateAt);
  post.editAt = rows.int64(row, kEditAt);
  post.deleteAt = rows.int64(row, kDeleteAt);
  post.isPinned = rows.boolean(row, kIsPinned);
  post.userId = rows.string(row, kUserId);
  post.channelId = rows.string(row, kChannelId);
  post.rootId = rows.string(row, kRootId);
  post.originalId = rows.string(row, kOriginalId);
  post.message = rows.string(row, kMessage);
  post.type = rows.string(row, kType);
  post.props = parseJson(rows.text(row, kProps), nlohmann::json::object());
  post.hashtags = rows.string(row, kHashtags);
  const auto fileIds = parseJson(rows.text(row, kFileIds), nlohmann::json::array());
  for (const auto& id : fileIds) {
    if (id.is_string()) post.fileIds.push_back(id.get<std::string>());
  }
  post.pendingPostId = rows.string(row, kPendingPostId);
  post.remoteId = rows.string(row, kRemoteId);
  post.replyCount = rows.int64(row, kReplyCount);
  post.lastReplyAt = rows.int64(row, kLastReplyAt);
  post.hasReactions = rows.boolean(row, kHasReactions);
  return post;
}

Result<std::vector<model::Post>> PgPostStore::posts(const Statement& statement,
                                                    const Params& params) {
  auto rows = store_.exec(statement, params);
  if (!rows) return std::move(rows).error();
  std::vector<model::Post> result;
  result.reserve(static_cast<std::size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) result.push_back(postFromRow(*rows, i));
  return result;
}

Result<std::string> PgPostStore::firstId(const Statement& statement, const Params& params) {
  auto rows = store_.exec(statement, params);
  if (!rows) return std::move(rows).error();
  return rows->empty() ? std::string() : rows->string(0, 0);
}

Status PgPostStore::create(const model::Post& post, std::int64_t now) {
  Params params;
  params.add(post.id)
      .add(post.createAt)
      .add(post.updateAt)
      .add(post.isPinned)
      .add(post.userId)
      .add(post.channelId)
      .addOrNull(post.rootId)
      .add(post.message)
      .add(post.type)
      .add(post.props.dump())
      .add(post.hashtags)
      .add(jsonArray(post.fileIds))
      .add(post.pendingPostId)
      .addOrNull(post.remoteId)
      .add(now);
  // Nothing is read back: inside a transaction it goes with the next statement, and with the
  // transaction's other posts when nothing but rows came between (Connection::deferRow).
  return store_.deferRow(kCreate, std::move(params));
}

Status PgPostStore::setFileIds(std::string_view postId, const std::vector<std::string>& fileIds) {
  return done(store_.exec(kSetFileIds, Params().add(postId).add(jsonArray(fileIds))));
}

Result<std::vector<std::string>> PgPostStore::addMentions(std::string_view channelId,
                                                          std::string_view authorId,
                                                          const std::vector<std::string>& usernames,
                                                          bool everyone, bool isRoot) {
  std::vector<std::string> mentioned;
  if (!everyone && usernames.empty()) return mentioned;
  auto rows = store_.exec(
      kAddMentions,
      Params().add(channelId).add(authorId).add(everyone).add(isRoot).add(jsonArray(usernames)));
  if (!rows) return std::move(rows).error();
  for (int i = 0; i < rows->size(); ++i) mentioned.push_back(rows->string(i, 0));
  return mentioned;
}

Result<model::Post> PgPostStore::get(std::string_view id) {
  auto rows = store_.exec(kGet, Params().add(id));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return postNotFound();
  return postFromRow(*rows, 0);
}

Result<std::pair<model::Post, model::User>> PgPostStore::getWithAuthor(std::string_view id,
                                                                       std::string_view authorId) {
  const Params post = Params().add(id);
  const Params author = Params().add(id).add(authorId);
  auto rows = store_.execAll({{&kGet, &post}, {&kAuthorOf, &author}});
  if (!rows) return std::move(rows).error();
  if ((*rows)[0].empty()) return postNotFound();
  if ((*rows)[1].empty()) return missingAccount();
  return std::pair{postFromRow((*rows)[0], 0), userFromRow((*rows)[1], 0)};
}

Result<std::vector<model::Post>> PgPostStore::getMany(const std::vector<std::string>& ids) {
  if (ids.empty()) return std::vector<model::Post>{};
  return posts(kGetMany, Params().add(jsonArray(ids)));
}

Status PgPostStore::update(const model::Post& post) {
  return done(store_.exec(kUpdate, Params()
                                       .add(post.id)
                                       .add(post.message)
                                       .add(post.hashtags)
                                       .add(post.props.dump())
                                       .add(jsonArray(post.fileIds))
                                       .add(post.isPinned)
                                       .add(post.editAt)
                                       .add(post.updateAt)));
}

Status PgPostStore::softDelete(std::string_view id, std::string_view deleterId, std::int64_t at) {
  return done(store_.exec(kSoftDelete, Params().add(id).add(deleterId).add(at)));
}

Result<std::vector<model::Post>> PgPostStore::newest(std::string_view channelId, int offset,
                                                     int limit, bool includeDeleted) {
  return posts(kNewest, Params().add(channelId).add(offset).add(limit).add(includeDeleted));
}

Result<std::vector<model::Post>> PgPostStore::before(std::string_view channelId,
                                                     std::int64_t createAt, int offset, int limit) {
  return posts(kBefore, Params().add(channelId).add(createAt).add(offset).add(limit));
}

Result<std::vector<model::Post>> PgPostStore::after(std::string_view channelId,
                                                    std::int64_t createAt, int offset, int limit) {
  return posts(kAfter, Params().add(channelId).add(createAt).add(offset).add(limit));
}

Result<std::vector<model::Post>> PgPostStore::since(std::string_view channelId, std::int64_t since,
                                                    int limit) {
  return posts(kSince, Params().add(channelId).add(since).add(limit));
}

Result<std::string> PgPostStore::nextPostId(std::string_view channelId, std::int64_t createAt) {
  return firstId(kNextId, Params().add(channelId).add(createAt));
}

Result<std::string> PgPostStore::prevPostId(std::string_view channelId, std::int64_t createAt) {
  return firstId(kPrevId, Params().add(channelId).add(createAt));
}

Result<std::int64_t> PgPostStore::lastUpdateAt(std::string_view channelId) {
  auto rows = store_.exec(kLastUpdateAt, Params().add(channelId));
  if (!rows) return std::move(rows).error();
  return rows->int64(0, 0);
}

Result<std::vector<model::Post>> PgPostStore::replies(std::string_view rootId) {
  return posts(kReplies, Params().add(rootId));
}

Result<std::vector<std::string>> PgPostStore::threadLabels(std::string_view rootId,
                                                           std::string_view postId) {
  return firstColumn(store_.exec(kThreadLabels, Params().add(rootId).add(postId)));
}

Result<std::vector<model::Post>> PgPostStore::pinned(std::string_view channelId) {
  return posts(kPinned, Params().add(channelId));
}

Result<std::vector<model::Post>> PgPostStore::search(const PostSearch& search) {
  return posts(kSearch, Params()
                            .add(search.userId)
                            .add(search.teamId)
                            .add(search.websearch)
                            .add(search.prefixes)
                            .add(search.isOrSearch)
                            .add(jsonArray(search.fromUsernames))
                            .add(jsonArray(search.inChannelNames))
                            .add(search.createdAfter)
                            .add(search.createdBefore)
                            .add(search.includeDeletedChannels)
                            .add(search.offset)
                            .add(search.limit)
                            .add(jsonArray(search.notFromUsernames))
                            .add(jsonArray(search.notInChannelNames)));
}

}  // namespace parley::core::store::postgres
