#include "bridges/common/ingress_pipeline.hpp"

#include <algorithm>
#include <iterator>

#include "core/model/id.hpp"
#include "core/model/reaction_set.hpp"
#include "core/services/batch_reads.hpp"
#include "core/services/boundary_guard.hpp"
#include "core/services/channel_service.hpp"
#include "core/services/message_label.hpp"
#include "core/services/post_service.hpp"
#include "core/services/puppet_service.hpp"
#include "core/services/reaction_service.hpp"
#include "core/store/bridge_store.hpp"

namespace parley::bridges {
namespace {

using core::model::MessageChange;
using core::store::Store;

constexpr std::size_t kMaxRemoteIdLength = 512;  // inbox.remote_id, id_map.remote_event_id
// Reactions one sender may hold on one post: Mattermost's default
// UniqueEmojiReactionLimitPerPost, and what the XMPP translation accepts in one set.
constexpr std::size_t kMaxReactionSet = 50;
// Events one job applies before it makes way for other rooms' jobs on the pool.
constexpr std::size_t kEventsPerJob = 64;
// Events of a room's queue applied in one transaction (group commit): what waited while the
// previous transaction ran goes in the next one together.
constexpr std::size_t kEventsPerTransaction = 32;

// Senders and rooms whose last crossing is remembered (IngressPipeline::expected()); past it
// the memory starts again.
constexpr std::size_t kMaxExpected = 4096;

// What orders events: the room, or for a direct message the sender and the addressee.
std::string orderKey(const InboundEvent& event) {
  if (!event.remoteRoom.empty()) return event.bridge + '\n' + event.remoteRoom;
  return event.bridge + "\n\n" + event.toUser + '\n' + event.sender.remoteId;
}

// A sender as its puppet shows it: another shown name may be another puppet.
std::string puppetKeyOf(const InboundEvent& event) {
  return event.sender.remoteId + '\n' + event.sender.domain + '\n' + event.senderDisplayName;
}

// A sender in a room (in a direct conversation).
std::string expectedKey(const InboundEvent& event) {
  return orderKey(event) + '\n' + puppetKeyOf(event);
}

IngressResult outcome(IngressOutcome kind, std::string error = {}, std::string postId = {}) {
  return IngressResult{kind, std::move(postId), std::move(error)};
}

// Thrown away by the transaction: what rolls back an event that is not applied.
core::Error rollback() {
  return core::makeError(core::ErrorCode::kConflict, "bridges.ingress.rollback", "not applied");
}

std::string validate(const InboundEvent& event) {
  if (event.bridge.empty()) return "no bridge";
  if (event.remoteEventId.empty() || event.remoteEventId.size() > kMaxRemoteIdLength) {
    return "the remote event id is missing or too long";
  }
  if (event.sender.remoteId.empty() || event.sender.remoteId.size() > kMaxRemoteIdLength) {
    return "the sender is missing or too long";
  }
  if (event.remoteRoom.size() > kMaxRemoteIdLength) return "the room id is too long";
  if (event.remoteRoom.empty() && event.toUser.empty()) return "no room and no addressee";
  const bool targeted = event.change != MessageChange::kPost;
  if (targeted && event.targetRemoteId.empty()) return "no target for a change";
  if (event.reactionSet) {
    if (event.change != MessageChange::kReaction) return "a reaction set on another change";
    if (event.reactionSet->size() > kMaxReactionSet) {
      return "more than " + std::to_string(kMaxReactionSet) + " reactions in one set";
    }
  }
  return {};
}

// The link the event arrived on; a direct message's implicit link, made with the direct
// channel on first use (channel_service).
core::Result<std::optional<core::model::Link>> linkOf(Store& tx, const InboundEvent& event,
                                                      const core::model::User& puppet) {
  if (!event.remoteRoom.empty()) return tx.bridges().linkByRemote(event.bridge, event.remoteRoom);
  auto local = tx.users().getByUsername(event.toUser);
  if (!local && local.error().code == core::ErrorCode::kNotFound) {
    return std::optional<core::model::Link>{};
  }
  if (!local) return std::move(local).error();
  if (local->deleteAt != 0 || local->isRemote() || local->isBot) {
    return std::optional<core::model::Link>{};
  }
  const std::string room = core::model::directRoom(local->id, event.sender.remoteId);
  auto existing = tx.bridges().linkByRemote(event.bridge, room);
  if (!existing || *existing) return existing;
  auto channel = core::services::getOrCreateDirectChannel(tx, *local, puppet.id);
  if (!channel) return std::move(channel).error();
  return tx.bridges().linkByRemote(event.bridge, room);
}

// Makes `puppet`'s reactions on `postId` exactly `wanted`: the difference to what it has now goes
// through the reaction service (the API's own path: its outbox rows and its WebSocket events).
core::Status applyReactionSet(Store& tx, const core::model::User& puppet, const std::string& postId,
                              const std::vector<std::string>& wanted,
                              const core::model::RemoteOrigin& origin) {
  auto stored = tx.reactions().forPosts({postId});
  if (!stored) return std::move(stored).error();
  std::vector<std::string> current;
  for (const auto& reaction : *stored) {
    if (reaction.userId == puppet.id) current.push_back(reaction.emojiName);
  }
  const auto delta = core::model::reactionSetDelta(current, wanted);
  for (const auto& name : delta.removed) {
    if (auto removed = core::services::removeReaction(tx, puppet, puppet.id, postId, name, origin);
        !removed) {
      return removed;
    }
  }
  for (const auto& name : delta.added) {
    core::model::Reaction reaction;
    reaction.userId = puppet.id;
    reaction.postId = postId;
    reaction.emojiName = name;
    auto added = core::services::addReaction(tx, puppet, reaction, origin);
    if (!added) return std::move(added).error();
  }
  return {};
}

}  // namespace

// The writes of one transaction's events that need no answer before the next event: one
// statement each for the whole batch (an event later in the batch that addresses a post made
// earlier in it finds it in `posted`), and the lookups every event of a sender repeats.
struct IngressPipeline::Crossings {
  explicit Crossings(std::string bridgeName) : bridge(std::move(bridgeName)) {}

