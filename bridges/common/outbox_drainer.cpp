#include "bridges/common/outbox_drainer.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <utility>

#include "core/common/log.hpp"
#include "core/services/boundary_guard.hpp"
#include "core/services/outbox_writer.hpp"

namespace parley::bridges {
namespace {

constexpr auto kComponent = "outbox";

using core::model::MessageChange;

std::vector<RemotePart> remoteParts(const std::vector<core::store::IdMapPart>& parts) {
  std::vector<RemotePart> out;
  out.reserve(parts.size());
  for (const auto& part : parts) out.push_back(RemotePart{part.part, part.remoteEventId});
  return out;
}

// Rows of one link prepared by one database job, at most this many: the guard decides them
// together and they then go out one after the other without a database round trip in between.
constexpr int kBatchRows = 32;
// Items of a link with its bridge at once, at most (Bridge::maxRun may allow fewer): half a
// batch, so that the next batch is decided ahead while a run is out.
constexpr std::size_t kMaxRun = kBatchRows / 2;
// Items ready at which a link stops taking rows from commits (the live crossing; the rows of
// one commit already on their way are still taken): a peer slower than the posts leaves the
// rest in the outbox, not in memory.
constexpr std::size_t kMaxLiveReady = 2 * kBatchRows;

}  // namespace

std::chrono::milliseconds retryDelay(const DrainerOptions& options, int attempts, double unit) {
  const int doublings = std::clamp(attempts - 1, 0, 30);
  const double ceiling =
      std::min(static_cast<double>(options.retryMax.count()),
               static_cast<double>(options.retryBase.count()) * std::ldexp(1.0, doublings));
  // Jitter: peers that went down together are not hit again all at the same instant.
  const double delay = ceiling / 2 + ceiling / 2 * std::clamp(unit, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(delay));
}

std::unique_ptr<OutboxDrainer> OutboxDrainer::start(
    core::store::DatabasePtr database, core::store::DatabasePtr prepareDatabase,
    std::vector<Bridge*> bridges, core::ClockPtr clock,
    std::shared_ptr<core::metrics::BridgeMetrics> metrics, DrainerOptions options,
    std::shared_ptr<core::services::LiveLinks> liveLinks) {
  std::unique_ptr<OutboxDrainer> drainer(
      new OutboxDrainer(std::move(database), std::move(prepareDatabase), std::move(bridges),
                        std::move(clock), std::move(metrics), options, std::move(liveLinks)));
  drainer->thread_ = std::thread([raw = drainer.get()] { raw->run(); });
  return drainer;
}

OutboxDrainer::OutboxDrainer(core::store::DatabasePtr database,
                             core::store::DatabasePtr prepareDatabase, std::vector<Bridge*> bridges,
                             core::ClockPtr clock,
                             std::shared_ptr<core::metrics::BridgeMetrics> metrics,
                             DrainerOptions options,
                             std::shared_ptr<core::services::LiveLinks> liveLinks)
    : database_(std::move(database)),
      prepareDatabase_(std::move(prepareDatabase)),
      bridges_(std::move(bridges)),
      clock_(std::move(clock)),
      metrics_(metrics ? std::move(metrics)
                       : std::make_shared<core::metrics::BridgeMetrics>(nullptr)),
      options_(options),
      liveLinks_(std::move(liveLinks)) {}

OutboxDrainer::~OutboxDrainer() { stop(); }

void OutboxDrainer::wake(const std::vector<std::string>& linkIds) {
  {
    std::lock_guard lock(mailbox_->mutex);
    if (linkIds.empty()) mailbox_->woken = true;
    mailbox_->wokenLinks.insert(linkIds.begin(), linkIds.end());
  }
  mailbox_->wakeup.notify_one();
}

void OutboxDrainer::wake(const core::events::OutboundQueued& queued) {
  if (queued.linkIds.empty() && queued.live.empty()) return;  // not "look at every link"
  {
    std::lock_guard lock(mailbox_->mutex);
    for (const auto& linkId : queued.linkIds) {
      mailbox_->wokenLinks.insert(linkId);
      mailbox_->expected.insert_or_assign(linkId, Expected{queued.subjectId, queued.channelId});
    }
    mailbox_->live.insert(mailbox_->live.end(), queued.live.begin(), queued.live.end());
  }
  mailbox_->wakeup.notify_one();
}

void OutboxDrainer::stop() {
  {
    std::lock_guard lock(mailbox_->mutex);
    mailbox_->stopping = true;
  }
  mailbox_->wakeup.notify_one();
  if (thread_.joinable()) thread_.join();
  // Nothing is taken from a commit any more: posts are no longer decided for these links.
  for (auto& [linkId, state] : links_) {
    if (liveLinks_ != nullptr && std::exchange(state.published, false)) {
      liveLinks_->set(state.link, false);
    }
  }
  // A batch still being prepared ahead uses this drainer: its job is waited for (the pool runs
  // its jobs in order, so a job queued now runs after it).
  if (prepareDatabase_) {
    (void)prepareDatabase_->runAndWait([](core::store::Store&) { return core::Status{}; });
  }
}

Bridge* OutboxDrainer::bridgeNamed(const std::string& name) const {
  for (Bridge* bridge : bridges_) {
    if (bridge->name() == name) return bridge;
  }
  return nullptr;
}

core::metrics::BridgeMetrics::Link& OutboxDrainer::linkMetrics(const std::string& bridge,
                                                               const std::string& linkId) {
  bridgeOfLink_[linkId] = bridge;
  return metrics_->link(bridge, linkId);
}

void OutboxDrainer::run() {
  // The outbox is read when woken, when a row falls due or the poll interval passed, and when
  // a link finished a batch that was full or was woken meanwhile (others have nothing new);
  // outcomes in between only move a link's batch on.
  bool look = true;
  std::int64_t nextDue = 0;
  for (;;) {
    if (look) {
      nextDue = pass();
      publishLive();  // a link the pass started may be caught up with its run out
    }
    std::deque<Outcome> outcomes;
    std::deque<Prepared> prepared;
    std::set<std::string> wokenLinks;
    std::vector<core::events::LiveCrossing> live;
    bool wokenAll = false;
    {
      std::unique_lock lock(mailbox_->mutex);
      const std::int64_t untilDue = nextDue - clock_->nowMillis();
      auto wait = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::milliseconds(
          std::clamp<std::int64_t>(untilDue, 0, options_.pollInterval.count())));
      if (auto settled = nextSettled()) {
        wait = std::min(wait, std::max(std::chrono::microseconds(0),
                                       std::chrono::duration_cast<std::chrono::microseconds>(
                                           *settled - std::chrono::steady_clock::now())));
      }
      const bool signalled = mailbox_->wakeup.wait_for(lock, wait, [&] {
        return mailbox_->stopping || mailbox_->woken || !mailbox_->wokenLinks.empty() ||
               !mailbox_->outcomes.empty() || !mailbox_->prepared.empty() ||
               !mailbox_->live.empty();
      });
      if (mailbox_->stopping) return;
      wokenAll = std::exchange(mailbox_->woken, false);
      // Due or polled also while outcomes keep it awake: a row due for a retry, or queued by
      // another node, is not left waiting for a quiet moment.
      look = !signalled || wokenAll || clock_->nowMillis() >= nextDue;
      outcomes.swap(mailbox_->outcomes);
      prepared.swap(mailbox_->prepared);
      wokenLinks.swap(mailbox_->wokenLinks);
      live.swap(mailbox_->live);
      for (auto& [linkId, expected] : mailbox_->expected) {
        expected_.insert_or_assign(linkId, std::move(expected));
      }
      mailbox_->expected.clear();
    }
    for (auto& outcome : outcomes) {
      auto link = links_.find(outcome.linkId);
      // After a retry the rows behind wait too: they keep their order behind the one that
      // waits. Otherwise the next prepared item goes out before this outcome is written (the
      // delivered rows below the loop): the bridge does not wait for the database. Should the write
      // fail, the row stays pending and goes again later with the same txn id, as after a restart
      // (the peer de-duplicates).
      // A run's outcomes come together, in order; the link's next run goes after its last.
      const bool retry = outcome.result.outcome == DeliveryResult::Outcome::kRetry;
      if (link != links_.end() && outcome.endsRun) {
        LinkState& state = link->second;
        state.inFlight = false;
        state.inFlightPosts.clear();
        if (retry) dropReady(state);  // decided again when the row is due again
        // A link whose batch is done is read again when rows may wait behind it (a wake-up
        // meanwhile, a full batch, a row held back for this batch's posts), or after a retry
        // (when it falls due). Otherwise its outbox holds nothing new: the read would find
        // nothing.
        if (!deliverNext(outcome.linkId)) {
          const bool woken = std::exchange(state.wokenWhileDraining, false);
          if (retry || state.more || state.heldBack) {
            look = true;
          } else if (woken && options_.burstSettle.count() > 0) {
            state.settleUntil = std::chrono::steady_clock::now() + options_.burstSettle;
          } else if (woken) {
            look = true;
          }
        }
      }
      if (!record(std::move(outcome))) {
        if (link != links_.end()) dropReady(link->second);
        look = true;
      }
    }
    // Batches prepared ahead join their link's queue, unless what was ready was dropped since
    // (a retry, a failed write): then the link is read from its head again once it is idle.
    for (auto& batch : prepared) {
      auto link = links_.find(batch.linkId);
      if (link == links_.end()) continue;
      link->second.preparing = false;
      if (!batch.batch) {
        core::log::warn(kComponent, "cannot prepare outbox items ahead",
                        {{"link", batch.linkId}, {"error", batch.batch.error().message}});
      }
      if (!batch.batch || !batch.batch->drainsHere || batch.generation != link->second.generation) {
        look = true;
        continue;
      }
      if (install(batch.linkId, std::move(*batch.batch))) look = true;
      if (!deliverNext(batch.linkId)) look = true;
    }
    // Decided rows from commits go to their links' bridges, unless another wake-up (one of
    // `wokenLinks`) or the link's state says its rows must be read. Then the links that are
    // caught up say so before the delivered rows are written: a client that saw its message
    // arrive may post the next one at once.
    takeLive(std::move(live), wokenLinks);
    publishLive();
    // The delivered outcomes of this wake-up are written now, together, while each link's next
    // item is already out. Not later: a peer that cannot tell a re-sent message from a new one
    // (a partner's MUC room gives every message a new stanza-id) would show each row delivered
    // but not written twice after a crash, so at most the one in flight may go again.
    if (!delivered_.empty() && !recordDelivered()) look = true;
    // Rows queued for a link that is draining here are read when its batch is done (it is
    // marked woken, and the pass then reads every link's): in a burst of posts to one link that
    // is each commit's read of the outbox saved. A link drained here before and not waiting for a
    // retry starts at once: its new rows are due (only a retry schedules a row later), so the
    // pass's read of every link's head is not needed. Any other link is read by the pass. After the
    // delivered rows are written, not before: a peer's answer to one of them (a reaction) may
    // already be on its way.
    for (auto& [linkId, state] : links_) {
      if (draining(linkId) && (wokenAll || wokenLinks.contains(linkId))) {
        state.wokenWhileDraining = true;
      }
    }
    for (const auto& linkId : wokenLinks) {
      if (look) break;  // the pass reads them all
      if (draining(linkId) || settling(linkId)) continue;
      const auto known = links_.find(linkId);
      if (known == links_.end() || known->second.retryAt > clock_->nowMillis()) {
        look = true;
        break;
      }
      if (start(linkId)) look = true;
    }
    // Links whose settle is over start as a woken idle link does (the pass, when it runs, starts
    // them itself).
    const auto now = std::chrono::steady_clock::now();
    for (auto& [linkId, state] : links_) {
      if (!state.settleUntil || *state.settleUntil > now) continue;
      state.settleUntil.reset();
      if (look || draining(linkId)) continue;
      if (state.retryAt > clock_->nowMillis()) {
        look = true;
        continue;
      }
      if (start(linkId)) look = true;
    }
    publishLive();
  }
}

