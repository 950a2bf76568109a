// The bridge framework end to end inside parleyd's core, against a real PostgreSQL and the
// policy engine: the outbox drainer (order per link, one item in flight per link, backoff on
// kRetry, nothing lost across a restart, denied rows kept with their audit record, the next
// batch decided while one goes out) and the
// ingress pipeline (inbox de-duplication, replies under the right root through the id map, no
// echo toward the origin room, puppets that cannot log in, direct messages). The Bridge here is
// an in-process recorder of deliveries: it is our own interface, not a peer.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <future>
#include <initializer_list>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>

#include "bridges/common/ingress_pipeline.hpp"
#include "bridges/common/outbox_drainer.hpp"
#include "core/policy/policy_holder.hpp"
#include "core/services/access_token_service.hpp"
#include "core/services/outbox_writer.hpp"
#include "core/services/post_lanes.hpp"
#include "core/services/reaction_service.hpp"
#include "core/services/session_service.hpp"
#include "tests/integration/bridges/bridge_fixture.hpp"
#include "tests/support/lane_batch.hpp"
#include "tests/support/posts_by_transaction.hpp"

namespace parley::bridges {
namespace {

using core::store::Store;
using testing::eventually;
using testing::kAlice;
using testing::kLinkA;
using testing::kLinkB;
using testing::kLinked;
using testing::kPlain;
using testing::kRoomA;
using testing::kRoomB;
using testing::runSync;

// Everything crosses on the "test" peer; nothing is permitted on "closed" (default deny).
constexpr const char* kBundle = R"yaml(
apiVersion: parley.policy/v1
kind: PolicyBundle
label_policies:
  T:
    classifications: [UNCLASSIFIED, SECRET]
schema:
  channel: {label: {type: label, policy: T}}
bridges:
  test: {protocol: xmpp, clearance: "SECRET"}
  closed: {protocol: xmpp, clearance: "SECRET"}
rules:
  - {id: local-open, effect: permit, actions: [channel.join, channel.read, message.post, file.upload, file.download]}
  - {id: test-open, effect: permit, actions: [message.egress, thread.egress, message.ingress], bridges: [test]}
)yaml";

// Records every delivery and answers when the test says so (or at once, with `autoSend`).
class RecorderBridge final : public Bridge {
 public:
  struct Call {
    OutboundItem item;
    std::function<void(DeliveryResult)> done;
  };

  std::string_view name() const override { return "test"; }
  core::Status start(IngressSink& /*sink*/) override { return {}; }
  void stop() override {}
  bool connected() const override { return true; }
  void deliver(OutboundItem item, std::function<void(DeliveryResult)> done) override {
    std::unique_lock lock(mutex_);
    delivered_.push_back(item);
    if (autoSend_) {
      lock.unlock();  // `done` may hand over the run's next item at once
      done(DeliveryResult{
          DeliveryResult::Outcome::kSent, {{0, "remote-" + std::to_string(item.outboxId)}}, {}});
      return;
    }
    open_.push_back(Call{std::move(item), std::move(done)});
  }
  std::size_t maxRun(const core::model::Link& /*link*/) const override { return maxRun_; }
  // The items of a run are answered one by one as deliver()'s (the default deliverRun).
  void deliverRun(std::vector<OutboundItem> items,
                  std::function<void(std::vector<DeliveryResult>)> done) override {
    if (!items.empty()) {
      std::lock_guard lock(mutex_);
      runs_.emplace_back(items.front().link.id, items.size());
    }
    Bridge::deliverRun(std::move(items), std::move(done));
  }

  void setAutoSend(bool on) {
    std::lock_guard lock(mutex_);
    autoSend_ = on;
  }
  void setMaxRun(std::size_t items) { maxRun_ = items; }  // before the drainer starts
  // The number of items of each run the drainer handed over on `linkId`, in order.
  std::vector<std::size_t> runSizes(const std::string& linkId) {
    std::lock_guard lock(mutex_);
    std::vector<std::size_t> sizes;
    for (const auto& [link, size] : runs_) {
      if (link == linkId) sizes.push_back(size);
    }
    return sizes;
  }
  std::vector<OutboundItem> delivered() {
    std::lock_guard lock(mutex_);
    return delivered_;
  }
  std::size_t openCount() {
    std::lock_guard lock(mutex_);
    return open_.size();
  }
  // Answers the oldest open delivery of `linkId`; false when there is none.
  bool answer(const std::string& linkId, DeliveryResult::Outcome outcome, std::string error = {}) {
    Call call;
    {
      std::lock_guard lock(mutex_);
      auto it = std::find_if(open_.begin(), open_.end(),
                             [&](const Call& c) { return c.item.link.id == linkId; });
      if (it == open_.end()) return false;
      call = std::move(*it);
      open_.erase(it);
    }
    DeliveryResult result;
    result.outcome = outcome;
    result.error = std::move(error);
    if (outcome == DeliveryResult::Outcome::kSent) {
      result.parts = {{0, "remote-" + std::to_string(call.item.outboxId)}};
    }
    call.done(std::move(result));
    return true;
  }

 private:
  std::mutex mutex_;
  bool autoSend_ = false;
  std::size_t maxRun_ = 1;
  std::vector<std::pair<std::string, std::size_t>> runs_;  // link, items
  std::vector<OutboundItem> delivered_;
  std::vector<Call> open_;
};

class BridgeFrameworkTest : public testing::BridgeTest {
 protected:
  void SetUp() override {
    testing::BridgeTest::SetUp();
    policy_ = std::make_shared<policy::PolicyHolder>(clock_);
    auto loaded = policy_->reloadSources({policy::Source{"test.yaml", kBundle}});
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    database_->stop();
    core::config::DatabaseConfig config;
    config.dsn = dsn_;
    config.poolSize = 2;
    // The posts of the test wake the drainer as parleyd's do (serve.cpp).
    database_ = core::store::postgres::openDatabase(config, clock_, wakingSink({}, drainerWakeup_),
                                                    policy_);
    config.poolSize = 1;
    drainDatabase_ = core::store::postgres::openCallerThreadDatabase(config, clock_, {}, policy_);
    prepareDatabase_ = core::store::postgres::openDatabase(config, clock_, {}, policy_);
  }

  void TearDown() override {
    stopDrainer();
    if (drainDatabase_) drainDatabase_->stop();
    if (prepareDatabase_) prepareDatabase_->stop();
    testing::BridgeTest::TearDown();
  }

  // A short poll interval: a test that is not about wake-ups does not wait for them.
  void startDrainer(std::chrono::milliseconds pollInterval = std::chrono::milliseconds(50),
                    std::chrono::microseconds burstSettle = DrainerOptions{}.burstSettle) {
    DrainerOptions options;
    options.pollInterval = pollInterval;
    options.burstSettle = burstSettle;
    drainer_ = OutboxDrainer::start(drainDatabase_, prepareDatabase_, {&bridge_}, clock_, metrics_,
                                    options, liveLinks_);
    drainerWakeup_->set([drainer = drainer_.get()](const core::events::OutboundQueued& queued) {
      drainer->wake(queued);
    });
  }

  void stopDrainer() {
    drainerWakeup_->clear();
    if (drainer_) drainer_->stop();
    drainer_.reset();
  }

  // `count` posts by alice in the linked channel, their ids in order.
  std::vector<std::string> postMany(int count, const std::string& prefix) {
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i) {
      auto created = post(kAlice, kLinked, prefix + std::to_string(i));
      EXPECT_TRUE(created.ok());
      if (created.ok()) ids.push_back(created->id);
    }
    return ids;
  }

  // A post by alice in the linked channel as the API's lanes write one on its own: decided as it
  // is written for the links `live` says are caught up (the live crossing).
  core::Result<core::model::Post> postLive(std::string message,
                                           const core::services::LiveLinks& live) {
    core::model::Post draft;
    draft.channelId = kLinked;
    draft.message = std::move(message);
    if (alice_.id.empty()) alice_ = user(kAlice);
    const core::model::User& alice = alice_;
    core::services::CreatePostOptions options;
    options.liveLinks = &live;
    return runSync(*database_,
                   [&](Store& s) { return core::services::createPost(s, alice, draft, options); });
  }

  // Posts by alice in the linked channel as the API's lanes write a burst: they queue in the
  // channel's lane while both of the pool's workers are held, then go as one batch (decided as
  // they are written for the links the drainer says are caught up). Their results, in order.
  std::vector<core::Result<core::model::Post>> postBatch(const std::vector<std::string>& texts) {
    std::vector<core::model::Post> drafts;
    for (const auto& text : texts) {
      core::model::Post draft;
      draft.channelId = kLinked;
      draft.message = text;
      drafts.push_back(std::move(draft));
    }
    return postBatch(std::move(drafts));
  }
  std::vector<core::Result<core::model::Post>> postBatch(std::vector<core::model::Post> drafts) {
    if (alice_.id.empty()) alice_ = user(kAlice);
    auto lanes = std::make_shared<core::services::PostLanes>(database_, liveLinks_);
    std::vector<std::pair<core::model::User, core::model::Post>> byAlice;
    for (auto& draft : drafts) byAlice.emplace_back(alice_, std::move(draft));
    return testing::postAsOneLaneBatch(*database_, *lanes, /*workers=*/2, std::move(byAlice));
  }

  // What a post is told by a drainer it does not hear from: these links of the linked channel
  // are caught up.
  static void markLive(core::services::LiveLinks& live, std::initializer_list<const char*> ids) {
    for (const char* id : ids) {
      core::model::Link link;
      link.id = id;
      link.channelId = kLinked;
      live.set(link, true);
    }
  }

  bool isLive(const char* linkId) {
    const auto links = liveLinks_->of(kLinked);
    return std::any_of(links.begin(), links.end(),
                       [&](const core::model::Link& link) { return link.id == linkId; });
  }

  std::string egressDecisions() {
    return scalar("SELECT count(*) FROM audit_log WHERE action = 'message.egress'");
  }

  std::vector<std::string> deliveredPosts(const std::string& linkId) {
    std::vector<std::string> posts;
    for (const auto& item : bridge_.delivered()) {
      if (item.link.id == linkId) posts.push_back(item.message.postId);
    }
    return posts;
  }