  std::string bridge;
  std::vector<core::store::InboxEffect> effects;
  std::vector<core::store::PostParts> parts;
  std::map<std::string, std::string> posted;         // remote room "\n" remote event id -> post id
  std::map<std::string, core::model::User> puppets;  // by sender and shown name
  std::map<std::string, core::model::Link> links;    // by room (or DM pair), found ones only
  std::set<std::string> members;                     // channel id "\n" puppet id
  // The channel's and authors' reads of the guard and the post service (batch_reads.hpp).
  core::services::BatchReads reads;

  // The claims of `events` (those of `valid`) in one statement: per event, whether it took its
  // inbox id. `expected`: what the first valid event is expected to cross with.
  core::Result<std::vector<bool>> claim(Store& tx, const std::vector<const InboundEvent*>& events,
                                        const std::vector<bool>& valid,
                                        const std::optional<Expected>& expected) {
    std::vector<core::store::InboxClaim> claims;
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (!valid[i]) continue;
      claims.push_back({events[i]->remoteEventId,
                        std::string(core::model::messageChangeName(events[i]->change))});
    }
    if (const auto first = std::find(valid.begin(), valid.end(), true); first != valid.end()) {
      readAheadFor(tx, *events[first - valid.begin()]);
    }
    const std::int64_t now = tx.clock().nowMillis();
    if (expected && !claims.empty()) {
      // The claims go first, so that the audit chain's lock is taken after them, as it is
      // without a guess; then what applyIn() reads with the lock, for the expected puppet.
      tx.bridges().claimInboxManyAhead(bridge, claims, now);
      tx.audit().lockChainAhead();
      tx.policyAttributes().policyInputsAhead(expected->puppetId, expected->channelId,
                                              core::store::WithLinks::kYes);
    }
    auto taken = tx.bridges().claimInboxMany(bridge, claims, now);
    if (!taken) return std::move(taken).error();
    std::vector<bool> claimed(events.size(), false);
    for (std::size_t i = 0, next = 0; i < events.size(); ++i) {
      if (valid[i]) claimed[i] = (*taken)[next++];
    }
    return claimed;
  }