bool OutboxDrainer::live(const LinkState& state) const {
  // What is ready or with the bridge was decided here up to the link's head: a row taken from
  // a commit joins the queue behind it, as the next row read would.
  return liveLinks_ != nullptr && state.caughtUp && state.bridge != nullptr &&
         state.ready.size() < kMaxLiveReady && !state.preparing && !state.more && !state.heldBack &&
         !state.wokenWhileDraining && !state.settleUntil && state.retryAt <= clock_->nowMillis() &&
         sessionHolds(state);
}

bool OutboxDrainer::sessionHolds(const LinkState& state) const {
  const auto stats = database_->stats();
  return stats.connected > 0 && stats.reconnects == state.lockedInSession;
}

void OutboxDrainer::publishLive() {
  if (liveLinks_ == nullptr) return;
  for (auto& [linkId, state] : links_) {
    const bool now = live(state);
    if (now == state.published) continue;
    liveLinks_->set(state.link, now);
    state.published = now;
  }
}

void OutboxDrainer::takeLive(std::vector<core::events::LiveCrossing> crossings,
                             std::set<std::string>& woken) {
  std::set<std::string> taking;  // links that took a decided row of this wake-up
  // The drain locks are the session's: a job, even one that does nothing, first reads what the
  // server sent the idle connection and drops it if the session was ended (another node may
  // hold the lock now). No round trip.
  const bool anyPermitted =
      std::any_of(crossings.begin(), crossings.end(),
                  [](const core::events::LiveCrossing& crossing) { return crossing.permitted; });
  if (anyPermitted) (void)database_->runAndWait([](core::store::Store&) { return true; });
  for (auto& crossing : crossings) {
    const std::string linkId = crossing.link.id;
    if (!crossing.permitted) {
      linkMetrics(crossing.link.bridge, linkId).denied->increment();
      continue;
    }
    auto known = links_.find(linkId);
    // Not a row decided here already (a pass may have read it before this wake-up came).
    const bool take = known != links_.end() && !woken.contains(linkId) &&
                      (taking.contains(linkId) || live(known->second)) &&
                      crossing.outboxId > known->second.lastRowId;
    if (!take) {
      woken.insert(linkId);
      expected_.insert_or_assign(
          linkId, Expected{crossing.message.author.userId, crossing.message.channelId});
      continue;
    }
    LinkState& state = known->second;
    core::store::OutboxRow row;
    row.id = crossing.outboxId;
    row.linkId = linkId;
    row.kind = crossing.message.change;
    row.postId = crossing.message.postId;
    row.txnId = crossing.txnId;
    row.createAt = crossing.createAt;
    OutboundItem item;
    item.outboxId = row.id;
    item.txnId = row.txnId;
    item.link = std::move(crossing.link);
    item.message = std::move(crossing.message);
    item.postType = std::move(crossing.postType);
    state.lastRowId = row.id;
    state.ready.push_back(Ready{std::move(item), std::move(row)});
    taking.insert(linkId);
  }
  // A link woken by another change meanwhile gives up what it took: its rows are read in order.
  for (const auto& linkId : taking) {
    if (woken.contains(linkId)) {
      dropReady(links_.at(linkId));
    } else {
      deliverNext(linkId);
    }
  }
}