  // One pipeline for the test, as parleyd has: it remembers what a sender's events crossed with.
  IngressResult receive(const InboundEvent& event) {
    if (!ingress_) ingress_ = std::make_unique<IngressPipeline>(database_, metrics_);
    return runSync(*database_, [&](Store& s) { return ingress_->apply(s, event); });
  }

  static InboundEvent fromCarol(std::string id, std::string text, std::string room = kRoomA) {
    InboundEvent event;
    event.bridge = "test";
    event.remoteRoom = std::move(room);
    event.remoteEventId = std::move(id);
    event.sender =
        core::model::RemoteOrigin{"test", "", "carol@partner-a.example", "partner-a.example"};
    event.senderDisplayName = "Carol";
    event.text = std::move(text);
    return event;
  }

  std::shared_ptr<policy::PolicyHolder> policy_;
  std::unique_ptr<IngressPipeline> ingress_;
  core::store::DatabasePtr drainDatabase_;
  core::store::DatabasePtr prepareDatabase_;
  std::shared_ptr<core::metrics::BridgeMetrics> metrics_ =
      std::make_shared<core::metrics::BridgeMetrics>(nullptr);
  RecorderBridge bridge_;
  std::shared_ptr<DrainerWakeup> drainerWakeup_ = std::make_shared<DrainerWakeup>();
  core::model::User alice_;  // postLive's author, read once
  std::shared_ptr<core::services::LiveLinks> liveLinks_ =
      std::make_shared<core::services::LiveLinks>();
  std::unique_ptr<OutboxDrainer> drainer_;
};

TEST_F(BridgeFrameworkTest, TheDrainerSendsEachLinksRowsInOrderOneAtATime) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto created = post(kAlice, kLinked, "message " + std::to_string(i));
    ASSERT_TRUE(created.ok()) << created.error().id << " " << created.error().detail;
    ids.push_back(created->id);
  }
  // a /me post: bridges with an emote form (Matrix m.emote) send by the post's type
  rows(("UPDATE posts SET type = 'me' WHERE id = '" + ids[0] + "'").c_str());
  startDrainer();
  ASSERT_TRUE(eventually([&] { return bridge_.openCount() == 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(bridge_.openCount(), 2u) << "one item in flight per link, never more";
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(eventually([&] { return bridge_.answer(kLinkA, DeliveryResult::Outcome::kSent); }));
  }
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(eventually([&] { return bridge_.answer(kLinkB, DeliveryResult::Outcome::kSent); }));
  }
  EXPECT_EQ(deliveredPosts(kLinkA), ids);
  EXPECT_EQ(deliveredPosts(kLinkB), ids);
  ASSERT_TRUE(eventually([&] { return scalar("SELECT count(*) FROM outbox") == "0"; }))
      << "acknowledged rows are removed";
  EXPECT_EQ(scalar("SELECT count(*) FROM id_map WHERE remote_event_id LIKE 'remote-%'"), "6")
      << "the id map records what the peer assigned";
  const auto first = bridge_.delivered().front();
  EXPECT_EQ(first.message.text, "message 0");
  EXPECT_EQ(first.message.author.username, "alice");
  EXPECT_EQ(first.postType, "me");
  EXPECT_EQ(bridge_.delivered().back().postType, "");
  EXPECT_TRUE(first.txnId.starts_with("parley."));
}

TEST_F(BridgeFrameworkTest, ARetryWaitsWithBackoffAndKeepsItsTxnId) {
  ASSERT_TRUE(post(kAlice, kLinked, "peer is down").ok());
  startDrainer();
  ASSERT_TRUE(eventually([&] { return bridge_.openCount() == 2; }));
  ASSERT_TRUE(bridge_.answer(kLinkA, DeliveryResult::Outcome::kRetry, "connection refused"));
  ASSERT_TRUE(eventually([&] {
    return scalar(
               "SELECT attempts || '|' || last_error || '|' || (next_attempt_at > 1700000000000)"
               " FROM outbox WHERE link_id = 'linkaaaaaaaaaaaaaaaaaaaaaa'") ==
           "1|connection refused|true";
  }));
  // A post meanwhile wakes the drainer for the link: it waits behind the row that waits.
  auto behind = post(kAlice, kLinked, "queued behind the retry");
  ASSERT_TRUE(behind.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(deliveredPosts(kLinkA).size(), 1u) << "not tried again before it is due";

  clock_->advance(std::chrono::minutes(2));
  drainer_->wake();
  ASSERT_TRUE(eventually([&] { return deliveredPosts(kLinkA).size() == 2; }));
  const auto tries = bridge_.delivered();
  std::vector<std::string> txns;
  for (const auto& item : tries) {
    if (item.link.id == kLinkA) txns.push_back(item.txnId);
  }
  EXPECT_EQ(txns[0], txns[1]) << "the peer can de-duplicate the retry";
  ASSERT_TRUE(bridge_.answer(kLinkA, DeliveryResult::Outcome::kSent));
  ASSERT_TRUE(eventually([&] { return deliveredPosts(kLinkA).size() == 3; }));
  EXPECT_EQ(deliveredPosts(kLinkA).back(), behind->id) << "then the post that waited behind it";
  ASSERT_TRUE(bridge_.answer(kLinkA, DeliveryResult::Outcome::kSent));
  ASSERT_TRUE(eventually([&] {
    return scalar("SELECT count(*) FROM outbox WHERE link_id = 'linkaaaaaaaaaaaaaaaaaaaaaa'") ==
           "0";
  }));
}

TEST_F(BridgeFrameworkTest, NothingIsLostWhenTheDrainerStopsWithAnItemInFlight) {
  auto created = post(kAlice, kLinked, "in flight");
  ASSERT_TRUE(created.ok());
  startDrainer();
  ASSERT_TRUE(eventually([&] { return bridge_.openCount() == 2; }));
  stopDrainer();  // as parleyd killed: the peer never acknowledged
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox WHERE state = 'pending'"), "2");

  drainDatabase_->stop();  // the session (and its drain locks) ends with the process
  core::config::DatabaseConfig config;
  config.dsn = dsn_;
  config.poolSize = 1;
  drainDatabase_ = core::store::postgres::openCallerThreadDatabase(config, clock_, {}, policy_);
  bridge_.setAutoSend(true);
  startDrainer();
  ASSERT_TRUE(eventually([&] { return scalar("SELECT count(*) FROM outbox") == "0"; }));
  EXPECT_EQ(deliveredPosts(kLinkA), (std::vector<std::string>{created->id, created->id}))
      << "delivered again after the restart";
}

TEST_F(BridgeFrameworkTest, ADeliveredRowIsWrittenWhileItsSuccessorIsInFlight) {
  for (int i = 0; i < 3; ++i) {
    auto created = post(kAlice, kLinked, "batch " + std::to_string(i));
    ASSERT_TRUE(created.ok()) << created.error().id;
  }
  const auto pendingOn = [&](const char* link) {
    return scalar(
        ("SELECT count(*) FROM outbox WHERE link_id = '" + std::string(link) + "'").c_str());
  };
  startDrainer();
  ASSERT_TRUE(eventually([&] { return bridge_.openCount() == 2; }));
  // Link A's first item acknowledged: the next one goes out at once, and the first row is
  // written while its successor is in flight, not held back: a crash now re-sends at most the
  // one in flight.
  ASSERT_TRUE(bridge_.answer(kLinkA, DeliveryResult::Outcome::kSent));
  ASSERT_TRUE(eventually([&] { return deliveredPosts(kLinkA).size() == 2; }));
  ASSERT_TRUE(eventually([&] { return pendingOn(kLinkA) == "2"; }));
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(eventually([&] { return bridge_.answer(kLinkA, DeliveryResult::Outcome::kSent); }));
  }
  ASSERT_TRUE(eventually([&] { return pendingOn(kLinkA) == "0"; }));
  EXPECT_EQ(pendingOn(kLinkB), "3") << "link B's rows wait for link B's peer";
  EXPECT_EQ(scalar("SELECT count(*) FROM id_map WHERE remote_room = 'ops@rooms.partner-a.example'"
                   " AND remote_event_id LIKE 'remote-%'"),
            "3")
      << "each post's parts, as the peer assigned them";

  // Stopped after an acknowledgement, with the next item in flight: what was acknowledged is
  // written, the rest stays pending.
  ASSERT_TRUE(bridge_.answer(kLinkB, DeliveryResult::Outcome::kSent));
  ASSERT_TRUE(eventually([&] { return deliveredPosts(kLinkB).size() == 2; }));
  stopDrainer();
  EXPECT_EQ(pendingOn(kLinkB), "2");
}

// A commit wakes the drainer for the links it queued for; a link that is draining reads its
// new rows when its batch is done, so nothing queued meanwhile is left behind. The queued gauge
// follows each link's pending rows.
TEST_F(BridgeFrameworkTest, RowsQueuedWhileALinkDrainsFollowAndTheQueuedGaugeCountsThem) {
  auto ids = postMany(2, "before ");
  const auto queued = [&](const char* link) { return metrics_->link("test", link).queued->load(); };
  startDrainer();
  ASSERT_TRUE(eventually([&] { return bridge_.openCount() == 2; }));
  ASSERT_TRUE(eventually([&] { return queued(kLinkA) == 2 && queued(kLinkB) == 2; }))
      << "each link's pending rows, the one in flight included";

  // Queued while both links have an item in flight: the wake-up names both, neither reads the
  // outbox now.
  auto later = post(kAlice, kLinked, "while draining");
  ASSERT_TRUE(later.ok());
  ids.push_back(later->id);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(eventually([&] { return bridge_.answer(kLinkA, DeliveryResult::Outcome::kSent); }));
  }
  EXPECT_EQ(deliveredPosts(kLinkA), ids) << "the row queued meanwhile follows, in order";
  ASSERT_TRUE(eventually([&] { return queued(kLinkA) == 0; })) << "link A is drained";
  clock_->advance(std::chrono::seconds(1));  // a busy link's gauge is counted once per interval
  ASSERT_TRUE(eventually([&] { return queued(kLinkB) == 3; }))
      << "link B's peer has not answered: its three rows wait";
}

