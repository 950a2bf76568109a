// The post service against a real PostgreSQL: what one createPost writes (post, channel
// counters, the author's read state, mentions), the thread rules, edits and deletes with their
// permissions, and that a refused request leaves the database as it was. Teams, channels and
// memberships are written with SQL here because their services are not what is tested.

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "core/model/permissions.hpp"
#include "core/policy/policy_holder.hpp"
#include "core/services/access_policy.hpp"
#include "core/services/post_lanes.hpp"
#include "core/services/post_service.hpp"
#include "core/store/postgres/connection.hpp"
#include "core/store/postgres/database.hpp"
#include "tests/integration/store/store_fixture.hpp"
#include "tests/support/lane_batch.hpp"
#include "tests/support/posts_by_transaction.hpp"

namespace parley::core::services {
namespace {

using store::Store;
using testing::runSync;

constexpr const char* kAlice = "aliceuseraaaaaaaaaaaaaaaaa";
constexpr const char* kBob = "bobuseraaaaaaaaaaaaaaaaaaa";
constexpr const char* kGuest = "guestuseraaaaaaaaaaaaaaaaa";
constexpr const char* kTownSquare = "townsquareaaaaaaaaaaaaaaaa";
constexpr const char* kSecret = "secretaaaaaaaaaaaaaaaaaaaa";
constexpr const char* kArchived = "archivedaaaaaaaaaaaaaaaaaa";

constexpr const char* kFixture = R"sql(
INSERT INTO users (id, username, email, roles) VALUES
  ('aliceuseraaaaaaaaaaaaaaaaa', 'alice', 'alice@example.org', 'system_user'),
  ('bobuseraaaaaaaaaaaaaaaaaaa', 'bob', 'bob@example.org', 'system_user'),
  ('guestuseraaaaaaaaaaaaaaaaa', 'guest', 'guest@example.org', 'system_guest');
INSERT INTO teams (id, display_name, name) VALUES ('teamaaaaaaaaaaaaaaaaaaaaaa', 'Ops', 'ops');
INSERT INTO team_members (team_id, user_id, scheme_user, scheme_guest) VALUES
  ('teamaaaaaaaaaaaaaaaaaaaaaa', 'aliceuseraaaaaaaaaaaaaaaaa', true, false),
  ('teamaaaaaaaaaaaaaaaaaaaaaa', 'bobuseraaaaaaaaaaaaaaaaaaa', true, false),
  ('teamaaaaaaaaaaaaaaaaaaaaaa', 'guestuseraaaaaaaaaaaaaaaaa', false, true);
INSERT INTO channels (id, team_id, type, display_name, name, delete_at) VALUES
  ('townsquareaaaaaaaaaaaaaaaa', 'teamaaaaaaaaaaaaaaaaaaaaaa', 'O', 'Town Square', 'town-square', 0),
  ('secretaaaaaaaaaaaaaaaaaaaa', 'teamaaaaaaaaaaaaaaaaaaaaaa', 'P', 'Secret', 'secret', 0),
  ('archivedaaaaaaaaaaaaaaaaaa', 'teamaaaaaaaaaaaaaaaaaaaaaa', 'O', 'Old', 'old', 5);
INSERT INTO channel_members (channel_id, user_id, scheme_user, scheme_guest) VALUES
  ('townsquareaaaaaaaaaaaaaaaa', 'aliceuseraaaaaaaaaaaaaaaaa', true, false),
  ('townsquareaaaaaaaaaaaaaaaa', 'bobuseraaaaaaaaaaaaaaaaaaa', true, false),
  ('townsquareaaaaaaaaaaaaaaaa', 'guestuseraaaaaaaaaaaaaaaaa', false, true),
  ('secretaaaaaaaaaaaaaaaaaaaa', 'aliceuseraaaaaaaaaaaaaaaaa', true, false),
  ('archivedaaaaaaaaaaaaaaaaaa', 'aliceuseraaaaaaaaaaaaaaaaa', true, false);
)sql";

class PostServiceTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    migrateOrFail();
    auto connection = store::postgres::Connection::open(dsn_, {});
    ASSERT_TRUE(connection.ok()) << connection.error().detail;
    sql_ = std::move(*connection);
    auto written = sql_->execScript(kFixture);
    ASSERT_TRUE(written.ok()) << written.error().detail;
    setTime(1'700'000'000'000);
    openPool();
  }

  // A pool of one connection whose decisions are made under `bundle` (YAML).
  void openPoolUnder(const char* bundle) {
    auto holder = std::make_shared<policy::PolicyHolder>(clock_);
    const auto loaded = holder->reloadSources({policy::Source{"test.yaml", bundle}});
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    config::DatabaseConfig config;
    config.dsn = dsn_;
    config.poolSize = 1;
    database_ = store::postgres::openDatabase(config, clock_, {}, holder);
  }

  void setTime(std::int64_t millis) {
    clock_->advance(std::chrono::milliseconds(millis - clock_->nowMillis()));
  }

  model::User user(const char* id) {
    auto found = runSync(*database_, [id](Store& s) { return s.users().getById(id); });
    EXPECT_TRUE(found.ok());
    return found.ok() ? *found : model::User{};
  }

  // `count` posts by alice in town square, one millisecond apart, oldest first (fewer ids when
  // one failed).
  std::vector<std::string> postsInTownSquare(int count) {
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i) {
      setTime(1'700'000'000'000 + i);
      auto created = post(kAlice, kTownSquare, "post " + std::to_string(i));
      if (!created.ok()) break;
      ids.push_back(created->id);
    }
    return ids;
  }

  Result<model::Post> post(const char* author, const char* channel, std::string message,
                           std::string rootId = {}) {
    model::Post draft;
    draft.channelId = channel;
    draft.message = std::move(message);
    draft.rootId = std::move(rootId);
    const model::User who = user(author);
    return runSync(*database_, [&](Store& s) { return createPost(s, who, draft); });
  }

  std::string scalar(const char* sql) {
    auto rows = sql_->execScript(sql);
    EXPECT_TRUE(rows.ok()) << (rows.ok() ? "" : rows.error().detail);
    return rows.ok() && !rows->empty() ? rows->string(0, 0) : "";
  }

  std::unique_ptr<store::postgres::Connection> sql_;
};

