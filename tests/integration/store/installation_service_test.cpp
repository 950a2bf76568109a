#include "core/services/installation_service.hpp"

#include <gtest/gtest.h>

#include <future>
#include <set>
#include <vector>

#include "core/model/id.hpp"
#include "tests/integration/store/store_fixture.hpp"

namespace parley::core::services {
namespace {

using store::Store;
using testing::runSync;

class InstallationServiceTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    migrateOrFail();
  }
};

TEST_F(InstallationServiceTest, DiagnosticIdIsCreatedOnceAndKept) {
  auto& database = openPool();
  auto first = runSync(database, [](Store& store) { return diagnosticId(store); });
  ASSERT_TRUE(first.ok()) << first.error().message << " " << first.error().detail;
  EXPECT_TRUE(model::isValidId(*first));

  auto again = runSync(database, [](Store& store) { return diagnosticId(store); });
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *first);
  auto stored =
      runSync(database, [](Store& store) { return store.system().get(kDiagnosticIdKey); });
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->value_or(""), *first);
}

TEST_F(InstallationServiceTest, ConcurrentFirstCallsAgreeOnOneId) {
  // Several workers (as several parleyd on one database) ask at once on a fresh installation.
  auto& database = openPool(4);
  std::vector<std::future<Result<std::string>>> calls;
  for (int i = 0; i < 8; ++i) {
    calls.push_back(std::async(std::launch::async, [&database] {
      return runSync(database, [](Store& store) { return diagnosticId(store); });
    }));
  }
  std::set<std::string> ids;
  for (auto& call : calls) {
    auto id = call.get();
    ASSERT_TRUE(id.ok()) << id.error().message << " " << id.error().detail;
    ids.insert(*id);
  }
  EXPECT_EQ(ids.size(), 1u);
}

TEST_F(InstallationServiceTest, DatabaseDownIsUnavailable) {
  auto& database = openPool();
  database.stop();
  auto id = runSync(database, [](Store& store) { return diagnosticId(store); });
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace parley::core::services
