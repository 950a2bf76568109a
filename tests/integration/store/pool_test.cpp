#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "core/common/asio.hpp"
#include "core/model/id.hpp"
#include "core/store/postgres/pg_store.hpp"
#include "tests/integration/store/store_fixture.hpp"

namespace parley::core::store::postgres {
namespace {

using testing::eventually;
using testing::runSync;
using testing::StoreTest;

model::User makeUser(std::string username, std::string email) {
  model::User user;
  user.id = model::newId();
  user.username = std::move(username);
  user.email = std::move(email);
  user.createAt = user.updateAt = 1'700'000'000'000;
  return user;
}

class PoolTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    migrateOrFail();
    openPool();
  }

  Result<std::optional<std::string>> systemValue(std::string key) {
    return runSync(*database_, [&](Store& store) { return store.system().get(key); });
  }
};

TEST_F(PoolTest, PingAnswersAndStatsCountTheWork) {
  auto pinged = runSync(*database_, [](Store& store) { return store.ping(); });
  ASSERT_TRUE(pinged.ok()) << pinged.error().detail;
  // The result arrives from inside the job; the worker counts it just after.
  ASSERT_TRUE(eventually([&] { return database_->stats().completed >= 1; }));
  const auto stats = database_->stats();
  EXPECT_EQ(stats.size, 2u);
  EXPECT_GE(stats.connected, 1u);
  EXPECT_EQ(stats.busy, 0u);
  EXPECT_EQ(stats.queued, 0u);
  EXPECT_GE(stats.completed, 1u);
  EXPECT_EQ(stats.reconnects, 0u);
  EXPECT_GE(stats.roundTrips, 2u) << "the session's settings, then the ping";
}

TEST_F(PoolTest, SessionsRunInUtcWithTheConfiguredStatementTimeout) {
  constexpr Statement kShow{"test_show_settings",
                            "SELECT current_setting('TimeZone'), "
                            "current_setting('statement_timeout')"};
  auto rows =
      runSync(*database_, [&](Store& store) { return dynamic_cast<PgStore&>(store).exec(kShow); });
  ASSERT_TRUE(rows.ok()) << rows.error().detail;
  EXPECT_EQ(rows->string(0, 0), "UTC");
  EXPECT_EQ(rows->string(0, 1), "30s");  // DatabaseConfig's default
}

TEST_F(PoolTest, AStatementOverTheTimeoutIsCancelledAsUnavailable) {
  database_->stop();
  core::config::DatabaseConfig config;
  config.dsn = dsn_;
  config.poolSize = 1;
  config.statementTimeout = std::chrono::milliseconds(200);
  database_ = openDatabase(config, clock_);
  constexpr Statement kSleep{"test_sleep", "SELECT pg_sleep(5)"};
  const auto started = std::chrono::steady_clock::now();
  auto slept =
      runSync(*database_, [&](Store& store) { return dynamic_cast<PgStore&>(store).exec(kSleep); });
  ASSERT_FALSE(slept.ok());
  EXPECT_EQ(slept.error().code, ErrorCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  // The connection survives a cancelled statement.
  EXPECT_TRUE(runSync(*database_, [](Store& store) { return store.ping(); }).ok());
}

TEST_F(PoolTest, TransactionCommitsWhenTheBodySucceeds) {
  auto done = runSync(*database_, [](Store& store) {
    return store.transaction([](Store& tx) { return tx.system().set("color", "blue"); });
  });
  ASSERT_TRUE(done.ok()) << done.error().detail;
  auto value = systemValue("color");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value->value_or("<none>"), "blue");
}

TEST_F(PoolTest, TransactionRollsBackWhenTheBodyFails) {
  auto done = runSync(*database_, [](Store& store) {
    return store.transaction([](Store& tx) -> Status {
      if (auto set = tx.system().set("color", "red"); !set) return set;
      return makeError(ErrorCode::kInvalidArgument, "test.abort", "changed my mind");
    });
  });
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().id, "test.abort");
  auto value = systemValue("color");
  ASSERT_TRUE(value.ok());
  EXPECT_FALSE(value->has_value());
}

TEST_F(PoolTest, NestedTransactionsJoinTheOuterOne) {
  auto done = runSync(*database_, [](Store& store) {
    return store.transaction([](Store& outer) -> Status {
      if (auto set = outer.system().set("outer", "1"); !set) return set;
      auto inner = outer.transaction([](Store& tx) { return tx.system().set("inner", "1"); });
      if (!inner) return inner;
      return makeError(ErrorCode::kConflict, "test.abort", "roll back everything");
    });
  });
  ASSERT_FALSE(done.ok());
  ASSERT_TRUE(systemValue("outer").ok());
  EXPECT_FALSE(systemValue("outer")->has_value());
  EXPECT_FALSE(systemValue("inner")->has_value()) << "the inner part was not committed alone";
}