TEST_F(PostServiceTest, CreateWritesThePostTheCountersAndTheAuthorsReadState) {
  auto root = post(kAlice, kTownSquare, "hello @bob and #team");
  ASSERT_TRUE(root.ok()) << root.error().id << " " << root.error().detail;
  EXPECT_EQ(root->userId, kAlice);
  EXPECT_EQ(root->createAt, 1'700'000'000'000);
  EXPECT_EQ(root->hashtags, "#team");
  EXPECT_EQ(scalar("SELECT total_msg_count || '/' || total_msg_count_root || '/' || last_post_at"
                   " FROM channels WHERE id = 'townsquareaaaaaaaaaaaaaaaa'"),
            "1/1/1700000000000");
  EXPECT_EQ(scalar("SELECT msg_count || '/' || last_viewed_at FROM channel_members"
                   " WHERE user_id = 'aliceuseraaaaaaaaaaaaaaaaa'"
                   " AND channel_id = 'townsquareaaaaaaaaaaaaaaaa'"),
            "1/1700000000000");
  EXPECT_EQ(scalar("SELECT mention_count || '/' || msg_count FROM channel_members"
                   " WHERE user_id = 'bobuseraaaaaaaaaaaaaaaaaaa'"
                   " AND channel_id = 'townsquareaaaaaaaaaaaaaaaa'"),
            "1/0");

  setTime(1'700'000'000'500);
  auto reply = post(kBob, kTownSquare, "@channel reply", root->id);
  ASSERT_TRUE(reply.ok()) << reply.error().id;
  EXPECT_EQ(scalar("SELECT total_msg_count || '/' || total_msg_count_root FROM channels"
                   " WHERE id = 'townsquareaaaaaaaaaaaaaaaa'"),
            "2/1");
  EXPECT_EQ(scalar("SELECT mention_count || '/' || mention_count_root FROM channel_members"
                   " WHERE user_id = 'guestuseraaaaaaaaaaaaaaaaa'"),
            "1/0")
      << "@channel counts for everyone but the author; a reply is not a root mention";
  auto fetched = runSync(*database_, [&](Store& s) { return getPost(s, user(kAlice), root->id); });
  ASSERT_TRUE(fetched.ok());
  EXPECT_EQ(fetched->replyCount, 1);
  EXPECT_EQ(fetched->lastReplyAt, 1'700'000'000'500);
}

