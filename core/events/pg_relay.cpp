#include "core/events/pg_relay.hpp"

#include <utility>

#include "core/common/log.hpp"
#include "core/store/postgres/connection.hpp"
#include "core/store/postgres/listener.hpp"

namespace parley::core::events {
namespace {

using nlohmann::json;
using store::postgres::Connection;
using store::postgres::Params;
using store::postgres::Statement;

constexpr std::string_view kComponent = "relay";

constexpr Statement kNotify{"relay_notify", "SELECT pg_notify('parley_events', $1)"};
// Stores the event and notifies its id in one statement (one implicit transaction): the row is
// visible to whoever receives the notification.
constexpr Statement kStore{
    "relay_store",
    "WITH stored AS (INSERT INTO ws_events (origin, payload) VALUES ($1, $2) RETURNING id)"
    " SELECT pg_notify('parley_events', json_build_object('origin', $1::text, 'ref', id)::text)"
    " FROM stored"};
constexpr Statement kLoad{"relay_load", "SELECT payload FROM ws_events WHERE id = $1"};
constexpr Statement kPurge{
    "relay_purge",
    "DELETE FROM ws_events WHERE created_at < now() - $1::bigint * interval '1 second'"};

// Set while this thread republishes another node's event, so that the relay's own listener
// (called synchronously by publish) does not send it back out.
thread_local bool tRepublishing = false;

Error invalidMessage(std::string detail) {
  return makeError(ErrorCode::kInvalidArgument, "relay.invalid_message", "Not a relayed event.",
                   std::move(detail));
}

bool readString(const json& object, const char* key, std::string& out) {
  const auto it = object.find(key);
  if (it == object.end()) return true;
  if (!it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

}  // namespace

std::string encodeRelayedEvent(const Event& event, std::string_view origin) {
  json omit = json::object();
  for (const auto& user : event.audience.omitUsers) omit[user] = true;
  const json message = {{"origin", origin},
                        {"event", event.name},
                        {"data", event.data},
                        {"broadcast",
                         {{"user_id", event.audience.userId},
                          {"channel_id", event.audience.channelId},
                          {"team_id", event.audience.teamId},
                          {"omit_users", std::move(omit)},
                          {"omit_connection_id", event.audience.omitConnectionId}}}};
  return message.dump();
}

Result<RelayedEvent> decodeRelayedEvent(std::string_view text) {
  const json message = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!message.is_object()) return invalidMessage("not a JSON object");
  RelayedEvent relayed;
  if (!readString(message, "origin", relayed.origin) || relayed.origin.empty()) {
    return invalidMessage("no origin");
  }
  if (const auto ref = message.find("ref"); ref != message.end()) {
    if (!ref->is_number_integer() || ref->get<std::int64_t>() <= 0) {
      return invalidMessage("bad ref");
    }
    relayed.ref = ref->get<std::int64_t>();
    return relayed;
  }
  if (!readString(message, "event", relayed.event.name) || relayed.event.name.empty()) {
    return invalidMessage("no event name");
  }
  const auto data = message.find("data");
  if (data == message.end() || !data->is_object()) return invalidMessage("no data object");
  relayed.event.data = *data;
  const auto broadcast = message.find("broadcast");
  if (broadcast == message.end() || !broadcast->is_object()) return invalidMessage("no broadcast");
  Audience& audience = relayed.event.audience;
  if (!readString(*broadcast, "user_id", audience.userId) ||
      !readString(*broadcast, "channel_id", audience.channelId) ||
      !readString(*broadcast, "team_id", audience.teamId) ||
      !readString(*broadcast, "omit_connection_id", audience.omitConnectionId)) {
    return invalidMessage("bad broadcast");
  }
  if (const auto omit = broadcast->find("omit_users"); omit != broadcast->end()) {
    if (!omit->is_object() && !omit->is_null()) return invalidMessage("bad omit_users");
    if (omit->is_object()) {
      for (const auto& [user, flag] : omit->items()) {
        if (flag == true) audience.omitUsers.push_back(user);
      }
    }
  }
  return relayed;
}

PgRelay::PgRelay(EventBusPtr bus, RelayOptions options, ClockPtr clock)
    : bus_(std::move(bus)), options_(std::move(options)), clock_(std::move(clock)) {}

std::unique_ptr<PgRelay> PgRelay::start(EventBusPtr bus, RelayOptions options, ClockPtr clock) {
  std::unique_ptr<PgRelay> relay(new PgRelay(std::move(bus), std::move(options), std::move(clock)));
  PgRelay* self = relay.get();
  self->nextPurge_ = self->clock_->steadyNow();
  store::postgres::ListenerOptions listening;
  listening.dsn = self->options_.dsn;
  listening.applicationName = "parleyd-relay";
  listening.component = std::string(kComponent);
  listening.channels = {std::string(kRelayChannel)};
  store::postgres::ListenerHandlers handlers;
  handlers.notified = [self](Connection& connection, std::string_view, std::string_view payload) {
    self->republish(connection, payload);
  };
  handlers.turn = [self](Connection& connection) { return self->sendQueued(connection); };
  relay->listener_ =
      store::postgres::PgListener::start(std::move(listening), std::move(handlers), relay->clock_);
  relay->subscription_ = relay->bus_->subscribe([self](const EventPtr& event) {
    if (!tRepublishing) self->enqueue(event);
  });
  return relay;
}

PgRelay::~PgRelay() { stop(); }

void PgRelay::stop() {
  // No new events first; a publish() already running may still enqueue once, harmlessly.
  subscription_ = Subscription();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  // The listener's last turn sends what is queued if it is connected.
  if (listener_) listener_->stop();
}

RelayStats PgRelay::stats() const {
  const bool connected = listener_ && listener_->connected();
  const std::uint64_t reconnects = listener_ ? listener_->reconnects() : 0;
  return RelayStats{sent_.load(),    stored_.load(), received_.load(),
                    dropped_.load(), reconnects,     connected};
}

void PgRelay::enqueue(const EventPtr& event) {
  std::string message = encodeRelayedEvent(*event, options_.nodeId);
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (outbox_.size() >= options_.maxQueued) {
      outbox_.pop_front();
      if (dropped_.fetch_add(1) == 0) {
        log::warn(kComponent, "relay queue full (database unreachable?): dropping old events");
      }
    }
    outbox_.push_back(std::move(message));
  }
  listener_->wake();
}

bool PgRelay::sendQueued(Connection& connection) {
  // In order; a failure keeps the message for the next connection.
  for (;;) {
    std::string message;
    {
      std::lock_guard lock(mutex_);
      if (outbox_.empty()) break;
      message = std::move(outbox_.front());
      outbox_.pop_front();
    }
    const bool large = message.size() > kMaxNotifyPayload;
    auto done = large ? connection.exec(kStore, Params().add(options_.nodeId).add(message))
                      : connection.exec(kNotify, Params().add(message));
    if (!done) {
      if (PQstatus(connection.raw()) == CONNECTION_OK) {
        // The statement failed on a live connection (e.g. no ws_events table): retrying would
        // fail the same way.
        log::warn(kComponent, "an event could not be relayed", {{"error", done.error().detail}});
        continue;
      }
      std::lock_guard lock(mutex_);
      outbox_.push_front(std::move(message));
      return false;
    }
    ++sent_;
    if (large) ++stored_;
  }

  if (clock_->steadyNow() >= nextPurge_) {
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(kStoredEventLifetime).count();
    if (auto purged = connection.exec(kPurge, Params().add(std::int64_t{seconds})); !purged) {
      log::warn(kComponent, "old relayed events could not be purged",
                {{"error", purged.error().detail}});
      if (PQstatus(connection.raw()) != CONNECTION_OK) return false;
    }
    nextPurge_ = clock_->steadyNow() + options_.purgeInterval;
  }
  return true;
}

void PgRelay::republish(Connection& connection, std::string_view payload) {
  auto relayed = decodeRelayedEvent(payload);
  if (!relayed) {
    log::warn(kComponent, "ignoring a notification that is not a relayed event",
              {{"error", relayed.error().detail}});
    return;
  }
  if (relayed->origin == options_.nodeId) return;  // our own, already delivered here
  if (relayed->ref > 0) {
    auto rows = connection.exec(kLoad, Params().add(relayed->ref));
    if (!rows || rows->empty()) {
      log::warn(kComponent, "a stored relayed event is gone",
                {{"ref", relayed->ref}, {"error", rows ? "no such row" : rows.error().detail}});
      return;
    }
    auto stored = decodeRelayedEvent(rows->text(0, 0));
    if (!stored || stored->ref != 0) {
      log::warn(kComponent, "a stored relayed event is not an event", {{"ref", relayed->ref}});
      return;
    }
    relayed = std::move(stored);
  }
  ++received_;
  struct Republishing {
    Republishing() { tRepublishing = true; }
    ~Republishing() { tRepublishing = false; }
    Republishing(const Republishing&) = delete;
    Republishing& operator=(const Republishing&) = delete;
  } republishing;
  bus_->publish(std::move(relayed->event));
}

}  // namespace parley::core::events
