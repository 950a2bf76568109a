#pragma once
// Persistence of the bridge framework (0003_bridges.sql, 0008_bridge_links_peer.sql,
// 0009_bridge_reaction_map.sql): channel links, the puppets' lookup table, the transactional
// outbox, the inbox of remote ids already applied, the id map between local posts and remote
// events and the reactions that came in by their remote event. Call only from inside a
// database job (see store.hpp); every write joins the caller's transaction when there is one.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/canonical_message.hpp"
#include "core/model/link.hpp"
#include "core/model/post.hpp"
#include "core/model/user.hpp"

namespace parley::core::store {

enum class OutboxState { kPending, kSent, kDenied, kFailed };

struct ArchiveQuery {
  std::string channelId;
  std::string bridge;
  std::string remoteRoom;
  std::string afterPostId;   // exclusive cursor, "" = none; a post of another channel: nothing
  std::string beforePostId;  // exclusive cursor, "" = none
  std::int64_t sinceMs = 0;  // create_at >= since (0 = no bound)
  std::int64_t untilMs = 0;  // create_at <= until (0 = no bound)
  int limit = 50;            // rows returned (the caller asks one more to learn "complete")
  bool newestFirst = false;  // the newest `limit` of the range, returned newest first
};

struct ArchivedPost {
  std::string postId;
  std::string rootId;
  std::string message;
  std::int64_t createAt = 0;
  std::int64_t editAt = 0;
  std::string remoteEventId;  // part 0 on the link: the peer's id (or the post id)
  std::string username;       // the author's
  std::string nickname;       // the author's (a puppet's: the name it was shown with)
  bool remoteAuthor = false;  // a puppet
};

std::string_view outboxStateName(OutboxState state);  // "pending", ...
std::optional<model::MessageChange> messageChangeFromName(std::string_view name);

// One row of the outbox: a change of a local post to carry over one link.
struct OutboxRow {
  std::int64_t id = 0;  // assigned by enqueue(): the order of delivery on the link
  std::string linkId;
  model::MessageChange kind = model::MessageChange::kPost;
  std::string postId;
  std::string reactionUserId;  // kReaction / kReactionDelete only
  std::string reactionEmoji;
  // What the post itself does not say at drain time: the origin of a change that came in over
  // another link ({"origin": {bridge, remote_room, remote_id, domain}}).
  nlohmann::json payload = nlohmann::json::object();
  std::string txnId;  // globally unique, stable across retries
  OutboxState state = OutboxState::kPending;
  int attempts = 0;
  std::int64_t nextAttemptAt = 0;  // ms; a pending row is not tried before
  std::string lastError;
  std::int64_t auditId = 0;  // denied rows: the audit_log record of the decision
  std::int64_t createAt = 0;
};

// A link with pending rows and when its first (oldest) pending row is due.
struct PendingLink {
  std::string linkId;
  std::int64_t headDueAt = 0;
};

struct OutboxCounts {
  std::int64_t pending = 0;
  std::int64_t denied = 0;
  std::int64_t failed = 0;
  std::int64_t oldestPendingCreateAt = 0;  // 0 when nothing is pending
};

// Pending outbox rows of a link in id order, with what their messages are built from, read in
// the same round trip: the posts they address, and the authors of those posts or, for a
// reaction, the users who reacted. One the rows name may be missing from them (deleted since,
// or a row queued between the reads): whoever builds that row's message reads it on its own.
struct PendingRows {
  std::vector<OutboxRow> rows;
  std::vector<model::Post> posts;
  std::vector<model::User> authors;
};

// A link read together with its drain lock (BridgeStore::lockLink), and its head rows.
struct LockedLink {
  model::Link link;
  bool locked = false;  // this session holds the link's drain lock (another session does not)
  PendingRows pending;  // when locked: pendingOfLink(link, limit, 0)
};

struct IdMapPart {
  int part = 0;
  std::string remoteEventId;
};

// A reaction that came in over a bridge, kept by the remote event that made it (a Matrix
// m.reaction): the peer retracts it later by naming only that event (a redaction).
struct RemoteReaction {
  std::string postId;
  std::string userId;  // the puppet that reacted
  std::string emojiName;
};

// The id map entries of one post on one room (putPartsMany).
struct PostParts {
  std::string postId;
  std::string bridge;
  std::string remoteRoom;
  std::vector<IdMapPart> parts;
};

// The remote room of a direct message between a local user and a remote user (direct_rooms,
// 0010): a Matrix room made with is_direct.
struct DirectRoom {
  std::string roomId;
  std::string localUserId;
  std::string localUsername;  // read with the room (users.username); not written
  std::string remoteId;       // the remote user (an MXID)
  std::int64_t createAt = 0;
};

struct InboxClaim {
  std::string remoteId;
  std::string effectKind;
};

struct InboxEffect {
  std::string remoteId;
  std::string effectKind;
  std::string effectId;
};

class BridgeStore {
 public:
  virtual ~BridgeStore() = default;

