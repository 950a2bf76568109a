// What keeps the session cache right, against a real PostgreSQL: the triggers that announce
// changes to users, sessions and tokens (schemas/sql/0011_auth_changes.sql), a pooled
// connection hearing its own job's announcement before the job returns, and a listening
// connection hearing other processes' (core/store/postgres/listener.hpp).

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "core/model/access_token.hpp"
#include "core/model/id.hpp"
#include "core/security/token.hpp"
#include "core/services/account_service.hpp"
#include "core/services/session_cache.hpp"
#include "core/services/session_service.hpp"
#include "core/store/postgres/listener.hpp"
#include "tests/integration/store/store_fixture.hpp"

namespace parley::core::services {
namespace {

using store::Store;
using testing::eventually;
using testing::runSync;

constexpr const char* kPassword = "correct horse battery";

// The announcements heard ("<user id> <transaction id>"), in order.
class Heard {
 public:
  void add(std::string_view payload) {
    std::lock_guard lock(mutex_);
    payloads_.emplace_back(payload);
  }
  // The user ids of what was heard since the last call.
  std::vector<std::string> take() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> ids;
    transactions_.clear();
    for (const auto& payload : std::exchange(payloads_, {})) {
      ids.push_back(payload.substr(0, payload.find(' ')));
      transactions_.push_back(payload.substr(payload.find(' ') + 1));
    }
    return ids;
  }
  // The transaction ids of what take() returned last.
  std::vector<std::string> transactions() {
    std::lock_guard lock(mutex_);
    return transactions_;
  }
  std::size_t size() {
    std::lock_guard lock(mutex_);
    return payloads_.size();
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> payloads_;
  std::vector<std::string> transactions_;
};

class AuthChangesTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    migrateOrFail();
    // Two connections: each announcement is heard once, by the connection that made it (the
    // other one receives it too, at its next statement, and drops it).
    openPool(2, {},
             {{std::string(kAuthChangedChannel)},
              [this](std::string_view channel, std::string_view userId) {
                if (channel == kAuthChangedChannel) pool_.add(userId);
              }});
    auto admin = runSync(*database_, [](Store& store) {
      return initAdmin(store, "admin", "admin@example.org", kPassword);
    });
    ASSERT_TRUE(admin.ok()) << admin.error().message;
    admin_ = *admin;
    auto account = runSync(
        *database_, [&](Store& store) { return findLoginAccount(store, "admin", kPassword); });
    ASSERT_TRUE(account.ok());
    auto login =
        runSync(*database_, [&](Store& store) { return completeLogin(store, *account, true, {}); });
    ASSERT_TRUE(login.ok()) << login.error().message;
    login_ = *login;
    pool_.take();  // the login itself updated the user (last_login)
  }

  Heard pool_;
  model::User admin_;
  LoginResult login_;
};

TEST_F(AuthChangesTest, AJobHearsItsOwnChangeBeforeItReturns) {
  // No waiting anywhere: what was announced is known when runSync returns.
  ASSERT_TRUE(
      runSync(*database_, [&](Store& store) { return logout(store, login_.session); }).ok());
  EXPECT_EQ(pool_.take(), std::vector<std::string>{admin_.id}) << "a statement of its own";

  ASSERT_TRUE(runSync(*database_, [&](Store& store) {
                return store.transaction(
                    [&](Store& tx) { return tx.users().setRoles(admin_.id, "system_user", 1); });
              }).ok());
  EXPECT_EQ(pool_.take(), std::vector<std::string>{admin_.id}) << "at the COMMIT of a block";
}

