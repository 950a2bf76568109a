#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "core/store/postgres/connection.hpp"
#include "core/store/postgres/embedded_migrations.hpp"
#include "tests/integration/store/store_fixture.hpp"

namespace parley::core::store::postgres {
namespace {

using testing::StoreTest;

class MigrationsTest : public StoreTest {
 protected:
  // A direct connection for looking at what the migrations left behind.
  std::unique_ptr<Connection> connect() {
    auto connection = Connection::open(dsn_, {});
    EXPECT_TRUE(connection.ok()) << connection.error().detail;
    return connection.ok() ? std::move(*connection) : nullptr;
  }

  std::string query(const char* sql) {
    auto connection = connect();
    auto rows = connection->execScript(sql);
    EXPECT_TRUE(rows.ok()) << rows.error().detail;
    return rows.ok() && !rows->empty() ? rows->string(0, 0) : std::string();
  }

  // Migrates the test's database, then runs `sql` after a user u1 and a team t1 are in it.
  std::unique_ptr<Connection> migratedWith(const std::string& sql) {
    EXPECT_TRUE(migrate(dsn_).ok());
    auto connection = connect();
    if (connection == nullptr) return connection;
    const std::string script =
        "INSERT INTO users (id, username, email) VALUES ('u1', 'alice', 'alice@example.org');"
        "INSERT INTO teams (id, display_name, name) VALUES ('t1', 'Team', 'team');" +
        sql;
    auto done = connection->execScript(script.c_str());
    EXPECT_TRUE(done.ok()) << done.error().detail;
    return connection;
  }

  static int latest() { return embeddedMigrations().back().version; }
  static std::vector<int> allVersions() {
    std::vector<int> versions;
    for (const auto& m : embeddedMigrations()) versions.push_back(m.version);
    return versions;
  }
};

TEST_F(MigrationsTest, StatusOfAnEmptyDatabaseListsEveryMigrationAsPending) {
  auto status = migrationStatus(dsn_);
  ASSERT_TRUE(status.ok()) << status.error().detail;
  EXPECT_EQ(status->current, 0);
  EXPECT_EQ(status->latest, latest());
  ASSERT_EQ(status->pending.size(), embeddedMigrations().size());
  EXPECT_EQ(status->pending.front().version, 1);
  EXPECT_EQ(status->pending.front().name, "accounts");
}

TEST_F(MigrationsTest, AppliesEveryMigrationInOrderOnAnEmptyDatabase) {
  auto report = migrate(dsn_);
  ASSERT_TRUE(report.ok()) << report.error().message << " " << report.error().detail;
  EXPECT_EQ(report->applied, allVersions());
  EXPECT_EQ(report->current, latest());

  // Every table the next issues build on exists, and the history is recorded with checksums.
  for (const char* table : {"users",        "sessions",        "user_access_tokens",
                            "bots",         "teams",           "team_members",
                            "channels",     "channel_members", "posts",
                            "reactions",    "file_infos",      "incoming_webhooks",
                            "preferences",  "system",          "links",
                            "remote_users", "outbox",          "inbox",
                            "id_map",       "audit_log"}) {
    EXPECT_EQ(query(("SELECT to_regclass('" + std::string(table) + "') IS NOT NULL").c_str()), "t")
        << table;
  }
  EXPECT_EQ(query("SELECT count(*) FROM schema_migrations"),
            std::to_string(embeddedMigrations().size()));
  EXPECT_EQ(query("SELECT checksum FROM schema_migrations WHERE version = 1"),
            migrationChecksum(embeddedMigrations().front().sql));

  auto status = migrationStatus(dsn_);
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(status->pending.empty());
  EXPECT_EQ(status->current, latest());
}

TEST_F(MigrationsTest, RunningAgainAppliesNothing) {
  ASSERT_TRUE(migrate(dsn_).ok());
  const auto appliedAt = query("SELECT string_agg(applied_at::text, ',') FROM schema_migrations");
  auto again = migrate(dsn_);
  ASSERT_TRUE(again.ok()) << again.error().detail;
  EXPECT_TRUE(again->applied.empty());
  EXPECT_EQ(again->current, latest());
  EXPECT_EQ(query("SELECT string_agg(applied_at::text, ',') FROM schema_migrations"), appliedAt);
}

TEST_F(MigrationsTest, TwoConcurrentRunsBothSucceedAndApplyEachMigrationOnce) {
  Result<MigrationReport> first = makeError(ErrorCode::kInternal, "", "not run");
  Result<MigrationReport> second = makeError(ErrorCode::kInternal, "", "not run");
  std::thread a([&] { first = migrate(dsn_); });
  std::thread b([&] { second = migrate(dsn_); });
  a.join();
  b.join();
  ASSERT_TRUE(first.ok()) << first.error().message << " " << first.error().detail;
  ASSERT_TRUE(second.ok()) << second.error().message << " " << second.error().detail;
  std::vector<int> applied = first->applied;
  applied.insert(applied.end(), second->applied.begin(), second->applied.end());
  std::sort(applied.begin(), applied.end());
  EXPECT_EQ(applied, allVersions()) << "each migration applied by exactly one of the two";
  EXPECT_EQ(first->current, latest());
  EXPECT_EQ(second->current, latest());
  EXPECT_EQ(query("SELECT count(*) FROM schema_migrations"),
            std::to_string(embeddedMigrations().size()));
}

TEST_F(MigrationsTest, AnEditedMigrationIsReportedByMigrateAndStatus) {
  ASSERT_TRUE(migrate(dsn_).ok());
  query("UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 2 RETURNING version");

  auto report = migrate(dsn_);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ErrorCode::kConflict);
  EXPECT_EQ(report.error().id, "store.migrations.checksum_mismatch");
  EXPECT_NE(report.error().message.find("0002_messaging"), std::string::npos)
      << report.error().message;
  EXPECT_NE(report.error().detail.find("tampered"), std::string::npos);

