// The transactional outbox and the bridge store against a real PostgreSQL: a change of a post
// in a linked channel writes one outbox row per link that sends out, in the change's own
// transaction (nothing when it rolls back), never toward the link the change came in on; and
// the store's inbox, id map, links and drain locks behave as the drainer and the pipeline rely on.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <set>

#include "bridges/common/outbox_drainer.hpp"
#include "core/model/id.hpp"
#include "core/services/outbox_writer.hpp"
#include "core/services/puppet_service.hpp"
#include "core/services/reaction_service.hpp"
#include "core/store/postgres/pg_store.hpp"
#include "tests/integration/bridges/bridge_fixture.hpp"

namespace parley::core::services {
namespace {

using store::Store;
using testing::kAlice;
using testing::kBob;
using testing::kLinkA;
using testing::kLinkB;
using testing::kLinked;
using testing::kLinkIn;
using testing::kPlain;
using testing::kRoomA;
using testing::kRoomB;
using testing::runSync;

class OutboxWriterTest : public testing::BridgeTest {};

TEST_F(OutboxWriterTest, APostInALinkedChannelQueuesOneRowPerLinkThatSendsOut) {
  auto created = post(kAlice, kLinked, "hello partners");
  ASSERT_TRUE(created.ok()) << created.error().id << " " << created.error().detail;
  const auto queued =
      rows("SELECT link_id, kind, state, attempts, payload::text FROM outbox ORDER BY link_id");
  EXPECT_EQ(queued, (std::vector<std::string>{
                        std::string(kLinkA) + "|post|pending|0|{}",
                        std::string(kLinkB) + "|post|pending|0|{}",
                    }))
      << "the inbound-only link gets nothing";
  EXPECT_EQ(scalar("SELECT count(DISTINCT txn_id) FROM outbox WHERE txn_id LIKE 'parley.%'"), "2");

  ASSERT_TRUE(post(kAlice, kPlain, "no links here").ok());
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox"), "2") << "an unlinked channel queues nothing";
}

// The drainer is woken by the changes that gave it work, once each committed: not by a post
// with no link to cross nor by one whose transaction rolled back.
TEST_F(OutboxWriterTest, OnlyACommittedChangeWithRowsToSendWakesTheDrainer) {
  auto wakeup = std::make_shared<bridges::DrainerWakeup>();
  std::atomic<int> wakes{0};
  std::set<std::string> wokenLinks;
  wakeup->set([&](const core::events::OutboundQueued& queued) {
    ++wakes;
    wokenLinks.insert(queued.linkIds.begin(), queued.linkIds.end());
  });
  openPool(2, bridges::wakingSink({}, wakeup));

  ASSERT_TRUE(post(kAlice, kLinked, "two links to cross").ok());
  EXPECT_EQ(wakes.load(), 1) << "one wake-up for the change, whatever its number of rows";
  EXPECT_EQ(wokenLinks, (std::set<std::string>{kLinkA, kLinkB}))
      << "naming the links that got rows (the inbound-only one got none)";
  ASSERT_TRUE(post(kAlice, kPlain, "no links here").ok());
  EXPECT_EQ(wakes.load(), 1) << "nothing queued, nobody woken";

  const model::User alice = user(kAlice);
  model::Post draft;
  draft.channelId = kLinked;
  draft.message = "never committed";
  ASSERT_FALSE(runSync(*database_, [&](Store& s) {
                 return s.transaction([&](Store& tx) -> Status {
                   auto created = createPost(tx, alice, draft);
                   if (!created) return std::move(created).error();
                   return makeError(ErrorCode::kInternal, "test.rollback", "rolled back");
                 });
               }).ok());
  EXPECT_EQ(wakes.load(), 1) << "a rolled-back change queued nothing";
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox"), "2");
  wakeup->clear();
}

TEST_F(OutboxWriterTest, ARolledBackPostLeavesNoOutboxRow) {
  const model::User alice = user(kAlice);
  model::Post draft;
  draft.channelId = kLinked;
  draft.message = "never committed";
  Status outcome = runSync(*database_, [&](Store& s) {
    return s.transaction([&](Store& tx) -> Status {
      auto created = createPost(tx, alice, draft);
      if (!created) return std::move(created).error();
      return makeError(ErrorCode::kInternal, "test.rollback", "the caller fails afterwards");
    });
  });
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(scalar("SELECT count(*) FROM posts"), "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox"), "0");
}

TEST_F(OutboxWriterTest, AChangeThatCameInOverALinkIsNotSentBackOverIt) {
  const model::User bob = user(kBob);
  model::Post draft;
  draft.channelId = kLinked;
  draft.message = "from partner a";
  CreatePostOptions options;
  options.origin =
      model::RemoteOrigin{"test", kRoomA, "carol@partner-a.example", "partner-a.example"};
  auto created = runSync(*database_, [&](Store& s) { return createPost(s, bob, draft, options); });
  ASSERT_TRUE(created.ok()) << created.error().id;
  EXPECT_EQ(rows("SELECT link_id, payload->'origin'->>'remote_id' FROM outbox"),
            (std::vector<std::string>{std::string(kLinkB) + "|carol@partner-a.example"}))
      << "only toward the other room, with its origin";

  // An edit, a reaction and a deletion from the same origin: again only toward B; a local
  // reaction to the same post goes to both.
  const auto postId = created->id;
  auto edited = runSync(*database_, [&](Store& s) {
    PostPatch patch;
    patch.message = "from partner a (edited)";
    return patchPost(s, bob, postId, patch, options.origin);
  });
  ASSERT_TRUE(edited.ok()) << edited.error().id;
  auto reacted = runSync(*database_, [&](Store& s) {
    model::Reaction reaction;
    reaction.userId = kBob;
    reaction.postId = postId;
    reaction.emojiName = "thumbsup";
    return addReaction(s, bob, reaction, options.origin);
  });
  ASSERT_TRUE(reacted.ok()) << reacted.error().id;
  const model::User alice = user(kAlice);
  auto local = runSync(*database_, [&](Store& s) {
    model::Reaction reaction;
    reaction.userId = kAlice;
    reaction.postId = postId;
    reaction.emojiName = "eyes";
    return addReaction(s, alice, reaction);
  });
  ASSERT_TRUE(local.ok()) << local.error().id;
  auto unreacted = runSync(
      *database_, [&](Store& s) { return removeReaction(s, alice, kAlice, postId, "eyes"); });
  ASSERT_TRUE(unreacted.ok());
  auto deleted =
      runSync(*database_, [&](Store& s) { return deletePost(s, bob, postId, options.origin); });
  ASSERT_TRUE(deleted.ok()) << deleted.error().id;

  EXPECT_EQ(rows("SELECT link_id, kind, COALESCE(reaction_user_id, '-'),"
                 " COALESCE(reaction_emoji, '-') FROM outbox ORDER BY id, link_id"),
            (std::vector<std::string>{
                std::string(kLinkB) + "|post|-|-",
                std::string(kLinkB) + "|edit|-|-",
                std::string(kLinkB) + "|reaction|" + kBob + "|thumbsup",
                std::string(kLinkA) + "|reaction|" + kAlice + "|eyes",
                std::string(kLinkB) + "|reaction|" + kAlice + "|eyes",
                std::string(kLinkA) + "|reaction_delete|" + kAlice + "|eyes",
                std::string(kLinkB) + "|reaction_delete|" + kAlice + "|eyes",
                std::string(kLinkB) + "|delete|-|-",
            }));
}

TEST_F(OutboxWriterTest, APinIsLocalAndRemovingNothingQueuesNothing) {
  auto created = post(kAlice, kLinked, "pin me");
  ASSERT_TRUE(created.ok());
  const model::User alice = user(kAlice);
  ASSERT_TRUE(runSync(*database_, [&](Store& s) {
                PostPatch patch;
                patch.isPinned = true;
                return patchPost(s, alice, created->id, patch);
              }).ok());
  ASSERT_TRUE(runSync(*database_, [&](Store& s) {
                return removeReaction(s, alice, kAlice, created->id, "smile");
              }).ok());
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox"), "2") << "only the post itself, per link";
}

TEST_F(OutboxWriterTest, TheStoreClaimsInboxIdsOnceAndMapsRemoteEvents) {
  auto created = post(kAlice, kLinked, "mapped");
  ASSERT_TRUE(created.ok());
  const auto postId = created->id;
  auto first = runSync(
      *database_, [&](Store& s) { return s.bridges().claimInbox("test", "stanza-1", "post", 5); });
  auto second = runSync(
      *database_, [&](Store& s) { return s.bridges().claimInbox("test", "stanza-1", "post", 6); });
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_TRUE(*first);
  EXPECT_FALSE(*second) << "a redelivered id is claimed once";

  ASSERT_TRUE(runSync(*database_, [&](Store& s) {
                return s.bridges().putParts(postId, "test", kRoomA,
                                            {{0, "remote-text"}, {1, "remote-file"}}, 7);
              }).ok());
  auto parts =
      runSync(*database_, [&](Store& s) { return s.bridges().partsOf(postId, "test", kRoomA); });
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[1].remoteEventId, "remote-file");
  auto back = runSync(*database_, [&](Store& s) {
    return s.bridges().postOfRemote("test", kRoomA, "remote-file");
  });
  ASSERT_TRUE(back.ok() && back->has_value());
  EXPECT_EQ(**back, postId);

