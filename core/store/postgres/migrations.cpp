#include "core/store/postgres/migrations.hpp"

#include <algorithm>
#include <array>
#include <map>

#include "core/common/log.hpp"
#include "core/common/sha256.hpp"
#include "core/store/postgres/connection.hpp"
#include "core/store/postgres/embedded_migrations.hpp"

namespace parley::core::store::postgres {
namespace {

constexpr std::string_view kComponent = "migrations";

// Advisory lock keys are global to the database; this one is Parley's migration lock (an
// arbitrary constant, unlikely to collide with anything else sharing the database).
constexpr const char* kLockSql = "SELECT pg_advisory_lock(7236470389216591873)";
constexpr const char* kUnlockSql = "SELECT pg_advisory_unlock(7236470389216591873)";

constexpr const char* kCreateTableSql = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    integer PRIMARY KEY,
  name       text    NOT NULL,
  checksum   text    NOT NULL,
  applied_at bigint  NOT NULL
))sql";

constexpr Statement kTableExists{"migrations_table_exists",
                                 "SELECT to_regclass('schema_migrations') IS NOT NULL"};
constexpr Statement kSelectApplied{
    "migrations_select_applied",
    "SELECT version, name, checksum FROM schema_migrations ORDER BY version"};
constexpr Statement kInsertApplied{
    "migrations_insert_applied",
    "INSERT INTO schema_migrations (version, name, checksum, applied_at) "
    "VALUES ($1, $2, $3, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)"};

struct AppliedMigration {
  std::string name;
  std::string checksum;
};
using AppliedMap = std::map<int, AppliedMigration>;

std::string label(int version, std::string_view name) {
  std::string number = std::to_string(version);
  if (number.size() < 4) number.insert(0, 4 - number.size(), '0');
  return number + "_" + std::string(name);
}

int latestVersion(Migrations known) { return known.empty() ? 0 : known.back().version; }

Result<std::unique_ptr<Connection>> connect(const std::string& dsn) {
  ConnectOptions options;
  options.applicationName = "parleyd-migrate";
  return Connection::open(dsn, options);
}

Result<AppliedMap> readApplied(Connection& connection) {
  auto exists = connection.exec(kTableExists);
  if (!exists) return std::move(exists).error();
  AppliedMap applied;
  if (!exists->boolean(0, 0)) return applied;
  auto rows = connection.exec(kSelectApplied);
  if (!rows) return std::move(rows).error();
  for (int row = 0; row < rows->size(); ++row) {
    applied[static_cast<int>(rows->int64(row, 0))] = {rows->string(row, 1), rows->string(row, 2)};
  }
  return applied;
}

// The recorded history must be a prefix of what this binary knows, byte for byte.
Status checkHistory(const AppliedMap& applied, Migrations known) {
  const int latest = latestVersion(known);
  for (const auto& entry : applied) {
    const int version = entry.first;
    const AppliedMigration& record = entry.second;
    const auto match = std::find_if(known.begin(), known.end(),
                                    [&](const auto& m) { return m.version == version; });
    if (match == known.end()) {
      return makeError(ErrorCode::kConflict, "store.migrations.newer_schema",
                       "The database has schema migration " + label(version, record.name) +
                           ", which this parleyd does not know (it knows up to version " +
                           std::to_string(latest) +
                           "): run the parleyd version that migrated it, or newer.");
    }
    if (migrationChecksum(match->sql) != record.checksum) {
      return makeError(ErrorCode::kConflict, "store.migrations.checksum_mismatch",
                       "Schema migration " + label(version, record.name) +
                           " was changed after it was applied to this database; released "
                           "migrations must never be edited.",
                       "recorded checksum " + record.checksum + ", embedded checksum " +
                           migrationChecksum(match->sql));
    }
  }
  return {};
}

int currentVersion(const AppliedMap& applied) {
  return applied.empty() ? 0 : applied.rbegin()->first;
}

Status applyOne(Connection& connection, const EmbeddedMigration& migration) {
  const auto fail = [&](Error error) -> Status {
    if (connection.inTransaction()) (void)connection.execScript("ROLLBACK");
    if (error.code == ErrorCode::kUnavailable) return error;
    return makeError(ErrorCode::kInternal, "store.migrations.failed",
                     "Schema migration " + label(migration.version, migration.name) +
                         " failed and was rolled back.",
                     std::move(error.detail));
  };
  if (auto begun = connection.execScript("BEGIN"); !begun) return fail(std::move(begun).error());
  const std::string sql(migration.sql);
  if (auto ran = connection.execScript(sql.c_str()); !ran) return fail(std::move(ran).error());
  Params params;
  params.add(migration.version).add(migration.name).add(migrationChecksum(migration.sql));
  if (auto recorded = connection.exec(kInsertApplied, params); !recorded) {
    return fail(std::move(recorded).error());
  }
  if (auto committed = connection.execScript("COMMIT"); !committed) {
    return fail(std::move(committed).error());
  }
  return {};
}

}  // namespace

std::string migrationChecksum(std::string_view sql) { return sha256Hex(sql); }

Result<MigrationReport> migrate(const std::string& dsn) {
  return migrate(dsn, embeddedMigrations());
}

Result<MigrationStatus> migrationStatus(const std::string& dsn) {
  return migrationStatus(dsn, embeddedMigrations());
}

Result<MigrationReport> migrate(const std::string& dsn, Migrations known) {
  auto connection = connect(dsn);
  if (!connection) return std::move(connection).error();
  Connection& conn = **connection;

  // Held until we unlock or the connection closes, whatever happens in between.
  if (auto locked = conn.execScript(kLockSql); !locked) return std::move(locked).error();
  if (auto created = conn.execScript(kCreateTableSql); !created) {
    return std::move(created).error();
  }
  auto applied = readApplied(conn);
  if (!applied) return std::move(applied).error();
  if (auto history = checkHistory(*applied, known); !history) return std::move(history).error();

  MigrationReport report;
  for (const auto& migration : known) {
    if (applied->contains(migration.version)) continue;
    if (auto done = applyOne(conn, migration); !done) return std::move(done).error();
    (*applied)[migration.version] = {std::string(migration.name), {}};
    report.applied.push_back(migration.version);
    log::info(kComponent, "applied schema migration",
              {{"version", migration.version}, {"name", std::string(migration.name)}});
  }
  report.current = currentVersion(*applied);
  (void)conn.execScript(kUnlockSql);
  return report;
}

Result<MigrationStatus> migrationStatus(const std::string& dsn, Migrations known) {
  auto connection = connect(dsn);
  if (!connection) return std::move(connection).error();
  auto applied = readApplied(**connection);
  if (!applied) return std::move(applied).error();
  if (auto history = checkHistory(*applied, known); !history) return std::move(history).error();

  MigrationStatus status;
  status.current = currentVersion(*applied);
  status.latest = latestVersion(known);
  for (const auto& migration : known) {
    if (!applied->contains(migration.version)) {
      status.pending.push_back({migration.version, std::string(migration.name)});
    }
  }
  return status;
}

}  // namespace parley::core::store::postgres