bool OutboxDrainer::settling(const std::string& linkId) const {
  const auto known = links_.find(linkId);
  return known != links_.end() && known->second.settleUntil.has_value();
}

std::optional<std::chrono::steady_clock::time_point> OutboxDrainer::nextSettled() const {
  std::optional<std::chrono::steady_clock::time_point> first;
  for (const auto& [linkId, state] : links_) {
    if (state.settleUntil && (!first || *state.settleUntil < *first)) first = state.settleUntil;
  }
  return first;
}

std::int64_t OutboxDrainer::pass() {
  using core::store::Store;
  const std::int64_t idle = clock_->nowMillis() + options_.pollInterval.count();
  auto pending = database_->runAndWait([](Store& s) { return s.bridges().pendingLinks(); });
  if (!pending) {
    core::log::warn(kComponent, "cannot read the outbox", {{"error", pending.error().message}});
    return idle;
  }
  sweepOrphans();
  std::int64_t nextDue = idle;
  std::set<std::string> busy;
  for (const auto& link : *pending) {
    busy.insert(link.linkId);
    if (draining(link.linkId)) continue;
    if (link.headDueAt > clock_->nowMillis()) {
      nextDue = std::min(nextDue, link.headDueAt);
      continue;
    }
    if (start(link.linkId)) nextDue = clock_->nowMillis();
  }
  // The queued gauges: zero for the links gone idle; for those with pending rows counted at
  // most once per poll interval (a pass runs at every commit that queued rows for an idle link:
  // a count each time would be a second read of the outbox per crossing).
  const std::int64_t now = clock_->nowMillis();
  for (const auto& [linkId, bridge] : bridgeOfLink_) {
    if (!busy.contains(linkId)) {
      linkMetrics(bridge, linkId).queued->store(0);
      queuedCountedAt_.erase(linkId);
    }
  }
  for (const auto& linkId : busy) {
    auto known = bridgeOfLink_.find(linkId);
    if (known == bridgeOfLink_.end()) continue;
    if (auto counted = queuedCountedAt_.find(linkId);
        counted != queuedCountedAt_.end() &&
        now - counted->second < options_.pollInterval.count()) {
      continue;
    }
    auto counts = database_->runAndWait(
        [&](core::store::Store& s) { return s.bridges().outboxCounts(linkId); });
    if (!counts) continue;
    linkMetrics(known->second, linkId).queued->store(counts->pending);
    queuedCountedAt_[linkId] = now;
  }
  return nextDue;
}

