#pragma once
// A Bridge connects Parley to one partner network (XMPP, Matrix, another Mattermost). Each
// implementation lives in its own directory under bridges/ and is built by createBridges() from
// gateway.yaml. The framework around it (bridges/common) owns everything that is the same for
// every network: the outbox drainer hands a bridge the OutboundItems of a link in order (one at a
// time, or a run of them where the bridge allows: maxRun), and the
// ingress pipeline (an IngressSink) turns what a bridge received into local posts, in one
// transaction with the inbox claim that makes a redelivery a no-op.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bridges/common/attachment_fetch.hpp"
#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "core/config/config.hpp"
#include "core/files/file_store.hpp"
#include "core/metrics/registry.hpp"
#include "core/model/canonical_message.hpp"
#include "core/model/link.hpp"
#include "core/store/database.hpp"

namespace parley::bridges {

// One remote message a local post became on a link: part 0 is the text, 1.. one per file.
struct RemotePart {
  int part = 0;
  std::string remoteEventId;

  bool operator==(const RemotePart&) const = default;
};

struct OutboundItem {
  std::int64_t outboxId = 0;
  std::string txnId;  // stable across retries: peers de-duplicate with it
  core::model::Link link;
  core::model::CanonicalMessage message;  // obligations already applied
  std::vector<RemotePart> parts;  // edit/delete/reaction: the post's remote ids on this link
  std::string rootRemoteId;       // a reply: the root's part 0 on this link, "" if unknown
  // A reply whose root is on this link: the root's author (username) and text, for a quote
  // peers show to clients without reply support (XMPP: the XEP-0428 fallback).
  std::string rootAuthor;
  std::string rootText;
  // The post's type: "" for a normal post, "me" for /me (text "*what*", as Mattermost's /me
  // writes it), "system_*" for the server's own posts. Protocols with their own emote and
  // notice forms (Matrix m.emote, m.notice) send by it.
  std::string postType;
};

struct DeliveryResult {
  enum class Outcome { kSent, kRetry, kRejected } outcome = Outcome::kRetry;
  std::vector<RemotePart> parts;  // kSent: ids the peer assigned (part 0 text, then files)
  std::string error;              // kRetry/kRejected: stored in outbox.last_error (no secrets)
  // kRetry: the peer asked for at least this long a wait (Matrix 429 retry_after_ms); the
  // drainer waits the longer of it and its own backoff.
  std::chrono::milliseconds retryAfter{0};
};

struct InboundEvent {
  std::string bridge;
  std::string remoteRoom;     // room the event arrived in; a DM: "" and toUser set
  std::string remoteEventId;  // inbox key: unique per bridge (stanza-id / event id)
  core::model::MessageChange change = core::model::MessageChange::kPost;
  core::model::RemoteOrigin sender;
  std::string senderDisplayName;
  std::string text;                         // Mattermost markdown (the bridge translated it)
  std::vector<core::model::FileRef> files;  // url set: the pipeline fetches with limits
  std::string replyToRemoteId;              // thread/reply target
  // edit/delete/reaction target. A delete that names a reaction the pipeline brought in (by
  // its remoteEventId: a Matrix redaction of an m.reaction) removes that reaction.
  std::string targetRemoteId;
  std::string emoji;   // Mattermost emoji name
  std::string label;   // peer-supplied label (mapped), "" = none
  std::string toUser;  // a DM: the local username addressed
  // kPost: the post's type, as a local client would create it: "" a normal post, "me" an
  // emote (text "*what*", as Mattermost's /me writes it). The post service refuses the types
  // a user may not post (system_*).
  std::string postType;
  // Where the peer's message ids are unique only per sender (an XMPP chat's id attribute), the
  // id map keeps the sender's own messages as "<senderIdScope><id>": a reply or reaction target
  // not known as given is looked up so, as one of the sender's own messages.
  std::string senderIdScope;
  // kReaction from a protocol that sends the sender's WHOLE set each time (XEP-0444): the set,
  // as Mattermost names; the pipeline adds and removes the difference to the sender's current
  // reactions on the target (an empty set removes them all). nullopt: `emoji` alone is added.
  std::optional<std::vector<std::string>> reactionSet;
};

enum class IngressOutcome {
  kApplied,        // the effect is committed (postId: the post created or changed)
  kDuplicate,      // remoteEventId was processed before: nothing changed
  kDenied,         // the boundary guard refused it (error: the generic reason)
  kUnknownRoom,    // no link takes events from that room
  kUnknownTarget,  // edit/delete/reaction/reply of a remote id we do not know
  kRejected,       // invalid, or refused by the services (error says why)
};

struct IngressResult {
  IngressOutcome outcome = IngressOutcome::kRejected;
  std::string postId;
  std::string error;
};

class IngressSink {  // implemented by the framework's ingress pipeline
 public:
  virtual ~IngressSink() = default;
  // Called from the bridge's own thread; `done` runs exactly once, on another thread: the
  // bridge posts it back to its own thread. One transaction: inbox claim + puppet + effect.
  virtual void receive(InboundEvent event, std::function<void(IngressResult)> done) = 0;
};

// An HTTP route a bridge serves on parleyd's own server (the Matrix AS API: the homeserver
// calls Parley). Transport-neutral so that bridges do not depend on the gateway: serve.cpp
// registers each with the router and turns the reply into the response as it is.
struct HttpCall {
  std::string method;                         // "PUT"
  std::string path;                           // as received, without the query
  std::map<std::string, std::string> params;  // the pattern's {captures}, decoded
  std::map<std::string, std::string> query;   // the endpoint's queryNames present, decoded
  std::string authorization;                  // the Authorization header ("" if absent)
  std::string body;
};
struct HttpReply {
  unsigned status = 200;
  std::string body;
  std::string contentType = "application/json";
};
struct HttpEndpoint {
  std::string method;   // "GET", "PUT", "POST"
  std::string pattern;  // router pattern, e.g. "/_matrix/app/v1/transactions/{txnId}"
  std::vector<std::string> queryNames;
  // `reply` exactly once, any thread.
  std::function<void(HttpCall call, std::function<void(HttpReply)> reply)> handle;
  // The route's own request body limit (0: the server-wide limits.max_body_bytes), and the
  // reply a larger body gets before it is read (its status is 413 whatever `status` says).
  std::uint64_t maxBodyBytes = 0;
  HttpReply tooLarge;
};

class Bridge {
 public:
  virtual ~Bridge() = default;
  virtual std::string_view name() const = 0;  // "xmpp"
  // Starts the bridge's own threads or connections; returns once they are under way. `sink`
  // outlives the bridge's stop().
  virtual core::Status start(IngressSink& sink) = 0;
  // Flushes acknowledgements and stops; called on shutdown before the database closes.
  virtual void stop() = 0;
  virtual bool connected() const = 0;  // the link to the peer is up (metrics/health)
  // One item; `done` exactly once, any thread. The drainer sends the items of one link one at
  // a time in outbox order and waits for done before the next.
  virtual void deliver(OutboundItem item, std::function<void(DeliveryResult)> done) = 0;
  // How many items of `link` the drainer may hand over together (deliverRun), at least 1.
  // After a crash every item handed over but not yet recorded as sent goes again, so more than
  // one only where the peer tells a re-sent message from a new one (it carries the same id).
  virtual std::size_t maxRun(const core::model::Link& /*link*/) const { return 1; }
  // Items of one link in outbox order (at most maxRun of them), delivered in that order, each
  // after the one before was sent or rejected: `done` exactly once, any thread, with the
  // results of the items tried, in order; the run stops after a kRetry (the items after it are
  // not tried). By default deliver() one after the other (deliverInTurn); a bridge overrides it
  // to take a run in one hand-over.
  virtual void deliverRun(std::vector<OutboundItem> items,
                          std::function<void(std::vector<DeliveryResult>)> done);
  // Routes the peer calls on parleyd's HTTP server (none by default). Asked once, before
  // start(); a handler may be called before start() returns and after stop(): it answers then
  // with an error the peer retries.
  virtual std::vector<HttpEndpoint> httpEndpoints() { return {}; }
  // How the ingress pipeline fetches the attachments of this bridge's events (FileRef::url):
  // null (the default) = plain HTTP(S) with file_fetcher.hpp's rules. Asked once, before
  // start().
  virtual AttachmentFetcher attachmentFetcher() { return nullptr; }
};

using BridgePtr = std::unique_ptr<Bridge>;

// Bridge::deliverRun's order with `deliverOne`: each item once the one before was sent or
// rejected, stopping after a kRetry; `done` gets the results of the items tried. `deliverOne`
// may answer at once or later, on any thread.
void deliverInTurn(
    std::vector<OutboundItem> items,
    std::function<void(const OutboundItem&, std::function<void(DeliveryResult)>)> deliverOne,
    std::function<void(std::vector<DeliveryResult>)> done);

// What a bridge may need from the rest of Parley: built once in `parleyd serve`.
struct BridgeEnvironment {
  std::shared_ptr<const core::config::Config> config;
  core::store::DatabasePtr database;
  core::files::FileStorePtr files;
  std::shared_ptr<core::metrics::Registry> metrics;
  core::ClockPtr clock;
};

// Builds the bridges that gateway.yaml enables. Configuration validation already refused any
// bridge this build does not provide, so an error here is an internal inconsistency (or a
// bridge that cannot start from its configuration, e.g. a secret file that is unreadable).
core::Result<std::vector<BridgePtr>> createBridges(const BridgeEnvironment& environment);

}  // namespace parley::bridges
