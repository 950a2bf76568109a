#pragma once
// The hub: every WebSocket connection of this node, and the delivery of events to them.
//
// It subscribes to the EventBus. For each event it serialises the bytes once (protocol.hpp's
// prefix), resolves the audience (one user's connections; a channel's or a team's members
// through a MemberLookup, which member_cache.hpp answers from memory for channels it has seen;
// or everyone), drops the omitted users and connection, and appends the event to each remaining
// connection's EventRing, which numbers it for that connection. Events reach every connection in
// the order they were published, even when member lookups finish out of order. The transports
// (session.hpp) then write from their own I/O threads; the hub never waits for a socket.
//
// A connection outlives its socket by the resume window: when the socket closes the connection
// is parked and keeps receiving (and numbering) events, so that a client reconnecting with its
// connection_id and sequence_number gets exactly what it missed. A connection with more unsent
// events than the send queue allows is dropped: its socket is closed (a slow consumer never
// holds memory or other connections up) and it cannot be resumed.
//
// Thread-safety: every public member may be called from any thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "core/events/event_bus.hpp"
#include "core/model/user.hpp"
#include "core/store/database.hpp"
#include "gateway/websocket/event_ring.hpp"
#include "gateway/websocket/protocol.hpp"

namespace parley::gateway::websocket {

// Where a connection's bytes go: one socket's session. Implemented by session.hpp.
class Transport {
 public:
  virtual ~Transport() = default;
  // Something is waiting to be written, or the connection must be closed: the transport looks
  // at its Connection from its own thread. Thread-safe, never blocks.
  virtual void wake() = 0;
};

// What the connection's transport should do next.
// kGoAway: the server is shutting down; the transport sends a close frame with 1001.
enum class NextStep { kWrite, kIdle, kClose, kGoAway };

class Connection {
 public:
  Connection(std::string id, std::string userId, std::string sessionId, std::size_t keepSent)
      : id_(std::move(id)),
        userId_(std::move(userId)),
        sessionId_(std::move(sessionId)),
        ring_(keepSent) {}

  const std::string& id() const { return id_; }
  const std::string& userId() const { return userId_; }
  // Where its current socket connects from (the policy's connection origin).
  core::model::ConnectionOrigin origin() const { return origin_; }

  // For the transport `self`: the next event to write (kWrite, copied into `out`), nothing
  // (kIdle), or kClose when the connection overflowed, its session was revoked or another
  // socket took it over, or kGoAway once the hub stopped.
  NextStep next(const Transport* self, EventRing::Entry& out);
  // The event last returned by next() has been written.
  void sent();

 private:
  friend class Hub;

  const std::string id_;
  const std::string userId_;
  // Set at attach; the hub reads it under its own mutex_, which attach holds.
  core::model::ConnectionOrigin origin_ = core::model::ConnectionOrigin::kUnknown;
  std::mutex mutex_;
  std::string sessionId_;  // the login session of its current socket
  EventRing ring_;
  std::weak_ptr<Transport> transport_;
  const Transport* transportId_ = nullptr;  // null while parked
  bool wakePending_ = false;
  bool overflowed_ = false;
  bool revoked_ = false;
  bool goingAway_ = false;
  bool dropped_ = false;  // removed from the hub
  std::chrono::steady_clock::time_point parkedUntil_{};
};

using ConnectionPtr = std::shared_ptr<Connection>;

// User ids, sorted and unique, shared by every event that goes to the same members. An entry
// may also name a user's connections of one origin only, "<user id>/<origin>" (originMember):
// the policy filter lists a user so when channel.read is permitted from that origin and denied
// from another. A plain user id means all the user's connections.
using MemberList = std::shared_ptr<const std::vector<std::string>>;
MemberList memberList(std::vector<std::string> userIds);

// "<user id>/vpn", "<user id>/direct"; the user id alone for kUnknown. User ids are [a-z0-9],
// so the entry cannot be another user's id.
std::string originMember(std::string_view userId, core::model::ConnectionOrigin origin);
struct OriginMember {
  std::string_view userId;
  core::model::ConnectionOrigin origin = core::model::ConnectionOrigin::kUnknown;
};
// The inverse of originMember(); an unknown suffix is kept as part of the user id.
OriginMember parseOriginMember(std::string_view entry);

// The user ids of a channel's or team's members. `done` may be called on any thread, before
// the lookup returns included.
class MemberLookup {
 public:
  using Done = std::function<void(core::Result<MemberList>)>;
  virtual ~MemberLookup() = default;
  virtual void channelMembers(const std::string& channelId, Done done) = 0;
  virtual void teamMembers(const std::string& teamId, Done done) = 0;
  // Every event the hub is given, in delivery order, before the lookup for any later event
  // (member_cache.hpp forgets what an event may have changed).
  virtual void observe(const core::events::Event& /*event*/) {}
};

using MemberLookupPtr = std::shared_ptr<MemberLookup>;

// Looks members up with one query on the database pool.
MemberLookupPtr databaseMemberLookup(core::store::DatabasePtr database);

struct HubOptions {
  std::size_t sendQueueEvents = 256;
  std::size_t resumeEvents = 128;
  std::chrono::milliseconds resumeWindow{300000};
  std::string serverVersion;   // hello's server_version
  std::string serverHostname;  // hello's server_hostname
  // Events for more than one user are handed to the connections on a thread of the hub's own
  // (the publisher's thread, a database worker, goes back to its job at once: a post's answer
  // is not queued behind its own event's writes). Off, deliver() has done everything when it
  // returns (when the members are known), which the unit tests rely on.
  bool dispatchThread = false;
};

class Hub : public std::enable_shared_from_this<Hub> {
 public:
  // Subscribes to `bus`; the subscription ends with the hub (or stop()).
  static std::shared_ptr<Hub> create(HubOptions options, MemberLookupPtr members,
                                     core::events::EventBusPtr bus, core::ClockPtr clock);

  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;
  ~Hub();