  auto status = migrationStatus(dsn_);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().id, "store.migrations.checksum_mismatch");
}

TEST_F(MigrationsTest, ADatabaseFromANewerParleydIsRefused) {
  ASSERT_TRUE(migrate(dsn_).ok());
  query("INSERT INTO schema_migrations VALUES (9999, 'from_the_future', 'x', 0) RETURNING version");
  auto report = migrate(dsn_);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ErrorCode::kConflict);
  EXPECT_EQ(report.error().id, "store.migrations.newer_schema");
  EXPECT_NE(report.error().message.find("9999_from_the_future"), std::string::npos)
      << report.error().message;
  auto status = migrationStatus(dsn_);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().id, "store.migrations.newer_schema");
}

TEST_F(MigrationsTest, AnUpgradeAppliesOnlyTheNewMigrations) {
  const auto all = embeddedMigrations();
  auto older = migrate(dsn_, all.first(all.size() - 1));
  ASSERT_TRUE(older.ok()) << older.error().detail;
  auto status = migrationStatus(dsn_);
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(status->pending.size(), 1u);
  EXPECT_EQ(status->pending.front().version, latest());

  auto upgraded = migrate(dsn_);
  ASSERT_TRUE(upgraded.ok()) << upgraded.error().detail;
  EXPECT_EQ(upgraded->applied, std::vector<int>{latest()});
}

TEST_F(MigrationsTest, AFailingMigrationIsRolledBackAndNamed) {
  using namespace std::string_view_literals;
  const EmbeddedMigration broken[] = {
      {1, "first", "CREATE TABLE first_table (x integer);"sv},
      {2, "second", "CREATE TABLE second_table (x integer); SELECT * FROM no_such_table;"sv},
  };
  auto report = migrate(dsn_, broken);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ErrorCode::kInternal);
  EXPECT_EQ(report.error().id, "store.migrations.failed");
  EXPECT_NE(report.error().message.find("0002_second"), std::string::npos)
      << report.error().message;
  EXPECT_NE(report.error().detail.find("no_such_table"), std::string::npos)
      << report.error().detail;
  EXPECT_EQ(query("SELECT to_regclass('first_table') IS NOT NULL"), "t");
  EXPECT_EQ(query("SELECT to_regclass('second_table') IS NOT NULL"), "f") << "rolled back";
  EXPECT_EQ(query("SELECT string_agg(version::text, ',') FROM schema_migrations"), "1");

  const EmbeddedMigration fixed[] = {broken[0],
                                     {2, "second", "CREATE TABLE second_table (x integer);"sv}};
  auto retried = migrate(dsn_, fixed);
  ASSERT_TRUE(retried.ok()) << retried.error().detail;
  EXPECT_EQ(retried->applied, std::vector<int>{2});
}