void OutboxDrainer::sweepOrphans() {
  const std::int64_t now = clock_->nowMillis();
  if (orphansSweptAt_ != 0 && now - orphansSweptAt_ < options_.orphanSweepInterval.count()) return;
  orphansSweptAt_ = now;
  auto swept = database_->runAndWait(
      [](core::store::Store& s) { return s.bridges().deleteOrphanedOutboxRows(); });
  if (!swept) {
    core::log::warn(kComponent, "cannot remove the outbox rows of deleted links",
                    {{"error", swept.error().message}});
  } else if (*swept > 0) {
    core::log::info(kComponent, "removed the outbox rows of deleted links", {{"rows", *swept}});
  }
}

bool OutboxDrainer::draining(const std::string& linkId) const {
  const auto known = links_.find(linkId);
  return known != links_.end() &&
         (known->second.inFlight || !known->second.ready.empty() || known->second.preparing);
}

bool OutboxDrainer::start(const std::string& linkId) {
  if (auto known = links_.find(linkId); known != links_.end()) known->second.settleUntil.reset();
  const bool again = prepare(linkId);
  deliverNext(linkId);
  return again;
}

bool OutboxDrainer::prepare(const std::string& linkId) {
  BatchRequest request;
  request.linkId = linkId;
  // Used once: a later batch of the link expects what woke it since, if anything did.
  if (auto expected = expected_.extract(linkId)) request.expected = std::move(expected.mapped());
  const std::uint64_t session = database_->stats().reconnects;
  auto batch = database_->runAndWait(
      [&](core::store::Store& s) -> core::Result<Batch> { return decideBatch(s, request); });
  if (!batch || !batch->drainsHere) {
    if (auto known = links_.find(linkId); known != links_.end()) known->second.caughtUp = false;
  }
  if (!batch) {
    core::log::warn(kComponent, "cannot prepare outbox items",
                    {{"link", linkId}, {"error", batch.error().message}});
    return false;
  }
  if (!batch->drainsHere) return false;
  const bool again = install(linkId, std::move(*batch));
  links_.at(linkId).lockedInSession = session;
  return again;
}

