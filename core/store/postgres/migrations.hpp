#pragma once
// Schema migrations: the numbered SQL files of schemas/sql/ (embedded in the binary), applied in
// order, each in its own transaction, recorded in table schema_migrations(version, name,
// checksum, applied_at). Safe when several parleyd run it at once: a session-level advisory lock
// serialises them, and the later ones find nothing left to do.
//
// Blocking calls that open their own connection: for start-up and the command line, never on an
// I/O thread.

#include <string>
#include <vector>

#include "core/common/result.hpp"
#include "core/store/postgres/embedded_migrations.hpp"

namespace parley::core::store::postgres {

struct MigrationInfo {
  int version = 0;
  std::string name;
};

struct MigrationReport {
  std::vector<int> applied;  // versions applied by this call, in order
  int current = 0;           // the schema version now
};

struct MigrationStatus {
  int current = 0;                     // highest applied version (0: none)
  int latest = 0;                      // highest version this binary knows
  std::vector<MigrationInfo> pending;  // known but not applied, in order
};

// Brings the database at `dsn` up to the latest embedded version. Errors:
// - kUnavailable ("store.unavailable"): cannot connect;
// - kConflict ("store.migrations.checksum_mismatch"): an applied migration's SQL differs from
//   the one embedded here (someone edited a released migration);
// - kConflict ("store.migrations.newer_schema"): the database has versions this binary does not
//   know (a downgrade);
// - kInternal ("store.migrations.failed"): a migration failed; it was rolled back, earlier ones
//   stay applied. Error.detail has the server's message.
Result<MigrationReport> migrate(const std::string& dsn);

// Reads the state without changing anything (for `parleyd verify` and start-up checks). Reports
// the same kConflict errors as migrate() when the recorded history does not match this binary.
Result<MigrationStatus> migrationStatus(const std::string& dsn);

// The same against another list of migrations (increasing versions), for tests of the runner
// itself: failures, edits, upgrades from an older list.
using Migrations = std::span<const EmbeddedMigration>;
Result<MigrationReport> migrate(const std::string& dsn, Migrations known);
Result<MigrationStatus> migrationStatus(const std::string& dsn, Migrations known);

// Hex SHA-256 of a migration's SQL, as stored in schema_migrations.checksum.
std::string migrationChecksum(std::string_view sql);

}  // namespace parley::core::store::postgres