TEST_F(PostServiceTest, ThreadRulesFollowMattermost) {
  auto root = post(kAlice, kTownSquare, "root");
  ASSERT_TRUE(root.ok());
  auto reply = post(kAlice, kTownSquare, "reply", root->id);
  ASSERT_TRUE(reply.ok());
  auto toReply = post(kAlice, kTownSquare, "reply to a reply", reply->id);
  ASSERT_FALSE(toReply.ok());
  EXPECT_EQ(toReply.error().id, "api.post.create_post.root_id.app_error");
  auto elsewhere = post(kAlice, kSecret, "wrong channel", root->id);
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.error().id, "api.post.create_post.channel_root_id.app_error");
  auto unknown = post(kAlice, kTownSquare, "x", "nosuchpostaaaaaaaaaaaaaaaa");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().id, "api.post.create_post.root_id.app_error");
  EXPECT_EQ(scalar("SELECT count(*) FROM posts"), "2");
  EXPECT_EQ(scalar("SELECT total_msg_count FROM channels WHERE id = 'townsquareaaaaaaaaaaaaaaaa'"),
            "2");
}

// A post with its author, or with another user (a reaction's), read together; each missing
// one is the error that reading it alone gives.
TEST_F(PostServiceTest, APostComesWithItsAuthorOrTheUserAsked) {
  auto created = post(kAlice, kTownSquare, "by alice");
  ASSERT_TRUE(created.ok());
  const auto read = [&](std::string postId, std::string authorId) {
    return runSync(*database_, [&](Store& s) { return s.posts().getWithAuthor(postId, authorId); });
  };
  auto own = read(created->id, "");
  ASSERT_TRUE(own.ok()) << own.error().message;
  EXPECT_EQ(own->first.message, "by alice");
  EXPECT_EQ(own->second.id, kAlice);
  EXPECT_EQ(own->second.username, "alice");
  auto reacted = read(created->id, kBob);
  ASSERT_TRUE(reacted.ok());
  EXPECT_EQ(reacted->first.id, created->id);
  EXPECT_EQ(reacted->second.id, kBob);

  auto noPost = read("nosuchpostaaaaaaaaaaaaaaaa", "");
  ASSERT_FALSE(noPost.ok());
  EXPECT_EQ(noPost.error().id, "app.post.get.app_error");
  auto noUser = read(created->id, "nosuchuseraaaaaaaaaaaaaaaa");
  ASSERT_FALSE(noUser.ok());
  EXPECT_EQ(noUser.error().id, "app.user.missing_account.const");
}

TEST_F(PostServiceTest, RefusedPostsWriteNothing) {
  auto archived = post(kAlice, kArchived, "too late");
  ASSERT_FALSE(archived.ok());
  EXPECT_EQ(archived.error().id, "api.post.create_post.can_not_post_to_deleted.error");
  auto outsider = post(kBob, kSecret, "let me in");
  ASSERT_FALSE(outsider.ok());
  EXPECT_EQ(outsider.error().code, ErrorCode::kPermissionDenied);
  auto guest = post(kGuest, kSecret, "let me in");
  ASSERT_FALSE(guest.ok());
  EXPECT_EQ(guest.error().code, ErrorCode::kPermissionDenied);
  auto tooLong = post(kAlice, kTownSquare, std::string(model::kPostMessageMaxRunes + 1, 'x'));
  ASSERT_FALSE(tooLong.ok());
  EXPECT_EQ(tooLong.error().id, "model.post.is_valid.message_length.app_error");
  EXPECT_EQ(scalar("SELECT count(*) FROM posts"), "0");
  EXPECT_EQ(scalar("SELECT sum(total_msg_count) FROM channels"), "0");
  EXPECT_EQ(scalar("SELECT sum(msg_count + mention_count) FROM channel_members"), "0");
}

