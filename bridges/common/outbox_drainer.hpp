#pragma once
// The outbox drainer (design.md §2 "Egress"): carries the outbox rows of every link to its
// bridge, each link's in row order, one run of items in flight per link.
//
// For the oldest pending rows of a link that is due (up to a batch of them), in one database
// job: the link's drain lock (a PostgreSQL session advisory lock: one node drains a link), the
// canonical message of each built from the post as it is now, and the boundary guard's egress
// decision with its audit record, all the batch's decisions in one transaction with the rows'
// new states. The batch ends
// before a row that addresses a post of the same batch (an edit, a reply): that one needs the
// ids the peer gives the post first. Denied -> the row is kept as denied with the audit id.
// Permitted -> the link's bridge, in runs of up to Bridge::maxRun items (1 unless the peer tells
// a re-sent message from a new one: a crash re-sends what was handed over and not yet recorded),
// delivered in order (Bridge::deliverRun). Each item's DeliveryResult decides: kSent -> the id map
// gets the parts the peer assigned and the row is removed (only now: nothing is lost when parleyd
// stops with an item in flight, the row is simply tried again); kRetry -> the row waits with
// exponential backoff and jitter, and the rest of the batch waits behind it (decided again when it
// is due: a decision stands for one crossing); kRejected -> kept as failed with the peer's error.
// After kSent or kRejected the next item of the run goes; after a run, the next run of the batch
// goes to the bridge at once, without reading the outbox again. The outcomes that arrived together
// are written while the next items are out: the delivered rows in one transaction with one
// statement for their id map entries and one that removes them, before a later row's retry or
// failure. Should that write fail, or parleyd die before it, the rows stay pending and go
// again with the same txn ids, as after a restart; the rest of the batch is dropped and decided
// again.
//
// While a link's batch goes out, the next one is decided ahead: once half of a full batch has
// gone to the bridge, a job on a second connection (`prepareDatabase`) decides the rows after
// it, so that the link does not stand still while the guard decides (tens of ms for a batch).
// It reads past the last row decided, holds back rows that address a post not yet written to
// the id map (as within a batch), and is used only if the drainer's session still held the
// link's lock when it ran and nothing ready was dropped meanwhile (a retry, a failed write);
// otherwise its rows stay pending and are decided again from the link's head.
//
// The live crossing (core/services/outbox_writer.hpp): a link drained here that is caught up
// (its last read found nothing more and was not a full batch; nothing of it is being decided
// ahead, settling or waiting for a retry, and nothing woke it since) is published in
// `liveLinks`, and a post to its channel, or a lane's batch of posts, is decided as it is
// written. Its permitted message comes with the commit's wake-up and joins the link's queue
// behind what is ready or with the bridge, as a row decided here would. It is taken only while
// the link is still caught up, no other wake-up of the link came with it and the drainer has
// not decided that row itself (its number is above the link's last decided one); otherwise it
// is a wake-up like any other, and the row is read and decided again.
//
// The drainer runs on a thread of its own and blocks only on the database. It needs a database
// pool of exactly ONE connection of its own: the drain locks belong to a session, so every one
// of its jobs must run on the same connection. `prepareDatabase`, when given, is another pool
// of one connection (null: each batch is decided when the one before is done).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bridges/common/bridge.hpp"
#include "core/common/clock.hpp"
#include "core/events/domain_event.hpp"
#include "core/metrics/bridge_metrics.hpp"
#include "core/services/batch_reads.hpp"
#include "core/services/live_links.hpp"
#include "core/store/bridge_store.hpp"
#include "core/store/database.hpp"

