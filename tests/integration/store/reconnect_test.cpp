#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
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

// A session the server ended (a terminated backend: what another node does to take a link's
// drain lock, what a shutdown does) is seen as lost at the first look that reads what the server
// sent, even when the socket's end has not been read yet: the drainer sends a commit's decided
// row only while its session still holds the link's lock (outbox_drainer.hpp).
TEST(ReconnectTest, ASessionTheServerEndedIsLostAtTheFirstLook) {
  PostgresCluster cluster;
  cluster.start();
  auto opened = Connection::open(cluster.dsn(), ConnectOptions{});
  auto other = Connection::open(cluster.dsn(), ConnectOptions{});
  ASSERT_TRUE(opened.ok() && other.ok());
  Connection& session = **opened;
  auto pid = session.execScript("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid.ok());
  const std::string backend = pid->string(0, 0);
  ASSERT_TRUE((*other)->execScript(("SELECT pg_terminate_backend(" + backend + ")").c_str()).ok());
  ASSERT_TRUE(testing::eventually([&] {
    auto left = (*other)->execScript(
        ("SELECT count(*) FROM pg_stat_activity WHERE pid = " + backend).c_str());
    return left.ok() && left->string(0, 0) == "0";
  }));
  EXPECT_FALSE(session.healthy());
}

}  // namespace
}  // namespace parley::core::store::postgres