// Without polling, wake-ups alone move the outbox: a row queued while its link drains goes when
// the link's batch is done, and a row queued on an idle link goes at once.
TEST_F(BridgeFrameworkTest, WakeUpsAloneMoveEveryRowWhetherItsLinkDrainsOrNot) {
  startDrainer(std::chrono::hours(1));
  std::vector<std::string> ids = postMany(1, "first ");
  ASSERT_TRUE(eventually([&] { return bridge_.openCount() == 2; }));
  const auto later = postMany(1, "while draining ");  // both links have an item in flight
  ids.insert(ids.end(), later.begin(), later.end());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(eventually([&] { return bridge_.answer(kLinkA, DeliveryResult::Outcome::kSent); }));
    ASSERT_TRUE(eventually([&] { return bridge_.answer(kLinkB, DeliveryResult::Outcome::kSent); }));
  }
  EXPECT_EQ(deliveredPosts(kLinkA), ids) << "the row queued meanwhile follows";
  EXPECT_EQ(deliveredPosts(kLinkB), ids);

  ASSERT_TRUE(eventually([&] { return scalar("SELECT count(*) FROM outbox") == "0"; }));
  const auto idle = postMany(1, "to idle links ");
  ids.insert(ids.end(), idle.begin(), idle.end());
  ASSERT_TRUE(eventually([&] { return bridge_.answer(kLinkA, DeliveryResult::Outcome::kSent); }));
  ASSERT_TRUE(eventually([&] { return bridge_.answer(kLinkB, DeliveryResult::Outcome::kSent); }));
  EXPECT_EQ(deliveredPosts(kLinkA), ids);
  EXPECT_EQ(deliveredPosts(kLinkB), ids);
  ASSERT_TRUE(eventually([&] { return scalar("SELECT count(*) FROM outbox") == "0"; }));
}

// A batch stops before a row that addresses one of its own posts (a reply needs its root's remote
// id): that row goes when the batch is done, without waiting for a wake-up or the poll.
TEST_F(BridgeFrameworkTest, ARowHeldBackForItsRootGoesWhenTheBatchIsDone) {
  auto ids = postMany(1, "root ");
  auto reply = post(kAlice, kLinked, "a quick reply", ids[0]);
  ASSERT_TRUE(reply.ok());
  ids.push_back(reply->id);
  startDrainer(std::chrono::hours(1));  // both rows are in its first batch
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(eventually([&] { return bridge_.answer(kLinkA, DeliveryResult::Outcome::kSent); }));
    ASSERT_TRUE(eventually([&] { return bridge_.answer(kLinkB, DeliveryResult::Outcome::kSent); }));
  }
  EXPECT_EQ(deliveredPosts(kLinkA), ids);
  EXPECT_EQ(deliveredPosts(kLinkB), ids);
  ASSERT_TRUE(eventually([&] { return scalar("SELECT count(*) FROM outbox") == "0"; }));
}

// Where the bridge takes several items at once (Bridge::maxRun), the drainer hands it the link's
// head items together; the bridge tries them in order and the run stops at a retry: what was
// sent is recorded, the rest waits behind the row that waits, and nothing is lost.
TEST_F(BridgeFrameworkTest, ARunOfItemsGoesTogetherAndStopsAtARetry) {
  using Outcome = DeliveryResult::Outcome;
  bridge_.setMaxRun(4);
  const auto ids = postMany(6, "run ");
  const auto pendingOn = [&](const char* link) {
    return scalar(
        ("SELECT count(*) FROM outbox WHERE link_id = '" + std::string(link) + "'").c_str());
  };
  startDrainer();
  ASSERT_TRUE(eventually([&] { return bridge_.openCount() == 2; }));
  EXPECT_EQ(bridge_.runSizes(kLinkA), std::vector<std::size_t>{4}) << "the four head items";
  ASSERT_TRUE(bridge_.answer(kLinkA, Outcome::kSent));
  ASSERT_TRUE(bridge_.answer(kLinkA, Outcome::kSent));  // the run's second item, handed at once
  ASSERT_TRUE(bridge_.answer(kLinkA, Outcome::kRetry, "the peer went away"));
  ASSERT_TRUE(eventually([&] { return pendingOn(kLinkA) == "4"; }))
      << "the two sent are recorded; the retried one and the three behind it wait";
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(deliveredPosts(kLinkA), (std::vector<std::string>{ids[0], ids[1], ids[2]}))
      << "the run's fourth item is not tried after the retry";

  clock_->advance(std::chrono::minutes(2));
  drainer_->wake();
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(eventually([&] { return bridge_.answer(kLinkA, Outcome::kSent); }));
  }
  ASSERT_TRUE(eventually([&] { return pendingOn(kLinkA) == "0"; }));
  EXPECT_EQ(deliveredPosts(kLinkA),
            (std::vector<std::string>{ids[0], ids[1], ids[2], ids[2], ids[3], ids[4], ids[5]}))
      << "each post once after the retry, in order";
  EXPECT_EQ(bridge_.runSizes(kLinkA), (std::vector<std::size_t>{4, 4}));
}

TEST_F(BridgeFrameworkTest, TheNextBatchIsDecidedWhileTheLastOneGoesOut) {
  const auto ids = postMany(70, "backlog ");  // a batch is 32 rows: three batches per link
  startDrainer();
  ASSERT_TRUE(eventually([&] { return bridge_.openCount() == 2; }));
  EXPECT_EQ(egressDecisions(), "64") << "each link's first batch";
  // Half of link A's batch out, the 16th item with the bridge: its next batch is decided now,
  // not once the last item of this one came back.
  for (int i = 0; i < 15; ++i) {
    ASSERT_TRUE(eventually([&] { return bridge_.answer(kLinkA, DeliveryResult::Outcome::kSent); }));
  }
  ASSERT_TRUE(eventually([&] { return deliveredPosts(kLinkA).size() == 16; }));
  ASSERT_TRUE(eventually([&] { return egressDecisions() == "96"; }))
      << "link A's second batch decided while its first goes out: " << egressDecisions();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(egressDecisions(), "96") << "link B's first batch has not gone half yet";
  EXPECT_EQ(deliveredPosts(kLinkA).size(), 16u) << "still one item in flight";

  bridge_.setAutoSend(true);
  while (bridge_.answer(kLinkA, DeliveryResult::Outcome::kSent) ||
         bridge_.answer(kLinkB, DeliveryResult::Outcome::kSent)) {
  }
  ASSERT_TRUE(eventually([&] { return scalar("SELECT count(*) FROM outbox") == "0"; }));
  EXPECT_EQ(deliveredPosts(kLinkA), ids) << "in order, each once";
  EXPECT_EQ(deliveredPosts(kLinkB), ids);
  EXPECT_EQ(egressDecisions(), "140") << "one decision per row";
}

TEST_F(BridgeFrameworkTest, ABatchDecidedAheadIsDroppedAfterARetryAndDecidedAgain) {
  const auto ids = postMany(50, "retried ");
  startDrainer();
  ASSERT_TRUE(eventually([&] { return bridge_.openCount() == 2; }));
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(eventually([&] { return bridge_.answer(kLinkA, DeliveryResult::Outcome::kSent); }));
  }
  ASSERT_TRUE(eventually([&] { return egressDecisions() == "82"; }))
      << "the rest of link A decided ahead: " << egressDecisions();
  // The peer goes down on the 21st: the rows behind it, decided ahead or not, wait behind it.
  ASSERT_TRUE(eventually([&] { return deliveredPosts(kLinkA).size() == 21; }));
  ASSERT_TRUE(bridge_.answer(kLinkA, DeliveryResult::Outcome::kRetry, "peer down"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(deliveredPosts(kLinkA).size(), 21u) << "nothing passes the row that waits";

  clock_->advance(std::chrono::minutes(2));
  bridge_.setAutoSend(true);
  drainer_->wake();
  while (bridge_.answer(kLinkB, DeliveryResult::Outcome::kSent)) {
  }
  ASSERT_TRUE(eventually([&] { return scalar("SELECT count(*) FROM outbox") == "0"; }));
  auto sentOnA = deliveredPosts(kLinkA);
  ASSERT_EQ(sentOnA.size(), 51u) << "the 21st twice, every other once";
  EXPECT_EQ(sentOnA[20], sentOnA[21]);
  sentOnA.erase(sentOnA.begin() + 21);
  EXPECT_EQ(sentOnA, ids) << "in order";
  EXPECT_EQ(deliveredPosts(kLinkB), ids);
}

TEST_F(BridgeFrameworkTest, AReplyDecidedAheadWaitsForItsRootsRemoteId) {
  auto ids = postMany(40, "thread ");
  // Row 41 of each link: a reply to the 20th post, which is still on its way when the rows
  // after the first batch are decided ahead.
  auto reply = post(kAlice, kLinked, "a reply", ids[19]);
  ASSERT_TRUE(reply.ok());
  ids.push_back(reply->id);
  bridge_.setAutoSend(true);
  startDrainer();
  ASSERT_TRUE(eventually([&] { return scalar("SELECT count(*) FROM outbox") == "0"; }));
  EXPECT_EQ(deliveredPosts(kLinkA), ids);
  const auto delivered = bridge_.delivered();
  const auto sentOnA = [&](const std::string& postId) {
    return *std::find_if(delivered.begin(), delivered.end(), [&](const OutboundItem& item) {
      return item.link.id == kLinkA && item.message.postId == postId;
    });
  };
  EXPECT_EQ(sentOnA(reply->id).rootRemoteId, "remote-" + std::to_string(sentOnA(ids[19]).outboxId))
      << "the reply names its root as the peer knows it";
}

TEST_F(BridgeFrameworkTest, ADeniedRowIsKeptWithItsAuditRecordAndTheNextOneGoes) {
  ASSERT_TRUE(
      execSql("UPDATE links SET peer = 'closed' WHERE id = 'linkbbbbbbbbbbbbbbbbbbbbbb'").ok());
  ASSERT_TRUE(post(kAlice, kLinked, "first").ok());
  ASSERT_TRUE(post(kAlice, kLinked, "second").ok());
  bridge_.setAutoSend(true);
  startDrainer();
  ASSERT_TRUE(eventually([&] {
    return scalar("SELECT count(*) FROM outbox WHERE state = 'denied'") == "2" &&
           scalar("SELECT count(*) FROM outbox WHERE state = 'pending'") == "0";
  }));
  EXPECT_EQ(deliveredPosts(kLinkA).size(), 2u);
  EXPECT_TRUE(deliveredPosts(kLinkB).empty()) << "nothing leaves on a denied link";
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox o JOIN audit_log a ON a.id = o.audit_id"
                   " WHERE o.state = 'denied' AND a.decision = 'deny'"
                   " AND a.action = 'message.egress'"),
            "2")
      << "each denied row names the audit record of its decision";
}

