#include "core/store/postgres/embedded_migrations.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/store/postgres/migrations.hpp"

namespace parley::core::store::postgres {
namespace {

std::vector<std::filesystem::path> sqlFiles() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::filesystem::path(PARLEY_SOURCE_DIR) / "schemas/sql")) {
    if (entry.path().extension() == ".sql") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string readFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(EmbeddedMigrationsTest, ListsEverySqlFileInVersionOrder) {
  const auto files = sqlFiles();
  const auto migrations = embeddedMigrations();
  ASSERT_EQ(migrations.size(), files.size());
  ASSERT_GE(migrations.size(), 3u);
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto& migration = migrations[i];
    EXPECT_EQ(migration.version, static_cast<int>(i) + 1) << "versions are consecutive from 1";
    char expectedName[128];
    std::snprintf(expectedName, sizeof expectedName, "%04d_%.*s.sql", migration.version,
                  static_cast<int>(migration.name.size()), migration.name.data());
    EXPECT_EQ(files[i].filename().string(), expectedName);
  }
}

TEST(EmbeddedMigrationsTest, EmbedsTheFilesByteForByte) {
  const auto files = sqlFiles();
  const auto migrations = embeddedMigrations();
  ASSERT_EQ(migrations.size(), files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    EXPECT_EQ(std::string(migrations[i].sql), readFile(files[i])) << files[i];
  }
}

TEST(EmbeddedMigrationsTest, InitialSchemaHasTheTablesLaterIssuesNeed) {
  std::string all;
  for (const auto& migration : embeddedMigrations()) all += migration.sql;
  for (const char* table : {"users",       "bots",         "sessions",   "user_access_tokens",
                            "teams",       "team_members", "channels",   "channel_members",
                            "posts",       "reactions",    "file_infos", "incoming_webhooks",
                            "preferences", "system",       "links",      "remote_users",
                            "outbox",      "inbox",        "id_map",     "audit_log"}) {
    EXPECT_NE(all.find(std::string("CREATE TABLE ") + table + " ("), std::string::npos) << table;
  }
  // Migrations run inside the runner's transaction: they must not manage their own. (A bare
  // "BEGIN" line is a PL/pgSQL block, which is fine.)
  for (const char* control : {"BEGIN;", "COMMIT;", "ROLLBACK;", "START TRANSACTION"}) {
    EXPECT_EQ(all.find(control), std::string::npos) << control;
  }
}

TEST(EmbeddedMigrationsTest, ChecksumIsHexSha256OfTheSql) {
  EXPECT_EQ(migrationChecksum(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(migrationChecksum("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace parley::core::store::postgres