TEST_F(PostServiceTest, EditAndDeleteNeedTheRightPermission) {
  auto root = post(kAlice, kTownSquare, "original");
  ASSERT_TRUE(root.ok());
  auto reply = post(kBob, kTownSquare, "reply", root->id);
  ASSERT_TRUE(reply.ok());
  PostPatch patch;
  patch.message = "hijacked";
  auto byBob =
      runSync(*database_, [&](Store& s) { return patchPost(s, user(kBob), root->id, patch); });
  ASSERT_FALSE(byBob.ok());
  EXPECT_EQ(byBob.error().code, ErrorCode::kPermissionDenied);
  auto deleteByBob =
      runSync(*database_, [&](Store& s) { return deletePost(s, user(kBob), root->id); });
  EXPECT_EQ(deleteByBob.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(scalar("SELECT message || '/' || edit_at || '/' || delete_at FROM posts"
                   " WHERE root_id IS NULL"),
            "original/0/0");

  setTime(1'700'000'001'000);
  patch.message = "edited";
  auto edited =
      runSync(*database_, [&](Store& s) { return patchPost(s, user(kAlice), root->id, patch); });
  ASSERT_TRUE(edited.ok()) << edited.error().id;
  EXPECT_EQ(edited->message, "edited");
  EXPECT_EQ(edited->editAt, 1'700'000'001'000);

  auto deleted =
      runSync(*database_, [&](Store& s) { return deletePost(s, user(kAlice), root->id); });
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(scalar("SELECT count(*) FROM posts WHERE delete_at = 0"), "0")
      << "deleting a root deletes its replies";
  EXPECT_EQ(scalar("SELECT props->>'deleteBy' FROM posts WHERE root_id IS NULL"), kAlice);
  auto gone = runSync(*database_, [&](Store& s) { return getPost(s, user(kAlice), root->id); });
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().id, "app.post.get.app_error");
}

TEST_F(PostServiceTest, ChannelPagesCursorsAndThreads) {
  const std::vector<std::string> ids = postsInTownSquare(5);
  ASSERT_EQ(ids.size(), 5U);
  ChannelPostsQuery query;
  query.perPage = 2;
  auto newest = runSync(
      *database_, [&](Store& s) { return getChannelPosts(s, user(kBob), kTownSquare, query); });
  ASSERT_TRUE(newest.ok()) << newest.error().id;
  EXPECT_EQ(newest->order, (std::vector<std::string>{ids[4], ids[3]}));
  EXPECT_EQ(newest->nextPostId, "");
  EXPECT_EQ(newest->prevPostId, ids[2]);

  query.before = ids[3];
  auto before = runSync(
      *database_, [&](Store& s) { return getChannelPosts(s, user(kBob), kTownSquare, query); });
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->order, (std::vector<std::string>{ids[2], ids[1]}));
  EXPECT_EQ(before->nextPostId, ids[3]);
  EXPECT_EQ(before->prevPostId, ids[0]);

  query.before.clear();
  query.after = ids[1];
  auto after = runSync(
      *database_, [&](Store& s) { return getChannelPosts(s, user(kBob), kTownSquare, query); });
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->order, (std::vector<std::string>{ids[3], ids[2]}));
  EXPECT_EQ(after->prevPostId, ids[1]);
  EXPECT_EQ(after->nextPostId, ids[4]);

  auto secret =
      runSync(*database_, [&](Store& s) { return getChannelPosts(s, user(kGuest), kSecret, {}); });
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.error().code, ErrorCode::kPermissionDenied);
}