  // What applying `event` reads first, its sender's puppet and its room's link, travels with
  // the claims. The batch's other events, mostly the same sender's in the same room, then find
  // them kept.
  static void readAheadFor(Store& tx, const InboundEvent& event) {
    tx.bridges().findRemoteUserAhead(event.sender.bridge, event.sender.remoteId);
    if (!event.remoteRoom.empty()) tx.bridges().linkByRemoteAhead(event.bridge, event.remoteRoom);
  }

  std::optional<std::string> postedHere(const std::string& room,
                                        const std::string& remoteId) const {
    const auto found = posted.find(room + '\n' + remoteId);
    if (found == posted.end()) return std::nullopt;
    return found->second;
  }

  // After the last event, in the same transaction.
  core::Status write(Store& tx) {
    if (auto set = tx.bridges().setInboxEffects(bridge, effects); !set) return set;
    return tx.bridges().putPartsMany(parts, tx.clock().nowMillis());
  }
};

IngressPipeline::IngressPipeline(core::store::DatabasePtr database,
                                 std::shared_ptr<core::metrics::BridgeMetrics> metrics,
                                 std::function<void()> afterCommit)
    : database_(std::move(database)),
      metrics_(metrics ? std::move(metrics)
                       : std::make_shared<core::metrics::BridgeMetrics>(nullptr)),
      afterCommit_(std::move(afterCommit)) {}

IngressPipeline::~IngressPipeline() {
  if (fetchPool_) fetchPool_->join();
}

void IngressPipeline::enableAttachments(InboundFileSettings settings) {
  files_ = std::make_unique<InboundFileSettings>(std::move(settings));
  fetchPool_ = std::make_unique<asio::thread_pool>(2);
}

void IngressPipeline::receive(InboundEvent event, std::function<void(IngressResult)> done) {
  std::string room = orderKey(event);
  const bool fetch = fetchPool_ && hasAttachmentsToFetch(event);
  InboundEvent toFetch = fetch ? event : InboundEvent{};
  bool idle = false;
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    auto& queue = rooms_[room];
    idle = queue.empty();
    id = nextId_++;
    queue.push_back(Pending{std::move(event), std::move(done), id, !fetch, {}});
  }
  if (fetch) fetchFor(room, id, std::move(toFetch));
  // A room with events queued already has a job that will come to this one.
  if (idle) drainRoom(std::move(room));
}

void IngressPipeline::fetchFor(std::string room, std::uint64_t id, InboundEvent event) {
  asio::post(*fetchPool_, [this, room = std::move(room), id, event = std::move(event)] {
    const auto limits = files_->limits.find(event.bridge);
    const auto fetcher = files_->fetchers.find(event.bridge);
    auto fetched =
        fetchAttachments(event, limits == files_->limits.end() ? nullptr : &limits->second,
                         fetcher == files_->fetchers.end() ? AttachmentFetcher() : fetcher->second);
    bool resume = false;
    {
      // The event is still queued: a head that is not ready is never taken.
      std::lock_guard lock(mutex_);
      auto& queue = rooms_.at(room);
      for (auto& pending : queue) {
        if (pending.id != id) continue;
        pending.fetched = std::move(fetched);
        pending.ready = true;
        break;
      }
      resume = queue.front().id == id && stalled_.erase(room) > 0;
    }
    if (resume) drainRoom(room);
  });
}