  model::Link duplicate;
  duplicate.id = model::newId();
  duplicate.channelId = kPlain;
  duplicate.bridge = "test";
  duplicate.remoteRoom = kRoomA;
  auto refused = runSync(*database_, [&](Store& s) { return s.bridges().createLink(duplicate); });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().id, "app.parley.link.exists.app_error");
}

TEST_F(OutboxWriterTest, TheStoreWritesClaimsEffectsPartsAndSentRowsOfManyAtOnce) {
  auto first = post(kAlice, kLinked, "first");
  auto second = post(kAlice, kLinked, "second");
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_TRUE(runSync(*database_, [&](Store& s) {
                return s.bridges().claimInbox("test", "stanza-0", "post", 1);
              }).ok());

  // Claimed before, new, new, and the same new id again: only its first claim takes it.
  auto claimed = runSync(*database_, [&](Store& s) {
    return s.bridges().claimInboxMany(
        "test",
        {{"stanza-0", "post"}, {"stanza-1", "post"}, {"stanza-2", "edit"}, {"stanza-1", "post"}},
        9);
  });
  ASSERT_TRUE(claimed.ok()) << claimed.error().detail;
  EXPECT_EQ(*claimed, (std::vector<bool>{false, true, true, false}));
  ASSERT_TRUE(runSync(*database_, [&](Store& s) {
                return s.bridges().setInboxEffects(
                    "test", {{"stanza-1", "post", first->id}, {"stanza-2", "denied", "42"}});
              }).ok());
  EXPECT_EQ(rows("SELECT remote_id, effect_kind, effect_id, received_at FROM inbox"
                 " ORDER BY remote_id"),
            (std::vector<std::string>{"stanza-0|post||1", "stanza-1|post|" + first->id + "|9",
                                      "stanza-2|denied|42|9"}));
  auto invalid = runSync(*database_, [&](Store& s) {
    return s.bridges().claimInboxMany("test", {{"stanza-\xff", "post"}}, 10);
  });
  ASSERT_FALSE(invalid.ok()) << "an id that is not UTF-8 is refused, not stored as another";
  EXPECT_EQ(scalar("SELECT count(*) FROM inbox"), "3");

  // Two posts' parts in one statement; a part recorded already is kept as it was.
  ASSERT_TRUE(runSync(*database_, [&](Store& s) {
                return s.bridges().putPartsMany(
                    {{first->id, "test", kRoomA, {{0, "a-text"}, {1, "a-file"}}},
                     {second->id, "test", kRoomB, {{0, "b-text"}}}},
                    11);
              }).ok());
  ASSERT_TRUE(
      runSync(*database_, [&](Store& s) {
        return s.bridges().putPartsMany({{first->id, "test", kRoomA, {{0, "a-other"}}}}, 12);
      }).ok());
  const std::string idMap = "SELECT post_id = '" + first->id +
                            "', part, remote_room, remote_event_id, create_at FROM id_map"
                            " ORDER BY remote_event_id";
  EXPECT_EQ(rows(idMap.c_str()),
            (std::vector<std::string>{"t|1|ops@rooms.partner-a.example|a-file|11",
                                      "t|0|ops@rooms.partner-a.example|a-text|11",
                                      "f|0|ops@rooms.partner-b.example|b-text|11"}));

  // Each post queued one row per link that sends out: the first post's two rows go at once.
  const auto firstRows =
      rows(("SELECT id FROM outbox WHERE post_id = '" + first->id + "'").c_str());
  ASSERT_EQ(firstRows.size(), 2u);
  const std::vector<std::int64_t> firstIds{std::stoll(firstRows[0]), std::stoll(firstRows[1])};
  ASSERT_TRUE(runSync(*database_, [&](Store& s) {
                return s.bridges().markSentMany(firstIds, {}, 13);
              }).ok());
  EXPECT_EQ(rows("SELECT post_id FROM outbox"), (std::vector<std::string>{second->id, second->id}));

  // Delivered with what they sent: the id map entries and the rows' removal in one statement,
  // all or nothing (a remote id that is not UTF-8 fails it whole).
  const auto secondRows =
      rows(("SELECT id FROM outbox WHERE post_id = '" + second->id + "'").c_str());
  ASSERT_EQ(secondRows.size(), 2u);
  const std::vector<std::int64_t> secondIds{std::stoll(secondRows[0]), std::stoll(secondRows[1])};
  ASSERT_FALSE(runSync(*database_, [&](Store& s) {
                 return s.bridges().markSentMany(
                     secondIds, {{second->id, "test", kRoomA, {{0, "b-\xff"}}}}, 14);
               }).ok());
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox"), "2") << "nothing removed";
  ASSERT_TRUE(runSync(*database_, [&](Store& s) {
                return s.bridges().markSentMany(
                    secondIds, {{second->id, "test", kRoomA, {{0, "b-in-a"}, {1, "b-file"}}}}, 15);
              }).ok());
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox"), "0");
  EXPECT_EQ(rows(("SELECT part, remote_event_id, create_at FROM id_map WHERE post_id = '" +
                  second->id + "' AND remote_room = 'ops@rooms.partner-a.example' ORDER BY part")
                     .c_str()),
            (std::vector<std::string>{"0|b-in-a|15", "1|b-file|15"}));
}

