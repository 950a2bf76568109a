// Lookups of lists of keys on tables larger than their statistics say (bench/README.md, "store/
// run"). The store's statements that look up several rows by key are timed on tables seeded
// far past the sizes their statistics were taken at, then again after ANALYZE: the analyzed
// time is the baseline of the same run. A statement the planner can only answer key by key
// costs about the same both ways (ratio near 1); one that joins a list was planned for the
// small table and reads the large one whole.
//
// Stale statistics are what an outbox has after a partner was away (it is nearly empty when
// autovacuum looks, then a backlog builds), and what every table has in a young installation.
// Autovacuum is off for the seeded tables, so that it cannot analyze them midway.
//
// --generic times every statement with the plan the server may keep for it after its fifth
// execution (plan_cache_mode=force_generic_plan), one made for any values of its parameters:
// by default a session plans the first five for their values, and keeps doing so while that
// looks cheaper.
//
//   plan_bench [--posts 200000] [--users 20000] [--backlog 20000] [--inbox 50000] [--calls 50]
//              [--generic]

#include <boost/program_options.hpp>

#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/log.hpp"
#include "core/store/postgres/connection.hpp"
#include "core/store/postgres/database.hpp"
#include "core/store/postgres/migrations.hpp"
#include "tests/support/postgres_cluster.hpp"

namespace {

using parley::core::Status;
using parley::core::store::Store;
namespace postgres = parley::core::store::postgres;

constexpr const char* kLink = "l0000000000000000000000000";
// A second link of the channel, live: its few rows are numbered after the first link's backlog.
constexpr const char* kLiveLink = "l0000000000000000000000001";
constexpr const char* kSeededTables[] = {"users", "posts", "outbox", "inbox"};

struct Sizes {
  int posts = 0;
  int users = 0;
  int backlog = 0;
  int inbox = 0;
};

void run(postgres::Connection& connection, const std::string& sql) {
  auto done = connection.execScript(sql.c_str());
  if (!done) throw std::runtime_error(done.error().message + ": " + done.error().detail);
}

// Rows `from` up to `sizes` of each table. Ids are zero-padded to the 26 characters of a
// Mattermost id; the outbox rows address posts spread over the whole key range (ids are random
// in practice).
void seed(postgres::Connection& db, const Sizes& sizes, int from) {
  const auto range = [from](int to) {
    return "generate_series(" + std::to_string(from) + ", " + std::to_string(to) + ") g";
  };
  run(db,
      "INSERT INTO users (id, username, email) SELECT lpad('u' || g, 26, '0'), 'user' || g,"
      " 'user' || g || '@example.org' FROM " +
          range(sizes.users));
  run(db,
      "INSERT INTO posts (id, user_id, channel_id, create_at, message)"
      " SELECT lpad('p' || g, 26, '0'), lpad('u' || (g % " +
          std::to_string(sizes.users) +
          " + 1), 26, '0'), 'c0000000000000000000000000', g, 'message ' || g FROM " +
          range(sizes.posts));
  run(db,
      "INSERT INTO inbox (bridge, remote_id, effect_kind, received_at)"
      " SELECT 'xmpp', 'in' || g, 'post', g FROM " +
          range(sizes.inbox));
  run(db, "INSERT INTO outbox (link_id, kind, post_id, txn_id) SELECT '" + std::string(kLink) +
              "', 'post', lpad('p' || ((g * 7919) % " + std::to_string(sizes.posts) +
              " + 1), 26, '0'), 'txn' || g FROM " + range(sizes.backlog));
}

struct Operation {
  std::string name;
  std::function<Status(Store&)> call;
};

// Mean milliseconds per call of `operation`, through the pool as parleyd calls it.
double timeCalls(parley::core::store::Database& database, const Operation& operation, int calls) {
  // Prepared, and past the five custom plans after which the server may keep a generic one.
  for (int i = 0; i < 8; ++i) (void)database.runAndWait(operation.call);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i) {
    if (auto done = database.runAndWait(operation.call); !done) {
      throw std::runtime_error(operation.name + ": " + done.error().message + " " +
                               done.error().detail);
    }
  }
  const std::chrono::duration<double, std::milli> spent = std::chrono::steady_clock::now() - start;
  return spent.count() / calls;
}

