#pragma once
// Shared by the bridge framework's integration tests: a migrated database with a team, two
// users, a channel linked to two rooms on the "test" bridge (both directions) and one room it
// only hears from (inbound), and helpers to post and to read the outbox with SQL.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/services/post_service.hpp"
#include "core/store/postgres/connection.hpp"
#include "tests/integration/store/store_fixture.hpp"

namespace parley::testing {

inline constexpr const char* kAlice = "aliceuseraaaaaaaaaaaaaaaaa";
inline constexpr const char* kBob = "bobuseraaaaaaaaaaaaaaaaaaa";
inline constexpr const char* kLinked = "linkedaaaaaaaaaaaaaaaaaaaa";
inline constexpr const char* kPlain = "plainaaaaaaaaaaaaaaaaaaaaa";
inline constexpr const char* kLinkA = "linkaaaaaaaaaaaaaaaaaaaaaa";
inline constexpr const char* kLinkB = "linkbbbbbbbbbbbbbbbbbbbbbb";
inline constexpr const char* kLinkIn = "linkinaaaaaaaaaaaaaaaaaaaa";
inline constexpr const char* kRoomA = "ops@rooms.partner-a.example";
inline constexpr const char* kRoomB = "ops@rooms.partner-b.example";
inline constexpr const char* kRoomIn = "news@rooms.partner-a.example";

inline constexpr const char* kBridgeFixture = R"sql(
INSERT INTO users (id, username, email, roles) VALUES
  ('aliceuseraaaaaaaaaaaaaaaaa', 'alice', 'alice@example.org', 'system_user system_admin'),
  ('bobuseraaaaaaaaaaaaaaaaaaa', 'bob', 'bob@example.org', 'system_user');
INSERT INTO teams (id, display_name, name) VALUES ('teamaaaaaaaaaaaaaaaaaaaaaa', 'Ops', 'ops');
INSERT INTO team_members (team_id, user_id, scheme_user, scheme_guest) VALUES
  ('teamaaaaaaaaaaaaaaaaaaaaaa', 'aliceuseraaaaaaaaaaaaaaaaa', true, false),
  ('teamaaaaaaaaaaaaaaaaaaaaaa', 'bobuseraaaaaaaaaaaaaaaaaaa', true, false);
INSERT INTO channels (id, team_id, type, display_name, name, delete_at) VALUES
  ('linkedaaaaaaaaaaaaaaaaaaaa', 'teamaaaaaaaaaaaaaaaaaaaaaa', 'O', 'Linked', 'linked', 0),
  ('plainaaaaaaaaaaaaaaaaaaaaa', 'teamaaaaaaaaaaaaaaaaaaaaaa', 'O', 'Plain', 'plain', 0);
INSERT INTO channel_members (channel_id, user_id, scheme_user, scheme_guest) VALUES
  ('linkedaaaaaaaaaaaaaaaaaaaa', 'aliceuseraaaaaaaaaaaaaaaaa', true, false),
  ('linkedaaaaaaaaaaaaaaaaaaaa', 'bobuseraaaaaaaaaaaaaaaaaaa', true, false),
  ('plainaaaaaaaaaaaaaaaaaaaaa', 'aliceuseraaaaaaaaaaaaaaaaa', true, false);
INSERT INTO links (id, channel_id, bridge, remote_room, direction, create_at) VALUES
  ('linkaaaaaaaaaaaaaaaaaaaaaa', 'linkedaaaaaaaaaaaaaaaaaaaa', 'test',
   'ops@rooms.partner-a.example', 'both', 1),
  ('linkbbbbbbbbbbbbbbbbbbbbbb', 'linkedaaaaaaaaaaaaaaaaaaaa', 'test',
   'ops@rooms.partner-b.example', 'both', 2),
  ('linkinaaaaaaaaaaaaaaaaaaaa', 'linkedaaaaaaaaaaaaaaaaaaaa', 'test',
   'news@rooms.partner-a.example', 'inbound', 3);
)sql";

class BridgeTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    migrateOrFail();
    auto connection = core::store::postgres::Connection::open(dsn_, {});
    ASSERT_TRUE(connection.ok()) << connection.error().detail;
    sql_ = std::move(*connection);
    auto written = sql_->execScript(kBridgeFixture);
    ASSERT_TRUE(written.ok()) << written.error().detail;
    clock_->advance(std::chrono::milliseconds(1'700'000'000'000));
    openPool();
  }

  core::model::User user(const char* id) {
    auto found = runSync(*database_, [id](core::store::Store& s) { return s.users().getById(id); });
    EXPECT_TRUE(found.ok());
    return found.ok() ? *found : core::model::User{};
  }

  core::Result<core::model::Post> post(const char* author, const char* channel, std::string message,
                                       std::string rootId = {}) {
    core::model::Post draft;
    draft.channelId = channel;
    draft.message = std::move(message);
    draft.rootId = std::move(rootId);
    const core::model::User who = user(author);
    return runSync(*database_, [&](core::store::Store& s) {
      return core::services::createPost(s, who, draft);
    });
  }

  // The rows of `sql`, each row's columns joined with '|'.
  std::vector<std::string> rows(const char* sql) {
    std::vector<std::string> out;
    auto result = sql_->execScript(sql);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().detail);
    if (!result.ok()) return out;
    for (int row = 0; row < result->size(); ++row) {
      std::string line;
      for (int col = 0; col < result->columns(); ++col) {
        if (col > 0) line += '|';
        line += result->string(row, col);
      }
      out.push_back(line);
    }
    return out;
  }

  std::string scalar(const char* sql) {
    const auto all = rows(sql);
    return all.empty() ? "" : all.front();
  }
  std::string scalar(const std::string& sql) { return scalar(sql.c_str()); }

  std::unique_ptr<core::store::postgres::Connection> sql_;
};

}  // namespace parley::testing