TEST_F(PostServiceTest, TheNewestPageCarriesItsVersionAndIsNotReadWhenTheClientHasIt) {
  const std::vector<std::string> ids = postsInTownSquare(3);
  ASSERT_EQ(ids.size(), 3U);
  ChannelPostsQuery query;
  query.perPage = 2;
  std::int64_t offered = -1;
  auto fresh = runSync(*database_, [&](Store& s) {
    return getNewestChannelPosts(s, user(kBob), kTownSquare, query, [&](std::int64_t version) {
      offered = version;
      return false;
    });
  });
  ASSERT_TRUE(fresh.ok()) << fresh.error().id;
  EXPECT_EQ(fresh->lastUpdateAt, 1'700'000'000'002);
  EXPECT_EQ(offered, fresh->lastUpdateAt);
  ASSERT_TRUE(fresh->posts.has_value());
  EXPECT_EQ(fresh->posts->order, (std::vector<std::string>{ids[2], ids[1]}));
  EXPECT_EQ(fresh->posts->prevPostId, ids[0]);
  EXPECT_EQ(fresh->posts->nextPostId, "");

  auto cached = runSync(*database_, [&](Store& s) {
    return getNewestChannelPosts(s, user(kBob), kTownSquare, query,
                                 [](std::int64_t) { return true; });
  });
  ASSERT_TRUE(cached.ok());
  EXPECT_FALSE(cached->posts.has_value());

  // The second page of the newest posts has a next post and, being the last, no previous one.
  query.page = 1;
  auto second = runSync(
      *database_, [&](Store& s) { return getChannelPosts(s, user(kBob), kTownSquare, query); });
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->order, (std::vector<std::string>{ids[0]}));
  EXPECT_EQ(second->nextPostId, ids[1]);
  EXPECT_EQ(second->prevPostId, "");

  auto secret = runSync(*database_, [&](Store& s) {
    return getNewestChannelPosts(s, user(kGuest), kSecret, {}, [](std::int64_t) { return false; });
  });
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.error().code, ErrorCode::kPermissionDenied);
}

// Posts made through `lanes` while the pool's only worker is held, so that they queue in their
// channel's lane; the worker is then let go. Their results, in the order they were made.
std::vector<Result<model::Post>> postWhileTheWorkerIsHeld(
    store::Database& database, PostLanes& lanes,
    const std::vector<std::pair<model::User, model::Post>>& drafts) {
  return testing::postAsOneLaneBatch(database, lanes, /*workers=*/1, drafts);
}

model::Post draftIn(const char* channel, std::string message, std::string rootId = {}) {
  model::Post draft;
  draft.channelId = channel;
  draft.message = std::move(message);
  draft.rootId = std::move(rootId);
  return draft;
}

struct LaneBatch {
  std::vector<Result<model::Post>> results;
  std::uint64_t roundTrips = 0;
};

// `drafts` queued in their lane as one batch, after a first post has prepared the statements on
// the connection, with the round trips their batch took.
LaneBatch postOneBatchWarm(store::Database& database, PostLanes& lanes,
                           const std::vector<std::pair<model::User, model::Post>>& drafts) {
  LaneBatch batch;
  auto warmUp = postWhileTheWorkerIsHeld(database, lanes,
                                         {{drafts.front().first, draftIn(kTownSquare, "zero")}});
  EXPECT_TRUE(warmUp.front().ok()) << warmUp.front().error().detail;
  EXPECT_TRUE(runSync(database, [](Store&) { return Status(); }).ok());
  const auto tripsBefore = database.stats().roundTrips;
  batch.results = postWhileTheWorkerIsHeld(database, lanes, drafts);
  // The lane's job counts its round trips when it ends, after its posts' results.
  EXPECT_TRUE(runSync(database, [](Store&) { return Status(); }).ok());
  batch.roundTrips = database.stats().roundTrips - tripsBefore;
  return batch;
}

// Posts that queue behind their channel's transaction are written in one: one COMMIT, and each
// post's writes travelling with the next one's reads. Each gets its own post and result.
TEST_F(PostServiceTest, PostsQueuedInTheirChannelsLaneAreWrittenInOneTransaction) {
  openPool(1);
  auto lanes = std::make_shared<PostLanes>(database_);
  const model::User alice = user(kAlice);
  const model::User bob = user(kBob);
  auto [results, trips] = postOneBatchWarm(*database_, *lanes,
                                           {{alice, draftIn(kTownSquare, "one")},
                                            {bob, draftIn(kTownSquare, "two")},
                                            {alice, draftIn(kTownSquare, "three")},
                                            {bob, draftIn(kTownSquare, "four")}});

  ASSERT_EQ(results.size(), 4u);
  const std::vector<std::pair<std::string, std::string>> expected{
      {kAlice, "one"}, {kBob, "two"}, {kAlice, "three"}, {kBob, "four"}};
  std::set<std::string> ids;
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].error().detail;
    EXPECT_EQ(results[i]->userId, expected[i].first);
    EXPECT_EQ(results[i]->message, expected[i].second);
    ids.insert(results[i]->id);
  }
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_EQ(scalar("SELECT string_agg(message, ',' ORDER BY message) FROM posts"),
            "four,one,three,two,zero");
  EXPECT_EQ(scalar("SELECT total_msg_count FROM channels WHERE id = 'townsquareaaaaaaaaaaaaaaaa'"),
            "5");
  // Alone, each post is three round trips here (its access, the channel's links, then its
  // writes with the COMMIT): twelve for four.
  EXPECT_EQ(trips, 2u + 2u) << "each author's access, the links once, the COMMIT";
}