void IngressPipeline::drainRoom(std::string room) {
  database_->submit([this, room = std::move(room)](Store& s) {
    for (std::size_t applied = 0; applied < kEventsPerJob;) {
      // The ready events at the head of the queue, in order: one with attachments goes alone
      // (its files are stored outside the transaction), the others together.
      std::vector<Pending> batch;
      {
        // Moved out but left in place: a queue that is not empty tells receive() a job runs.
        std::lock_guard lock(mutex_);
        auto& queue = rooms_.at(room);
        if (!queue.front().ready) {
          stalled_.insert(room);  // its fetch resumes the room
          return;
        }
        for (auto& pending : queue) {
          if (!pending.ready || batch.size() == kEventsPerTransaction) break;
          const bool alone = hasAttachmentsToFetch(pending.event);
          if (alone && !batch.empty()) break;
          batch.push_back(std::move(pending));
          if (alone) break;
        }
      }
      std::vector<IngressResult> results;
      if (batch.size() == 1) {
        results.push_back(apply(s, batch.front().event, batch.front().fetched));
      } else {
        std::vector<const InboundEvent*> events;
        events.reserve(batch.size());
        for (const auto& pending : batch) events.push_back(&pending.event);
        results = applyTogether(s, events);
      }
      bool more = false;
      {
        std::lock_guard lock(mutex_);
        auto queue = rooms_.find(room);
        for (std::size_t i = 0; i < batch.size(); ++i) queue->second.pop_front();
        more = !queue->second.empty();
        if (!more) rooms_.erase(queue);
      }
      applied += batch.size();
      // Last: whoever waits for these results may tear the pipeline down as soon as it has
      // them.
      for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
      if (!more) return;
    }
    // More to come: a new job at the back of the pool's queue, so a busy room does not hold a
    // worker while other rooms wait.
    drainRoom(room);
  });
}

std::vector<IngressResult> IngressPipeline::applyTogether(
    Store& store, const std::vector<const InboundEvent*>& events) {
  std::vector<IngressResult> results;
  results.reserve(events.size());
  for (std::size_t from = 0; from < events.size();) {
    const std::vector<const InboundEvent*> rest(events.begin() + static_cast<std::ptrdiff_t>(from),
                                                events.end());
    if (rest.size() == 1) {
      results.push_back(apply(store, *rest.front()));
      break;
    }
    std::optional<std::size_t> refused;
    auto together = applyInOneTransaction(store, rest, refused);
    if (together) {
      std::move(together->begin(), together->end(), std::back_inserter(results));
      break;
    }
    if (!refused) {
      // Not an event's doing (the claims, the batch's writes, the COMMIT): each alone.
      for (const InboundEvent* event : rest) results.push_back(apply(store, *event));
      break;
    }
    // An event not applied: those before it together again, it alone (its own outcome), those
    // after it as the next batch.
    auto before =
        applyTogether(store, {rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(*refused)});
    std::move(before.begin(), before.end(), std::back_inserter(results));
    results.push_back(apply(store, *rest[*refused]));
    from += *refused + 1;
  }
  return results;
}

std::optional<std::vector<IngressResult>> IngressPipeline::applyInOneTransaction(
    Store& store, const std::vector<const InboundEvent*>& events,
    std::optional<std::size_t>& refused) {
  std::vector<IngressResult> results(events.size());
  std::vector<bool> valid(events.size(), true);
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (auto invalid = validate(*events[i]); !invalid.empty()) {
      valid[i] = false;
      results[i] = outcome(IngressOutcome::kRejected, invalid);
    }
  }
  // Attachments are never batched (drainRoom): nothing is stored for these events.
  std::vector<core::model::FileInfo> storedFiles;
  std::vector<core::model::FileInfo> droppedFiles;
  const core::Status committed = store.transaction([&](Store& tx) -> core::Status {
    // One room's (or direct conversation's) events: one bridge.
    Crossings crossings(events.front()->bridge);
    const auto first = std::find(valid.begin(), valid.end(), true);
    auto claimed = crossings.claim(
        tx, events, valid,
        first == valid.end() ? std::nullopt : expected(*events[first - valid.begin()]));
    if (!claimed) return std::move(claimed).error();
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (!valid[i]) continue;
      // An event that is not applied (unknown room or target, rejected) or a failure rolls the
      // whole batch back.
      if (auto applied = applyIn(tx, *events[i], (*claimed)[i], {}, crossings, results[i],
                                 storedFiles, droppedFiles);
          !applied) {
        refused = i;
        return applied;
      }
    }
    return crossings.write(tx);
  });
  if (!committed) return std::nullopt;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const std::string& bridge = events[i]->bridge;
    count(bridge.empty() ? "unknown" : bridge, results[i].outcome);
  }
  return results;
}