  // Links. createLink: kConflict "app.parley.link.exists.app_error" when the (bridge,
  // remote room) pair is linked already; getLink: kNotFound "app.parley.link.not_found.app_error".
  virtual Status createLink(const model::Link& link) = 0;
  virtual Result<model::Link> getLink(std::string_view id) = 0;
  virtual Result<std::vector<model::Link>> listLinks() = 0;  // by create_at, id
  // Deletes the link (its outbox rows go with it); false when there was none.
  virtual Result<bool> deleteLink(std::string_view id) = 0;
  virtual Result<std::vector<model::Link>> linksOfChannel(std::string_view channelId) = 0;
  virtual Result<std::optional<model::Link>> linkByRemote(std::string_view bridge,
                                                          std::string_view remoteRoom) = 0;
  // Rewrites direction, read_only, peer and update_at of an existing link (config sync).
  virtual Status updateLink(const model::Link& link) = 0;

  // Puppets: the lookup row of (bridge, remote id) with the puppet's user, in one statement.
  struct KnownPuppet {
    model::RemoteUser remote;
    model::User user;
  };
  virtual Result<std::optional<KnownPuppet>> findRemoteUser(std::string_view bridge,
                                                            std::string_view remoteId) = 0;
  // Inserts, or updates domain, display name and update_at of an existing row.
  virtual Status upsertRemoteUser(const model::RemoteUser& user) = 0;

  // Read ahead: the query travels with the open transaction's next statement, and the same
  // call later in the transaction (findRemoteUser, linkByRemote) takes its rows instead of a
  // round trip of its own; a second call reads again. The ingress knows an event's sender and
  // room before it claims the event's inbox id. Outside a transaction: nothing.
  virtual void findRemoteUserAhead(std::string_view bridge, std::string_view remoteId) = 0;
  virtual void linkByRemoteAhead(std::string_view bridge, std::string_view remoteRoom) = 0;

  // Outbox. The database numbers the row (its order on the link). Inside a transaction the
  // write may reach the server only with the transaction's next statement or its COMMIT,
  // which then report its failure.
  virtual Status enqueue(const OutboxRow& row) = 0;
  // A row written already decided (outbox_writer.hpp, the live crossing): numbered with
  // nextOutboxId(), in its state (pending, or denied with its audit record and reason in
  // lastError). Deferred as enqueue().
  virtual Status enqueueDecided(const OutboxRow& row) = 0;
  // Row numbers taken before their rows are written, for a writer that hands the rows on
  // itself. outboxIdsAhead(n) reads n of them with the open transaction's next statement (outside
  // a transaction: nothing); nextOutboxId() takes one of those, or reads one now.
  virtual void outboxIdsAhead(int count) = 0;
  virtual Result<std::int64_t> nextOutboxId() = 0;
  virtual Result<std::optional<OutboxRow>> outboxRow(std::int64_t id) = 0;
  // The oldest pending rows of a link with an id above `afterId`, in id order, due or not
  // (order is kept: a row waits until every earlier one is done), with their posts and authors.
  virtual Result<PendingRows> pendingOfLink(std::string_view linkId, int limit,
                                            std::int64_t afterId) = 0;
  virtual Result<std::vector<PendingLink>> pendingLinks() = 0;
  // The peer acknowledged: the row is removed (the id map keeps what was sent).
  virtual Status markSent(std::int64_t id) = 0;
  // markSent for several rows, with the id map entries of what they sent (`parts`, as
  // putPartsMany), in one statement: atomic on its own, so the drainer records the deliveries
  // that came together in one round trip, no transaction around it.
  virtual Status markSentMany(const std::vector<std::int64_t>& ids,
                              const std::vector<PostParts>& parts, std::int64_t at) = 0;
  virtual Status markDenied(std::int64_t id, std::int64_t auditId, std::string_view reason) = 0;
  virtual Status markFailed(std::int64_t id, std::string_view lastError) = 0;
  virtual Status reschedule(std::int64_t id, int attempts, std::int64_t nextAttemptAt,
                            std::string_view lastError) = 0;
  virtual Result<OutboxCounts> outboxCounts(std::string_view linkId) = 0;
  // Removes the rows whose link is gone, and says how many: a link deleted while a post to its
  // channel was written leaves that post's row, which no key holds to it (migration 0014) and
  // no drainer reads (they read the rows of the links there are).
  virtual Result<std::int64_t> deleteOrphanedOutboxRows() = 0;