// The ingress knows an event's sender and room before it claims the event's inbox id: their
// reads travel with the claim, and the calls that need them take their rows then.
TEST_F(OutboxWriterTest, ASendersPuppetAndARoomsLinkReadAheadTravelWithTheNextStatement) {
  const model::RemoteOrigin carol{"test", kRoomA, "carol@partner-a.example", "partner-a.example"};
  auto made = runSync(*database_, [&](Store& s) { return findOrCreatePuppet(s, carol, "Carol"); });
  ASSERT_TRUE(made.ok()) << made.error().detail;

  struct Seen {
    std::uint64_t withTheClaim = 0;  // round trips of the claim and the reads sent ahead
    std::uint64_t taking = 0;        // of the calls that take their rows
    std::uint64_t readingAgain = 0;  // of the same calls again, and another room's link
    std::optional<store::BridgeStore::KnownPuppet> puppet;
    std::optional<model::Link> link;
    std::optional<model::Link> otherLink;
  };
  auto seen = runSync(*database_, [&](Store& s) -> Result<Seen> {
    store::postgres::Connection& connection =
        *static_cast<store::postgres::PgStore&>(s).connection();
    Seen counted;
    auto done = s.transaction([&](Store& tx) -> Status {
      connection.takeRoundTrips();
      tx.bridges().findRemoteUserAhead("test", carol.remoteId);
      tx.bridges().linkByRemoteAhead("test", kRoomA);
      auto claimed = tx.bridges().claimInboxMany("test", {{"s-ahead", "post"}}, 1);
      if (!claimed) return std::move(claimed).error();
      counted.withTheClaim = connection.takeRoundTrips();
      auto puppet = tx.bridges().findRemoteUser("test", carol.remoteId);
      if (!puppet) return std::move(puppet).error();
      auto link = tx.bridges().linkByRemote("test", kRoomA);
      if (!link) return std::move(link).error();
      counted.taking = connection.takeRoundTrips();
      counted.puppet = std::move(*puppet);
      counted.link = std::move(*link);
      auto again = tx.bridges().findRemoteUser("test", carol.remoteId);
      if (!again) return std::move(again).error();
      auto other = tx.bridges().linkByRemote("test", kRoomB);
      if (!other) return std::move(other).error();
      counted.otherLink = std::move(*other);
      counted.readingAgain = connection.takeRoundTrips();
      return {};
    });
    if (!done) return std::move(done).error();
    return counted;
  });
  ASSERT_TRUE(seen.ok()) << seen.error().detail;
  EXPECT_EQ(seen->withTheClaim, 1u) << "BEGIN, both reads and the claim in one round trip";
  EXPECT_EQ(seen->taking, 0u) << "the calls took what was read ahead";
  ASSERT_TRUE(seen->puppet.has_value());
  EXPECT_EQ(seen->puppet->user.id, made->id);
  EXPECT_EQ(seen->puppet->remote.displayName, "Carol");
  ASSERT_TRUE(seen->link.has_value());
  EXPECT_EQ(seen->link->id, kLinkA);
  EXPECT_EQ(seen->readingAgain, 2u) << "a second call, and another room's, read for themselves";
  ASSERT_TRUE(seen->otherLink.has_value());
  EXPECT_EQ(seen->otherLink->id, kLinkB);

  // Outside a transaction nothing is sent ahead: the call reads for itself.
  auto alone = runSync(*database_, [&](Store& s) {
    s.bridges().linkByRemoteAhead("test", kRoomB);
    return s.bridges().linkByRemote("test", kRoomB);
  });
  ASSERT_TRUE(alone.ok() && alone->has_value());
  EXPECT_EQ((*alone)->id, kLinkB);
}