void IngressPipeline::count(const std::string& bridge, IngressOutcome kind) {
  auto& counters = metrics_->ingress(bridge);
  switch (kind) {
    case IngressOutcome::kApplied:
      counters.applied->increment();
      if (afterCommit_) afterCommit_();
      break;
    case IngressOutcome::kDuplicate: counters.duplicate->increment(); break;
    case IngressOutcome::kDenied: counters.denied->increment(); break;
    default: counters.rejected->increment(); break;
  }
}

std::optional<IngressPipeline::Expected> IngressPipeline::expected(const InboundEvent& event) {
  const std::string key = expectedKey(event);
  std::lock_guard lock(expectedMutex_);
  const auto found = expected_.find(key);
  if (found == expected_.end()) return std::nullopt;
  return found->second;
}

void IngressPipeline::expect(const InboundEvent& event, const std::string& puppetId,
                             const std::string& channelId) {
  std::string key = expectedKey(event);
  std::lock_guard lock(expectedMutex_);
  auto found = expected_.find(key);
  if (found != expected_.end()) {
    if (found->second.puppetId != puppetId) found->second.puppetId = puppetId;
    if (found->second.channelId != channelId) found->second.channelId = channelId;
    return;
  }
  if (expected_.size() >= kMaxExpected) expected_.clear();
  expected_.emplace(std::move(key), Expected{puppetId, channelId});
}

IngressResult IngressPipeline::apply(Store& store, const InboundEvent& event,
                                     const std::vector<FetchedAttachment>& fetched) {
  const std::string bridge = event.bridge.empty() ? std::string("unknown") : event.bridge;
  if (auto invalid = validate(event); !invalid.empty()) {
    count(bridge, IngressOutcome::kRejected);
    return outcome(IngressOutcome::kRejected, invalid);
  }
  IngressResult result;
  // Attachments stored for this event: recorded with the post, else their bytes are removed.
  std::vector<core::model::FileInfo> storedFiles;
  std::vector<core::model::FileInfo> droppedFiles;
  const core::Status committed = store.transaction([&](Store& tx) -> core::Status {
    Crossings crossings(event.bridge);
    auto claimed = crossings.claim(tx, {&event}, {true}, expected(event));
    if (!claimed) return std::move(claimed).error();
    if (auto applied = applyIn(tx, event, claimed->front(), fetched, crossings, result, storedFiles,
                               droppedFiles);
        !applied) {
      return applied;
    }
    return crossings.write(tx);
  });

  if (files_) {
    // Unrecorded bytes: every stored file unless the post was applied, and what the guard left
    // out of it either way.
    if (!committed || result.outcome != IngressOutcome::kApplied) {
      droppedFiles.insert(droppedFiles.end(), storedFiles.begin(), storedFiles.end());
    }
    discardAttachments(*files_, droppedFiles);
  }
  if (!committed && committed.error().id != "bridges.ingress.rollback") {
    // The database failed (or a bug): the bridge may redeliver, nothing was kept.
    count(bridge, IngressOutcome::kRejected);
    return outcome(IngressOutcome::kRejected, committed.error().message);
  }
  count(bridge, result.outcome);
  return result;
}

