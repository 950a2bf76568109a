#include "core/store/postgres/pg_bot_store.hpp"

#include "core/store/postgres/pg_store.hpp"
#include "core/store/postgres/pg_support.hpp"

namespace parley::core::store::postgres {
namespace {

// The display name of a bot is its user's first name, as Mattermost stores it.
#define PARLEY_BOT_COLUMNS                                           \
  "b.user_id, u.username, u.first_name, b.description, b.owner_id, " \
  "b.last_icon_update, b.create_at, b.update_at, b.delete_at "       \
  "FROM bots b JOIN users u ON u.id = b.user_id"
constexpr Statement kBotInsert{
    "bot_insert",
    "INSERT INTO bots (user_id, description, owner_id, last_icon_update, create_at, update_at, "
    "delete_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"};
constexpr Statement kBotGet{"bot_get", "SELECT " PARLEY_BOT_COLUMNS " WHERE b.user_id = $1"};
constexpr Statement kBotList{
    "bot_list", "SELECT " PARLEY_BOT_COLUMNS
                " WHERE ($1 = '' OR b.owner_id = $1) AND ($2::boolean OR b.delete_at = 0) "
                "AND (NOT $3::boolean OR NOT EXISTS (SELECT 1 FROM users o WHERE o.id = b.owner_id "
                "AND o.delete_at = 0)) ORDER BY u.username OFFSET $4 LIMIT $5"};
#undef PARLEY_BOT_COLUMNS
constexpr Statement kBotUpdate{
    "bot_update",
    "UPDATE bots SET description = $2, owner_id = $3, update_at = $4, delete_at = $5 "
    "WHERE user_id = $1"};

model::Bot botFromRow(const Rows& rows, int row) {
  model::Bot bot;
  bot.userId = rows.string(row, 0);
  bot.username = rows.string(row, 1);
  bot.displayName = rows.string(row, 2);
  bot.description = rows.string(row, 3);
  bot.ownerId = rows.string(row, 4);
  bot.lastIconUpdate = rows.int64(row, 5);
  bot.createAt = rows.int64(row, 6);
  bot.updateAt = rows.int64(row, 7);
  bot.deleteAt = rows.int64(row, 8);
  return bot;
}

Error botNotFound() {
  return makeError(ErrorCode::kNotFound, "store.sql_bot.get.missing.app_error",
                   "Unable to find the bot.");
}

}  // namespace

Status PgBotStore::create(const model::Bot& bot) {
  Params params;
  params.add(bot.userId)
      .add(bot.description)
      .add(bot.ownerId)
      .add(bot.lastIconUpdate)
      .add(bot.createAt)
      .add(bot.updateAt)
      .add(bot.deleteAt);
  return done(store_.exec(kBotInsert, params));
}

Result<model::Bot> PgBotStore::get(std::string_view userId) {
  auto rows = store_.exec(kBotGet, Params().add(userId));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return botNotFound();
  return botFromRow(*rows, 0);
}

Result<std::vector<model::Bot>> PgBotStore::list(const BotQuery& query) {
  auto rows = store_.exec(kBotList, Params()
                                        .add(query.ownerId)
                                        .add(query.includeDeleted)
                                        .add(query.onlyOrphaned)
                                        .add(query.offset)
                                        .add(query.limit));
  if (!rows) return std::move(rows).error();
  std::vector<model::Bot> bots;
  for (int row = 0; row < rows->size(); ++row) bots.push_back(botFromRow(*rows, row));
  return bots;
}

Status PgBotStore::update(const model::Bot& bot) {
  auto rows = store_.exec(kBotUpdate, Params()
                                          .add(bot.userId)
                                          .add(bot.description)
                                          .add(bot.ownerId)
                                          .add(bot.updateAt)
                                          .add(bot.deleteAt));
  if (!rows) return std::move(rows).error();
  if (rows->affected() == 0) return botNotFound();
  return {};
}

}  // namespace parley::core::store::postgres