// In a burst, a link woken again while its batch was out is read a moment after that batch
// (its settle), so that the rows of the commits under way go together: here one run of three,
// where reading at once would make runs of two and one.
TEST_F(BridgeFrameworkTest, ALinkWokenWhileItsBatchWasOutSettlesIntoOneRun) {
  ASSERT_TRUE(execSql((std::string("DELETE FROM links WHERE id = '") + kLinkB + "'").c_str()).ok());
  bridge_.setMaxRun(4);
  startDrainer(std::chrono::hours(1), std::chrono::milliseconds(500));
  auto first = post(kAlice, kLinked, "first");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(eventually([&] { return bridge_.openCount() == 1; }));
  std::vector<std::string> ids{first->id};
  for (const char* text : {"second", "third"}) {
    auto queued = post(kAlice, kLinked, text);  // wakes the link while the first is out
    ASSERT_TRUE(queued.ok());
    ids.push_back(queued->id);
  }
  ASSERT_TRUE(bridge_.answer(kLinkA, DeliveryResult::Outcome::kSent));
  auto fourth = post(kAlice, kLinked, "fourth");  // within the settle
  ASSERT_TRUE(fourth.ok());
  ids.push_back(fourth->id);
  bridge_.setAutoSend(true);
  ASSERT_TRUE(eventually([&] {
    return deliveredPosts(kLinkA).size() == 4 && scalar("SELECT count(*) FROM outbox") == "0";
  }));
  EXPECT_EQ(deliveredPosts(kLinkA), ids) << "in order";
  EXPECT_EQ(bridge_.runSizes(kLinkA), (std::vector<std::size_t>{1, 3}));
}

// The database work of an inbound post, once its sender was seen in the room: the round trips
// of one event applied on its own (a batch of events shares all but the post's own writes).
// Each of the pool's connections prepares a statement on its first use of it: the fewest over a
// few events is the steady count.
TEST_F(BridgeFrameworkTest, AnInboundPostIsTwoRoundTripsOnceItsSenderWasSeenInTheRoom) {
  ASSERT_EQ(receive(fromCarol("s-0", "the puppet is made")).outcome, IngressOutcome::kApplied);
  std::uint64_t fewest = std::numeric_limits<std::uint64_t>::max();
  for (int i = 1; i <= 6; ++i) {
    const auto before = database_->stats();
    ASSERT_EQ(receive(fromCarol("s-" + std::to_string(i), "hello")).outcome,
              IngressOutcome::kApplied);
    ASSERT_TRUE(eventually([&] { return database_->stats().completed > before.completed; }));
    fewest = std::min(fewest, database_->stats().roundTrips - before.roundTrips);
  }
  // BEGIN with the sender's remote_users row with its user and the room's link (read ahead),
  // the inbox claim, then, for the puppet and channel of the sender's last event here, the
  // audit chain's lock and head, the channel with its policy attributes and the puppet's
  // access, membership included (one statement, kept for the guard and the post), and the
  // channel's links; the post, its audit record, the inbox effect and the id map entry with
  // the COMMIT.
  EXPECT_EQ(fewest, 2U);
}

// What the last event crossed with is a guess for the next: when the room's link was moved to
// another channel meanwhile, the next event reads for the channel it turns out to have (a round
// trip more), lands there and is decided and audited there.
TEST_F(BridgeFrameworkTest, AnInboundPostFollowsItsLinkWhereTheLastWentElsewhere) {
  ASSERT_EQ(receive(fromCarol("m-0", "to linked")).outcome, IngressOutcome::kApplied);
  ASSERT_EQ(receive(fromCarol("m-1", "to linked again")).outcome, IngressOutcome::kApplied);
  ASSERT_TRUE(execSql((std::string("UPDATE links SET channel_id = '") + kPlain + "' WHERE id = '" +
                       kLinkA + "'")
                          .c_str())
                  .ok());
  const auto before = database_->stats();
  ASSERT_EQ(receive(fromCarol("m-2", "to plain")).outcome, IngressOutcome::kApplied);
  ASSERT_TRUE(eventually([&] { return database_->stats().completed > before.completed; }));
  EXPECT_GT(database_->stats().roundTrips - before.roundTrips, 2U) << "the guess missed";
  EXPECT_EQ(scalar("SELECT channel_id FROM posts WHERE message = 'to plain'"), kPlain);
  EXPECT_EQ(scalar("SELECT count(*) FROM posts WHERE channel_id = '" + std::string(kLinked) +
                   "' AND message LIKE 'to linked%'"),
            "2");
  EXPECT_EQ(scalar("SELECT resource FROM audit_log WHERE action = 'message.ingress'"
                   " ORDER BY id DESC LIMIT 1"),
            std::string("channel:") + kPlain);
  EXPECT_EQ(scalar("SELECT count(*) FROM channel_members cm JOIN users u ON u.id = cm.user_id"
                   " WHERE cm.channel_id = '" +
                   std::string(kPlain) + "' AND u.username LIKE '%carol%'"),
            "1")
      << "the puppet joined the channel it posted to";
}

// A link deleted while a post to its channel was written leaves that post's outbox row (no key
// holds a row to its link since migration 0014): the drainer's first pass removes such rows,
// and only those.
TEST_F(BridgeFrameworkTest, TheDrainerRemovesTheRowsOfDeletedLinks) {
  auto kept = post(kAlice, kPlain, "a post of a channel with no link");
  ASSERT_TRUE(kept.ok());
  const std::string rows =
      "INSERT INTO outbox (link_id, kind, post_id, txn_id, state) VALUES"
      " ('gonelinkaaaaaaaaaaaaaaaaaa', 'post', '" +
      kept->id +
      "', 'parley.gone', 'pending'),"
      " ('" +
      std::string(kLinkA) + "', 'post', '" + kept->id + "', 'parley.denied', 'denied')";
  ASSERT_TRUE(execSql(rows.c_str()).ok());
  startDrainer();
  EXPECT_TRUE(eventually([&] {
    return scalar("SELECT count(*) FROM outbox WHERE link_id = 'gonelinkaaaaaaaaaaaaaaaaaa'") ==
           "0";
  }));
  EXPECT_EQ(scalar("SELECT state FROM outbox WHERE link_id = '" + std::string(kLinkA) + "'"),
            "denied")
      << "a denied row of a link there is stays";
}

// A post to a linked channel as the API makes it: the author's access with the policy's inputs
// and the channel's links, in one round trip; the post, its outbox rows and the COMMIT in
// another.
TEST_F(BridgeFrameworkTest, APostToALinkedChannelIsTwoRoundTrips) {
  const core::model::User alice = user(kAlice);
  std::uint64_t fewest = std::numeric_limits<std::uint64_t>::max();
  for (int i = 0; i < 4; ++i) {
    core::model::Post draft;
    draft.channelId = kLinked;
    draft.message = "counted " + std::to_string(i);
    const auto before = database_->stats();
    ASSERT_TRUE(runSync(*database_, [&](Store& s) {
                  return core::services::createPost(s, alice, draft);
                }).ok());
    // The job's round trips are counted once it is done, just after it answered.
    ASSERT_TRUE(eventually([&] { return database_->stats().completed > before.completed; }));
    fewest = std::min(fewest, database_->stats().roundTrips - before.roundTrips);
  }
  EXPECT_EQ(fewest, 2U);
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox"), "8") << "each post queued for both links";
}

// The drainer's database work for a post of live traffic: one row on an idle link, decided,
// handed to the bridge and recorded as sent. Each statement is prepared on its first use: the
// fewest over a few posts is the steady count.
TEST_F(BridgeFrameworkTest, AnOutboundPostIsThreeRoundTripsForTheDrainer) {
  ASSERT_TRUE(execSql((std::string("DELETE FROM links WHERE id = '") + kLinkB + "'").c_str()).ok());
  bridge_.setAutoSend(true);
  startDrainer(std::chrono::hours(1));  // woken by each post's commit, never by the clock
  const auto settled = [&] {
    const auto before = drainDatabase_->stats().completed;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto stats = drainDatabase_->stats();
    return stats.completed == before && stats.busy == 0 && stats.queued == 0;
  };
  std::uint64_t fewest = std::numeric_limits<std::uint64_t>::max();
  for (std::size_t i = 1; i <= 6; ++i) {
    const auto before = drainDatabase_->stats();
    ASSERT_TRUE(post(kAlice, kLinked, "live " + std::to_string(i)).ok());
    ASSERT_TRUE(eventually([&] {
      return deliveredPosts(kLinkA).size() == i && scalar("SELECT count(*) FROM outbox") == "0";
    }));
    ASSERT_TRUE(eventually(settled));
    fewest = std::min(fewest, drainDatabase_->stats().roundTrips - before.roundTrips);
  }
  // BEGIN, the chain's lock and head and the inputs the post's commit announced (its author on
  // the channel), with the link's lock, its head rows, their posts and authors; the audit
  // record with the COMMIT; the id map entry and the row's removal, in a transaction of their
  // own once the bridge has answered.
  EXPECT_EQ(fewest, 3U);
}

