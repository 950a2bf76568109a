#pragma once
// Shared by the store integration tests: a fresh, migrated database per test case on the
// executable's PostgreSQL cluster, a pool on it, and a way to run one job and wait for it.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "core/common/clock.hpp"
#include "core/store/postgres/connection.hpp"
#include "core/store/postgres/database.hpp"
#include "core/store/postgres/migrations.hpp"
#include "tests/support/postgres_cluster.hpp"

namespace parley::testing {

// Runs `work(Store&)` on the pool and waits for its result (tests have no event loop).
template <typename Work>
auto runSync(core::store::Database& database, Work work) {
  return database.runAndWait(std::move(work));
}

// Polls `condition` until it holds or `timeout` passes; returns its last value.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

// A database named after the test case, created empty; migrate() and openPool() on demand.
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string("t_") + info->test_suite_name() + "_" + info->name();
    for (auto& c : name)
      c = (std::isalnum(static_cast<unsigned char>(c)) != 0)
              ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
              : '_';
    dsn_ = PostgresCluster::shared().createDatabase(name.substr(0, 63));
  }

  void TearDown() override {
    if (database_) database_->stop();
  }

  void migrateOrFail() {
    auto report = core::store::postgres::migrate(dsn_);
    ASSERT_TRUE(report.ok()) << report.error().message << " " << report.error().detail;
  }

  // Runs SQL (several statements allowed) on the test's database as the cluster's superuser,
  // outside any pool: fixtures, and changes parleyd itself would never make.
  core::Status execSql(const char* sql) {
    auto connection = core::store::postgres::Connection::open(dsn_, {});
    if (!connection) return std::move(connection).error();
    auto done = (*connection)->execScript(sql);
    if (!done) return std::move(done).error();
    return {};
  }

  // `sink` receives the domain events of committed transactions; `listening`, notifications.
  core::store::Database& openPool(unsigned size = 2, core::events::DomainEventSink sink = {},
                                  core::store::postgres::PoolListening listening = {}) {
    core::config::DatabaseConfig config;
    config.dsn = dsn_;
    config.poolSize = size;
    database_ = core::store::postgres::openDatabase(config, clock_, std::move(sink), nullptr,
                                                    std::move(listening));
    return *database_;
  }

  std::string dsn_;
  std::shared_ptr<core::ManualClock> clock_ = std::make_shared<core::ManualClock>();
  core::store::DatabasePtr database_;
};

}  // namespace parley::testing
