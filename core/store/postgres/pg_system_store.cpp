#include "core/store/postgres/pg_system_store.hpp"

#include "core/store/postgres/pg_store.hpp"
#include "core/store/postgres/pg_support.hpp"

namespace parley::core::store::postgres {
namespace {

constexpr Statement kSystemGet{"system_get", "SELECT value FROM system WHERE name = $1"};
constexpr Statement kSystemSet{"system_set",
                               "INSERT INTO system (name, value) VALUES ($1, $2) "
                               "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value"};
constexpr Statement kSystemLock{"system_lock",
                                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"};

}  // namespace

Result<std::optional<std::string>> PgSystemStore::get(std::string_view key) {
  auto rows = store_.exec(kSystemGet, Params().add(key));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<std::string>();
  return std::optional<std::string>(rows->string(0, 0));
}

Status PgSystemStore::set(std::string_view key, std::string_view value) {
  auto done = store_.exec(kSystemSet, Params().add(key).add(value));
  if (!done) return std::move(done).error();
  return {};
}

Status PgSystemStore::lock(std::string_view name) {
  auto done = store_.exec(kSystemLock, Params().add(name));
  if (!done) return std::move(done).error();
  return {};
}

}  // namespace parley::core::store::postgres
