#include "core/events/pg_relay.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <utility>

#include "core/common/log.hpp"
#include "core/store/postgres/connection.hpp"

namespace parley::core::events {
namespace {

using nlohmann::json;
using store::postgres::Connection;
using store::postgres::Params;
using store::postgres::Statement;

constexpr std::string_view kComponent = "relay";
constexpr std::chrono::milliseconds kInitialBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{5000};
// poll() wakes at least this often, to purge on time even when nothing happens.
constexpr int kPollTimeoutMillis = 1000;

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

// What the relay thread owns: its connection and its timers.
struct PgRelay::Loop {
  std::unique_ptr<Connection> connection;
  bool everConnected = false;
  bool reportedDown = false;
  std::chrono::milliseconds backoff = kInitialBackoff;
  std::chrono::steady_clock::time_point nextPurge{};
};

PgRelay::PgRelay(EventBusPtr bus, RelayOptions options, ClockPtr clock)
    : bus_(std::move(bus)), options_(std::move(options)), clock_(std::move(clock)) {
  wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

std::unique_ptr<PgRelay> PgRelay::start(EventBusPtr bus, RelayOptions options, ClockPtr clock) {
  std::unique_ptr<PgRelay> relay(new PgRelay(std::move(bus), std::move(options), std::move(clock)));
  PgRelay* self = relay.get();
  relay->subscription_ = relay->bus_->subscribe([self](const EventPtr& event) {
    if (!tRepublishing) self->enqueue(event);
  });
  relay->thread_ = std::thread([self] { self->run(); });
  return relay;
}

PgRelay::~PgRelay() {
  stop();
  if (wakeFd_ >= 0) ::close(wakeFd_);
}

void PgRelay::stop() {
  // No new events first; a publish() already running may still enqueue once, harmlessly (the
  // object and its eventfd live until the destructor).
  subscription_ = Subscription();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  idle_.notify_all();
  wake();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

RelayStats PgRelay::stats() const {
  return RelayStats{sent_.load(),    stored_.load(),     received_.load(),
                    dropped_.load(), reconnects_.load(), connected_.load()};
}

void PgRelay::wake() {
  if (wakeFd_ < 0) return;
  const std::uint64_t one = 1;
  // A full counter (never in practice) still leaves the fd readable: nothing to handle.
  [[maybe_unused]] const auto written = ::write(wakeFd_, &one, sizeof one);
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
  wake();
}

void PgRelay::run() {
  Loop loop;
  loop.nextPurge = clock_->steadyNow();
  const auto drop = [&](const char* why, const std::string& detail) {
    log::warn(kComponent, why, {{"error", detail}});
    loop.connection.reset();
    connected_ = false;
  };

  for (;;) {
    {
      std::unique_lock lock(mutex_);
      // Stopping: what is queued is still sent while the connection is up.
      if (stopping_ && (outbox_.empty() || !loop.connection)) break;
    }

    if (!loop.connection) {
      store::postgres::ConnectOptions connectOptions;
      connectOptions.applicationName = "parleyd-relay";
      std::string failure;
      if (auto opened = Connection::open(options_.dsn, connectOptions); !opened) {
        failure = opened.error().detail;
      } else if (auto listening = (*opened)->execScript("LISTEN parley_events"); !listening) {
        failure = listening.error().detail;
      } else {
        loop.connection = std::move(*opened);
      }
      if (!loop.connection) {
        if (!loop.reportedDown) {
          // libpq's message names the server, never the password; the DSN is not logged.
          log::warn(kComponent, "cannot connect to the database for the event relay",
                    {{"error", failure}});
          loop.reportedDown = true;
        }
        std::unique_lock lock(mutex_);
        idle_.wait_for(lock, loop.backoff, [&] { return stopping_; });
        loop.backoff = std::min(loop.backoff * 2, kMaxBackoff);
        continue;
      }
      if (loop.everConnected) {
        ++reconnects_;
        log::info(kComponent, "event relay reconnected");
      }
      loop.everConnected = true;
      loop.reportedDown = false;
      loop.backoff = kInitialBackoff;
      connected_ = true;
    }

    // Send what local services published, in order; a failure keeps the message for the next
    // connection.
    for (;;) {
      std::string message;
      {
        std::lock_guard lock(mutex_);
        if (outbox_.empty()) break;
        message = std::move(outbox_.front());
        outbox_.pop_front();
      }
      const bool large = message.size() > kMaxNotifyPayload;
      auto done = large ? loop.connection->exec(kStore, Params().add(options_.nodeId).add(message))
                        : loop.connection->exec(kNotify, Params().add(message));
      if (!done) {
        if (PQstatus(loop.connection->raw()) == CONNECTION_OK) {
          // The statement failed on a live connection (e.g. no ws_events table): retrying
          // would fail the same way.
          log::warn(kComponent, "an event could not be relayed", {{"error", done.error().detail}});
          continue;
        }
        {
          std::lock_guard lock(mutex_);
          outbox_.push_front(std::move(message));
        }
        drop("event relay connection lost", done.error().detail);
        break;
      }
      ++sent_;
      if (large) ++stored_;
    }
    if (!loop.connection) continue;

    if (clock_->steadyNow() >= loop.nextPurge) {
      const auto seconds =
          std::chrono::duration_cast<std::chrono::seconds>(kStoredEventLifetime).count();
      if (auto purged = loop.connection->exec(kPurge, Params().add(std::int64_t{seconds}));
          !purged) {
        log::warn(kComponent, "old relayed events could not be purged",
                  {{"error", purged.error().detail}});
      }
      loop.nextPurge = clock_->steadyNow() + options_.purgeInterval;
    }

    {
      std::lock_guard lock(mutex_);
      if (stopping_) continue;
    }

    // Notifications may already sit in libpq's buffer (read along with a statement's result):
    // handle them before waiting for the socket.
    PGconn* raw = loop.connection->raw();
    std::array<pollfd, 2> fds{pollfd{PQsocket(raw), POLLIN, 0}, pollfd{wakeFd_, POLLIN, 0}};
    if (PQconsumeInput(raw) == 0 || PQstatus(raw) != CONNECTION_OK) {
      drop("event relay connection lost", PQerrorMessage(raw));
      continue;
    }
    bool handled = false;
    while (PGnotify* notify = PQnotifies(raw)) {
      handled = true;
      const std::string payload = notify->extra;
      PQfreemem(notify);
      republish(*loop.connection, payload);
    }
    if (handled) continue;
    if (::poll(fds.data(), fds.size(), kPollTimeoutMillis) < 0) continue;  // EINTR
    if ((fds[1].revents & POLLIN) != 0) {
      std::uint64_t count = 0;
      [[maybe_unused]] const auto read = ::read(wakeFd_, &count, sizeof count);
    }
    if ((fds[0].revents & (POLLIN | POLLERR | POLLHUP)) != 0 &&
        (PQconsumeInput(raw) == 0 || PQstatus(raw) != CONNECTION_OK)) {
      drop("event relay connection lost", PQerrorMessage(raw));
    }
  }
  connected_ = false;
  loop.connection.reset();
}

void PgRelay::republish(Connection& connection, const std::string& payload) {
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