// The live crossing: once the drainer is caught up on a link, a post is decided for it as it
// is written, in the post's own two round trips, and handed to the bridge from the commit; the
// drainer's only database work is recording it as sent. Each post is decided once.
TEST_F(BridgeFrameworkTest, APostToACaughtUpLinkCrossesFromItsCommitDecidedOnce) {
  ASSERT_TRUE(execSql((std::string("DELETE FROM links WHERE id = '") + kLinkB + "'").c_str()).ok());
  bridge_.setAutoSend(true);
  startDrainer(std::chrono::hours(1));  // woken by each post's commit, never by the clock
  ASSERT_TRUE(post(kAlice, kLinked, "read from the outbox").ok());
  ASSERT_TRUE(eventually([&] { return isLive(kLinkA); })) << "caught up once its row is sent";
  std::uint64_t fewestPost = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t fewestDrain = fewestPost;
  std::vector<std::string> ids;
  for (std::size_t i = 1; i <= 6; ++i) {
    const auto postBefore = database_->stats();
    const auto drainBefore = drainDatabase_->stats();
    auto created = postLive("live " + std::to_string(i), *liveLinks_);
    ASSERT_TRUE(created.ok()) << created.error().id << " " << created.error().detail;
    ids.push_back(created->id);
    ASSERT_TRUE(eventually([&] {
      return deliveredPosts(kLinkA).size() == i + 1 && scalar("SELECT count(*) FROM outbox") == "0";
    }));
    ASSERT_TRUE(eventually(
        [&] { return database_->stats().completed > postBefore.completed && isLive(kLinkA); }));
    ASSERT_TRUE(eventually([&] {  // the drainer's jobs are counted once each is done
      const auto before = drainDatabase_->stats().completed;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      const auto stats = drainDatabase_->stats();
      return stats.completed == before && stats.busy == 0 && stats.queued == 0;
    }));
    fewestPost = std::min(fewestPost, database_->stats().roundTrips - postBefore.roundTrips);
    fewestDrain =
        std::min(fewestDrain, drainDatabase_->stats().roundTrips - drainBefore.roundTrips);
  }
  // BEGIN, the audit chain's lock and head, the row's number, and the author's access with the
  // policy's inputs and the channel's links; the post, its outbox row and audit record with the
  // COMMIT. The drainer: the id map entry and the row's removal.
  EXPECT_EQ(fewestPost, 2U);
  EXPECT_EQ(fewestDrain, 1U);
  auto delivered = deliveredPosts(kLinkA);
  EXPECT_EQ(std::vector<std::string>(delivered.begin() + 1, delivered.end()), ids) << "in order";
  EXPECT_EQ(egressDecisions(), "7") << "each post decided once, the live ones as written";
  EXPECT_EQ(scalar("SELECT count(*) FROM id_map"), "7");
  EXPECT_EQ(bridge_.delivered().back().message.text, "live 6");
  EXPECT_EQ(metrics_->link("test", kLinkA).sent->value(), 7U);
}

// Decided as it is written: the row of a link whose peer the policy closes is written denied,
// with its audit record, by the post's own transaction; the permitted one is written pending,
// and decided again by a drainer that reads it (here none was running to take it from the
// commit).
TEST_F(BridgeFrameworkTest, APostDeniedAsItIsWrittenIsKeptDeniedWithItsAuditRecord) {
  ASSERT_TRUE(
      execSql("UPDATE links SET peer = 'closed' WHERE id = 'linkbbbbbbbbbbbbbbbbbbbbbb'").ok());
  core::services::LiveLinks decided;
  markLive(decided, {kLinkA, kLinkB});
  auto created = postLive("decided as written", decided);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(
      rows("SELECT o.link_id || '|' || o.state || '|' || o.last_error || '|' ||"
           " COALESCE(a.decision, '') FROM outbox o LEFT JOIN audit_log a ON a.id = o.audit_id"
           " ORDER BY o.link_id"),
      (std::vector<std::string>{std::string(kLinkA) + "|pending||",
                                std::string(kLinkB) + "|denied|policy.denied.no_permit|deny"}))
      << "the denial and its record commit with the post";
  EXPECT_EQ(egressDecisions(), "2");
  bridge_.setAutoSend(true);
  startDrainer();
  ASSERT_TRUE(eventually([&] {
    return deliveredPosts(kLinkA).size() == 1 &&
           scalar("SELECT count(*) FROM outbox WHERE state = 'pending'") == "0";
  }));
  EXPECT_TRUE(deliveredPosts(kLinkB).empty()) << "nothing leaves on a denied link";
  EXPECT_EQ(egressDecisions(), "3") << "the pending row decided again when read";
}

// A burst: posts that queued in their channel's lane while the link's run was with the bridge
// are decided as they are written, in the batch's one transaction, and follow the run in order
// from the commit, without the drainer reading or deciding them again.
TEST_F(BridgeFrameworkTest, ABatchPostedWhileARunIsOutIsDecidedAsWrittenAndFollowsIt) {
  ASSERT_TRUE(execSql((std::string("DELETE FROM links WHERE id = '") + kLinkB + "'").c_str()).ok());
  startDrainer(std::chrono::hours(1));
  auto first = post(kAlice, kLinked, "in flight");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(eventually([&] { return bridge_.openCount() == 1 && isLive(kLinkA); }))
      << "caught up with its run out";
  auto batch = postBatch({"one", "two", "three"});
  std::vector<std::string> ids{first->id};
  for (const auto& created : batch) {
    ASSERT_TRUE(created.ok()) << created.error().id << " " << created.error().detail;
    ids.push_back(created->id);
  }
  EXPECT_EQ(egressDecisions(), "4") << "the batch decided with its posts";
  EXPECT_EQ(scalar("SELECT count(DISTINCT xmin::text) FROM (SELECT xmin FROM posts WHERE message"
                   " IN ('one', 'two', 'three') UNION ALL SELECT a.xmin FROM audit_log a JOIN posts"
                   " p ON a.resource = 'post:' || p.id WHERE p.message IN ('one', 'two', 'three')"
                   " AND a.action = 'message.egress') t"),
            "1")
      << "the posts and their decisions in one transaction";
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(bridge_.delivered().size(), 1U) << "nothing overtakes the item in flight";
  bridge_.setAutoSend(true);
  ASSERT_TRUE(bridge_.answer(kLinkA, DeliveryResult::Outcome::kSent));
  ASSERT_TRUE(eventually([&] {
    return deliveredPosts(kLinkA).size() == 4 && scalar("SELECT count(*) FROM outbox") == "0";
  }));
  EXPECT_EQ(deliveredPosts(kLinkA), ids) << "in order";
  EXPECT_EQ(egressDecisions(), "4") << "each post decided once";
  EXPECT_EQ(scalar("SELECT count(*) FROM id_map"), "4");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(bridge_.delivered().size(), 4U) << "once";
}

// A link whose peer is slower than the posts keeps at most two batches ready from commits: the
// posts after that are left to the outbox, and follow in order, each decided once.
TEST_F(BridgeFrameworkTest, ALinkTakesFromCommitsNoMoreThanItMayKeepReady) {
  ASSERT_TRUE(execSql((std::string("DELETE FROM links WHERE id = '") + kLinkB + "'").c_str()).ok());
  startDrainer(std::chrono::hours(1));
  auto first = post(kAlice, kLinked, "in flight");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(eventually([&] { return bridge_.openCount() == 1 && isLive(kLinkA); }));
  std::vector<std::string> ids{first->id};
  for (int round = 0; round < 3; ++round) {
    std::vector<std::string> texts;
    for (int i = 0; i < 32; ++i)
      texts.push_back("round " + std::to_string(round) + "-" + std::to_string(i));
    for (const auto& created : postBatch(texts)) {
      ASSERT_TRUE(created.ok()) << created.error().detail;
      ids.push_back(created->id);
    }
    if (round == 1) {
      ASSERT_TRUE(eventually([&] { return !isLive(kLinkA); })) << "two batches ready: no more";
    }
  }
  EXPECT_EQ(egressDecisions(), "65") << "the last batch not decided as written";
  bridge_.setAutoSend(true);
  ASSERT_TRUE(bridge_.answer(kLinkA, DeliveryResult::Outcome::kSent));
  ASSERT_TRUE(eventually([&] {
    return deliveredPosts(kLinkA).size() == ids.size() &&
           scalar("SELECT count(*) FROM outbox") == "0";
  }));
  EXPECT_EQ(deliveredPosts(kLinkA), ids) << "in order, once";
  EXPECT_EQ(egressDecisions(), "97") << "each post decided once";
}

// A batch with a post that is not decided as it is written (a reply: its root's remote id is
// the drainer's to read) is written undecided as a whole: its rows are drained in the order of
// their posts.
TEST_F(BridgeFrameworkTest, ABatchWithAReplyIsDrainedInTheOrderOfItsPosts) {
  ASSERT_TRUE(execSql((std::string("DELETE FROM links WHERE id = '") + kLinkB + "'").c_str()).ok());
  bridge_.setAutoSend(true);
  startDrainer(std::chrono::hours(1));
  auto root = post(kAlice, kLinked, "root");
  ASSERT_TRUE(root.ok());
  ASSERT_TRUE(
      eventually([&] { return isLive(kLinkA) && scalar("SELECT count(*) FROM outbox") == "0"; }));
  core::model::Post reply;
  reply.channelId = kLinked;
  reply.rootId = root->id;
  reply.message = "reply";
  core::model::Post after;
  after.channelId = kLinked;
  after.message = "after the reply";
  auto batch = postBatch({reply, after});
  ASSERT_TRUE(batch[0].ok() && batch[1].ok());
  const auto& first = batch[0];
  const auto& second = batch[1];
  ASSERT_TRUE(eventually([&] {
    return deliveredPosts(kLinkA).size() == 3 && scalar("SELECT count(*) FROM outbox") == "0";
  }));
  EXPECT_EQ(deliveredPosts(kLinkA), (std::vector<std::string>{root->id, first->id, second->id}));
  const std::string rootRemoteId =
      scalar(("SELECT remote_event_id FROM id_map WHERE part = 0 AND post_id = '" + root->id + "'")
                 .c_str());
  ASSERT_FALSE(rootRemoteId.empty());
  EXPECT_EQ(bridge_.delivered()[1].rootRemoteId, rootRemoteId) << "the reply under its root";
  EXPECT_EQ(egressDecisions(), "2") << "each decided once, by the drainer";
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'thread.egress'"), "1");
}