TEST_F(MigrationsTest, AnUnreachableDatabaseIsUnavailable) {
  auto report = migrate("postgresql:///parley?host=/nonexistent-parley-socket&port=1");
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ErrorCode::kUnavailable);
  auto status = migrationStatus("postgresql:///parley?host=/nonexistent-parley-socket&port=1");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
}

TEST_F(MigrationsTest, SchemaKeepsThreadCountersAndTheAuditLogAppendOnly) {
  auto connection = migratedWith(
      "INSERT INTO channels (id, team_id, type, name) VALUES ('c1', 't1', 'O', 'town-square');"
      "INSERT INTO posts (id, user_id, channel_id, create_at, message) "
      "  VALUES ('root', 'u1', 'c1', 100, 'deployment finished');"
      "INSERT INTO posts (id, user_id, channel_id, root_id, create_at) VALUES "
      "  ('r1', 'u1', 'c1', 'root', 200), ('r2', 'u1', 'c1', 'root', 300);"
      "UPDATE posts SET delete_at = 400 WHERE id = 'r2';");
  ASSERT_NE(connection, nullptr);
  EXPECT_EQ(query("SELECT reply_count || ',' || last_reply_at FROM posts WHERE id = 'root'"),
            "1,200");
  EXPECT_EQ(query("SELECT id FROM posts WHERE message_tsv @@ to_tsquery('english', 'deploy')"),
            "root");

  ASSERT_TRUE(connection
                  ->execScript("INSERT INTO audit_log (time, subject, resource, action, decision) "
                               "VALUES (1, 'u1', 'post:root', 'message.egress', 'deny')")
                  .ok());
  auto update = connection->execScript("UPDATE audit_log SET decision = 'permit'");
  ASSERT_FALSE(update.ok());
  EXPECT_NE(update.error().detail.find("append-only"), std::string::npos) << update.error().detail;
  EXPECT_FALSE(connection->execScript("DELETE FROM audit_log").ok());
  EXPECT_EQ(query("SELECT decision FROM audit_log"), "deny");
}

TEST_F(MigrationsTest, APostsIdMapRowsGoWithThePostAlsoWhenItsChannelGoes) {
  auto connection = migratedWith(
      "INSERT INTO channels (id, team_id, type, name) VALUES ('c1', 't1', 'O', 'town'),"
      "  ('c2', 't1', 'O', 'ops');"
      "INSERT INTO posts (id, user_id, channel_id) VALUES ('p1', 'u1', 'c1'),"
      "  ('p2', 'u1', 'c1'), ('p3', 'u1', 'c2');"
      "INSERT INTO id_map (post_id, part, bridge, remote_room, remote_event_id) VALUES"
      "  ('p1', 0, 'xmpp', 'town@x', 'e1'), ('p1', 1, 'xmpp', 'town@x', 'e1-file'),"
      "  ('p1', 0, 'matrix', '!r:x', '$e1'), ('p2', 0, 'xmpp', 'town@x', 'e2'),"
      "  ('p3', 0, 'xmpp', 'ops@x', 'e3');");
  ASSERT_NE(connection, nullptr);

  ASSERT_TRUE(connection->execScript("DELETE FROM posts WHERE id = 'p1'").ok());
  EXPECT_EQ(query("SELECT string_agg(post_id || '/' || remote_event_id, ',' ORDER BY post_id)"
                  " FROM id_map"),
            "p2/e2,p3/e3");
  // A channel's deletion cascades to its posts, and on to their id map rows.
  ASSERT_TRUE(connection->execScript("DELETE FROM channels WHERE id = 'c2'").ok());
  EXPECT_EQ(query("SELECT string_agg(id, ',') FROM posts"), "p2");
  EXPECT_EQ(query("SELECT string_agg(post_id || '/' || remote_event_id, ',') FROM id_map"),
            "p2/e2");
}