// A batch's posts go to the server as one statement (Connection::deferRow) from the last read
// the batch had to make, which must leave what one statement per post, in their order, would:
// the channel counts every post and root, each author has read up to their own last post (not
// the others' after it), and the thread counts its replies.
TEST_F(PostServiceTest, ABatchsPostsAreOneInsertThatCountsAsOnePerPostWould) {
  openPool(1);
  auto root = post(kAlice, kTownSquare, "root");
  ASSERT_TRUE(root.ok()) << root.error().detail;
  ASSERT_TRUE(sql_->execScript(R"sql(
    CREATE TABLE post_inserts (statements integer NOT NULL);
    INSERT INTO post_inserts VALUES (0);
    CREATE FUNCTION count_post_inserts() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN UPDATE post_inserts SET statements = statements + 1; RETURN NULL; END $$;
    CREATE TRIGGER count_post_inserts AFTER INSERT ON posts
      FOR EACH STATEMENT EXECUTE FUNCTION count_post_inserts();)sql")
                  .ok());
  auto lanes = std::make_shared<PostLanes>(database_);
  const model::User alice = user(kAlice);
  const model::User bob = user(kBob);
  // After the root and a warm-up post by alice. The batch reads alice's access, the root and
  // bob's access, each when its first post needs it: what was deferred before a read goes with
  // it, so "one" and "two" go alone, and the four after bob's read go as one statement.
  const auto batch = postOneBatchWarm(*database_, *lanes,
                                      {{alice, draftIn(kTownSquare, "one")},
                                       {alice, draftIn(kTownSquare, "two", root->id)},
                                       {bob, draftIn(kTownSquare, "three")},
                                       {bob, draftIn(kTownSquare, "four", root->id)},
                                       {alice, draftIn(kTownSquare, "five")},
                                       {bob, draftIn(kTownSquare, "six")}});
  for (const auto& result : batch.results) ASSERT_TRUE(result.ok()) << result.error().detail;

  EXPECT_EQ(scalar("SELECT statements FROM post_inserts"), "4")
      << "the warm-up, then one, two, and three to six together";
  EXPECT_EQ(scalar("SELECT total_msg_count || '/' || total_msg_count_root FROM channels"
                   " WHERE id = 'townsquareaaaaaaaaaaaaaaaa'"),
            "8/6");
  EXPECT_EQ(scalar("SELECT string_agg(u.username || ' ' || cm.msg_count || '/' ||"
                   " cm.msg_count_root, ', ' ORDER BY u.username)"
                   " FROM channel_members cm JOIN users u ON u.id = cm.user_id"
                   " WHERE cm.channel_id = 'townsquareaaaaaaaaaaaaaaaa'"),
            "alice 7/5, bob 8/6, guest 0/0")
      << "alice read up to her last post, before bob's last";
  EXPECT_EQ(scalar("SELECT reply_count FROM posts WHERE message = 'root'"), "2");
  EXPECT_EQ(scalar("SELECT string_agg(message, ',' ORDER BY message) FROM posts"
                   " WHERE root_id IS NOT NULL"),
            "four,two");
}