// A post decided as written for a link that was no longer caught up when it committed (its
// head row waits for a retry): the drainer reads its row after that one and decides it again;
// it goes once, in order.
TEST_F(BridgeFrameworkTest, APostDecidedForALinkNoLongerCaughtUpIsDrainedInOrder) {
  ASSERT_TRUE(execSql((std::string("DELETE FROM links WHERE id = '") + kLinkB + "'").c_str()).ok());
  startDrainer(std::chrono::hours(1));
  auto first = post(kAlice, kLinked, "retried");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(eventually([&] { return bridge_.openCount() == 1; }));
  ASSERT_TRUE(bridge_.answer(kLinkA, DeliveryResult::Outcome::kRetry, "peer down"));
  ASSERT_TRUE(eventually([&] { return !isLive(kLinkA); }));
  // What the post saw: the link caught up, as it was a moment ago.
  core::services::LiveLinks stale;
  markLive(stale, {kLinkA});
  auto second = postLive("decided as written", stale);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(egressDecisions(), "2");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(deliveredPosts(kLinkA).size(), 1U) << "nothing overtakes the row that waits";
  bridge_.setAutoSend(true);
  clock_->advance(std::chrono::minutes(2));  // the retry falls due
  ASSERT_TRUE(eventually([&] {
    return deliveredPosts(kLinkA).size() == 3 && scalar("SELECT count(*) FROM outbox") == "0";
  }));
  EXPECT_EQ(deliveredPosts(kLinkA), (std::vector<std::string>{first->id, first->id, second->id}))
      << "the retried row again, then the other";
  EXPECT_EQ(egressDecisions(), "4") << "each decided again when its row was read";
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(bridge_.delivered().size(), 3U) << "once";
}

// The drain lock is the drainer's session's: once that session is ended and another (another
// node) holds the lock, a post decided as it was written waits in the outbox for whoever drains
// the link, and goes once when this node has the lock again.
TEST_F(BridgeFrameworkTest, APostDecidedAsWrittenWaitsWhenTheDrainerLostItsLock) {
  ASSERT_TRUE(execSql((std::string("DELETE FROM links WHERE id = '") + kLinkB + "'").c_str()).ok());
  bridge_.setAutoSend(true);
  startDrainer();
  ASSERT_TRUE(post(kAlice, kLinked, "read from the outbox").ok());
  ASSERT_TRUE(
      eventually([&] { return isLive(kLinkA) && scalar("SELECT count(*) FROM outbox") == "0"; }));
  const std::string held = std::string(
                               "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND "
                               "classid = 7342 AND objsubid = 2 AND objid = (hashtext('") +
                           kLinkA + "')::bigint & 4294967295)::oid";
  // As another node would (and the relay bench does): the drainer's session is ended until this
  // one holds the lock, which the old backend lets go only once it has exited.
  ASSERT_TRUE(eventually([&] {
    scalar(("SELECT count(pg_terminate_backend(pid)) FROM (" + held + ") h").c_str());
    return scalar((std::string("SELECT pg_try_advisory_lock(7342, hashtext('") + kLinkA + "'))")
                      .c_str()) == "t";
  }));
  auto waiting = postLive("decided as written", *liveLinks_);
  ASSERT_TRUE(waiting.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(deliveredPosts(kLinkA).size(), 1U) << "not sent without the link's lock";
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox WHERE state = 'pending'"), "1");
  ASSERT_EQ(
      scalar((std::string("SELECT pg_advisory_unlock(7342, hashtext('") + kLinkA + "'))").c_str()),
      "t");
  ASSERT_TRUE(eventually([&] {
    return deliveredPosts(kLinkA).size() == 2 && scalar("SELECT count(*) FROM outbox") == "0";
  }));
  EXPECT_EQ(deliveredPosts(kLinkA).back(), waiting->id);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(deliveredPosts(kLinkA).size(), 2U) << "once";
}

TEST_F(BridgeFrameworkTest, TheSameInboundEventTwiceMakesOnePost) {
  const auto event = fromCarol("stanza-1", "hello from a");
  auto first = receive(event);
  auto second = receive(event);
  ASSERT_EQ(first.outcome, IngressOutcome::kApplied) << first.error;
  EXPECT_EQ(second.outcome, IngressOutcome::kDuplicate);
  EXPECT_EQ(scalar("SELECT count(*) FROM posts"), "1");
  EXPECT_EQ(scalar("SELECT u.username || '|' || p.message || '|' || p.channel_id FROM posts p"
                   " JOIN users u ON u.id = p.user_id"),
            std::string("carol:partner-a.example|hello from a|") + kLinked);
  EXPECT_EQ(rows("SELECT link_id FROM outbox"), (std::vector<std::string>{kLinkB}))
      << "relayed to the other room, never back to the room it came from";
  EXPECT_EQ(scalar("SELECT payload->'origin'->>'remote_room' FROM outbox"), kRoomA);
}

TEST_F(BridgeFrameworkTest, EventsOfOneRoomArePostedInTheOrderTheyCameWhateverThePool) {
  // Four workers could apply four events at once; a room's events must still commit in order.
  core::config::DatabaseConfig config;
  config.dsn = dsn_;
  config.poolSize = 4;
  auto pool = core::store::postgres::openDatabase(config, clock_, {}, policy_);
  constexpr int kEvents = 120;
  std::mutex mutex;
  std::condition_variable finished;
  int done = 0;
  std::vector<IngressOutcome> outcomes(kEvents);
  {
    IngressPipeline pipeline(pool, metrics_);
    for (int i = 0; i < kEvents; ++i) {
      // Two rooms interleaved: each keeps its own order, neither waits for the other to finish.
      auto event = fromCarol("ordered-" + std::to_string(i), "message " + std::to_string(i),
                             i % 2 == 0 ? kRoomA : kRoomB);
      pipeline.receive(std::move(event), [&, i](IngressResult result) {
        std::lock_guard lock(mutex);
        outcomes[i] = result.outcome;
        ++done;
        finished.notify_one();
      });
    }
    std::unique_lock lock(mutex);
    ASSERT_TRUE(finished.wait_for(lock, std::chrono::seconds(60), [&] { return done == kEvents; }));
  }
  pool->stop();
  for (int i = 0; i < kEvents; ++i) EXPECT_EQ(outcomes[i], IngressOutcome::kApplied) << i;
  // Posts of one room in commit order (create_at, then the sequence of their id map rows).
  for (const char* room : {kRoomA, kRoomB}) {
    const auto texts = rows((std::string("SELECT p.message FROM posts p JOIN id_map m ON "
                                         "m.post_id = p.id WHERE m.remote_room = '") +
                             room + "' ORDER BY p.create_at, m.ctid")
                                .c_str());
    std::vector<std::string> expected;
    for (int i = room == std::string(kRoomA) ? 0 : 1; i < kEvents; i += 2) {
      expected.push_back("message " + std::to_string(i));
    }
    EXPECT_EQ(texts, expected) << room;
  }
}

TEST_F(BridgeFrameworkTest, EventsAppliedTogetherKeepTheirOrderOnceEachInOneTransaction) {
  // The clock stands still: every post of the batch is made in the same millisecond.
  IngressPipeline pipeline(database_, metrics_);
  const auto together = [&](const std::vector<InboundEvent>& events) {
    std::vector<const InboundEvent*> pointers;
    for (const auto& event : events) pointers.push_back(&event);
    return runSync(*database_, [&](Store& s) { return pipeline.applyTogether(s, pointers); });
  };
  auto edit = fromCarol("b-4", "one, edited");
  edit.change = core::model::MessageChange::kEdit;
  edit.targetRemoteId = "b-1";  // made earlier in the same batch
  // A second sender between carol's posts: each post orders itself after the one before it,
  // whoever made that one.
  auto fromDave = fromCarol("b-2", "two");
  fromDave.sender.remoteId = "dave@partner-a.example";
  fromDave.senderDisplayName = "Dave";
  const auto first = together({fromCarol("b-1", "one"), fromDave, fromCarol("b-1", "one again"),
                               edit, fromCarol("b-3", "three")});
  ASSERT_EQ(first.size(), 5u);
  EXPECT_EQ(first[0].outcome, IngressOutcome::kApplied) << first[0].error;
  EXPECT_EQ(first[1].outcome, IngressOutcome::kApplied) << first[1].error;
  EXPECT_EQ(first[2].outcome, IngressOutcome::kDuplicate) << "the same id twice in one batch";
  EXPECT_EQ(first[2].postId, first[0].postId) << "a duplicate names the post it made";
  EXPECT_EQ(first[3].outcome, IngressOutcome::kApplied) << first[3].error;
  EXPECT_EQ(first[4].outcome, IngressOutcome::kApplied) << first[4].error;
  EXPECT_EQ(rows("SELECT message FROM posts WHERE delete_at = 0 ORDER BY create_at, id"),
            (std::vector<std::string>{"one, edited", "two", "three"}))
      << "listed in the order they came, though made in one millisecond";
  EXPECT_EQ(scalar("SELECT count(DISTINCT create_at) FROM posts WHERE delete_at = 0"), "3");
  EXPECT_EQ(scalar("SELECT count(*) FROM inbox"), "4");
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'message.ingress'"), "4")
      << "one decision per event that was not a duplicate";
  EXPECT_EQ(rows("SELECT remote_id, effect_kind FROM inbox ORDER BY remote_id"),
            (std::vector<std::string>{"b-1|post", "b-2|post", "b-3|post", "b-4|edit"}))
      << "each event's effect, written with the batch";
  EXPECT_EQ(scalar("SELECT effect_id FROM inbox WHERE remote_id = 'b-1'"), first[0].postId);
  EXPECT_EQ(scalar("SELECT post_id FROM id_map WHERE remote_event_id = 'b-1'"), first[0].postId);
  EXPECT_EQ(scalar("SELECT count(*) FROM id_map WHERE remote_event_id IN ('b-2', 'b-3')"), "2");

  // One event of a batch that cannot be applied (an unknown target): the others are applied
  // all the same, those before it together again and those after it as the next batch, and
  // that one leaves nothing behind.
  ASSERT_TRUE(execSql(testing::kNotePostTransactions).ok());
  auto stray = fromCarol("b-6", "");
  stray.change = core::model::MessageChange::kReaction;
  stray.targetRemoteId = "never-seen";
  stray.emoji = "thumbsup";
  const auto second = together({fromCarol("b-5", "four"), fromCarol("b-5a", "four and a half"),
                                stray, fromCarol("b-7", "five"), fromCarol("b-8", "six")});
  ASSERT_EQ(second.size(), 5u);
  for (std::size_t i : {0u, 1u, 3u, 4u}) {
    EXPECT_EQ(second[i].outcome, IngressOutcome::kApplied) << i << " " << second[i].error;
  }
  EXPECT_EQ(second[2].outcome, IngressOutcome::kUnknownTarget);
  EXPECT_EQ(rows("SELECT message FROM posts WHERE delete_at = 0 ORDER BY create_at, id"),
            (std::vector<std::string>{"one, edited", "two", "three", "four", "four and a half",
                                      "five", "six"}));
  EXPECT_EQ(scalar("SELECT count(*) FROM inbox WHERE remote_id = 'b-6'"), "0");
  EXPECT_EQ(scalar(testing::kPostsByTransaction), "four,four and a half | five,six")
      << "two transactions of two, not one per event";

  // Redelivered, all of it: nothing changes.
  const auto again = together({fromCarol("b-5", "four"), fromCarol("b-7", "five")});
  EXPECT_EQ(again[0].outcome, IngressOutcome::kDuplicate);
  EXPECT_EQ(again[1].outcome, IngressOutcome::kDuplicate);
  EXPECT_EQ(scalar("SELECT count(*) FROM posts WHERE delete_at = 0"), "7");

  // The audit chain holds: records appended by one transaction chain on each other.
  auto report = runSync(*database_, [](Store& s) { return s.audit().verify(); });
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->intact) << report->reason;
}

