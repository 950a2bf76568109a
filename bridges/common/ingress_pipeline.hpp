#pragma once
// The ingress pipeline (design.md §2 "Ingress"): what a bridge received becomes a local change
// through the same services as a local post, as the remote sender's puppet, in ONE transaction
// with the inbox claim of its remote id: a redelivered event changes nothing, and an event is
// never half applied.
//
// In that transaction: the inbox claim (taken before -> kDuplicate); the link of (bridge,
// remote room) that takes events in (none -> kUnknownRoom; a direct message, remoteRoom "" and
// toUser set, uses the direct channel between that user and the puppet and an implicit link
// for it, created on first use); the puppet (found or created) and its membership of the
// channel; the boundary guard's message.ingress decision with its audit record (deny ->
// kDenied, committed with the claim: the same event is not decided twice); then the effect
// (post, reply under the root the id map names, edit, delete, reaction; a whole reaction set:
// the difference to the sender's reactions on the post, added and removed one by one through
// the reaction service; a reaction's remote event recorded in reaction_map, so that a delete
// naming that event removes the reaction) with the post's origin
// so that no outbox row goes back toward the link it came in on, and the id map entry of a new
// post. kUnknownRoom, kUnknownTarget and kRejected roll everything back (the claim too): a
// redelivery after the link or the target appeared is applied then.

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bridges/common/bridge.hpp"
#include "bridges/common/inbound_files.hpp"
#include "core/common/asio.hpp"
#include "core/metrics/bridge_metrics.hpp"
#include "core/store/database.hpp"

namespace parley::bridges {

// It must outlive the database jobs it submitted: stop the database (or wait for every `done`)
// before destroying it.
class IngressPipeline final : public IngressSink {
 public:
  // `afterCommit` runs after an applied event committed (the drainer's wake(): the change may
  // go out over the channel's other links). `metrics` may be null.
  IngressPipeline(core::store::DatabasePtr database,
                  std::shared_ptr<core::metrics::BridgeMetrics> metrics,
                  std::function<void()> afterCommit = {});
  ~IngressPipeline() override;  // waits for the attachment fetches under way

  // Attachments (inbound_files.hpp): from now on the files with a URL of a post are fetched on
  // the pipeline's own threads, outside any transaction, while the event waits in its room's
  // queue (the room's later events wait behind it); without it such files become notes. Call
  // before the bridges start.
  void enableAttachments(InboundFileSettings settings);

  // Applies the event in a database job; `done` runs on the database worker once its
  // transaction has committed. Events of one room (of one sender and addressee, for direct
  // messages) are applied one after the other in the order they were received, whatever the
  // size of the pool: a conversation keeps its order. Events that queued up behind a room's
  // running transaction are applied together in the next one (applyTogether()).
  void receive(InboundEvent event, std::function<void(IngressResult)> done) override;

  // The whole pipeline, synchronously, on `store` (inside a database job). `fetched`: what
  // fetchAttachments() gave for the event's files with a URL (empty: they become notes).
  IngressResult apply(core::store::Store& store, const InboundEvent& event,
                      const std::vector<FetchedAttachment>& fetched = {});

  // Group commit: `events` (in order, none with attachments to fetch) in ONE transaction, each
  // as apply() would, so that a burst costs one commit (and one wait for the audit chain's
  // lock) per batch instead of one per event, and the inbox claims, inbox effects and id map
  // entries of the batch one statement each; the puppet, link and membership of a sender
  // are looked up once per batch. The batch commits only when every event in it
  // is applied, a duplicate or denied; when one is not (unknown room or target, rejected),
  // nothing of it is kept: the events before it are applied together again, it alone with
  // apply(), and those after it as the next batch. When the batch fails outside any event
  // (the database), each is applied alone. The outcome of every event is the one apply() gives.
  std::vector<IngressResult> applyTogether(core::store::Store& store,
                                           const std::vector<const InboundEvent*>& events);

 private:
  // `events` in one transaction: their results (counted) once it committed; otherwise none,
  // and `refused` names the event that ended it, when one did.
  std::optional<std::vector<IngressResult>> applyInOneTransaction(
      core::store::Store& store, const std::vector<const InboundEvent*>& events,
      std::optional<std::size_t>& refused);

  struct Pending {
    InboundEvent event;
    std::function<void(IngressResult)> done;
    std::uint64_t id = 0;
    bool ready = true;  // false while its attachments are being fetched
    std::vector<FetchedAttachment> fetched;
  };
  // One database job applies a room's queued events in order; a room with a queue has a job,
  // or is stalled behind a head whose fetch will resume it.
  void drainRoom(std::string room);
  // Fetches the attachments of the queued event `id` of `room` on fetchPool_.
  void fetchFor(std::string room, std::uint64_t id, InboundEvent event);
  // The events of one transaction: their inbox claims, inbox effects and id map entries each
  // written in one statement for all of them, and what they share looked up once
  // (ingress_pipeline.cpp).
  struct Crossings;
  // The body of apply()'s transaction for one event whose inbox claim `claimed` says whether
  // it took the id (false: a duplicate): sets `result` and adds what is written at the end to
  // `crossings`; an error rolls the transaction back (the id "bridges.ingress.rollback": an
  // outcome in `result`, not a failure).
  core::Status applyIn(core::store::Store& tx, const InboundEvent& event, bool claimed,
                       const std::vector<FetchedAttachment>& fetched, Crossings& crossings,
                       IngressResult& result, std::vector<core::model::FileInfo>& storedFiles,
                       std::vector<core::model::FileInfo>& droppedFiles);
  // The metrics of a committed outcome, and the drainer's wake-up after an applied one.
  void count(const std::string& bridge, IngressOutcome kind);

  // What a sender's last event in a room crossed with: its puppet and the linked channel. The
  // next event's transaction sends the guard's reads for them, and the audit chain's lock,
  // with its inbox claim: one round trip where finding them first took two. A guess: when it
  // is wrong (the link or the puppet changed) the event reads for what it turns out to have,
  // and the guess cost nothing but the round trip it would have saved.
  struct Expected {
    std::string puppetId;
    std::string channelId;
  };
  std::optional<Expected> expected(const InboundEvent& event);
  void expect(const InboundEvent& event, const std::string& puppetId, const std::string& channelId);

  core::store::DatabasePtr database_;
  std::shared_ptr<core::metrics::BridgeMetrics> metrics_;
  std::function<void()> afterCommit_;
  std::mutex mutex_;
  std::map<std::string, std::deque<Pending>> rooms_;  // by orderKey(); erased when drained
  std::set<std::string> stalled_;                     // rooms waiting for their head's fetch
  std::uint64_t nextId_ = 1;
  std::unique_ptr<InboundFileSettings> files_;
  std::unique_ptr<asio::thread_pool> fetchPool_;  // network waits, off the database workers
  std::mutex expectedMutex_;                      // rooms' jobs run on several workers
  std::map<std::string, Expected> expected_;      // by sender and room (expectedKey())
};

}  // namespace parley::bridges