void OutboxDrainer::prepareAhead(const std::string& linkId, LinkState& state) {
  BatchRequest request;
  request.linkId = linkId;
  request.afterId = state.lastRowId;
  request.lockHolder = state.lockHolder;
  // Posts on their way whose remote ids may not be written when the job runs: a row that
  // addresses one of them waits for the next batch, as within a batch.
  for (const auto& ready : state.ready) {
    if (ready.row.kind == MessageChange::kPost) request.unrecordedPosts.insert(ready.row.postId);
  }
  request.unrecordedPosts.insert(state.inFlightPosts.begin(), state.inFlightPosts.end());
  for (const auto& outcome : delivered_) {
    if (outcome.linkId == linkId && outcome.row.kind == MessageChange::kPost) {
      request.unrecordedPosts.insert(outcome.row.postId);
    }
  }
  state.preparing = true;
  state.more = false;
  state.heldBack = false;
  prepareDatabase_->submit([this, request = std::move(request), generation = state.generation,
                            mailbox = mailbox_](core::store::Store& s) mutable {
    Prepared prepared{request.linkId, generation, decideBatch(s, request)};
    {
      std::lock_guard lock(mailbox->mutex);
      mailbox->prepared.push_back(std::move(prepared));
    }
    mailbox->wakeup.notify_one();
  });
}

core::Result<OutboxDrainer::Batch> OutboxDrainer::decideBatch(core::store::Store& s,
                                                              const BatchRequest& request) const {
  Batch b;
  // One transaction from the link's lock to the last decision's audit record. What the first
  // decision is likely to read travels with the link's rows: the inputs of the change that
  // woke the link, and the audit chain's lock and head. A batch whose first row is someone
  // else's reads its own.
  core::Status decided = s.transaction([&](core::store::Store& tx) -> core::Status {
    if (request.expected) {
      tx.audit().lockChainAhead();
      tx.policyAttributes().policyInputsAhead(
          request.expected->subjectId, request.expected->channelId, core::store::WithLinks::kNo);
    }
    return decideBatchIn(tx, request, b);
  });
  if (!decided) return decided.error();
  return b;
}

