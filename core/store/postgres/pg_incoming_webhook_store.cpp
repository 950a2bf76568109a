#include "core/store/postgres/pg_incoming_webhook_store.hpp"

#include "core/store/postgres/pg_store.hpp"
#include "core/store/postgres/pg_support.hpp"

namespace parley::core::store::postgres {
namespace {

#define PARLEY_HOOK_COLUMNS                                                           \
  "id, create_at, update_at, delete_at, user_id, channel_id, team_id, display_name, " \
  "description, username, icon_url, channel_locked"

enum HookColumn : int {
  kId,
  kCreateAt,
  kUpdateAt,
  kDeleteAt,
  kUserId,
  kChannelId,
  kTeamId,
  kDisplayName,
  kDescription,
  kUsername,
  kIconUrl,
  kChannelLocked,
};

constexpr Statement kHookInsert{"incoming_webhook_insert",
                                "INSERT INTO incoming_webhooks (" PARLEY_HOOK_COLUMNS
                                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"};
constexpr Statement kHookGet{"incoming_webhook_get",
                             "SELECT " PARLEY_HOOK_COLUMNS
                             " FROM incoming_webhooks WHERE id = $1 AND delete_at = 0"};
constexpr Statement kHookUpdate{
    "incoming_webhook_update",
    "UPDATE incoming_webhooks SET channel_id = $2, display_name = $3, description = $4, "
    "username = $5, icon_url = $6, channel_locked = $7, update_at = $8 "
    "WHERE id = $1 AND delete_at = 0"};
constexpr Statement kHookRemove{
    "incoming_webhook_remove",
    "UPDATE incoming_webhooks SET delete_at = $2, update_at = $2 WHERE id = $1 AND delete_at = 0"};
constexpr Statement kHookList{"incoming_webhook_list",
                              "SELECT " PARLEY_HOOK_COLUMNS
                              " FROM incoming_webhooks WHERE delete_at = 0 "
                              "AND ($1 = '' OR team_id = $1) AND ($2 = '' OR user_id = $2) "
                              "ORDER BY create_at, id OFFSET $3 LIMIT $4"};
constexpr Statement kHookCount{"incoming_webhook_count",
                               "SELECT count(*) FROM incoming_webhooks WHERE delete_at = 0 "
                               "AND ($1 = '' OR team_id = $1) AND ($2 = '' OR user_id = $2)"};
#undef PARLEY_HOOK_COLUMNS

model::IncomingWebhook hookFromRow(const Rows& rows, int row) {
  model::IncomingWebhook hook;
  hook.id = rows.string(row, kId);
  hook.createAt = rows.int64(row, kCreateAt);
  hook.updateAt = rows.int64(row, kUpdateAt);
  hook.deleteAt = rows.int64(row, kDeleteAt);
  hook.userId = rows.string(row, kUserId);
  hook.channelId = rows.string(row, kChannelId);
  hook.teamId = rows.string(row, kTeamId);
  hook.displayName = rows.string(row, kDisplayName);
  hook.description = rows.string(row, kDescription);
  hook.username = rows.string(row, kUsername);
  hook.iconUrl = rows.string(row, kIconUrl);
  hook.channelLocked = rows.boolean(row, kChannelLocked);
  return hook;
}

Error hookNotFound(std::string_view id) {
  return makeError(ErrorCode::kNotFound, "app.webhooks.get_incoming.app_error",
                   "Unable to get the webhook.", "id=" + std::string(id));
}

// An UPDATE of a live hook that changed nothing: the hook is gone.
Status oneRow(Result<Rows> rows, std::string_view id) {
  if (!rows) return std::move(rows).error();
  if (rows->affected() == 0) return hookNotFound(id);
  return {};
}

}  // namespace

Status PgIncomingWebhookStore::create(const model::IncomingWebhook& hook) {
  Params params;
  params.add(hook.id)
      .add(hook.createAt)
      .add(hook.updateAt)
      .add(hook.deleteAt)
      .add(hook.userId)
      .add(hook.channelId)
      .add(hook.teamId)
      .add(hook.displayName)
      .add(hook.description)
      .add(hook.username)
      .add(hook.iconUrl)
      .add(hook.channelLocked);
  return done(store_.exec(kHookInsert, params));
}

Result<model::IncomingWebhook> PgIncomingWebhookStore::get(std::string_view id) {
  auto rows = store_.exec(kHookGet, Params().add(id));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return hookNotFound(id);
  return hookFromRow(*rows, 0);
}

Status PgIncomingWebhookStore::update(const model::IncomingWebhook& hook) {
  Params params;
  params.add(hook.id)
      .add(hook.channelId)
      .add(hook.displayName)
      .add(hook.description)
      .add(hook.username)
      .add(hook.iconUrl)
      .add(hook.channelLocked)
      .add(hook.updateAt);
  return oneRow(store_.exec(kHookUpdate, params), hook.id);
}

Status PgIncomingWebhookStore::remove(std::string_view id, std::int64_t at) {
  return oneRow(store_.exec(kHookRemove, Params().add(id).add(at)), id);
}

Result<std::vector<model::IncomingWebhook>> PgIncomingWebhookStore::list(
    const IncomingWebhookFilter& filter, int offset, int limit) {
  auto rows =
      store_.exec(kHookList, Params().add(filter.teamId).add(filter.userId).add(offset).add(limit));
  if (!rows) return std::move(rows).error();
  std::vector<model::IncomingWebhook> hooks;
  hooks.reserve(static_cast<std::size_t>(rows->size()));
  for (int row = 0; row < rows->size(); ++row) hooks.push_back(hookFromRow(*rows, row));
  return hooks;
}

Result<std::int64_t> PgIncomingWebhookStore::count(const IncomingWebhookFilter& filter) {
  auto rows = store_.exec(kHookCount, Params().add(filter.teamId).add(filter.userId));
  if (!rows) return std::move(rows).error();
  return rows->int64(0, 0);
}

}  // namespace parley::core::store::postgres