namespace parley::bridges {

struct DrainerOptions {
  // Without a wake-up (another node committed, a row became due), the outbox is looked at this
  // often.
  std::chrono::milliseconds pollInterval{1000};
  // Backoff after the n-th failed attempt: uniformly random in [d/2, d] with
  // d = min(retryMax, retryBase * 2^(n-1)).
  std::chrono::milliseconds retryBase{500};
  std::chrono::milliseconds retryMax{60000};
  // A link woken again while its batch was out (a burst: commits come faster than the peer
  // answers) is read this long after the batch is done, so that the rows of the commits under
  // way go in its next batch together instead of one batch each. One at a time nothing wakes a
  // link while its batch is out, and nothing waits. 0: read at once.
  std::chrono::microseconds burstSettle{2000};
  // The rows of links that are gone (BridgeStore::deleteOrphanedOutboxRows) are removed by the
  // first pass and then this often.
  std::chrono::milliseconds orphanSweepInterval{std::chrono::minutes(10)};
};

// Backoff before attempt `attempts + 1` after `attempts` failed ones (>= 1); `unit` in [0, 1).
std::chrono::milliseconds retryDelay(const DrainerOptions& options, int attempts, double unit);

class OutboxDrainer {
 public:
  // `bridges` outlive the drainer (it is stopped before them). `metrics` may be null.
  // `liveLinks` (may be null: no live crossing) is where the drainer says which links are live.
  static std::unique_ptr<OutboxDrainer> start(
      core::store::DatabasePtr database, core::store::DatabasePtr prepareDatabase,
      std::vector<Bridge*> bridges, core::ClockPtr clock,
      std::shared_ptr<core::metrics::BridgeMetrics> metrics, DrainerOptions options = {},
      std::shared_ptr<core::services::LiveLinks> liveLinks = nullptr);
  ~OutboxDrainer();
  OutboxDrainer(const OutboxDrainer&) = delete;
  OutboxDrainer& operator=(const OutboxDrainer&) = delete;

  // Something was queued for `linkIds` (a commit on this node), or may have been anywhere
  // (none given): look now. A link that is draining here already is read when its batch is
  // done. Any thread.
  void wake(const std::vector<std::string>& linkIds = {});
  // wake(queued.linkIds), and the first decision of those links' next batch is likely about
  // queued.subjectId on queued.channelId (live traffic): its inputs travel with the link's rows.
  // queued.live: rows decided as they were written, delivered from here if their link is still
  // live, else read as woken.
  void wake(const core::events::OutboundQueued& queued);
  // Stops the thread. Items still in flight are not waited for: their rows stay pending and
  // are delivered again (with the same txn id) by the next drainer. Idempotent.
  void stop();

 private:
  struct Outcome {
    std::string linkId;
    core::store::OutboxRow row;
    std::string bridge;
    std::string remoteRoom;
    DeliveryResult result;
    bool endsRun = false;  // the last outcome of its run: the link's next run may go
  };
  // What one database job decided for rows of a link.
  struct Batch {
    bool drainsHere = false;  // this node holds the link's drain lock and runs its bridge
    Bridge* bridge = nullptr;
    core::model::Link link;
    std::vector<OutboundItem> items;           // permitted, in row order
    std::vector<core::store::OutboxRow> rows;  // the row of each item
    int denied = 0;
    int failed = 0;
    std::int64_t lastRowId = 0;   // the newest row decided (0: none)
    bool more = false;            // a full batch was read: more rows may follow at once
    bool heldBack = false;        // it stopped before a row that waits for its posts' ids
    std::int64_t lockHolder = 0;  // the session holding the link's drain lock (ahead: checked)
  };
  // The subject and channel of the change that woke a link last (OutboundQueued).
  struct Expected {
    std::string subjectId;
    std::string channelId;
  };
  struct BatchRequest {
    std::string linkId;
    std::optional<Expected> expected;  // the first decision's inputs are read ahead
    std::int64_t afterId = 0;          // rows after this one (0: from the link's head)
    std::int64_t lockHolder = 0;       // 0: take the lock here; else the session that must hold it
    std::set<std::string> unrecordedPosts;  // posts whose remote ids may not be written yet
  };
  struct Prepared {
    std::string linkId;
    std::uint64_t generation = 0;  // the link's when the job was submitted
    core::Result<Batch> batch;
  };
  // Shared with the done callbacks of deliver(), which may run after the drainer is gone.
  struct Mailbox {
    std::mutex mutex;
    std::condition_variable wakeup;
    bool woken = false;                        // look at every link
    std::set<std::string> wokenLinks;          // look at these (rows were queued for them)
    std::map<std::string, Expected> expected;  // by link id, from the wake-ups
    bool stopping = false;
    std::deque<Outcome> outcomes;
    std::deque<Prepared> prepared;                 // batches decided ahead
    std::vector<core::events::LiveCrossing> live;  // in commit order
  };

