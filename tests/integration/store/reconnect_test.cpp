#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "tests/integration/store/store_fixture.hpp"

namespace parley::core::store::postgres {
namespace {

using testing::PostgresCluster;
using testing::runSync;

// Its own cluster: this test stops the server, which must not disturb the other tests.
TEST(ReconnectTest, ThePoolSurvivesADatabaseRestart) {
  PostgresCluster cluster;
  cluster.start();
  config::DatabaseConfig config;
  config.dsn = cluster.dsn();
  config.poolSize = 2;
  config.connectTimeout = std::chrono::milliseconds(1000);
  auto database = openDatabase(config, std::make_shared<SystemClock>());
  const auto ping = [&] { return runSync(*database, [](Store& store) { return store.ping(); }); };

  // Both workers hold a connection before the restart: two jobs that overlap in time.
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<int> pinged{0};
  for (int i = 0; i < 2; ++i) {
    database->submit([&, released](Store& store) {
      if (store.ping().ok()) ++pinged;
      released.wait();
    });
  }
  const bool bothPinged = testing::eventually([&] { return pinged.load() == 2; });
  release.set_value();
  ASSERT_TRUE(bothPinged);
  ASSERT_EQ(database->stats().connected, 2u);

  cluster.stop();
  auto down = ping();
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, ErrorCode::kUnavailable);

  cluster.start();
  Status up = down;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!(up = ping()).ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(up.ok()) << up.error().message << " " << up.error().detail;
  EXPECT_GE(database->stats().reconnects, 1u);
  // Every later job works, on whichever worker it lands (prepared statements are prepared
  // again on the new connections).
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(ping().ok()) << "job " << i;
  database->stop();
}

}  // namespace
}  // namespace parley::core::store::postgres