TEST_F(PoolTest, ATransactionWhoseStatementFailedIsNotReportedAsCommitted) {
  const auto existing = makeUser("taken", "taken@example.org");
  ASSERT_TRUE(
      runSync(*database_, [&](Store& store) { return store.users().create(existing); }).ok());
  auto done = runSync(*database_, [&](Store& store) {
    return store.transaction([&](Store& tx) -> Status {
      (void)tx.system().set("written", "yes");
      (void)tx.users().create(makeUser("taken", "other@example.org"));  // fails; ignored
      return {};
    });
  });
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().id, "store.transaction.rolled_back");
  EXPECT_FALSE(systemValue("written")->has_value());
}

// A transaction's BEGIN travels with its first statement (one round trip): that statement is
// still inside the transaction, whether it is new to the connection or not, and a failing
// first statement leaves the connection ready for the next transaction.
TEST_F(PoolTest, ATransactionsFirstStatementRunsInsideIt) {
  database_->stop();
  openPool(1);
  const core::store::DatabasePtr elsewhere = database_;  // another session
  openPool(1);                               // the test's transactions, all on one connection
  for (int round = 0; round < 2; ++round) {  // the statement new to the connection, then not
    bool visibleBeforeCommit = true;
    auto done = runSync(*database_, [&](Store& store) {
      return store.transaction([&](Store& tx) -> Status {
        if (auto set = tx.system().set("first", "1"); !set) return set;
        visibleBeforeCommit = runSync(*elsewhere, [](Store& s) { return s.system().get("first"); })
                                  .value()
                                  .has_value();
        return makeError(ErrorCode::kInvalidArgument, "test.abort", "changed my mind");
      });
    });
    ASSERT_FALSE(done.ok());
    EXPECT_FALSE(visibleBeforeCommit) << "round " << round << ": not committed on its own";
    EXPECT_FALSE(systemValue("first")->has_value()) << "round " << round << ": rolled back";
  }

  const auto taken = makeUser("first", "first@example.org");
  ASSERT_TRUE(runSync(*database_, [&](Store& store) { return store.users().create(taken); }).ok());
  auto failed = runSync(*database_, [&](Store& store) {
    return store.transaction([&](Store& tx) -> Status {
      if (auto created = tx.users().create(makeUser("first", "x@example.org")); !created) {
        return created;
      }
      return tx.system().set("after", "1");
    });
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().id, "app.user.save.username_exists.app_error");
  auto empty = runSync(
      *database_, [](Store& store) { return store.transaction([](Store&) { return Status{}; }); });
  EXPECT_TRUE(empty.ok()) << "a transaction with no statement commits nothing, and succeeds";
  auto next = runSync(*database_, [](Store& store) {
    return store.transaction([](Store& tx) { return tx.system().set("after", "2"); });
  });
  ASSERT_TRUE(next.ok()) << next.error().detail;
  EXPECT_EQ(systemValue("after")->value_or(""), "2") << "the connection is usable again";
  elsewhere->stop();
}

// A deferred write (Connection::defer) reaches the server with the transaction's next
// statement or its COMMIT, in one pipeline: it is inside the transaction, in its order, rolls
// back with it, and a failure is reported by the statement or the COMMIT it travelled with.
TEST_F(PoolTest, DeferredWritesTravelWithTheNextStatementOrTheCommit) {
  constexpr Statement kInsert{"test_deferred_insert",
                              "INSERT INTO system (name, value) VALUES ($1, $2)"};
  constexpr Statement kCount{"test_deferred_count",
                             "SELECT count(*) FROM system WHERE name LIKE 'deferred%'"};
  database_->stop();
  openPool(1);
  const core::store::DatabasePtr elsewhere = database_;  // another session
  openPool(1);  // the test's transactions, all on one connection
  const auto pg = [](Store& store) -> PgStore& { return dynamic_cast<PgStore&>(store); };
  const auto countElsewhere = [&] {
    return runSync(*elsewhere, [&](Store& s) { return pg(s).exec(kCount); })->int64(0, 0);
  };

  // The pool counts each wait for the server (one job ran when its count is in).
  ASSERT_TRUE(runSync(*database_, [](Store& store) { return store.ping(); }).ok());
  const auto roundTripsAfter = [&](std::uint64_t jobs) {
    EXPECT_TRUE(eventually([&] { return database_->stats().completed >= jobs; }));
    return database_->stats().roundTrips;
  };
  const std::uint64_t roundTripsBefore = roundTripsAfter(1);

  // Two deferred writes (the statement new to the connection, then prepared), then a read in
  // the same transaction: it sees both, nobody else does before the COMMIT.
  std::int64_t seenInside = -1;
  std::int64_t seenElsewhereBeforeCommit = -1;
  auto done = runSync(*database_, [&](Store& store) {
    return store.transaction([&](Store& tx) -> Status {
      if (auto a = pg(tx).defer(kInsert, Params().add("deferred-a").add("1")); !a) return a;
      if (auto b = pg(tx).defer(kInsert, Params().add("deferred-b").add("2")); !b) return b;
      seenElsewhereBeforeCommit = countElsewhere();
      auto count = pg(tx).exec(kCount);
      if (!count) return std::move(count).error();
      seenInside = count->int64(0, 0);
      return pg(tx).defer(kInsert, Params().add("deferred-c").add("3"));  // goes with COMMIT
    });
  });
  ASSERT_TRUE(done.ok()) << done.error().detail;
  EXPECT_EQ(seenElsewhereBeforeCommit, 0) << "nothing is sent before the next statement";
  EXPECT_EQ(seenInside, 2) << "the deferred writes ran before the statement they went with";
  EXPECT_EQ(countElsewhere(), 3) << "the last one went with the COMMIT";
  EXPECT_EQ(roundTripsAfter(2) - roundTripsBefore, 2U)
      << "BEGIN, the writes, their statements' preparation and the read in one pipeline; the "
         "last write with the COMMIT in another";

  // A deferred write that fails: the COMMIT reports its own error and nothing is written.
  auto failed = runSync(*database_, [&](Store& store) {
    return store.transaction([&](Store& tx) -> Status {
      if (auto d = pg(tx).defer(kInsert, Params().add("deferred-d").add("4")); !d) return d;
      return pg(tx).defer(kInsert, Params().add("deferred-a").add("again"));  // taken
    });
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kConflict) << failed.error().detail;
  EXPECT_EQ(countElsewhere(), 3) << "the whole transaction rolled back";

  // ... or the statement it went with reports it, whose own work is not done either.
  auto failedEarly = runSync(*database_, [&](Store& store) {
    return store.transaction([&](Store& tx) -> Status {
      if (auto d = pg(tx).defer(kInsert, Params().add("deferred-b").add("again")); !d) return d;
      return tx.system().set("deferred-e", "5");
    });
  });
  ASSERT_FALSE(failedEarly.ok());
  EXPECT_EQ(failedEarly.error().code, ErrorCode::kConflict);
  EXPECT_FALSE(systemValue("deferred-e")->has_value());

  // A body that gives up drops what it deferred: nothing was sent.
  auto abandoned = runSync(*database_, [&](Store& store) {
    return store.transaction([&](Store& tx) -> Status {
      (void)pg(tx).defer(kInsert, Params().add("deferred-f").add("6"));
      return makeError(ErrorCode::kInvalidArgument, "test.abort", "changed my mind");
    });
  });
  ASSERT_FALSE(abandoned.ok());
  EXPECT_EQ(countElsewhere(), 3);

  // Outside a transaction a deferred write runs at once and reports its own failure.
  auto alone = runSync(*database_, [&](Store& store) {
    return pg(store).defer(kInsert, Params().add("deferred-g").add("7"));
  });
  ASSERT_TRUE(alone.ok()) << alone.error().detail;
  EXPECT_EQ(countElsewhere(), 4);
  auto aloneTaken = runSync(*database_, [&](Store& store) {
    return pg(store).defer(kInsert, Params().add("deferred-g").add("again"));
  });
  ASSERT_FALSE(aloneTaken.ok());
  EXPECT_EQ(aloneTaken.error().code, ErrorCode::kConflict);

  // After all that the connection is in a clean state.
  ASSERT_TRUE(runSync(*database_, [](Store& store) {
                return store.transaction([](Store& tx) { return tx.system().set("after", "ok"); });
              }).ok());
  EXPECT_EQ(systemValue("after")->value_or(""), "ok");
  elsewhere->stop();
}

// Rows deferred in a transaction (Connection::deferRow) join the earlier rows of their
// statement while only other rows came between, and go as one statement: each statement's rows
// in their order, any value intact. Another deferred statement keeps its place; outside a
// transaction a row is written at once; one bad row fails the transaction with nothing written.
TEST_F(PoolTest, RowsDeferredTogetherGoAsOneStatementEachInTheirOrder) {
  ASSERT_TRUE(runSync(*database_, [](Store& store) -> Status {
                auto made = dynamic_cast<PgStore&>(store).connection()->execScript(R"sql(
    CREATE TABLE rows_a (n serial PRIMARY KEY, v text UNIQUE);
    CREATE TABLE rows_b (n serial PRIMARY KEY, v text);
    CREATE TABLE row_statements (tbl text PRIMARY KEY, statements integer NOT NULL);
    CREATE FUNCTION count_row_statements() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      INSERT INTO row_statements VALUES (TG_TABLE_NAME, 1)
        ON CONFLICT (tbl) DO UPDATE SET statements = row_statements.statements + 1;
      RETURN NULL; END $$;
    CREATE TRIGGER a_statements AFTER INSERT ON rows_a
      FOR EACH STATEMENT EXECUTE FUNCTION count_row_statements();
    CREATE TRIGGER b_statements AFTER INSERT ON rows_b
      FOR EACH STATEMENT EXECUTE FUNCTION count_row_statements();)sql");
                return made ? Status() : Status(std::move(made).error());
              }).ok());
  constexpr RowsStatement kRowA{
      {"test_row_a", "INSERT INTO rows_a (v) VALUES ($1)"},
      {"test_row_a_many",
       "INSERT INTO rows_a (v) SELECT v FROM unnest($1::text[]) WITH ORDINALITY AS r(v, k)"
       " ORDER BY k"}};
  constexpr RowsStatement kRowB{
      {"test_row_b", "INSERT INTO rows_b (v) VALUES ($1)"},
      {"test_row_b_many",
       "INSERT INTO rows_b (v) SELECT v FROM unnest($1::text[]) WITH ORDINALITY AS r(v, k)"
       " ORDER BY k"}};
  constexpr Statement kPlain{"test_row_plain", "INSERT INTO rows_b (v) VALUES ('plain')"};
  const auto pg = [](Store& store) -> PgStore& { return dynamic_cast<PgStore&>(store); };
  const auto read = [&](const char* sql) {
    auto rows = runSync(*database_, [&](Store& s) { return pg(s).connection()->execScript(sql); });
    EXPECT_TRUE(rows.ok());
    return rows.ok() && !rows->empty() && !rows->isNull(0, 0) ? rows->string(0, 0) : "";
  };
  const auto statements = [&] {
    return read(
        "SELECT string_agg(tbl || ' ' || statements, ', ' ORDER BY tbl)"
        " FROM row_statements");
  };
  const std::string awkward = "say \"hi\" {to} a\\b, c\nNULL";

  auto together = runSync(*database_, [&](Store& store) {
    return store.transaction([&](Store& tx) -> Status {
      for (const auto& [statement, value] :
           std::vector<std::pair<const RowsStatement*, Params>>{{&kRowA, Params().add("a1")},
                                                                {&kRowB, Params().add("b1")},
                                                                {&kRowA, Params().add(awkward)},
                                                                {&kRowB, Params().addNull()},
                                                                {&kRowA, Params().add("a3")}}) {
        if (auto deferred = pg(tx).deferRow(*statement, value); !deferred) return deferred;
      }
      return {};
    });
  });
  ASSERT_TRUE(together.ok()) << together.error().detail;
  EXPECT_EQ(statements(), "rows_a 1, rows_b 1");
  EXPECT_EQ(read("SELECT string_agg(v, '|' ORDER BY n) FROM rows_a"), "a1|" + awkward + "|a3");
  EXPECT_EQ(read("SELECT string_agg(coalesce(v, 'null'), '|' ORDER BY n) FROM rows_b"), "b1|null");

  auto split = runSync(*database_, [&](Store& store) {
    return store.transaction([&](Store& tx) -> Status {
      if (auto a = pg(tx).deferRow(kRowA, Params().add("c1")); !a) return a;
      if (auto plain = pg(tx).defer(kPlain); !plain) return plain;
      return pg(tx).deferRow(kRowA, Params().add("c2"));
    });
  });
  ASSERT_TRUE(split.ok()) << split.error().detail;
  EXPECT_EQ(statements(), "rows_a 3, rows_b 2") << "a plain statement between: two of rows_a";
  EXPECT_EQ(read("SELECT string_agg(v, '|' ORDER BY n) FROM rows_a WHERE v LIKE 'c%'"), "c1|c2");

  ASSERT_TRUE(runSync(*database_, [&](Store& s) {
                return pg(s).deferRow(kRowA, Params().add("alone"));
              }).ok());
  EXPECT_EQ(read("SELECT count(*) FROM rows_a WHERE v = 'alone'"), "1") << "written at once";

  auto failed = runSync(*database_, [&](Store& store) {
    return store.transaction([&](Store& tx) -> Status {
      if (auto a = pg(tx).deferRow(kRowA, Params().add("d1")); !a) return a;
      return pg(tx).deferRow(kRowA, Params().add("a1"));  // taken
    });
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kConflict) << failed.error().detail;
  EXPECT_EQ(read("SELECT count(*) FROM rows_a WHERE v = 'd1'"), "0");
}

// A row never goes ahead of a row of a lower-ranked statement deferred before it (one it may
// reference: an outbox row its post): after a read sent the first parent alone, its child
// stays behind the next parent, which is then the only statement of its rank to join.
TEST_F(PoolTest, ARowDeferredTogetherNeverGoesAheadOfARowItMayReference) {
  const auto pg = [](Store& store) -> PgStore& { return dynamic_cast<PgStore&>(store); };
  ASSERT_TRUE(runSync(*database_, [&](Store& store) -> Status {
                auto made = pg(store).connection()->execScript(R"sql(
    CREATE TABLE rank_parents (v text PRIMARY KEY);
    CREATE TABLE rank_children (n serial PRIMARY KEY, v text NOT NULL REFERENCES rank_parents);)sql");
                return made ? Status() : Status(std::move(made).error());
              }).ok());
  constexpr RowsStatement kParent{
      {"test_rank_parent", "INSERT INTO rank_parents (v) VALUES ($1)"},
      {"test_rank_parent_many", "INSERT INTO rank_parents (v) SELECT unnest($1::text[])"}};
  constexpr RowsStatement kChild{
      {"test_rank_child", "INSERT INTO rank_children (v) VALUES ($1)"},
      {"test_rank_child_many",
       "INSERT INTO rank_children (v) SELECT v FROM unnest($1::text[]) WITH ORDINALITY AS r(v, k)"
       " ORDER BY k"},
      /*rank=*/1};
  constexpr Statement kRead{"test_rank_read", "SELECT count(*) FROM rank_parents"};
  auto written = runSync(*database_, [&](Store& store) {
    return store.transaction([&](Store& tx) -> Status {
      for (int i = 1; i <= 3; ++i) {
        const std::string value = "p" + std::to_string(i);
        if (auto parent = pg(tx).deferRow(kParent, Params().add(value)); !parent) return parent;
        if (i == 1) {  // a read between the first parent and its child sends the parent alone
          if (auto read = pg(tx).connection()->exec(kRead, Params()); !read) {
            return std::move(read).error();
          }
        }
        if (auto child = pg(tx).deferRow(kChild, Params().add(value)); !child) return child;
      }
      return {};
    });
  });
  ASSERT_TRUE(written.ok()) << written.error().detail;
  auto children = runSync(*database_, [&](Store& s) {
    return pg(s).connection()->execScript(
        "SELECT string_agg(v, '|' ORDER BY n) FROM rank_children");
  });
  ASSERT_TRUE(children.ok());
  EXPECT_EQ(children->string(0, 0), "p1|p2|p3") << "every child after its parent, in order";
}

TEST_F(PoolTest, ReadsSentTogetherComeBackInOrderInOneRoundTrip) {
  constexpr Statement kValue{"test_together_value", "SELECT value FROM system WHERE name = $1"};
  constexpr Statement kFail{"test_together_fail", "SELECT 1 / (length($1) - length($1))"};
  database_->stop();
  openPool(1);
  const auto pg = [](Store& store) -> PgStore& { return dynamic_cast<PgStore&>(store); };
  ASSERT_TRUE(runSync(*database_, [](Store& s) -> Status {
                if (auto a = s.system().set("together-a", "1"); !a) return a;
                return s.system().set("together-b", "2");
              }).ok());
  ASSERT_TRUE(eventually([&] { return database_->stats().completed >= 1; }));
  const std::uint64_t before = database_->stats().roundTrips;

  const Params a = Params().add("together-a");
  const Params b = Params().add("together-b");
  const Params none = Params().add("together-none");
  std::vector<std::string> values;
  auto read = runSync(*database_, [&](Store& s) -> Status {
    auto rows = pg(s).execAll({{&kValue, &b}, {&kValue, &none}, {&kValue, &a}});
    if (!rows) return std::move(rows).error();
    for (const auto& result : *rows) values.push_back(result.empty() ? "-" : result.string(0, 0));
    return {};
  });
  ASSERT_TRUE(read.ok()) << read.error().detail;
  EXPECT_EQ(values, (std::vector<std::string>{"2", "-", "1"})) << "each statement's rows, in order";
  ASSERT_TRUE(eventually([&] { return database_->stats().completed >= 2; }));
  EXPECT_EQ(database_->stats().roundTrips - before, 1U) << "preparing and running, all at once";

  // A failure is the answer, whichever statement failed; the connection stays usable.
  auto failed = runSync(*database_, [&](Store& s) -> Status {
    auto rows = pg(s).execAll({{&kValue, &a}, {&kFail, &a}, {&kValue, &b}});
    if (!rows) return std::move(rows).error();
    return {};
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().detail.find("division by zero"), std::string::npos)
      << failed.error().detail;
  EXPECT_EQ(systemValue("together-b")->value_or(""), "2");
}

// A read sent ahead (deferRead) travels with the transaction's next statement: its rows reach
// its handler before that statement's own result is returned, in the same round trip; flush()
// sends it when no statement follows; a failed one aborts the block and its handler never runs.
TEST_F(PoolTest, AReadSentAheadComesBackWithTheNextStatement) {
  constexpr Statement kValue{"test_ahead_value", "SELECT value FROM system WHERE name = $1"};
  constexpr Statement kFail{"test_ahead_fail", "SELECT 1 / (length($1) - length($1))"};
  database_->stop();
  openPool(1);
  const auto pg = [](Store& store) -> PgStore& { return dynamic_cast<PgStore&>(store); };
  ASSERT_TRUE(runSync(*database_, [](Store& s) -> Status {
                if (auto a = s.system().set("ahead-a", "1"); !a) return a;
                return s.system().set("ahead-b", "2");
              }).ok());
  // Each statement prepared once, so that the counts below are the steady ones.
  const Params a = Params().add("ahead-a");
  const Params b = Params().add("ahead-b");
  ASSERT_TRUE(runSync(*database_, [&](Store& s) { return pg(s).exec(kValue, a); }).ok());
  ASSERT_TRUE(eventually([&] { return database_->stats().completed >= 2; }));
  const std::uint64_t before = database_->stats().roundTrips;

  std::vector<std::string> seen;
  auto read = runSync(*database_, [&](Store& s) -> Status {
    return s.transaction([&](Store&) -> Status {
      auto ahead = pg(s).deferRead(
          kValue, a, [&](Rows rows) { seen.push_back("ahead " + rows.string(0, 0)); });
      if (!ahead) return ahead;
      if (!seen.empty()) return makeError(ErrorCode::kInternal, "test", "read before it was sent");
      auto next = pg(s).exec(kValue, b);
      if (!next) return std::move(next).error();
      seen.push_back("next " + next->string(0, 0));
      return {};
    });
  });
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(seen, (std::vector<std::string>{"ahead 1", "next 2"}));
  ASSERT_TRUE(eventually([&] { return database_->stats().completed >= 3; }));
  EXPECT_EQ(database_->stats().roundTrips - before, 2U)
      << "BEGIN, the read ahead and the next read in one round trip; COMMIT in another";

  // With no statement of its own to travel with, flush() sends it.
  std::string flushed;
  auto alone = runSync(*database_, [&](Store& s) -> Status {
    return s.transaction([&](Store&) -> Status {
      if (auto ahead = pg(s).deferRead(kValue, b, [&](Rows rows) { flushed = rows.string(0, 0); });
          !ahead) {
        return ahead;
      }
      return pg(s).flush();
    });
  });
  ASSERT_TRUE(alone.ok()) << alone.error().message;
  EXPECT_EQ(flushed, "2");

  // A read ahead that fails fails the statement it travelled with; its handler does not run.
  bool called = false;
  auto failed = runSync(*database_, [&](Store& s) -> Status {
    return s.transaction([&](Store& tx) -> Status {
      if (auto ahead = pg(s).deferRead(kFail, a, [&](Rows) { called = true; }); !ahead) {
        return ahead;
      }
      return tx.system().set("ahead-c", "3");
    });
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().detail.find("division by zero"), std::string::npos)
      << failed.error().detail;
  EXPECT_FALSE(called);
  EXPECT_FALSE(systemValue("ahead-c")->has_value()) << "the block was rolled back";
}

TEST_F(PoolTest, UniqueViolationsAreConflictsNamingTheField) {
  const auto alice = makeUser("alice", "alice@example.org");
  ASSERT_TRUE(runSync(*database_, [&](Store& store) { return store.users().create(alice); }).ok());

  auto sameName = runSync(*database_, [&](Store& store) {
    return store.users().create(makeUser("ALICE", "other@example.org"));
  });
  ASSERT_FALSE(sameName.ok());
  EXPECT_EQ(sameName.error().code, ErrorCode::kConflict);
  EXPECT_EQ(sameName.error().id, "app.user.save.username_exists.app_error");

  auto sameEmail = runSync(*database_, [&](Store& store) {
    return store.users().create(makeUser("alice2", "Alice@Example.org"));
  });
  ASSERT_FALSE(sameEmail.ok());
  EXPECT_EQ(sameEmail.error().id, "app.user.save.email_exists.app_error");

  auto sameId = runSync(*database_, [&](Store& store) {
    auto copy = makeUser("alice3", "alice3@example.org");
    copy.id = alice.id;
    return store.users().create(copy);
  });
  ASSERT_FALSE(sameId.ok());
  EXPECT_EQ(sameId.error().code, ErrorCode::kConflict);
  EXPECT_EQ(sameId.error().id, "store.conflict");
}

TEST_F(PoolTest, UsersRoundTripThroughTheStore) {
  auto user = makeUser("bob", "bob@example.org");
  user.roles = "system_admin system_user";
  user.props = {{"RemoteUsername", "bob"}};
  user.remoteBridge = "matrix";
  user.remoteUserId = "@bob:partner.example";
  user.remoteDomain = "partner.example";
  ASSERT_TRUE(runSync(*database_, [&](Store& store) { return store.users().create(user); }).ok());

  auto byId = runSync(*database_, [&](Store& store) { return store.users().getById(user.id); });
  ASSERT_TRUE(byId.ok()) << byId.error().detail;
  EXPECT_EQ(byId->username, "bob");
  EXPECT_EQ(byId->props, user.props);
  EXPECT_EQ(byId->timezone, user.timezone);
  EXPECT_EQ(byId->remoteUserId, "@bob:partner.example");
  EXPECT_EQ(byId->remoteId, "");
  EXPECT_EQ(byId->createAt, user.createAt);
  EXPECT_TRUE(byId->isSystemAdmin());

  auto byName =
      runSync(*database_, [](Store& store) { return store.users().getByUsername("BOB"); });
  ASSERT_TRUE(byName.ok());
  EXPECT_EQ(byName->id, user.id);
  auto byEmail =
      runSync(*database_, [](Store& store) { return store.users().getByEmail("Bob@Example.org"); });
  ASSERT_TRUE(byEmail.ok());
  EXPECT_EQ(byEmail->id, user.id);
  auto admins = runSync(*database_, [](Store& store) { return store.users().countSystemAdmins(); });
  ASSERT_TRUE(admins.ok());
  EXPECT_EQ(*admins, 1);

  auto missing = runSync(*database_, [](Store& store) { return store.users().getById("nobody"); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(PoolTest, ParametersAreNeverInterpretedAsSql) {
  const auto user = makeUser("carol", "carol@example.org");
  ASSERT_TRUE(runSync(*database_, [&](Store& store) { return store.users().create(user); }).ok());
  const std::string injection = "carol' OR '1'='1'; DROP TABLE users; --";

  auto found =
      runSync(*database_, [&](Store& store) { return store.users().getByUsername(injection); });
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(runSync(*database_, [&](Store& store) {
                return store.system().set(injection, injection);
              }).ok());
  auto value = systemValue(injection);
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value->value_or(""), injection);
  auto still =
      runSync(*database_, [](Store& store) { return store.users().getByUsername("carol"); });
  EXPECT_TRUE(still.ok()) << "the users table is intact";
}

TEST_F(PoolTest, RunResumesTheCoroutineOnItsOwnExecutorWithTheResult) {
  asio::io_context io;
  const auto ioThread = std::this_thread::get_id();
  std::optional<Result<std::optional<std::string>>> result;
  std::thread::id resumedOn;
  std::thread::id jobRanOn;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await database_->run([](Store& store) { return store.system().set("k", "v"); });
        result = co_await database_->run([&](Store& store) {
          jobRanOn = std::this_thread::get_id();
          return store.system().get("k");
        });
        resumedOn = std::this_thread::get_id();
      },
      asio::detached);
  io.run();
  // A worker may still be returning from its post() to `io` after the coroutine finished:
  // join the workers before `io` is destroyed (the order parleyd's shutdown keeps too).
  database_->stop();
  ASSERT_TRUE(result.has_value());
  ASSERT_TRUE(result->ok());
  EXPECT_EQ(result->value().value_or(""), "v");
  EXPECT_NE(jobRanOn, ioThread) << "the job ran on a database worker";
  EXPECT_EQ(resumedOn, ioThread) << "the coroutine resumed on the io_context's thread";
}

TEST_F(PoolTest, JobsSubmittedAfterStopStillRunAndSeeUnavailable) {
  database_->stop();
  database_->stop();  // idempotent
  auto pinged = runSync(*database_, [](Store& store) { return store.ping(); });
  ASSERT_FALSE(pinged.ok());
  EXPECT_EQ(pinged.error().code, ErrorCode::kUnavailable);
}

TEST_F(PoolTest, ManyConcurrentJobsAllComplete) {
  openPool(4);
  std::atomic<int> succeeded{0};
  std::vector<std::thread> submitters;
  for (int t = 0; t < 4; ++t) {
    submitters.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (runSync(*database_, [](Store& store) { return store.ping(); }).ok()) ++succeeded;
      }
    });
  }
  for (auto& submitter : submitters) submitter.join();
  EXPECT_EQ(succeeded.load(), 200);
  EXPECT_TRUE(eventually([&] { return database_->stats().completed == 200; }))
      << database_->stats().completed;
}

TEST_F(PoolTest, ACallerThreadDatabaseRunsEachJobOnItsCallerInTurnOnOneConnection) {
  core::config::DatabaseConfig config;
  config.dsn = dsn_;
  config.poolSize = 4;  // not used: one connection
  auto database = openCallerThreadDatabase(config, clock_);
  std::atomic<int> onAnotherThread{0};
  std::atomic<int> running{0};
  std::atomic<int> mostAtOnce{0};
  std::mutex seenMutex;
  std::set<Connection*> connections;
  std::atomic<int> succeeded{0};
  std::vector<std::thread> submitters;
  for (int t = 0; t < 4; ++t) {
    submitters.emplace_back([&] {
      const auto submitter = std::this_thread::get_id();
      for (int i = 0; i < 25; ++i) {
        auto pinged = runSync(*database, [&](Store& store) {
          if (std::this_thread::get_id() != submitter) ++onAnotherThread;
          const int now = ++running;
          int most = mostAtOnce.load();
          while (now > most && !mostAtOnce.compare_exchange_weak(most, now)) {
          }
          auto answer = store.ping();
          {
            std::lock_guard lock(seenMutex);
            connections.insert(static_cast<PgStore&>(store).connection());
          }
          --running;
          return answer;
        });
        if (pinged.ok()) ++succeeded;
      }
    });
  }
  for (auto& submitter : submitters) submitter.join();
  EXPECT_EQ(succeeded.load(), 100);
  EXPECT_EQ(onAnotherThread.load(), 0) << "every job ran on the thread that submitted it";
  EXPECT_EQ(mostAtOnce.load(), 1) << "the jobs of four threads took turns";
  EXPECT_EQ(connections.size(), 1u) << "over one connection";
  const auto stats = database->stats();
  EXPECT_EQ(stats.size, 1u);
  EXPECT_EQ(stats.connected, 1u);
  EXPECT_EQ(stats.busy, 0u);
  EXPECT_EQ(stats.completed, 100u) << "counted before each job's caller goes on";
  EXPECT_GE(stats.roundTrips, 101u) << "the session's settings, then a ping per job";

  database->stop();
  database->stop();  // idempotent
  EXPECT_EQ(database->stats().connected, 0u);
  auto afterStop = runSync(*database, [](Store& store) { return store.ping(); });
  ASSERT_FALSE(afterStop.ok()) << "a job after stop() still runs, and sees the pool stopped";
  EXPECT_EQ(afterStop.error().code, ErrorCode::kUnavailable);
}

TEST(PoolWithoutServerTest, OpeningNeverFailsAndJobsSeeUnavailable) {
  core::config::DatabaseConfig config;
  config.dsn = "postgresql:///parley?host=/nonexistent-parley-socket&port=1&password=hunter2";
  config.poolSize = 2;
  std::string logged;
  log::setSink([&](std::string_view line) { logged += line; });
  auto database = openDatabase(config, std::make_shared<SystemClock>());
  auto pinged = testing::runSync(*database, [](Store& store) { return store.ping(); });
  database->stop();
  log::resetSink();
  ASSERT_FALSE(pinged.ok());
  EXPECT_EQ(pinged.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(database->stats().connected, 0u);
  EXPECT_NE(logged.find("cannot connect to the database"), std::string::npos) << logged;
  EXPECT_EQ(logged.find("hunter2"), std::string::npos) << "the DSN's password never reaches a log";
  EXPECT_EQ(pinged.error().detail.find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace parley::core::store::postgres
