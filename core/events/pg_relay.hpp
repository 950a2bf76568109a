#pragma once
// Relays events between gateway nodes that share one PostgreSQL database, so that a client on
// any node hears what happened on every node (design brief §1, issue 4 "Several nodes").
//
// Every event published on the local bus is sent as `NOTIFY parley_events, '<json>'` carrying
// the origin node id; an event whose JSON exceeds kMaxNotifyPayload bytes is stored in the
// ws_events table and the notification carries its row id instead. Each node LISTENs on its own
// libpq connection, ignores notifications of its own origin, and republishes the others' events
// on its local bus, from where they are never relayed again. Rows of ws_events older than
// kStoredEventLifetime are deleted by every node now and then.
//
// The relay owns one listening connection (store/postgres/listener: its own thread, reopened
// with backoff when lost). Events published while it is down wait in a bounded queue (the
// oldest are dropped beyond it, with a warning) and notifications sent by other nodes meanwhile
// are lost, as with any LISTEN: clients on this node resynchronise on their next reconnect as
// Mattermost's do.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "core/events/event_bus.hpp"

namespace parley::core::store::postgres {
class Connection;
class PgListener;
}  // namespace parley::core::store::postgres

namespace parley::core::events {

inline constexpr std::string_view kRelayChannel = "parley_events";
// PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; this leaves room to spare.
inline constexpr std::size_t kMaxNotifyPayload = 7500;
inline constexpr std::chrono::minutes kStoredEventLifetime{5};

// The relay's wire format: {"origin", "event", "data", "broadcast": {user_id, channel_id,
// team_id, omit_users, omit_connection_id}}, or {"origin", "ref": <ws_events id>} for a stored
// event. Pure functions.
std::string encodeRelayedEvent(const Event& event, std::string_view origin);
struct RelayedEvent {
  std::string origin;
  std::int64_t ref = 0;  // > 0: the event is stored in ws_events under this id
  Event event;           // when ref == 0
};
// kInvalidArgument for anything that is not a relay message (another program may NOTIFY the
// same channel): it is logged and skipped, never trusted further.
Result<RelayedEvent> decodeRelayedEvent(std::string_view text);

struct RelayOptions {
  std::string dsn;     // a secret: never logged
  std::string nodeId;  // unique per node
  std::size_t maxQueued = 10'000;
  std::chrono::milliseconds purgeInterval{60'000};
};

struct RelayStats {
  std::uint64_t sent = 0;
  std::uint64_t stored = 0;    // of those, sent through ws_events
  std::uint64_t received = 0;  // other nodes' events republished here
  std::uint64_t dropped = 0;   // queue overflow while disconnected
  std::uint64_t reconnects = 0;
  bool connected = false;
};

class PgRelay {
 public:
  // Subscribes to `bus` and starts listening (the connection is made in the background; an
  // unreachable database is not an error here).
  static std::unique_ptr<PgRelay> start(EventBusPtr bus, RelayOptions options, ClockPtr clock);

  ~PgRelay();
  PgRelay(const PgRelay&) = delete;
  PgRelay& operator=(const PgRelay&) = delete;
  PgRelay(PgRelay&&) = delete;
  PgRelay& operator=(PgRelay&&) = delete;

  // Unsubscribes, sends what is queued if connected, closes the connection and joins the
  // listener's thread. Idempotent; any thread but the listener's.
  void stop();

  RelayStats stats() const;
  const std::string& nodeId() const { return options_.nodeId; }

 private:
  PgRelay(EventBusPtr bus, RelayOptions options, ClockPtr clock);
  void enqueue(const EventPtr& event);
  // The listener's turn: sends what is queued, purges ws_events now and then. false when the
  // connection was lost.
  bool sendQueued(store::postgres::Connection& connection);
  // Publishes another node's event (loading it from ws_events when the notification is a
  // reference) on the local bus; on the listener's thread.
  void republish(store::postgres::Connection& connection, std::string_view payload);

  EventBusPtr bus_;
  const RelayOptions options_;
  const ClockPtr clock_;
  Subscription subscription_;

  mutable std::mutex mutex_;
  std::deque<std::string> outbox_;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point nextPurge_{};  // listener's thread only

  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> stored_{0};
  std::atomic<std::uint64_t> received_{0};
  std::atomic<std::uint64_t> dropped_{0};

  std::unique_ptr<store::postgres::PgListener> listener_;
};

using PgRelayPtr = std::unique_ptr<PgRelay>;

}  // namespace parley::core::events