  // Cross-node exclusivity of draining a link: a session-level advisory lock on the
  // connection this store is bound to, tried in the statement that reads the link, and the
  // link's first `pendingLimit` pending rows read by the next statement of the same round trip
  // (what the drainer needs next), once the lock is granted: what another session drained
  // before it let go is seen as drained. A session that was granted the lock knows it holds it
  // and only reads. kNotFound as getLink (no lock is tried then); `locked` when this session
  // holds the lock (again) afterwards.
  virtual Result<LockedLink> lockLink(std::string_view linkId, int pendingLimit) = 0;
  virtual Status unlockLink(std::string_view linkId) = 0;
  // The session (PostgreSQL backend pid) that holds the link's drain lock now, 0 when none: a
  // job on another connection checks with it that the drainer's session still holds the link.
  virtual Result<std::int64_t> linkLockHolder(std::string_view linkId) = 0;

  // Inbox. claim: INSERT .. ON CONFLICT DO NOTHING; false when (bridge, remote id) was claimed
  // before (by a committed transaction, or one that commits while this waits).
  virtual Result<bool> claimInbox(std::string_view bridge, std::string_view remoteId,
                                  std::string_view effectKind, std::int64_t receivedAt) = 0;
  virtual Status setInboxEffect(std::string_view bridge, std::string_view remoteId,
                                std::string_view effectKind, std::string_view effectId) = 0;
  // The claims and effects of several events in one statement each (the ingress group
  // commit). claimInboxMany: for each claim, in order, whether it took (bridge, remote id);
  // an id named twice is taken by its first claim only. setInboxEffects, like putParts and
  // putPartsMany, travels with the transaction's next statement or its COMMIT (PgStore::defer):
  // a failure shows there.
  virtual Result<std::vector<bool>> claimInboxMany(std::string_view bridge,
                                                   const std::vector<InboxClaim>& claims,
                                                   std::int64_t receivedAt) = 0;
  // claimInboxMany sent ahead (as findRemoteUserAhead): what the caller sends ahead after it
  // then travels in the same round trip and runs after the claims, and claimInboxMany with the
  // same arguments takes the claims' outcome. Outside a transaction: nothing.
  virtual void claimInboxManyAhead(std::string_view bridge, const std::vector<InboxClaim>& claims,
                                   std::int64_t receivedAt) = 0;
  virtual Status setInboxEffects(std::string_view bridge,
                                 const std::vector<InboxEffect>& effects) = 0;
  // Whether (bridge, remote id) was claimed (a Matrix transaction id already processed).
  virtual Result<bool> inboxHas(std::string_view bridge, std::string_view remoteId) = 0;

  // Id map. putParts: existing (post, part, bridge, room) rows are kept as they are.
  virtual Status putParts(std::string_view postId, std::string_view bridge,
                          std::string_view remoteRoom, const std::vector<IdMapPart>& parts,
                          std::int64_t at) = 0;
  // The parts of several posts in one statement.
  virtual Status putPartsMany(const std::vector<PostParts>& posts, std::int64_t at) = 0;
  virtual Result<std::vector<IdMapPart>> partsOf(std::string_view postId, std::string_view bridge,
                                                 std::string_view remoteRoom) = 0;
  // The local post a remote event of that room is part of.
  virtual Result<std::optional<std::string>> postOfRemote(std::string_view bridge,
                                                          std::string_view remoteRoom,
                                                          std::string_view remoteEventId) = 0;

  // Reactions by remote event (reaction_map, 0009). putRemoteReaction keeps an existing row
  // of that event as it is.
  virtual Status putRemoteReaction(std::string_view bridge, std::string_view remoteRoom,
                                   std::string_view remoteEventId, const RemoteReaction& reaction,
                                   std::int64_t at) = 0;
  virtual Result<std::optional<RemoteReaction>> remoteReaction(std::string_view bridge,
                                                               std::string_view remoteRoom,
                                                               std::string_view remoteEventId) = 0;
  virtual Status deleteRemoteReaction(std::string_view bridge, std::string_view remoteRoom,
                                      std::string_view remoteEventId) = 0;

  // Rooms of direct messages (direct_rooms, 0010). putDirectRoom keeps an existing row of that
  // room as it is; directRoomOfPair answers the newest room of the pair; directRoomById
  // answers the room, whoever's it is; deleteDirectRoom forgets a room one of the pair left.
  virtual Status putDirectRoom(std::string_view bridge, const DirectRoom& room) = 0;
  virtual Status deleteDirectRoom(std::string_view bridge, std::string_view roomId) = 0;
  virtual Result<std::optional<DirectRoom>> directRoomOfPair(std::string_view bridge,
                                                             std::string_view localUserId,
                                                             std::string_view remoteId) = 0;
  virtual Result<std::optional<DirectRoom>> directRoomById(std::string_view bridge,
                                                           std::string_view roomId) = 0;

  // A room's archive (XMPP MAM, history on join): the live, non-system posts of the linked
  // channel that crossed the link in either direction (their part 0 is in the id map of that
  // bridge and room) -- never one the guard kept from it -- in (create_at, id) order.
  virtual Result<std::vector<ArchivedPost>> archive(const ArchiveQuery& query) = 0;
};

}  // namespace parley::core::store