  // Shutdown: stops delivering events, tells every open socket to close with 1001 (going away)
  // and waits up to `wait` for them to end, so that clients see the close frame before the
  // server closes its connections. Idempotent.
  void stop(std::chrono::milliseconds wait = {});

  // Publishes on the bus, so that other listeners (the cross-node relay) see it too.
  void publish(core::events::Event event);

  // Delivers one event to the connections of its audience (the bus listener).
  void deliver(const core::events::EventPtr& event);

  struct Attached {
    ConnectionPtr connection;
    bool resumed = false;  // false: a new connection whose hello (seq 0) is queued
  };
  // An authenticated socket of `userId`, logged in with session `sessionId`, starts: resumes
  // `resume.connectionId` when it is this user's, still kept, and has every event from
  // `resume.sequenceNumber` on; otherwise a new connection with a new id. `transport` is woken when
  // there is something to write.
  // A connection is resumed only from the same connection origin: the events kept for it were
  // decided for that origin.
  Attached attach(const std::string& userId, const std::string& sessionId,
                  const ResumeQuery& resume, std::weak_ptr<Transport> transport,
                  const Transport* transportId,
                  core::model::ConnectionOrigin origin = core::model::ConnectionOrigin::kUnknown);

  // The socket of `connection` ended: park it for the resume window (or drop it when it
  // overflowed). Does nothing when another socket took the connection over.
  void detach(const ConnectionPtr& connection, const Transport* transportId);

  // Whether `userId` has a connection with an open socket on this node.
  bool isConnected(const std::string& userId) const;
  // Users with an open socket on this node (at most `limit`).
  std::vector<std::string> connectedUsers(std::size_t limit) const;
  // Connections kept (open or parked).
  std::size_t connectionCount() const;
  // Connections dropped because their send queue overflowed, since start.
  std::uint64_t slowConsumers() const { return slowConsumers_.load(); }

 private:
  struct Pending {
    core::events::EventPtr event;
    SharedBytes prefix;
    MemberList members;  // for channel and team audiences
    bool failed = false;
    bool ready = false;
  };
  using PendingPtr = std::shared_ptr<Pending>;

  Hub(HubOptions options, MemberLookupPtr members, core::ClockPtr clock);

  void complete(const PendingPtr& pending, core::Result<MemberList> members);
  // complete() on the dispatch thread, if there is one.
  void completeLater(const PendingPtr& pending, core::Result<MemberList> members);
  // Under mutex_.
  void dispatch(const Pending& pending);
  // Under mutex_: the connections of `userId` that the member entries name (the user id, or
  // the user id with their connection's origin), handed to `send`.
  template <typename Send>
  void sendToMember(const std::vector<std::string>& members, const std::string& userId,
                    const std::vector<ConnectionPtr>& connections, const Send& send) const;
  bool enqueue(Connection& connection, const SharedBytes& prefix);
  // Closes (for good) the connections of the sessions a kSessionsRevokedEvent names.
  void closeRevoked(const core::events::Event& event);
  void remove(const ConnectionPtr& connection);
  void reapExpired(std::chrono::steady_clock::time_point now);
  // Under mutex_.
  bool anySocketOpen() const;

  const HubOptions options_;
  const MemberLookupPtr members_;
  const core::ClockPtr clock_;
  core::events::EventBusPtr bus_;
  core::events::Subscription subscription_;

  // Events in publication order, delivered from the front as their lookups complete.
  std::mutex releaseMutex_;
  std::deque<PendingPtr> pending_;

  mutable std::mutex mutex_;  // after releaseMutex_, before any Connection::mutex_
  std::unordered_map<std::string, std::vector<ConnectionPtr>> byUser_;
  std::unordered_map<std::string, ConnectionPtr> byId_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::weak_ptr<Connection>>> parked_;
  std::condition_variable detached_;  // with mutex_: a socket ended (stop() waits for them)
  std::atomic<std::size_t> count_{0};
  std::atomic<std::uint64_t> slowConsumers_{0};
  std::atomic<bool> stopped_{false};

  struct Dispatcher;
  // Last: destroyed (its thread joined) before the state its work uses.
  std::unique_ptr<Dispatcher> dispatcher_;
};

using HubPtr = std::shared_ptr<Hub>;

}  // namespace parley::gateway::websocket
