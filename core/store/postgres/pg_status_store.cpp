#include "core/store/postgres/pg_status_store.hpp"

#include "core/store/postgres/pg_store.hpp"
#include "core/store/postgres/pg_support.hpp"

namespace parley::core::store::postgres {
namespace {

constexpr Statement kStatusGet{"status_get",
                               "SELECT user_id, status, manual, last_activity_at, dnd_end_time, "
                               "prev_status FROM user_statuses WHERE user_id = $1"};
constexpr Statement kStatusesGetByIds{
    "statuses_get_by_ids",
    "SELECT user_id, status, manual, last_activity_at, dnd_end_time, prev_status "
    "FROM user_statuses WHERE user_id = " PARLEY_PG_ANY_OF_JSON_1};
constexpr Statement kStatusUpsert{
    "status_upsert",
    "INSERT INTO user_statuses (user_id, status, manual, last_activity_at, dnd_end_time, "
    "prev_status) "
    "VALUES ($1, $2, $3, $4, $5, $6) "
    "ON CONFLICT (user_id) DO UPDATE SET status = EXCLUDED.status, manual = EXCLUDED.manual, "
    "last_activity_at = EXCLUDED.last_activity_at, dnd_end_time = EXCLUDED.dnd_end_time, "
    "prev_status = EXCLUDED.prev_status"};

model::UserStatus statusAt(const Rows& rows, int row) {
  return model::UserStatus{rows.string(row, 0), rows.string(row, 1), rows.boolean(row, 2),
                           rows.int64(row, 3),  rows.int64(row, 4),  rows.string(row, 5)};
}

}  // namespace

Result<std::optional<model::UserStatus>> PgStatusStore::get(std::string_view userId) {
  auto rows = store_.exec(kStatusGet, Params().add(userId));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<model::UserStatus>{};
  return std::optional<model::UserStatus>{statusAt(*rows, 0)};
}

Result<std::vector<model::UserStatus>> PgStatusStore::getByIds(
    const std::vector<std::string>& ids) {
  auto rows = store_.exec(kStatusesGetByIds, Params().add(jsonArray(ids)));
  if (!rows) return std::move(rows).error();
  std::vector<model::UserStatus> statuses;
  statuses.reserve(static_cast<std::size_t>(rows->size()));
  for (int row = 0; row < rows->size(); ++row) statuses.push_back(statusAt(*rows, row));
  return statuses;
}

Status PgStatusStore::save(const model::UserStatus& status) {
  auto saved = store_.exec(kStatusUpsert, Params()
                                              .add(status.userId)
                                              .add(status.status)
                                              .add(status.manual)
                                              .add(status.lastActivityAt)
                                              .add(status.dndEndTime)
                                              .add(status.prevStatus));
  if (!saved) return std::move(saved).error();
  return {};
}

}  // namespace parley::core::store::postgres