std::vector<Operation> operations(const Sizes& sizes) {
  // Rows in the middle of the backlog; ids no row has (nothing changes between calls).
  const std::int64_t middle = sizes.backlog / 2;
  const std::vector<std::int64_t> absent{-1, -2, -3};
  return {
      {"drainer's read of 64 rows with their posts and authors (pendingOfLink)",
       [=](Store& store) -> Status {
         auto rows = store.bridges().pendingOfLink(kLink, 64, middle);
         if (!rows) return std::move(rows).error();
         if (rows->rows.size() != 64 || rows->posts.empty() || rows->authors.empty()) {
           return parley::core::makeError(parley::core::ErrorCode::kInternal, "bench.rows",
                                          "the read missed rows");
         }
         return {};
       }},
      {"a live link's read of its 64 rows behind another's backlog (pendingOfLink)",
       [](Store& store) -> Status {
         auto rows = store.bridges().pendingOfLink(kLiveLink, 64, 0);
         if (!rows) return std::move(rows).error();
         if (rows->rows.size() != 64) {
           return parley::core::makeError(parley::core::ErrorCode::kInternal, "bench.rows",
                                          "the read missed rows");
         }
         return {};
       }},
      {"each link's first pending row, one link with the backlog (pendingLinks)",
       [](Store& store) -> Status {
         auto links = store.bridges().pendingLinks();
         if (!links) return std::move(links).error();
         if (links->size() != 2) {
           return parley::core::makeError(parley::core::ErrorCode::kInternal, "bench.rows",
                                          "the read missed links");
         }
         return {};
       }},
      {"3 outbox rows recorded as sent (markSentMany)",
       [=](Store& store) { return store.bridges().markSentMany(absent, {}, 0); }},
      {"effects of 2 inbound events (setInboxEffects)",
       [](Store& store) {
         return store.transaction([](Store& tx) {
           return tx.bridges().setInboxEffects(
               "xmpp", {{"in5", "post", "effect5"}, {"in7", "post", "effect7"}});
         });
       }},
      {"1 user by id (getByIds)",
       [](Store& store) -> Status {
         auto users = store.users().getByIds({"0000000000000000000000u100"}, 0, "");
         if (!users) return std::move(users).error();
         return {};
       }},
      {"1 user by username (getByUsernames)",
       [](Store& store) -> Status {
         auto users = store.users().getByUsernames({"User100"}, "");
         if (!users) return std::move(users).error();
         return {};
       }},
  };
}

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  Sizes sizes;
  int calls = 0;
  po::options_description options("plan_bench");
  options.add_options()("help,h", "this text")(
      "posts", po::value(&sizes.posts)->default_value(200000), "posts in the channel")(
      "users", po::value(&sizes.users)->default_value(20000), "users")(
      "backlog", po::value(&sizes.backlog)->default_value(20000), "pending outbox rows")(
      "inbox", po::value(&sizes.inbox)->default_value(50000), "inbox rows")(
      "calls", po::value(&calls)->default_value(50), "timed calls per operation and phase")(
      "generic", "generic plans only (plan_cache_mode=force_generic_plan)");
  po::variables_map args;
  try {
    po::store(po::parse_command_line(argc, argv, options), args);
    po::notify(args);
  } catch (const std::exception& error) {
    std::cerr << "plan_bench: " << error.what() << "\n";
    return 64;
  }
  if (args.count("help") != 0U) {
    std::cout << options;
    return 0;
  }
  if (sizes.posts < 200 || sizes.users < 200 || sizes.backlog < 200 || sizes.inbox < 8 ||
      calls < 1) {
    std::cerr << "plan_bench: at least 200 posts, 200 users, 200 rows of backlog, 8 inbox rows\n";
    return 64;
  }

  parley::core::log::setLevel(parley::core::log::Level::kWarn);
  try {
    parley::testing::PostgresCluster cluster;
    cluster.start();
    const std::string dsn = cluster.createDatabase("plan_bench");
    if (auto migrated = postgres::migrate(dsn); !migrated) {
      throw std::runtime_error("migrate: " + migrated.error().message);
    }
    auto opened = postgres::Connection::open(dsn, {});
    if (!opened) throw std::runtime_error("connect: " + opened.error().message);
    postgres::Connection& db = **opened;
    for (const char* table : kSeededTables) {
      run(db, std::string("ALTER TABLE ") + table + " SET (autovacuum_enabled = false)");
    }
    run(db,
        "INSERT INTO teams (id, display_name, name) VALUES ('t0000000000000000000000000', 'T',"
        " 't'); INSERT INTO channels (id, type, name, team_id) VALUES"
        " ('c0000000000000000000000000', 'O', 'town', 't0000000000000000000000000');"
        " INSERT INTO links (id, channel_id, bridge, remote_room) VALUES ('" +
            std::string(kLink) +
            "', 'c0000000000000000000000000', 'xmpp', 'town@example.org'),"
            " ('" +
            std::string(kLiveLink) +
            "', 'c0000000000000000000000000', 'matrix', '!town:example.org')");
    // Statistics of a small installation (an outbox nearly empty), then the large one.
    const Sizes small{200, 200, 200, 8};
    seed(db, small, 1);
    run(db, "ANALYZE");
    seed(db, sizes, 201);  // from 201: past every small table's rows
    run(db, "INSERT INTO outbox (link_id, kind, post_id, txn_id) SELECT '" +
                std::string(kLiveLink) +
                "', 'post', lpad('p' || g, 26, '0'), 'live' || g FROM generate_series(1, 64) g");

    const bool generic = args.count("generic") != 0U;
    const std::string poolDsn =
        generic ? dsn + "&options=-c%20plan_cache_mode%3Dforce_generic_plan" : dsn;
    auto database =
        postgres::openDatabase(parley::core::config::DatabaseConfig{.dsn = poolDsn, .poolSize = 1},
                               std::make_shared<parley::core::SystemClock>(), {});
    std::vector<double> stale;
    for (const auto& operation : operations(sizes)) {
      stale.push_back(timeCalls(*database, operation, calls));
    }
    run(db, "ANALYZE");
    std::printf("%d posts, %d users, %d rows of outbox backlog, %d inbox rows; %d calls each%s\n",
                sizes.posts, sizes.users, sizes.backlog, sizes.inbox, calls,
                generic ? "; generic plans" : "");
    std::printf("%-72s %10s %10s %6s\n", "ms per call", "stale", "analyzed", "ratio");
    std::size_t i = 0;
    for (const auto& operation : operations(sizes)) {
      const double analyzed = timeCalls(*database, operation, calls);
      std::printf("%-72s %10.3f %10.3f %6.2f\n", operation.name.c_str(), stale[i], analyzed,
                  stale[i] / analyzed);
      ++i;
    }
    database->stop();
  } catch (const std::exception& error) {
    std::cerr << "plan_bench: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