core::Status IngressPipeline::applyIn(Store& tx, const InboundEvent& event, bool claimed,
                                      const std::vector<FetchedAttachment>& fetched,
                                      Crossings& crossings, IngressResult& result,
                                      std::vector<core::model::FileInfo>& storedFiles,
                                      std::vector<core::model::FileInfo>& droppedFiles) {
  {
    if (!claimed) {
      result = outcome(IngressOutcome::kDuplicate);
      // The post it made, so that the bridge can acknowledge a sender's retry (XMPP: the
      // reflection its client waits for).
      if (event.change == MessageChange::kPost && !event.remoteRoom.empty()) {
        if (auto here = crossings.postedHere(event.remoteRoom, event.remoteEventId)) {
          result.postId = *here;
          return {};
        }
        auto known = tx.bridges().postOfRemote(event.bridge, event.remoteRoom, event.remoteEventId);
        if (known && *known) result.postId = **known;
      }
      return {};
    }
    const std::string puppetKey = puppetKeyOf(event);
    auto knownPuppet = crossings.puppets.find(puppetKey);
    if (knownPuppet == crossings.puppets.end()) {
      auto found = core::services::findOrCreatePuppet(tx, event.sender, event.senderDisplayName);
      if (!found) return std::move(found).error();
      knownPuppet = crossings.puppets.emplace(puppetKey, std::move(*found)).first;
    }
    const core::model::User& puppet = knownPuppet->second;
    const std::string linkKey = event.remoteRoom.empty()
                                    ? "\n" + event.toUser + '\n' + event.sender.remoteId
                                    : event.remoteRoom;
    auto knownLink = crossings.links.find(linkKey);
    if (knownLink == crossings.links.end()) {
      auto link = linkOf(tx, event, puppet);
      if (!link) return std::move(link).error();
      if (!*link || !(*link)->takesIn()) {
        result = outcome(IngressOutcome::kUnknownRoom, "no link takes events from this room");
        return rollback();
      }
      knownLink = crossings.links.emplace(linkKey, std::move(**link)).first;
    }
    const core::model::Link& via = knownLink->second;
    expect(event, puppet.id, via.channelId);
    if (crossings.members.insert(via.channelId + '\n' + puppet.id).second) {
      // The puppet's access, read with what the guard decides on next (one statement, kept in
      // the batch's reads): a puppet that is in the channel already needs nothing more. The
      // decision's audit record will need the chain's head: it travels with them.
      tx.audit().lockChainAhead();
      crossings.reads.readPolicyInputs(tx, puppet.id, via.channelId, core::store::WithLinks::kYes);
      auto access = crossings.reads.access(tx, puppet.id, via.channelId);
      if (!access) return std::move(access).error();
      if (!(*access)->isMember()) {
        if (auto member = core::services::ensurePuppetMembership(tx, puppet, via.channelId);
            !member) {
          return member;
        }
        crossings.reads.forgetAccess(puppet.id, via.channelId);  // read again, as a member
      }
    }
    const core::model::RemoteOrigin origin{event.bridge, via.remoteRoom, event.sender.remoteId,
                                           event.sender.domain};

    // The post a change, a reaction or a reply addresses, through the id map of this room.
    const auto postOf =
        [&](const std::string& remoteId) -> core::Result<std::optional<std::string>> {
      if (remoteId.empty()) return std::optional<std::string>{};
      // The id map, with what this transaction made before it writes it.
      const auto inIdMap = [&](const std::string& id) -> core::Result<std::optional<std::string>> {
        if (auto here = crossings.postedHere(via.remoteRoom, id)) return here;
        return tx.bridges().postOfRemote(event.bridge, via.remoteRoom, id);
      };
      auto mapped = inIdMap(remoteId);
      if (mapped && !*mapped && !event.senderIdScope.empty()) {
        mapped = inIdMap(event.senderIdScope + remoteId);
      }
      if (!mapped || *mapped || !core::model::isValidId(remoteId)) return mapped;
      // A room Parley hosts names its messages by post id (XMPP: the stanza-id, xmpp.md §2),
      // also the posts that came in over it (the id map holds the sender's id for those) and
      // a post whose delivery is not recorded yet: a live post of the linked channel counts.
      auto post = tx.posts().get(remoteId);
      if (!post) {
        if (post.error().code == core::ErrorCode::kNotFound) return std::optional<std::string>{};
        return std::move(post).error();
      }
      if (post->channelId != via.channelId || post->deleteAt != 0)
        return std::optional<std::string>{};
      return std::optional<std::string>{post->id};
    };

    core::model::CanonicalMessage message;
    message.change = event.change;
    message.channelId = via.channelId;
    message.text = event.text;
    message.files = event.files;
    message.emoji = event.emoji;
    if (event.reactionSet) message.reactions = *event.reactionSet;
    message.label = event.label;
    message.author.userId = puppet.id;
    message.author.username = puppet.username;
    message.author.displayName =
        event.senderDisplayName.empty() ? puppet.username : event.senderDisplayName;
    message.author.remote = event.sender;
    message.origin = origin;
    message.createAt = tx.clock().nowMillis();
    if (hasAttachmentsToFetch(event)) {
      const std::vector<FetchedAttachment> unfetched =
          fetched.empty() ? fetchAttachments(event, nullptr) : std::vector<FetchedAttachment>{};
      auto stored = storeAttachments(files_ ? *files_ : InboundFileSettings{}, puppet,
                                     via.channelId, fetched.empty() ? unfetched : fetched, message);
      if (!stored) return std::move(stored).error();
      storedFiles = std::move(*stored);
    }

    std::string targetPostId;
    // The change applied: the event's own, except a retraction of a reaction (below).
    MessageChange change = event.change;
    if (change == MessageChange::kPost) {
      auto parent = postOf(event.replyToRemoteId);
      if (!parent) return std::move(parent).error();
      if (*parent) {
        // Mattermost threads are flat: a reply to a reply goes under the same root.
        auto root = tx.posts().get(**parent);
        if (!root) return std::move(root).error();
        message.rootId = root->rootId.empty() ? root->id : root->rootId;
      }
    } else {
      auto target = postOf(event.targetRemoteId);
      if (!target) return std::move(target).error();
      if (!*target && event.change == MessageChange::kDelete) {
        // A retraction that names a reaction this bridge brought in (a Matrix redaction of an
        // m.reaction) takes that reaction back.
        auto reaction =
            tx.bridges().remoteReaction(event.bridge, via.remoteRoom, event.targetRemoteId);
        if (!reaction) return std::move(reaction).error();
        if (*reaction) {
          if ((*reaction)->userId != puppet.id) {
            result = outcome(IngressOutcome::kRejected, "not the author of the target");
            return rollback();
          }
          change = MessageChange::kReactionDelete;
          message.change = change;
          message.emoji = (*reaction)->emojiName;
          target = std::optional<std::string>{(*reaction)->postId};
        }
      }
      if (!*target) {
        result = outcome(IngressOutcome::kUnknownTarget, "unknown target");
        return rollback();
      }
      targetPostId = **target;
      message.postId = targetPostId;
      auto post = tx.posts().get(targetPostId);
      if (!post) return std::move(post).error();
      message.rootId = post->rootId;
      // A remote user changes only what it said itself (reactions are its own by construction).
      const bool ownChange = change == MessageChange::kEdit || change == MessageChange::kDelete;
      if (ownChange && post->userId != puppet.id) {
        result = outcome(IngressOutcome::kRejected, "not the author of the target");
        return rollback();
      }
    }

    auto verdict = core::services::guardMessageIngress(tx, via, message, &crossings.reads);
    if (!verdict.permitted()) {
      result = outcome(IngressOutcome::kDenied, verdict.decision.reasonCode.empty()
                                                    ? std::string("policy.denied")
                                                    : verdict.decision.reasonCode);
      crossings.effects.push_back({event.remoteEventId, "denied", std::to_string(verdict.auditId)});
      return {};
    }
    const core::model::CanonicalMessage& allowed = verdict.message;
    if (auto recorded = recordAttachments(tx, storedFiles, allowed.files, droppedFiles);
        !recorded) {
      return recorded;
    }

    std::string effectId = targetPostId;
    core::Status applied;
    switch (change) {
      case MessageChange::kPost: {
        core::model::Post draft;
        draft.channelId = via.channelId;
        draft.message = allowed.text;
        draft.rootId = message.rootId;
        draft.type = event.postType;  // post_service refuses what a user may not post
        // The (mapped) label it was admitted under is its own, as a local post's.
        if (!allowed.label.empty()) draft.props[core::services::kPostLabelProp] = allowed.label;
        for (const auto& file : allowed.files) {
          if (!file.fileId.empty()) draft.fileIds.push_back(file.fileId);
        }
        core::services::CreatePostOptions options;
        // The link and the guard authorised it; the puppet is not at a client.
        options.checkChannelPermission = false;
        options.setOnline = false;
        options.origin = origin;
        options.afterLastPost = true;  // listed in the order the room sent them
        options.reads = &crossings.reads;
        auto created = core::services::createPost(tx, puppet, std::move(draft), options);
        if (!created) {
          applied = std::move(created).error();
          break;
        }
        effectId = created->id;
        crossings.parts.push_back(
            {created->id, event.bridge, via.remoteRoom, {{0, event.remoteEventId}}});
        crossings.posted[via.remoteRoom + '\n' + event.remoteEventId] = created->id;
        break;
      }
      case MessageChange::kEdit: {
        core::services::PostPatch patch;
        patch.message = allowed.text;
        auto edited = core::services::patchPost(tx, puppet, targetPostId, patch, origin);
        if (!edited) applied = std::move(edited).error();
        break;
      }
      case MessageChange::kDelete:
        applied = core::services::deletePost(tx, puppet, targetPostId, origin);
        crossings.reads.forgetPost(targetPostId);  // a reply later in the batch reads it again
        break;
      case MessageChange::kReaction: {
        if (event.reactionSet) {
          applied = applyReactionSet(tx, puppet, targetPostId, allowed.reactions, origin);
          break;
        }
        core::model::Reaction reaction;
        reaction.userId = puppet.id;
        reaction.postId = targetPostId;
        reaction.emojiName = allowed.emoji;
        auto added = core::services::addReaction(tx, puppet, reaction, origin);
        if (!added) {
          applied = std::move(added).error();
          break;
        }
        // Its remote event, for a retraction that names only that event.
        applied = tx.bridges().putRemoteReaction(event.bridge, via.remoteRoom, event.remoteEventId,
                                                 {targetPostId, puppet.id, reaction.emojiName},
                                                 tx.clock().nowMillis());
        break;
      }
      case MessageChange::kReactionDelete:
        applied = core::services::removeReaction(tx, puppet, puppet.id, targetPostId, allowed.emoji,
                                                 origin);
        if (applied && event.change == MessageChange::kDelete) {
          applied =
              tx.bridges().deleteRemoteReaction(event.bridge, via.remoteRoom, event.targetRemoteId);
        }
        break;
    }
    if (!applied) {
      if (applied.error().code == core::ErrorCode::kUnavailable ||
          applied.error().code == core::ErrorCode::kInternal) {
        return applied;
      }
      result = outcome(IngressOutcome::kRejected, applied.error().id);
      return rollback();
    }
    result = outcome(IngressOutcome::kApplied, {}, effectId);
    crossings.effects.push_back(
        {event.remoteEventId, std::string(core::model::messageChangeName(change)), effectId});
    return {};
  }
}

}  // namespace parley::bridges
