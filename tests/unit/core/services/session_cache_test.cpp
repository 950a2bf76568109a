// The session cache's rules, without a database: what it finds, what it refuses to keep, and
// what it forgets (core/services/session_cache.hpp).

#include "core/services/session_cache.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/model/access_token.hpp"

namespace parley::core::services {
namespace {

constexpr std::int64_t kNow = 1'700'000'000'000;

model::SessionWithUser sessionOf(const std::string& userId, const std::string& tokenHash) {
  model::SessionWithUser found;
  found.user.id = userId;
  found.session.userId = userId;
  found.session.tokenHash = tokenHash;
  found.session.createAt = kNow - 1000;
  found.session.lastActivityAt = kNow - 1000;
  found.session.expiresAt = kNow + 3'600'000;
  return found;
}

class SessionCacheTest : public ::testing::Test {
 protected:
  SessionCacheTest() { cache.setTrusted(true); }

  bool finds(const std::string& tokenHash, std::int64_t now = kNow) {
    return cache.find(tokenHash, now, options).has_value();
  }

  SessionCache cache;
  AuthenticateOptions options;
};

TEST_F(SessionCacheTest, AKeptSessionIsFoundWithItsUser) {
  auto alice = sessionOf("alice", "hash-a");
  alice.user.username = "alice";
  cache.keep(alice, cache.ticket());
  const auto found = cache.find("hash-a", kNow, options);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->user.username, "alice");
  EXPECT_EQ(found->session.tokenHash, "hash-a");
  EXPECT_FALSE(finds("hash-b"));
  EXPECT_EQ(cache.stats().hits, 1u);
  EXPECT_EQ(cache.stats().misses, 1u);
}

TEST_F(SessionCacheTest, AChangeToAUserForgetsAllTheirSessionsAndNoOneElses) {
  cache.keep(sessionOf("alice", "hash-a1"), cache.ticket());
  cache.keep(sessionOf("alice", "hash-a2"), cache.ticket());
  cache.keep(sessionOf("bob", "hash-b"), cache.ticket());
  cache.announced("alice 1001");
  EXPECT_FALSE(finds("hash-a1"));
  EXPECT_FALSE(finds("hash-a2"));
  EXPECT_TRUE(finds("hash-b"));
}

TEST_F(SessionCacheTest, AReadThatRacedAChangeIsNotKept) {
  // The read began, then the change was announced, then the read (of the old row) finished.
  const auto ticket = cache.ticket();
  cache.announced("alice 1001");
  cache.keep(sessionOf("alice", "hash-a"), ticket);
  EXPECT_FALSE(finds("hash-a"));
  // A read that began after the change is kept.
  cache.keep(sessionOf("alice", "hash-a"), cache.ticket());
  EXPECT_TRUE(finds("hash-a"));
}

TEST_F(SessionCacheTest, AChangeHeardTwiceIsAppliedOnce) {
  // The writer's own connection heard it; a read began after it.
  cache.announced("alice 1001");
  const auto ticket = cache.ticket();
  // The listener hears the same change: it must not turn that read away.
  cache.announced("alice 1001");
  cache.keep(sessionOf("alice", "hash-a"), ticket);
  EXPECT_TRUE(finds("hash-a"));
  EXPECT_EQ(cache.stats().forgotten, 1u);
  // Another change of the same user does.
  cache.announced("alice 1002");
  EXPECT_FALSE(finds("hash-a"));
  EXPECT_EQ(cache.stats().forgotten, 2u);
}

TEST_F(SessionCacheTest, OnlyTheLatestChangesAreRecognised) {
  cache.announced("alice 1");
  for (std::size_t i = 0; i < SessionCache::kRememberedChanges; ++i) {
    cache.announced("bob " + std::to_string(100 + i));
  }
  cache.keep(sessionOf("alice", "hash-a"), cache.ticket());
  cache.announced("alice 1");  // forgotten as heard: applied again, which is only ever safe
  EXPECT_FALSE(finds("hash-a"));
}

TEST_F(SessionCacheTest, NothingIsKeptOrFoundWhileChangesCannotBeHeard) {
  cache.keep(sessionOf("alice", "hash-a"), cache.ticket());
  const auto ticket = cache.ticket();
  cache.setTrusted(false);
  EXPECT_FALSE(finds("hash-a"));
  cache.keep(sessionOf("bob", "hash-b"), cache.ticket());
  EXPECT_EQ(cache.stats().entries, 0u);

  // Listening again: what was cached before may have changed unheard, and so may a read that
  // began before.
  cache.setTrusted(true);
  EXPECT_FALSE(finds("hash-a"));
  cache.keep(sessionOf("alice", "hash-a"), ticket);
  EXPECT_FALSE(finds("hash-a"));
}

TEST_F(SessionCacheTest, ASessionThatNeedsTheDatabaseIsNotFound) {
  auto expiring = sessionOf("alice", "hash-expiring");
  expiring.session.expiresAt = kNow + 10;
  cache.keep(expiring, cache.ticket());
  EXPECT_TRUE(finds("hash-expiring"));
  EXPECT_FALSE(finds("hash-expiring", kNow + 10)) << "expired: the database deletes it";

  // Activity is recorded in the database every kActivityUpdateMillis.
  cache.keep(sessionOf("bob", "hash-b"), cache.ticket());
  EXPECT_TRUE(finds("hash-b", kNow - 1000 + kActivityUpdateMillis));
  EXPECT_FALSE(finds("hash-b", kNow - 1000 + kActivityUpdateMillis + 1));

  auto deactivated = sessionOf("carol", "hash-c");
  deactivated.user.deleteAt = kNow - 1;
  cache.keep(deactivated, cache.ticket());
  EXPECT_FALSE(finds("hash-c"));
}

TEST_F(SessionCacheTest, PeoplesAccessTokensAreRefusedWhenTurnedOff) {
  auto token = sessionOf("alice", "hash-pat");
  token.session.expiresAt = 0;
  token.session.props = {{model::kSessionPropType, model::kSessionTypeUserAccessToken}};
  cache.keep(token, cache.ticket());
  auto bot = token;
  bot.user.id = bot.session.userId = "robot";
  bot.user.isBot = true;
  bot.session.tokenHash = "hash-bot";
  cache.keep(bot, cache.ticket());
  ASSERT_TRUE(finds("hash-pat"));
  options.allowUserAccessTokens = false;
  EXPECT_FALSE(finds("hash-pat"));
  EXPECT_TRUE(finds("hash-bot")) << "bots' tokens keep working";
}

TEST_F(SessionCacheTest, TheCapacityBoundsTheEntries) {
  SessionCache small(3);
  small.setTrusted(true);
  for (int i = 0; i < 10; ++i) {
    small.keep(sessionOf("user" + std::to_string(i), "hash" + std::to_string(i)), small.ticket());
  }
  EXPECT_EQ(small.stats().entries, 3u);
  int found = 0;
  for (int i = 0; i < 10; ++i) {
    found += small.find("hash" + std::to_string(i), kNow, options).has_value() ? 1 : 0;
  }
  EXPECT_EQ(found, 3);
}

}  // namespace
}  // namespace parley::core::services