TEST_F(MigrationsTest, AnOutboxRowGoesWithItsPostAndWithItsLink) {
  auto connection = migratedWith(
      "INSERT INTO channels (id, team_id, type, name) VALUES ('c1', 't1', 'O', 'town');"
      "INSERT INTO posts (id, user_id, channel_id) VALUES ('p1', 'u1', 'c1'),"
      "  ('p2', 'u1', 'c1'), ('p3', 'u1', 'c1');"
      "INSERT INTO links (id, channel_id, bridge, remote_room) VALUES"
      "  ('l1', 'c1', 'xmpp', 'town@x'), ('l2', 'c1', 'matrix', '!r:x');"
      "INSERT INTO outbox (link_id, kind, post_id, txn_id, state) VALUES"
      "  ('l1', 'post', 'p1', 't1', 'pending'), ('l2', 'post', 'p1', 't2', 'denied'),"
      "  ('l1', 'post', 'p2', 't3', 'pending'), ('l2', 'edit', 'p2', 't4', 'failed'),"
      "  ('l2', 'post', 'p3', 't5', 'pending');");
  ASSERT_NE(connection, nullptr);
  const char* const kRows = "SELECT string_agg(txn_id, ',' ORDER BY txn_id) FROM outbox";

  ASSERT_TRUE(connection->execScript("DELETE FROM posts WHERE id = 'p1'").ok());
  EXPECT_EQ(query(kRows), "t3,t4,t5");
  // A link's rows go with it whatever their state; the other link's stay.
  ASSERT_TRUE(connection->execScript("DELETE FROM links WHERE id = 'l2'").ok());
  EXPECT_EQ(query(kRows), "t3");
  // A channel's deletion cascades to its posts and links, and on to their rows.
  ASSERT_TRUE(connection->execScript("DELETE FROM channels WHERE id = 'c1'").ok());
  EXPECT_EQ(query("SELECT count(*) FROM outbox"), "0");
}

// A post's keys to its channel and author are statement triggers (migration 0015): a channel
// takes its posts along when it goes, and an author of posts cannot be deleted.
TEST_F(MigrationsTest, APostGoesWithItsChannelAndKeepsItsAuthor) {
  auto connection = migratedWith(
      "INSERT INTO users (id, username, email) VALUES ('u2', 'bob', 'bob@example.org'),"
      "  ('u3', 'carol', 'carol@example.org');"
      "INSERT INTO channels (id, team_id, type, name) VALUES ('c1', 't1', 'O', 'town'),"
      "  ('c2', 't1', 'O', 'ops');"
      "INSERT INTO posts (id, user_id, channel_id) VALUES ('p1', 'u1', 'c1'),"
      "  ('p2', 'u2', 'c1'), ('p3', 'u2', 'c2');"
      "INSERT INTO posts (id, user_id, channel_id, root_id) VALUES ('r1', 'u1', 'c2', 'p3');");
  ASSERT_NE(connection, nullptr);

  // A channel's deletion takes its posts, a thread's root and replies together.
  ASSERT_TRUE(connection->execScript("DELETE FROM channels WHERE id = 'c2'").ok());
  EXPECT_EQ(query("SELECT string_agg(id, ',' ORDER BY id) FROM posts"), "p1,p2");

  // An author of posts stays, whoever else goes in the same statement.
  auto refused = connection->execScript("DELETE FROM users WHERE id IN ('u2', 'u3')");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().detail.find("wrote posts"), std::string::npos)
      << refused.error().detail;
  EXPECT_EQ(query("SELECT string_agg(id, ',' ORDER BY id) FROM users"), "u1,u2,u3");
  // A user with no posts may go.
  ASSERT_TRUE(connection->execScript("DELETE FROM users WHERE id = 'u3'").ok());
  EXPECT_EQ(query("SELECT string_agg(id, ',' ORDER BY id) FROM users"), "u1,u2");
}

}  // namespace
}  // namespace parley::core::store::postgres