// A batch reads a thread's root once for its replies; a root the batch deleted is read again, so
// a reply after the deletion is refused as it would be in a batch of its own.
TEST_F(BridgeFrameworkTest, AReplyAfterItsRootWasDeletedInTheSameBatchIsRefused) {
  IngressPipeline pipeline(database_, metrics_);
  auto replyToOne = [&](const char* id, const char* text) {
    auto reply = fromCarol(id, text);
    reply.replyToRemoteId = "c-1";
    return reply;
  };
  auto retraction = fromCarol("c-3", "");
  retraction.change = core::model::MessageChange::kDelete;
  retraction.targetRemoteId = "c-1";
  const std::vector<InboundEvent> events{fromCarol("c-1", "root"), replyToOne("c-2", "first"),
                                         retraction, replyToOne("c-4", "too late")};
  std::vector<const InboundEvent*> pointers;
  for (const auto& event : events) pointers.push_back(&event);
  const auto applied =
      runSync(*database_, [&](Store& s) { return pipeline.applyTogether(s, pointers); });
  ASSERT_EQ(applied.size(), 4u);
  EXPECT_EQ(applied[1].outcome, IngressOutcome::kApplied) << applied[1].error;
  EXPECT_EQ(applied[2].outcome, IngressOutcome::kApplied) << applied[2].error;
  EXPECT_NE(applied[3].outcome, IngressOutcome::kApplied);
  EXPECT_EQ(scalar("SELECT count(*) FROM posts WHERE message = 'too late'"), "0");
}

TEST_F(BridgeFrameworkTest, AnInboundReplyLandsUnderTheRightRoot) {
  // A local post, sent out to room A where the peer gave it an id.
  auto root = post(kAlice, kLinked, "root");
  ASSERT_TRUE(root.ok());
  bridge_.setAutoSend(true);
  startDrainer();
  ASSERT_TRUE(eventually([&] { return scalar("SELECT count(*) FROM outbox") == "0"; }));
  const std::string remoteRoot = scalar(
      "SELECT remote_event_id FROM id_map WHERE remote_room = 'ops@rooms.partner-a.example'");
  ASSERT_FALSE(remoteRoot.empty());

  auto reply = fromCarol("stanza-2", "a reply");
  reply.replyToRemoteId = remoteRoot;
  auto applied = receive(reply);
  ASSERT_EQ(applied.outcome, IngressOutcome::kApplied) << applied.error;
  EXPECT_EQ(scalar(("SELECT root_id FROM posts WHERE id = '" + applied.postId + "'").c_str()),
            root->id);
  // A reply to that reply (by its remote id) goes under the same root.
  auto nested = fromCarol("stanza-3", "nested");
  nested.replyToRemoteId = "stanza-2";
  auto second = receive(nested);
  ASSERT_EQ(second.outcome, IngressOutcome::kApplied) << second.error;
  EXPECT_EQ(scalar(("SELECT root_id FROM posts WHERE id = '" + second.postId + "'").c_str()),
            root->id);
  // Out to room B, the reply names the root's id there.
  ASSERT_TRUE(eventually([&] {
    for (const auto& item : bridge_.delivered()) {
      if (item.link.id == kLinkB && item.message.postId == applied.postId) {
        return item.message.rootId == root->id && !item.rootRemoteId.empty();
      }
    }
    return false;
  }));
}

TEST_F(BridgeFrameworkTest, EditsDeletesAndReactionsFollowTheIdMapAndTheirAuthor) {
  ASSERT_EQ(receive(fromCarol("s-1", "typo")).outcome, IngressOutcome::kApplied);
  auto edit = fromCarol("s-2", "fixed");
  edit.change = core::model::MessageChange::kEdit;
  edit.targetRemoteId = "s-1";
  ASSERT_EQ(receive(edit).outcome, IngressOutcome::kApplied);
  EXPECT_EQ(scalar("SELECT message FROM posts"), "fixed");

  auto spoof = fromCarol("s-3", "not mine");
  spoof.sender.remoteId = "mallory@partner-a.example";
  spoof.change = core::model::MessageChange::kEdit;
  spoof.targetRemoteId = "s-1";
  EXPECT_EQ(receive(spoof).outcome, IngressOutcome::kRejected);
  EXPECT_EQ(scalar("SELECT message FROM posts"), "fixed");
  EXPECT_EQ(scalar("SELECT count(*) FROM users WHERE username LIKE 'mallory%'"), "0")
      << "a refused event changes nothing, not even a puppet";

  auto unknown = fromCarol("s-4", "");
  unknown.change = core::model::MessageChange::kReaction;
  unknown.targetRemoteId = "never-seen";
  unknown.emoji = "thumbsup";
  EXPECT_EQ(receive(unknown).outcome, IngressOutcome::kUnknownTarget);
  EXPECT_EQ(receive(fromCarol("s-5", "who?", "nobody@rooms.example")).outcome,
            IngressOutcome::kUnknownRoom);
  EXPECT_EQ(scalar("SELECT count(*) FROM inbox"), "2") << "only applied events are claimed";

  auto reaction = fromCarol("s-6", "");
  reaction.change = core::model::MessageChange::kReaction;
  reaction.targetRemoteId = "s-1";
  reaction.emoji = "thumbsup";
  ASSERT_EQ(receive(reaction).outcome, IngressOutcome::kApplied);
  auto removal = fromCarol("s-7", "");
  removal.change = core::model::MessageChange::kDelete;
  removal.targetRemoteId = "s-1";
  ASSERT_EQ(receive(removal).outcome, IngressOutcome::kApplied);
  EXPECT_NE(scalar("SELECT delete_at FROM posts"), "0");
  EXPECT_EQ(rows("SELECT kind FROM outbox WHERE link_id = 'linkaaaaaaaaaaaaaaaaaaaaaa'"),
            std::vector<std::string>{})
      << "none of it goes back to room A";
  EXPECT_EQ(
      rows("SELECT kind FROM outbox WHERE link_id = 'linkbbbbbbbbbbbbbbbbbbbbbb' ORDER BY id"),
      (std::vector<std::string>{"post", "edit", "reaction", "delete"}));
}

TEST_F(BridgeFrameworkTest, ADeleteNamingAnInboundReactionRemovesThatReactionOnly) {
  ASSERT_EQ(receive(fromCarol("r-1", "react to me")).outcome, IngressOutcome::kApplied);
  const auto react = [&](std::string id, std::string emoji, std::string sender) {
    auto event = fromCarol(std::move(id), "");
    event.change = core::model::MessageChange::kReaction;
    event.targetRemoteId = "r-1";
    event.emoji = std::move(emoji);
    event.sender.remoteId = std::move(sender);
    return receive(event).outcome;
  };
  ASSERT_EQ(react("r-2", "tada", "carol@partner-a.example"), IngressOutcome::kApplied);
  ASSERT_EQ(react("r-3", "heart", "carol@partner-a.example"), IngressOutcome::kApplied);
  ASSERT_EQ(react("r-4", "tada", "dave@partner-a.example"), IngressOutcome::kApplied);
  const auto reactions = [&] {
    return rows(
        "SELECT u.username || ' ' || r.emoji_name FROM reactions r JOIN users u ON "
        "u.id = r.user_id WHERE r.delete_at = 0 ORDER BY 1");
  };
  ASSERT_EQ(reactions(), (std::vector<std::string>{"carol:partner-a.example heart",
                                                   "carol:partner-a.example tada",
                                                   "dave:partner-a.example tada"}));
  const auto retract = [&](std::string id, std::string target, std::string sender) {
    auto event = fromCarol(std::move(id), "");
    event.change = core::model::MessageChange::kDelete;
    event.targetRemoteId = std::move(target);
    event.sender.remoteId = std::move(sender);
    return receive(event).outcome;
  };
  // Dave cannot take Carol's reaction back; an unknown event changes nothing.
  EXPECT_EQ(retract("r-5", "r-2", "dave@partner-a.example"), IngressOutcome::kRejected);
  EXPECT_EQ(retract("r-6", "never-seen", "carol@partner-a.example"),
            IngressOutcome::kUnknownTarget);
  EXPECT_EQ(reactions().size(), 3u);

  ASSERT_EQ(retract("r-7", "r-2", "carol@partner-a.example"), IngressOutcome::kApplied);
  EXPECT_EQ(reactions(), (std::vector<std::string>{"carol:partner-a.example heart",
                                                   "dave:partner-a.example tada"}));
  EXPECT_EQ(scalar("SELECT delete_at FROM posts"), "0") << "the post stays";
  EXPECT_EQ(scalar("SELECT effect_kind FROM inbox WHERE remote_id = 'r-7'"), "reaction_delete");
  EXPECT_EQ(scalar("SELECT count(*) FROM reaction_map WHERE remote_event_id = 'r-2'"), "0");
  // The same retraction again is a duplicate; of the removed reaction's event, unknown.
  EXPECT_EQ(retract("r-7", "r-2", "carol@partner-a.example"), IngressOutcome::kDuplicate);
  EXPECT_EQ(retract("r-8", "r-2", "carol@partner-a.example"), IngressOutcome::kUnknownTarget);
  EXPECT_EQ(rows("SELECT kind || ' ' || reaction_emoji FROM outbox WHERE link_id = "
                 "'linkbbbbbbbbbbbbbbbbbbbbbb' AND kind LIKE 'reaction%' ORDER BY id"),
            (std::vector<std::string>{"reaction tada", "reaction heart", "reaction tada",
                                      "reaction_delete tada"}))
      << "the removal goes out over the channel's other link";
}