// One post's error is its own: the batch it was in is written again one post at a time.
TEST_F(PostServiceTest, APostThatFailsInALaneFailsAloneAndTheOthersAreWritten) {
  openPool(1);
  auto lanes = std::make_shared<PostLanes>(database_);
  const model::User alice = user(kAlice);
  auto results = postWhileTheWorkerIsHeld(
      *database_, *lanes,
      {{alice, draftIn(kTownSquare, "before")},
       {alice, draftIn(kTownSquare, "a reply to nothing", "nosuchrootaaaaaaaaaaaaaaaa")},
       {alice, draftIn(kTownSquare, "after")}});

  ASSERT_EQ(results.size(), 3u);
  ASSERT_TRUE(results[0].ok()) << results[0].error().detail;
  ASSERT_FALSE(results[1].ok());
  EXPECT_EQ(results[1].error().id, "api.post.create_post.root_id.app_error");
  ASSERT_TRUE(results[2].ok()) << results[2].error().detail;
  EXPECT_EQ(scalar("SELECT string_agg(message, ',' ORDER BY message) FROM posts"), "after,before");
  EXPECT_EQ(scalar("SELECT total_msg_count FROM channels WHERE id = 'townsquareaaaaaaaaaaaaaaaa'"),
            "2");
}

// Posts made on someone's behalf inside a database job (an incoming webhook's: several, all or
// none) are written in that job when their lane is idle, and join the lane's next batch when it
// is busy, each request all or none.
TEST_F(PostServiceTest, PostsMadeOnBehalfAreWrittenInTheirJobOrJoinTheBusyLane) {
  openPool(1);
  auto lanes = std::make_shared<PostLanes>(database_);
  // The webhooks' jobs run on another pool, so that they run while this one's is held.
  config::DatabaseConfig config;
  config.dsn = dsn_;
  config.poolSize = 1;
  auto other = store::postgres::openDatabase(config, clock_, {}, nullptr);
  const model::User alice = user(kAlice);
  const model::User bob = user(kBob);
  using Written = Result<std::vector<model::Post>>;
  auto callHook = [&](std::vector<model::Post> drafts) {
    auto written = std::make_shared<std::promise<Written>>();
    EXPECT_TRUE(other
                    ->runAndWait([&](Store& s) {
                      lanes->createOnBehalf(s, bob, std::move(drafts), [written](Written posts) {
                        written->set_value(std::move(posts));
                      });
                      return Status();
                    })
                    .ok());
    return written->get_future();
  };
  auto isReady = [](auto& future) {
    return future.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  };

  auto alone = callHook({draftIn(kTownSquare, "alone one"), draftIn(kTownSquare, "alone two")});
  ASSERT_TRUE(isReady(alone)) << "an idle lane writes in the caller's job";
  auto aloneWritten = alone.get();
  ASSERT_TRUE(aloneWritten.ok()) << aloneWritten.error().detail;
  ASSERT_EQ(aloneWritten->size(), 2u);
  EXPECT_EQ((*aloneWritten)[1].message, "alone two");
  EXPECT_EQ((*aloneWritten)[1].userId, kBob);

  std::promise<void> release;
  database_->submit([held = release.get_future().share()](Store&) { held.wait(); });
  std::promise<Result<model::Post>> byAlice;
  lanes->create(alice, draftIn(kTownSquare, "alice's"),
                [&byAlice](Result<model::Post> post) { byAlice.set_value(std::move(post)); });
  auto joined = callHook({draftIn(kTownSquare, "joined one"), draftIn(kTownSquare, "joined two")});
  model::Post refusedPart = draftIn(kTownSquare, "refused two");
  refusedPart.type = "system_join";
  auto refused = callHook({draftIn(kTownSquare, "refused one"), refusedPart});
  EXPECT_FALSE(isReady(joined)) << "queued behind alice's post, not written in the job";
  release.set_value();

  auto joinedWritten = joined.get();
  ASSERT_TRUE(joinedWritten.ok()) << joinedWritten.error().detail;
  ASSERT_EQ(joinedWritten->size(), 2u);
  EXPECT_EQ((*joinedWritten)[0].message, "joined one");
  EXPECT_EQ((*joinedWritten)[1].message, "joined two");
  auto refusedWritten = refused.get();
  ASSERT_FALSE(refusedWritten.ok());
  EXPECT_EQ(refusedWritten.error().id, "api.context.invalid_param.app_error");
  auto alicePost = byAlice.get_future().get();
  ASSERT_TRUE(alicePost.ok()) << alicePost.error().detail;
  EXPECT_EQ(scalar("SELECT string_agg(message, ',' ORDER BY message) FROM posts"),
            "alice's,alone one,alone two,joined one,joined two");
  EXPECT_EQ(scalar("SELECT total_msg_count FROM channels WHERE id = 'townsquareaaaaaaaaaaaaaaaa'"),
            "5");
  other->stop();
}