// A link's read takes its own pending rows after the bound, oldest first, whatever the other
// links hold before and after it in the index of pending rows by link (the statement bounds
// the index on both sides of the link); the drainer's pass finds each link's first pending row.
TEST_F(OutboxWriterTest, ALinksReadTakesItsOwnPendingRowsAfterTheBoundAndNoOneElses) {
  auto created = post(kAlice, kPlain, "crossing");  // an unlinked channel: no rows of its own
  ASSERT_TRUE(created.ok());
  // Rows 0-17 of links A, B and "in" in turn (their ids sort A < B < in), due at 100 + the
  // row's number; rows 4 and 13, B's second and fifth, were denied, so are not pending.
  const std::string insert =
      "INSERT INTO outbox (link_id, kind, post_id, txn_id, state, next_attempt_at)"
      " SELECT (ARRAY['" +
      std::string(kLinkA) + "', '" + kLinkB + "', '" + kLinkIn + "'])[g % 3 + 1], 'post', '" +
      created->id +
      "', 'txn-' || g, CASE WHEN g IN (4, 13) THEN 'denied' ELSE 'pending' END, 100 + g"
      " FROM generate_series(0, 17) g ORDER BY g";
  ASSERT_TRUE(sql_->execScript(insert.c_str()).ok());
  const auto idsOf = [&](const char* link) {
    std::vector<std::int64_t> ids;
    for (const auto& row : rows(("SELECT id FROM outbox WHERE state = 'pending' AND link_id = '" +
                                 std::string(link) + "' ORDER BY id")
                                    .c_str())) {
      ids.push_back(std::stoll(row));
    }
    return ids;
  };
  const std::vector<std::int64_t> ofB = idsOf(kLinkB);
  ASSERT_EQ(ofB.size(), 4U);
  const auto read = [&](const char* link, int limit, std::int64_t after) {
    std::vector<std::int64_t> ids;
    auto pending = runSync(*database_,
                           [&](Store& s) { return s.bridges().pendingOfLink(link, limit, after); });
    EXPECT_TRUE(pending.ok());
    if (!pending.ok()) return ids;
    for (const auto& row : pending->rows) {
      EXPECT_EQ(row.linkId, link);
      ids.push_back(row.id);
    }
    EXPECT_EQ(pending->posts.size(), pending->rows.empty() ? 0U : 1U) << "the rows' one post";
    return ids;
  };
  EXPECT_EQ(read(kLinkB, 100, 0), ofB);
  EXPECT_EQ(read(kLinkB, 2, 0), std::vector<std::int64_t>(ofB.begin(), ofB.begin() + 2));
  EXPECT_EQ(read(kLinkB, 100, ofB[1]), std::vector<std::int64_t>(ofB.begin() + 2, ofB.end()));
  EXPECT_EQ(read(kLinkB, 100, ofB.back()), std::vector<std::int64_t>{});
  EXPECT_EQ(read(kLinkA, 100, 0), idsOf(kLinkA)) << "the first link in the index";
  EXPECT_EQ(read(kLinkIn, 100, 0), idsOf(kLinkIn)) << "the last link in the index";

  // Each link with pending rows once, due when its first pending row is (B's is row 1, in's
  // row 2); a link whose rows are all gone is not there.
  ASSERT_TRUE(
      sql_->execScript(("DELETE FROM outbox WHERE link_id = '" + std::string(kLinkA) + "'").c_str())
          .ok());
  auto links = runSync(*database_, [](Store& s) { return s.bridges().pendingLinks(); });
  ASSERT_TRUE(links.ok());
  std::vector<std::string> found;
  for (const auto& link : *links) {
    found.push_back(link.linkId + " " + std::to_string(link.headDueAt));
  }
  EXPECT_EQ(found, (std::vector<std::string>{std::string(kLinkB) + " 101",
                                             std::string(kLinkIn) + " 102"}));
}