TEST_F(BridgeFrameworkTest, APostIdOfTheLinkedChannelNamesThatPost) {
  // A room Parley hosts names every message by its post id (XMPP: the stanza-id), also those
  // that came in over it, whose id-map entry is the sender's own id.
  auto carols = receive(fromCarol("s-1", "from the room"));
  ASSERT_EQ(carols.outcome, IngressOutcome::kApplied) << carols.error;
  auto reply = fromCarol("s-2", "a reply by post id");
  reply.replyToRemoteId = carols.postId;
  auto replied = receive(reply);
  ASSERT_EQ(replied.outcome, IngressOutcome::kApplied) << replied.error;
  EXPECT_EQ(scalar(("SELECT root_id FROM posts WHERE id = '" + replied.postId + "'").c_str()),
            carols.postId);
  // A post of another channel is not reachable through this room, by id or otherwise.
  auto elsewhere = post(kAlice, testing::kPlain, "not linked");
  ASSERT_TRUE(elsewhere.ok());
  auto stray = fromCarol("s-3", "");
  stray.change = core::model::MessageChange::kDelete;
  stray.targetRemoteId = elsewhere->id;
  EXPECT_EQ(receive(stray).outcome, IngressOutcome::kUnknownTarget);
  // Someone else's post by id: found, and refused by authorship.
  auto local = post(kAlice, kLinked, "alice's");
  ASSERT_TRUE(local.ok());
  auto notMine = fromCarol("s-4", "");
  notMine.change = core::model::MessageChange::kDelete;
  notMine.targetRemoteId = local->id;
  EXPECT_EQ(receive(notMine).outcome, IngressOutcome::kRejected);
  // Her own, by post id: deleted.
  auto retract = fromCarol("s-5", "");
  retract.change = core::model::MessageChange::kDelete;
  retract.targetRemoteId = carols.postId;
  ASSERT_EQ(receive(retract).outcome, IngressOutcome::kApplied);
  EXPECT_NE(scalar(("SELECT delete_at FROM posts WHERE id = '" + carols.postId + "'").c_str()),
            "0");
  EXPECT_EQ(scalar(("SELECT delete_at FROM posts WHERE id = '" + local->id + "'").c_str()), "0");
}

TEST_F(BridgeFrameworkTest, AReactionSetAddsAndRemovesTheDifferenceToTheSendersReactions) {
  ASSERT_EQ(receive(fromCarol("s-1", "react to me")).outcome, IngressOutcome::kApplied);
  const std::string postId = scalar("SELECT id FROM posts");
  auto set = [&](std::string id, std::vector<std::string> names) {
    auto event = fromCarol(std::move(id), "");
    event.change = core::model::MessageChange::kReaction;
    event.targetRemoteId = "s-1";
    event.reactionSet = std::move(names);
    return receive(event);
  };
  const char* live =
      "SELECT emoji_name FROM reactions WHERE delete_at = 0 AND user_id IN"
      " (SELECT user_id FROM remote_users) ORDER BY emoji_name";
  ASSERT_EQ(set("s-2", {"thumbsup", "heart"}).outcome, IngressOutcome::kApplied);
  EXPECT_EQ(rows(live), (std::vector<std::string>{"heart", "thumbsup"}));
  ASSERT_EQ(set("s-3", {"heart", "tada", "heart"}).outcome, IngressOutcome::kApplied);
  EXPECT_EQ(rows(live), (std::vector<std::string>{"heart", "tada"}));

  // Someone else's reaction is not the sender's to remove.
  auto alices = runSync(*database_, [&](Store& s) {
    core::model::Reaction reaction;
    reaction.userId = kAlice;
    reaction.postId = postId;
    reaction.emojiName = "thumbsup";
    return core::services::addReaction(s, user(kAlice), reaction);
  });
  ASSERT_TRUE(alices.ok()) << alices.error().id;

  // Refused sets change nothing: an unknown target, more than the limit.
  auto unknown = fromCarol("s-4", "");
  unknown.change = core::model::MessageChange::kReaction;
  unknown.targetRemoteId = "never-seen";
  unknown.reactionSet = std::vector<std::string>{"smile"};
  EXPECT_EQ(receive(unknown).outcome, IngressOutcome::kUnknownTarget);
  std::vector<std::string> many;
  for (int i = 0; i < 51; ++i) many.push_back("e" + std::to_string(i));
  EXPECT_EQ(set("s-5", many).outcome, IngressOutcome::kRejected);
  EXPECT_EQ(rows(live), (std::vector<std::string>{"heart", "tada"}));

  // An empty set removes all of the sender's, and only theirs.
  ASSERT_EQ(set("s-6", {}).outcome, IngressOutcome::kApplied);
  EXPECT_EQ(rows(live), std::vector<std::string>{});
  EXPECT_EQ(rows("SELECT user_id || ' ' || emoji_name FROM reactions WHERE delete_at = 0"),
            std::vector<std::string>{std::string(kAlice) + " thumbsup"});
  EXPECT_EQ(rows("SELECT kind || ' ' || reaction_emoji FROM outbox WHERE link_id = "
                 "'linkbbbbbbbbbbbbbbbbbbbbbb' AND kind <> 'post' ORDER BY id"),
            (std::vector<std::string>{
                "reaction thumbsup", "reaction heart", "reaction_delete thumbsup", "reaction tada",
                "reaction thumbsup", "reaction_delete heart", "reaction_delete tada"}))
      << "each change goes out over the channel's other link, through the reaction service";
  EXPECT_EQ(rows("SELECT kind || ' ' || reaction_user_id FROM outbox"
                 " WHERE link_id = 'linkaaaaaaaaaaaaaaaaaaaaaa'"),
            std::vector<std::string>{std::string("reaction ") + kAlice})
      << "none of carol's goes back to room A; alice's goes to both rooms";

  // Going out, a reaction carries its author's whole current set on the post.
  auto message = runSync(*database_, [&](Store& s) -> core::Result<core::model::CanonicalMessage> {
    auto pending = s.bridges().pendingOfLink(kLinkB, 100, 0);
    if (!pending) return std::move(pending).error();
    for (const auto& row : pending->rows) {
      if (row.reactionUserId == kAlice) return core::services::outboundMessage(s, row);
    }
    return core::makeError(core::ErrorCode::kNotFound, "test.none", "no row of alice's");
  });
  ASSERT_TRUE(message.ok()) << message.error().message;
  EXPECT_EQ(message->author.userId, kAlice);
  EXPECT_EQ(message->emoji, "thumbsup");
  EXPECT_EQ(message->reactions, std::vector<std::string>{"thumbsup"});
}

TEST_F(BridgeFrameworkTest, APuppetCannotLogInNorGetAToken) {
  ASSERT_EQ(receive(fromCarol("s-1", "hi")).outcome, IngressOutcome::kApplied);
  const std::string puppetId = scalar("SELECT user_id FROM remote_users");
  EXPECT_EQ(scalar("SELECT password || '|' || remote_bridge || '|' || remote_user_id FROM users"
                   " WHERE id IN (SELECT user_id FROM remote_users)"),
            "|test|carol@partner-a.example");
  auto login = runSync(*database_, [](Store& s) {
    return core::services::findLoginAccount(s, "carol:partner-a.example", "anything");
  });
  ASSERT_FALSE(login.ok());
  EXPECT_EQ(login.error().id, "api.user.login.remote_users.login.error");
  const core::model::User admin = user(kAlice);
  auto token = runSync(*database_, [&](Store& s) {
    return core::services::createAccessToken(s, admin, puppetId, "puppet token", true);
  });
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().id, "app.user_access_token.remote_user");
  EXPECT_EQ(rows("SELECT channel_id FROM channel_members WHERE user_id IN"
                 " (SELECT user_id FROM remote_users)"),
            std::vector<std::string>{kLinked})
      << "a puppet is a member of the linked channel it spoke in, nothing else";
}

TEST_F(BridgeFrameworkTest, ADirectMessageUsesTheDirectChannelAndAnImplicitLink) {
  auto dm = fromCarol("dm-1", "psst", "");
  dm.toUser = "bob";
  auto applied = receive(dm);
  ASSERT_EQ(applied.outcome, IngressOutcome::kApplied) << applied.error;
  EXPECT_EQ(scalar(("SELECT c.type FROM posts p JOIN channels c ON c.id = p.channel_id"
                    " WHERE p.id = '" +
                    applied.postId + "'")
                       .c_str()),
            "D");
  const std::string room = scalar("SELECT remote_room FROM links WHERE remote_room LIKE 'dm:%'");
  EXPECT_EQ(room, core::model::directRoom(testing::kBob, "carol@partner-a.example"));
  EXPECT_EQ(core::model::directRoomRemoteId(room), "carol@partner-a.example");
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox"), "0") << "no echo of the DM itself";

  // Bob answers in the direct channel: it goes out over the implicit link.
  const std::string channel =
      scalar(("SELECT channel_id FROM posts WHERE id = '" + applied.postId + "'").c_str());
  auto answer = post(testing::kBob, channel.c_str(), "hi carol");
  ASSERT_TRUE(answer.ok()) << answer.error().id;
  EXPECT_EQ(scalar("SELECT l.remote_room FROM outbox o JOIN links l ON l.id = o.link_id"), room);
  auto again = fromCarol("dm-2", "again", "");
  again.toUser = "bob";
  ASSERT_EQ(receive(again).outcome, IngressOutcome::kApplied);
  EXPECT_EQ(scalar("SELECT count(*) FROM links WHERE remote_room LIKE 'dm:%'"), "1");
}

}  // namespace
}  // namespace parley::bridges