TEST_F(AuthChangesTest, RoutineWritesAreNotAnnouncedChangesThatMatterAre) {
  // Recording activity, a new session: nothing a cached session depends on.
  ASSERT_TRUE(runSync(*database_, [&](Store& store) {
                return store.sessions().touch(login_.session.id, clock_->nowMillis() + 1);
              }).ok());
  model::Session another = login_.session;
  another.id = model::newId();
  another.tokenHash = security::tokenHash(model::newId());
  ASSERT_TRUE(
      runSync(*database_, [&](Store& store) { return store.sessions().create(another); }).ok());
  model::AccessToken token;
  token.id = model::newId();
  token.tokenHash = security::tokenHash(model::newId());
  token.userId = admin_.id;
  token.isActive = true;
  ASSERT_TRUE(
      runSync(*database_, [&](Store& store) { return store.accessTokens().create(token); }).ok());
  // An update that changes nothing.
  ASSERT_TRUE(execSql("UPDATE users SET nickname = nickname").ok());
  EXPECT_TRUE(pool_.take().empty());

  // Each of these does matter.
  ASSERT_TRUE(runSync(*database_, [&](Store& store) {
                return store.accessTokens().setActive(token.id, false);
              }).ok());
  ASSERT_TRUE(runSync(*database_, [&](Store& store) {
                return store.sessions().setDevice(another.id, "ios-v2:device");
              }).ok());
  ASSERT_TRUE(runSync(*database_, [&](Store& store) {
                return store.users().setDeleteAt(admin_.id, 5, 5);
              }).ok());
  EXPECT_EQ(pool_.take(), (std::vector<std::string>{admin_.id, admin_.id, admin_.id}));
  // Three changes of one user, told apart by their transactions.
  const auto transactions = pool_.transactions();
  ASSERT_EQ(transactions.size(), 3u);
  EXPECT_NE(transactions[0], transactions[1]);
  EXPECT_NE(transactions[1], transactions[2]);
  EXPECT_GT(std::stoll(transactions[0]), 0);
}

TEST_F(AuthChangesTest, AListenerHearsOtherProcessesAndSaysWhenItCannot) {
  Heard heard;
  std::mutex mutex;
  std::vector<bool> links;
  store::postgres::ListenerOptions options;
  options.dsn = dsn_;
  options.applicationName = "test-auth-listener";
  options.component = "test";
  options.channels = {std::string(kAuthChangedChannel)};
  store::postgres::ListenerHandlers handlers;
  handlers.linkChanged = [&](bool listening) {
    std::lock_guard lock(mutex);
    links.push_back(listening);
  };
  handlers.notified = [&](store::postgres::Connection&, std::string_view, std::string_view userId) {
    heard.add(userId);
  };
  const auto linkHistory = [&] {
    std::lock_guard lock(mutex);
    return links;
  };
  auto listener = store::postgres::PgListener::start(options, handlers, clock_);
  ASSERT_TRUE(eventually([&] { return linkHistory() == std::vector<bool>{true}; }));

  // psql-like: another session, no pool, no parleyd.
  ASSERT_TRUE(
      execSql(("UPDATE users SET roles = 'system_user' WHERE id = '" + admin_.id + "'").c_str())
          .ok());
  ASSERT_TRUE(eventually([&] { return heard.size() == 1; }));
  EXPECT_EQ(heard.take(), std::vector<std::string>{admin_.id});

  // Its connection killed: it says it cannot hear, then that it can again.
  ASSERT_TRUE(execSql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                      " WHERE application_name = 'test-auth-listener'")
                  .ok());
  ASSERT_TRUE(eventually(
      [&] {
        return linkHistory() == std::vector<bool>{true, false, true};
      },
      std::chrono::seconds(10)));
  EXPECT_EQ(listener->reconnects(), 1u);
  ASSERT_TRUE(execSql("DELETE FROM sessions").ok());
  ASSERT_TRUE(eventually([&] { return heard.size() == 1; }));
  EXPECT_EQ(heard.take(), std::vector<std::string>{admin_.id});

  listener->stop();
  EXPECT_EQ(linkHistory(), (std::vector<bool>{true, false, true, false}));
  EXPECT_FALSE(listener->connected());
}

}  // namespace
}  // namespace parley::core::services