  // What the drainer keeps of a link it drains: the items the guard let through, waiting for
  // their turn, and whether one is with the bridge now.
  struct Ready {
    OutboundItem item;
    core::store::OutboxRow row;
  };
  struct LinkState {
    Bridge* bridge = nullptr;
    core::model::Link link;
    // Its last batch was read from the link's head here, found it drained here and left nothing
    // behind it (what it decided, and what was taken from commits since, may still be ready or
    // with the bridge); cleared whenever what was decided is dropped or the lock was not had.
    bool caughtUp = false;
    bool published = false;  // what liveLinks_ says of it
    // The drainer's reconnects when the link's lock was last taken: a new session has lost it.
    std::uint64_t lockedInSession = 0;
    std::deque<Ready> ready;
    bool inFlight = false;                // a run is with the bridge
    std::set<std::string> inFlightPosts;  // the posts of that run
    std::int64_t lastRowId = 0;           // the newest row decided: a batch ahead reads after it
    bool more = false;                    // the last batch was full: decide the next one ahead
    bool heldBack = false;                // the last batch left a row that waits for its posts
    bool preparing = false;               // a batch is being decided ahead
    std::uint64_t generation = 0;         // moves on whenever `ready` is dropped
    std::int64_t lockHolder = 0;          // the drainer session's pid, holding the drain lock
    std::int64_t retryAt = 0;             // the head row waits for a retry until then (ms)
    bool wokenWhileDraining = false;      // rows may have been queued after its batch was read
    // Read then (DrainerOptions::burstSettle), on the wait's own clock: not before.
    std::optional<std::chrono::steady_clock::time_point> settleUntil;
  };