TEST_F(OutboxWriterTest, OnlyOneSessionHoldsALinksDrainLock) {
  core::config::DatabaseConfig config;
  config.dsn = dsn_;
  config.poolSize = 1;
  auto other = store::postgres::openDatabase(config, clock_);
  std::vector<std::int64_t> queued;  // link A's rows, in order
  for (const char* text : {"one", "two", "three"}) {
    ASSERT_TRUE(post(kAlice, kLinked, text).ok());
  }
  const std::string ofLinkA =
      std::string("SELECT id FROM outbox WHERE link_id = '") + kLinkA + "' ORDER BY id";
  for (const auto& row : rows(ofLinkA.c_str())) {
    queued.push_back(std::stoll(row));
  }
  ASSERT_EQ(queued.size(), 3U);
  std::vector<std::int64_t> pending;  // what the last lock read
  const auto lock = [&](store::Database& db, int limit = 10) {
    return runSync(db, [&](Store& s) -> core::Result<bool> {
      auto locked = s.bridges().lockLink(kLinkA, limit);
      if (!locked) return std::move(locked).error();
      EXPECT_EQ(locked->link.id, kLinkA) << "the link comes with its lock";
      pending.clear();
      for (const auto& row : locked->pending.rows) pending.push_back(row.id);
      // Each row's post and author come with it.
      for (const auto& row : locked->pending.rows) {
        const auto& posts = locked->pending.posts;
        const auto post = std::find_if(posts.begin(), posts.end(),
                                       [&](const auto& p) { return p.id == row.postId; });
        EXPECT_NE(post, posts.end()) << "the post of row " << row.id;
        if (post == posts.end()) continue;
        const auto& authors = locked->pending.authors;
        EXPECT_TRUE(std::any_of(authors.begin(), authors.end(),
                                [&](const auto& u) { return u.id == post->userId; }))
            << "the author of row " << row.id;
      }
      return locked->locked;
    });
  };
  database_->stop();
  openPool(1);  // one connection: every job of this pool runs in the same session
  auto held = lock(*database_);
  EXPECT_EQ(pending, queued) << "the link's pending rows come with the lock, in order";
  auto again = lock(*database_, 2);
  EXPECT_EQ(pending, (std::vector<std::int64_t>{queued[0], queued[1]})) << "as many as asked";
  auto theirs = lock(*other);
  EXPECT_TRUE(pending.empty()) << "nothing to drain without the lock";
  ASSERT_TRUE(held.ok() && again.ok() && theirs.ok()) << theirs.error().detail;
  EXPECT_TRUE(*held);
  EXPECT_TRUE(*again) << "the holder keeps it";
  EXPECT_FALSE(*theirs) << "another session (node) does not get it";
  const auto holder = [&](store::Database& db) {
    auto pid = runSync(db, [](Store& s) { return s.bridges().linkLockHolder(kLinkA); });
    EXPECT_TRUE(pid.ok());
    return pid.ok() ? *pid : -1;
  };
  const std::int64_t holding = holder(*database_);
  EXPECT_GT(holding, 0);
  EXPECT_EQ(holder(*other), holding) << "any session sees which one holds the link";
  EXPECT_EQ(runSync(*other, [](Store& s) { return s.bridges().linkLockHolder("nolink"); }).value(),
            0)
      << "nobody holds a link nobody locked";
  auto gone = runSync(*database_, [](Store& s) { return s.bridges().lockLink("nolink", 10); });
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(runSync(*other, [](Store& s) { return s.bridges().linkLockHolder("nolink"); }).value(),
            0)
      << "a link that is not there is not locked";
  // One unlock releases it even after the holder asked twice: the hold is not stacked.
  ASSERT_TRUE(runSync(*database_, [](Store& s) { return s.bridges().unlockLink(kLinkA); }).ok());
  auto now = lock(*other);
  ASSERT_TRUE(now.ok());
  EXPECT_TRUE(*now);
  EXPECT_NE(holder(*database_), holding) << "the other session holds it now";
  EXPECT_GT(holder(*database_), 0);
  auto lost = lock(*database_);
  ASSERT_TRUE(lost.ok());
  EXPECT_FALSE(*lost) << "the first session knows it let go";
  EXPECT_TRUE(pending.empty());
  other->stop();
}

}  // namespace
}  // namespace parley::core::services