// Under a policy bundle, a batch reads each author's access and the decision's inputs once: the
// other posts of the same author decide on what the batch kept. Each post is still decided.
TEST_F(PostServiceTest, ALaneBatchReadsEachAuthorsPolicyInputsOnce) {
  ASSERT_NO_FATAL_FAILURE(openPoolUnder(R"yaml(
apiVersion: parley.policy/v1
kind: PolicyBundle
rules:
  - {id: open, effect: permit, actions: [channel.join, channel.read, message.post]}
)yaml"));
  auto lanes = std::make_shared<PostLanes>(database_);
  const model::User alice = user(kAlice);
  const model::User bob = user(kBob);
  auto [results, trips] = postOneBatchWarm(*database_, *lanes,
                                           {{alice, draftIn(kTownSquare, "one")},
                                            {alice, draftIn(kTownSquare, "two")},
                                            {bob, draftIn(kTownSquare, "three")},
                                            {alice, draftIn(kTownSquare, "four")}});

  for (const auto& result : results) ASSERT_TRUE(result.ok()) << result.error().detail;
  EXPECT_EQ(results[2]->userId, kBob);
  EXPECT_EQ(scalar("SELECT total_msg_count FROM channels WHERE id = 'townsquareaaaaaaaaaaaaaaaa'"),
            "5");
  EXPECT_EQ(trips, 2u + 1u) << "alice's inputs, bob's, then the COMMIT";
}

// A post the policy refuses in a lane's batch is that post's alone: its denial is recorded once,
// and the posts around it are still written several to a transaction, in their order (those
// before it together again, those after it as the next batch).
TEST_F(PostServiceTest, APolicyDenialInALaneIsRecordedOnceAndTheOthersStayBatched) {
  ASSERT_NO_FATAL_FAILURE(openPoolUnder(R"yaml(
apiVersion: parley.policy/v1
kind: PolicyBundle
label_policies:
  T:
    classifications: [UNCLASSIFIED, SECRET]
schema:
  message: {label: {type: label, policy: T, optional: true}}
rules:
  - {id: open, effect: permit, actions: [channel.join, channel.read, message.post]}
  - {id: no-secret, effect: forbid, actions: [message.post],
     when: ["has(message.label)", "message.label.classification == 'SECRET'"]}
)yaml"));
  // Each post written, with its transaction, in the order of the inserts that were committed.
  ASSERT_TRUE(sql_->execScript(testing::kNotePostTransactions).ok());
  auto lanes = std::make_shared<PostLanes>(database_);
  const model::User alice = user(kAlice);
  const model::User bob = user(kBob);
  model::Post secret = draftIn(kTownSquare, "secret");
  secret.props = {{"parley_label", "SECRET"}};
  const auto results = postWhileTheWorkerIsHeld(*database_, *lanes,
                                                {{alice, draftIn(kTownSquare, "one")},
                                                 {bob, draftIn(kTownSquare, "two")},
                                                 {bob, secret},
                                                 {alice, draftIn(kTownSquare, "three")},
                                                 {bob, draftIn(kTownSquare, "four")}});

  ASSERT_EQ(results.size(), 5u);
  for (std::size_t i : {0u, 1u, 3u, 4u}) ASSERT_TRUE(results[i].ok()) << results[i].error().id;
  ASSERT_FALSE(results[2].ok());
  EXPECT_EQ(results[2].error().id, kPolicyDeniedId);
  EXPECT_EQ(scalar("SELECT string_agg(subject || ' ' || decision, ',') FROM audit_log"
                   " WHERE action = 'message.post'"),
            std::string(kBob) + " deny")
      << "one record of the denial";
  EXPECT_EQ(scalar("SELECT last_value FROM audit_log_id_seq"), "1")
      << "its number is the first the audit log gave: no record was appended and rolled back";
  EXPECT_EQ(scalar(testing::kPostsByTransaction), "one,two | three,four");
  EXPECT_EQ(scalar("SELECT total_msg_count FROM channels WHERE id = 'townsquareaaaaaaaaaaaaaaaa'"),
            "4");
}

}  // namespace
}  // namespace parley::core::services