  OutboxDrainer(core::store::DatabasePtr database, core::store::DatabasePtr prepareDatabase,
                std::vector<Bridge*> bridges, core::ClockPtr clock,
                std::shared_ptr<core::metrics::BridgeMetrics> metrics, DrainerOptions options,
                std::shared_ptr<core::services::LiveLinks> liveLinks);
  void run();
  // One look at every link with pending rows, preparing and starting those with nothing in
  // flight; returns when the next row falls due (ms).
  std::int64_t pass();
  // The rows of deleted links removed, at the first pass and every orphanSweepInterval.
  void sweepOrphans();
  // Up to one batch of the link's head rows, decided by the guard, into links_[linkId].ready.
  // True when the link should be looked at again at once (rows were denied or failed and
  // none is ready).
  bool prepare(const std::string& linkId);
  // prepare(), then the link's first run to its bridge. True as prepare(): look again at once.
  bool start(const std::string& linkId);
  // Submits the decision of the link's next batch to the prepare pool; its Prepared comes back
  // through the mailbox.
  void prepareAhead(const std::string& linkId, LinkState& state);
  // Decides up to a batch of the link's pending rows after request.afterId (the lock, the
  // canonical messages, the guard's decisions and audit records in one transaction). Runs on
  // a database worker.
  core::Result<Batch> decideBatch(core::store::Store& s, const BatchRequest& request) const;
  // decideBatch's work inside its transaction, into `b`.
  core::Status decideBatchIn(core::store::Store& s, const BatchRequest& request, Batch& b) const;
  // A decided batch into links_[linkId]: true when the link should be looked at again at once
  // (rows were denied or failed and none is ready).
  bool install(const std::string& linkId, Batch batch);
  // The link has an item with its bridge, items ready or a batch being decided ahead: it is
  // read again once that is done.
  bool draining(const std::string& linkId) const;
  // The link waits for its settle (DrainerOptions::burstSettle) to be read again.
  bool settling(const std::string& linkId) const;
  // The earliest end of a link's settle, if one waits.
  std::optional<std::chrono::steady_clock::time_point> nextSettled() const;
  // Drops what is ready (decided again later from the link's head), and any batch ahead.
  void dropReady(LinkState& state);
  // Hands the link's next ready item to its bridge unless one is in flight. False when the link
  // has nothing ready (and nothing in flight).
  bool deliverNext(const std::string& linkId);
  // Whether the link may take a decided row from a commit now (the live crossing).
  bool live(const LinkState& state) const;
  // Whether the drainer's session is still the one that took the link's lock, as far as its
  // pool knows (takeLive makes it look first).
  bool sessionHolds(const LinkState& state) const;
  // Tells liveLinks_ of every link whose liveness changed.
  void publishLive();
  // The rows decided as they were written: each to its link's bridge if live (true), or else
  // its link is added to `woken`, to be read as any woken link.
  void takeLive(std::vector<core::events::LiveCrossing> crossings, std::set<std::string>& woken);
  // Writes a delivery's outcome (kSent: into delivered_); false when it could not be written.
  bool record(Outcome outcome);
  // Writes the delivered rows (delivered_) in one transaction; false when that failed (the
  // rows stay pending and their links' ready items are dropped: read again).
  bool recordDelivered();
  Bridge* bridgeNamed(const std::string& name) const;
  core::metrics::BridgeMetrics::Link& linkMetrics(const std::string& bridge,
                                                  const std::string& linkId);

  core::store::DatabasePtr database_;
  core::store::DatabasePtr prepareDatabase_;  // may be null
  std::vector<Bridge*> bridges_;
  core::ClockPtr clock_;
  std::shared_ptr<core::metrics::BridgeMetrics> metrics_;
  DrainerOptions options_;
  std::shared_ptr<core::services::LiveLinks> liveLinks_;  // may be null
  std::shared_ptr<Mailbox> mailbox_ = std::make_shared<Mailbox>();
  std::map<std::string, LinkState> links_;               // by link id (drainer thread only)
  std::map<std::string, Expected> expected_;             // by link id: what woke it last
  std::vector<Outcome> delivered_;                       // kSent outcomes not written yet
  std::map<std::string, std::string> bridgeOfLink_;      // for metrics of links gone idle
  std::map<std::string, std::int64_t> queuedCountedAt_;  // a busy link's gauge, last counted
  std::int64_t orphansSweptAt_ = 0;                      // 0: not yet
  std::mt19937_64 random_{std::random_device{}()};
  std::thread thread_;
};

// Wakes the drainer after a commit that may have queued outbox rows. Created before the
// database (whose event sink calls it) and pointed at the drainer once that runs.
class DrainerWakeup {
 public:
  // `wake` gets what was queued (OutboxDrainer::wake).
  void set(std::function<void(const core::events::OutboundQueued&)> wake);
  void clear();
  void operator()(const core::events::OutboundQueued& queued) const;

 private:
  mutable std::mutex mutex_;
  std::function<void(const core::events::OutboundQueued&)> wake_;
};

// `inner`, and the drainer's wake-up when a committed change wrote outbox rows (OutboundQueued:
// a post, edit, deletion or reaction with a link to cross).
core::events::DomainEventSink wakingSink(core::events::DomainEventSink inner,
                                         std::shared_ptr<const DrainerWakeup> wakeup);

}  // namespace parley::bridges