core::Status OutboxDrainer::decideBatchIn(core::store::Store& s, const BatchRequest& request,
                                          Batch& b) const {
  using core::store::Store;
  const std::string& linkId = request.linkId;
  std::optional<core::model::Link> found;
  std::optional<core::store::PendingRows> pending;
  if (request.lockHolder == 0) {
    auto locked = s.bridges().lockLink(linkId, kBatchRows);
    if (!locked) return std::move(locked).error();
    if (!locked->locked) return {};  // another node drains this link
    found = std::move(locked->link);
    if (request.afterId == 0) pending = std::move(locked->pending);  // the link's head rows
  } else {
    // Ahead, on the other connection: only while the drainer's session still holds the link
    // (a lost connection loses the lock; the link is then locked again from the head).
    auto holder = s.bridges().linkLockHolder(linkId);
    if (!holder) return std::move(holder).error();
    if (*holder != request.lockHolder) return {};
    auto link = s.bridges().getLink(linkId);
    if (!link) return std::move(link).error();
    found = std::move(*link);
  }
  b.bridge = bridgeNamed(found->bridge);
  if (b.bridge == nullptr) {
    // Not running here: leave the link to a node that runs its bridge.
    if (request.lockHolder == 0) {
      if (auto unlocked = s.bridges().unlockLink(linkId); !unlocked) return unlocked;
    }
    return {};
  }
  b.drainsHere = true;
  b.link = *found;
  b.lockHolder = request.lockHolder;
  if (!pending) {
    auto read = s.bridges().pendingOfLink(linkId, kBatchRows, request.afterId);
    if (!read) return std::move(read).error();
    pending = std::move(*read);
  }
  const std::vector<core::store::OutboxRow>* rows = &pending->rows;
  b.more = static_cast<int>(rows->size()) == kBatchRows;
  if (b.more && b.lockHolder == 0 && prepareDatabase_) {
    // Only a full batch is followed by one decided ahead, which needs the session that holds
    // the link (one round trip, not made for the single rows of live traffic).
    auto holder = s.bridges().linkLockHolder(linkId);
    if (!holder) return std::move(holder).error();
    b.lockHolder = *holder;
  }
  // What every row's decision reads about the link's channel and the authors: read once; the
  // rows' posts and authors came with them.
  core::services::BatchReads reads;
  for (auto& post : pending->posts) reads.keepPost(std::move(post));
  for (auto& author : pending->authors) reads.keepUser(std::move(author));
  // The batch's decisions, their audit records and the denied or failed rows' new states
  // commit together: one commit (and one wait for the audit chain's lock) per batch.
  core::Status decidedAll = s.transaction([&](Store&) -> core::Status {
    // Posts of this batch, and those still on their way (ahead): a later row that addresses
    // one (an edit, a reply) needs the ids the peer gives it, so the batch ends before that row.
    std::set<std::string> postedHere = request.unrecordedPosts;
    for (const auto& row : *rows) {
      std::string postType;
      auto message = core::services::outboundMessage(s, row, &postType, &reads);
      if (!message) {
        ++b.failed;
        b.lastRowId = row.id;
        if (auto failed = s.bridges().markFailed(row.id, message.error().message); !failed) {
          return failed.error();
        }
        continue;
      }
      if (postedHere.contains(row.postId) || postedHere.contains(message->rootId)) {
        b.more = false;  // what follows waits for these posts' ids
        b.heldBack = true;
        break;
      }
      b.lastRowId = row.id;
      OutboundItem item;
      item.link = *found;
      item.outboxId = row.id;
      item.txnId = row.txnId;
      item.postType = std::move(postType);
      if (row.kind != MessageChange::kPost) {
        auto parts = s.bridges().partsOf(row.postId, found->bridge, found->remoteRoom);
        if (!parts) return std::move(parts).error();
        item.parts = remoteParts(*parts);
      }
      if (!message->rootId.empty()) {
        auto root = s.bridges().partsOf(message->rootId, found->bridge, found->remoteRoom);
        if (!root) return std::move(root).error();
        if (!root->empty() && root->front().part == 0) {
          item.rootRemoteId = root->front().remoteEventId;
          // The root went over this link, so quoting it releases nothing new.
          if (auto rootPost = s.posts().getWithAuthor(message->rootId, ""); rootPost) {
            item.rootText = rootPost->first.message;
            item.rootAuthor = reads.keepUser(std::move(rootPost->second)).username;
          }
        }
      }
      // The decision, its audit record and a denial's new row state commit together.
      bool permitted = false;
      core::Status decided = s.transaction([&](Store& tx) -> core::Status {
        core::store::OutboxRow decidedRow = row;
        auto verdict = core::services::decideOutbound(tx, *found, *message, decidedRow, &reads);
        if (!verdict.permitted()) {
          return tx.bridges().markDenied(row.id, decidedRow.auditId, decidedRow.lastError);
        }
        permitted = true;
        item.message = std::move(verdict.message);
        return {};
      });
      if (!decided) return decided.error();
      if (!permitted) {
        ++b.denied;
        continue;
      }
      if (row.kind == MessageChange::kPost) postedHere.insert(row.postId);
      b.items.push_back(std::move(item));
      b.rows.push_back(row);
    }
    return {};
  });
  return decidedAll;
}

