#include "core/store/postgres/pg_reaction_store.hpp"

#include "core/store/postgres/pg_store.hpp"
#include "core/store/postgres/pg_support.hpp"

namespace parley::core::store::postgres {
namespace {

#define PARLEY_PG_REACTION_COLUMNS                                              \
  "user_id, post_id, emoji_name, channel_id, create_at, update_at, delete_at, " \
  "COALESCE(remote_id, '')"

// The same user, post and emoji are one row: adding it again revives it (or keeps it), and the
// post's update_at moves so that `since` readers see the change.
constexpr Statement kSave{
    "reaction_save",
    "WITH r AS ("
    "  INSERT INTO reactions (user_id, post_id, emoji_name, channel_id, create_at, update_at,"
    "                         delete_at, remote_id)"
    "  VALUES ($1, $2, $3, $4, $5, $5, 0, $6)"
    "  ON CONFLICT (post_id, user_id, emoji_name) DO UPDATE SET"
    "    create_at = CASE WHEN reactions.delete_at = 0 THEN reactions.create_at"
    "                     ELSE EXCLUDED.create_at END,"
    "    update_at = EXCLUDED.update_at, delete_at = 0"
    "  RETURNING " PARLEY_PG_REACTION_COLUMNS
    "),"
    " p AS (UPDATE posts SET update_at = greatest(update_at, $5) WHERE id = $2)"
    " SELECT * FROM r"};

constexpr Statement kRemove{
    "reaction_remove",
    "WITH r AS ("
    "  UPDATE reactions SET delete_at = $4, update_at = $4"
    "  WHERE user_id = $1 AND post_id = $2 AND emoji_name = $3 AND delete_at = 0"
    "  RETURNING post_id),"
    " p AS (UPDATE posts SET update_at = greatest(update_at, $4)"
    "       WHERE id IN (SELECT post_id FROM r))"
    " SELECT count(*) FROM r"};

constexpr Statement kForPosts{"reaction_for_posts",
                              "SELECT " PARLEY_PG_REACTION_COLUMNS
                              " FROM reactions WHERE post_id = " PARLEY_PG_ANY_OF_JSON_1
                              " AND delete_at = 0 ORDER BY create_at, user_id, emoji_name"};

model::Reaction reactionFromRow(const Rows& rows, int row) {
  model::Reaction reaction;
  reaction.userId = rows.string(row, 0);
  reaction.postId = rows.string(row, 1);
  reaction.emojiName = rows.string(row, 2);
  reaction.channelId = rows.string(row, 3);
  reaction.createAt = rows.int64(row, 4);
  reaction.updateAt = rows.int64(row, 5);
  reaction.deleteAt = rows.int64(row, 6);
  reaction.remoteId = rows.string(row, 7);
  return reaction;
}

}  // namespace

Result<model::Reaction> PgReactionStore::save(const model::Reaction& reaction) {
  auto rows = store_.exec(kSave, Params()
                                     .add(reaction.userId)
                                     .add(reaction.postId)
                                     .add(reaction.emojiName)
                                     .add(reaction.channelId)
                                     .add(reaction.createAt)
                                     .addOrNull(reaction.remoteId));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) {
    return makeError(ErrorCode::kInternal, "app.reaction.save.save.app_error",
                     "Unable to save reaction.");
  }
  return reactionFromRow(*rows, 0);
}

Result<bool> PgReactionStore::remove(std::string_view userId, std::string_view postId,
                                     std::string_view emojiName, std::int64_t at) {
  auto rows = store_.exec(kRemove, Params().add(userId).add(postId).add(emojiName).add(at));
  if (!rows) return std::move(rows).error();
  return rows->int64(0, 0) > 0;
}

Result<std::vector<model::Reaction>> PgReactionStore::forPosts(
    const std::vector<std::string>& postIds) {
  std::vector<model::Reaction> reactions;
  if (postIds.empty()) return reactions;
  auto rows = store_.exec(kForPosts, Params().add(jsonArray(postIds)));
  if (!rows) return std::move(rows).error();
  for (int i = 0; i < rows->size(); ++i) reactions.push_back(reactionFromRow(*rows, i));
  return reactions;
}

}  // namespace parley::core::store::postgres