bool OutboxDrainer::install(const std::string& linkId, Batch batch) {
  const std::string bridge =
      batch.bridge->name().empty() ? std::string("unknown") : std::string(batch.bridge->name());
  auto& metrics = linkMetrics(bridge, linkId);
  for (int i = 0; i < batch.denied; ++i) metrics.denied->increment();
  for (int i = 0; i < batch.failed; ++i) metrics.failed->increment();
  LinkState& state = links_[linkId];
  state.bridge = batch.bridge;
  state.link = std::move(batch.link);
  state.caughtUp = !batch.more && !batch.heldBack;
  state.lockHolder = batch.lockHolder;
  state.more = batch.more;
  state.heldBack = batch.heldBack;
  if (batch.lastRowId != 0) state.lastRowId = batch.lastRowId;
  for (std::size_t i = 0; i < batch.items.size(); ++i) {
    state.ready.push_back(Ready{std::move(batch.items[i]), std::move(batch.rows[i])});
  }
  // A denied or failed row does not hold the link up: whatever follows may go at once.
  return batch.items.empty() && batch.denied + batch.failed > 0;
}

void OutboxDrainer::dropReady(LinkState& state) {
  state.ready.clear();
  state.caughtUp = false;
  state.more = false;
  state.heldBack = false;
  ++state.generation;  // a batch being prepared ahead of what was dropped is stale
}

bool OutboxDrainer::deliverNext(const std::string& linkId) {
  auto link = links_.find(linkId);
  if (link == links_.end() || link->second.inFlight) return link != links_.end();
  LinkState& state = link->second;
  if (state.ready.empty()) return false;
  // The run: the head items, as many as the bridge takes together on this link.
  const std::size_t most = std::max<std::size_t>(
      1, std::min(kMaxRun, state.bridge->maxRun(state.ready.front().item.link)));
  std::vector<OutboundItem> items;
  std::vector<Outcome> outcomes;
  while (!state.ready.empty() && items.size() < most) {
    Ready next = std::move(state.ready.front());
    state.ready.pop_front();
    if (next.row.kind == MessageChange::kPost) state.inFlightPosts.insert(next.row.postId);
    outcomes.push_back(
        Outcome{linkId, std::move(next.row), next.item.link.bridge, next.item.link.remoteRoom, {}});
    items.push_back(std::move(next.item));
  }
  state.inFlight = true;
  // Half the batch left: the next one is decided on the other connection meanwhile, so that
  // the link does not stand still while the guard decides it.
  if (prepareDatabase_ && state.more && !state.preparing && state.lockHolder != 0 &&
      state.ready.size() <= kBatchRows / 2) {
    prepareAhead(linkId, state);
  }
  state.bridge->deliverRun(std::move(items), [mailbox = mailbox_, outcomes = std::move(outcomes)](
                                                 std::vector<DeliveryResult> results) mutable {
    // A run stops only after a retry. One cut short otherwise (or answered with nothing) is a
    // retry of its first untried item, so that nothing behind that item overtakes it.
    if (results.size() < outcomes.size() &&
        (results.empty() || results.back().outcome != DeliveryResult::Outcome::kRetry)) {
      results.push_back(DeliveryResult{
          DeliveryResult::Outcome::kRetry, {}, "the bridge did not try this item of its run"});
    }
    // The items after the last result were not tried: they stay pending.
    outcomes.resize(std::min(outcomes.size(), results.size()));
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      outcomes[i].result = std::move(results[i]);
    }
    outcomes.back().endsRun = true;
    {
      std::lock_guard lock(mailbox->mutex);
      for (auto& outcome : outcomes) mailbox->outcomes.push_back(std::move(outcome));
    }
    mailbox->wakeup.notify_one();
  });
  return true;
}

bool OutboxDrainer::record(Outcome outcome) {
  using Result = DeliveryResult::Outcome;
  if (outcome.result.outcome == Result::kSent) {
    delivered_.push_back(std::move(outcome));
    return true;
  }
  // A link's rows are written in their order: the delivered ones before a later row's retry
  // or failure.
  if (!delivered_.empty() && !recordDelivered()) return false;
  auto& metrics = linkMetrics(outcome.bridge, outcome.linkId);
  const std::int64_t now = clock_->nowMillis();
  const auto& row = outcome.row;
  core::Status written;
  switch (outcome.result.outcome) {
    case Result::kSent: break;
    case Result::kRetry: {
      const int attempts = row.attempts + 1;
      const double unit = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
      const std::int64_t next =
          now + std::max(retryDelay(options_, attempts, unit), outcome.result.retryAfter).count();
      const std::string error = outcome.result.error.substr(0, 1000);
      written = database_->runAndWait([&](core::store::Store& s) {
        return s.bridges().reschedule(row.id, attempts, next, error);
      });
      if (auto link = links_.find(outcome.linkId); written && link != links_.end()) {
        link->second.retryAt = next;
      }
      metrics.retried->increment();
      break;
    }
    case Result::kRejected: {
      const std::string error = outcome.result.error.substr(0, 1000);
      written = database_->runAndWait(
          [&](core::store::Store& s) { return s.bridges().markFailed(row.id, error); });
      if (written) metrics.failed->increment();
      core::log::warn(kComponent, "the peer rejected an outbox item",
                      {{"link", outcome.linkId}, {"outbox_id", row.id}, {"error", error}});
      break;
    }
  }
  if (!written) {
    // The row stays pending as it was and goes again (same txn id: the peer de-duplicates).
    core::log::warn(
        kComponent, "cannot record a delivery outcome",
        {{"link", outcome.linkId}, {"outbox_id", row.id}, {"error", written.error().message}});
    return false;
  }
  return true;
}

bool OutboxDrainer::recordDelivered() {
  std::vector<core::store::PostParts> parts;
  std::vector<std::int64_t> ids;
  for (const auto& outcome : delivered_) {
    ids.push_back(outcome.row.id);
    // Only a post's own parts are what later changes and replies address.
    if (outcome.row.kind != MessageChange::kPost || outcome.result.parts.empty()) continue;
    core::store::PostParts post{outcome.row.postId, outcome.bridge, outcome.remoteRoom, {}};
    for (const auto& part : outcome.result.parts) {
      post.parts.push_back(core::store::IdMapPart{part.part, part.remoteEventId});
    }
    parts.push_back(std::move(post));
  }
  const std::int64_t now = clock_->nowMillis();
  // One statement, atomic on its own: the write takes one round trip while the next item is out.
  const core::Status written = database_->runAndWait(
      [&](core::store::Store& s) { return s.bridges().markSentMany(ids, parts, now); });
  std::vector<Outcome> recorded;
  recorded.swap(delivered_);
  if (!written) {
    // The rows stay pending as they were and go again (same txn ids: the peer de-duplicates).
    core::log::warn(
        kComponent, "cannot record deliveries",
        {{"rows", static_cast<std::int64_t>(ids.size())}, {"error", written.error().message}});
    for (const auto& outcome : recorded) {
      if (auto link = links_.find(outcome.linkId); link != links_.end()) dropReady(link->second);
    }
    return false;
  }
  for (const auto& outcome : recorded) {
    auto& metrics = linkMetrics(outcome.bridge, outcome.linkId);
    metrics.sent->increment();
    metrics.lag->observe(
        static_cast<double>(std::max<std::int64_t>(0, now - outcome.row.createAt)) / 1000.0);
  }
  return true;
}

void DrainerWakeup::set(std::function<void(const core::events::OutboundQueued&)> wake) {
  std::lock_guard lock(mutex_);
  wake_ = std::move(wake);
}

void DrainerWakeup::clear() {
  std::lock_guard lock(mutex_);
  wake_ = nullptr;
}

void DrainerWakeup::operator()(const core::events::OutboundQueued& queued) const {
  std::lock_guard lock(mutex_);
  if (wake_) wake_(queued);
}

core::events::DomainEventSink wakingSink(core::events::DomainEventSink inner,
                                         std::shared_ptr<const DrainerWakeup> wakeup) {
  return [inner = std::move(inner),
          wakeup = std::move(wakeup)](const core::events::DomainEvent& event) {
    if (inner) inner(event);
    if (const auto* queued = std::get_if<core::events::OutboundQueued>(&event)) {
      (*wakeup)(*queued);
    }
  };
}

}  // namespace parley::bridges
