#pragma once
// One connection that LISTENs, on a thread of its own, so that what other sessions NOTIFY
// (other nodes, the command line, psql) reaches this process as soon as it commits, not when a
// pooled connection next happens to run a statement. Users: the cross-node event relay
// (core/events/pg_relay) and the session cache's invalidations (gateway/cli/serve).
//
// A lost connection is reopened with backoff (100 ms doubling up to 5 s). What was notified
// while it was down is lost, as with any LISTEN: `linkChanged(false)` tells the owner so, and
// `linkChanged(true)` comes once the channels are listened to again.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/common/clock.hpp"

namespace parley::core::store::postgres {

class Connection;

struct ListenerOptions {
  std::string dsn;              // a secret: never logged
  std::string applicationName;  // as the server's pg_stat_activity shows it
  std::string component;        // of the log lines
  std::vector<std::string> channels;
};

// Every handler runs on the listener's thread.
struct ListenerHandlers {
  // true: the channels are listened to (again); false: the connection was lost.
  std::function<void(bool listening)> linkChanged;
  // One notification. `connection` may be used for a follow-up read.
  std::function<void(Connection& connection, std::string_view channel, std::string_view payload)>
      notified;
  // Work of the owner's that needs the connection, done on every turn while connected: after
  // wake(), after notifications, at least once a second, and once more when stopping. Returns
  // false when the connection failed.
  std::function<bool(Connection& connection)> turn;
};

class PgListener {
 public:
  // Starts the thread, which connects in the background (an unreachable database is not an
  // error here).
  static std::unique_ptr<PgListener> start(ListenerOptions options, ListenerHandlers handlers,
                                           ClockPtr clock);

  ~PgListener();
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;
  PgListener(PgListener&&) = delete;
  PgListener& operator=(PgListener&&) = delete;

  // A turn soon. Thread-safe, never blocks.
  void wake();

  // A last turn if connected, then closes the connection and joins the thread. Idempotent;
  // any thread but the listener's.
  void stop();

  bool connected() const { return connected_.load(); }
  std::uint64_t reconnects() const { return reconnects_.load(); }

 private:
  PgListener(ListenerOptions options, ListenerHandlers handlers, ClockPtr clock);
  void run();
  // Connects and listens, or waits out the backoff; false when there is no connection yet.
  bool connect(std::unique_ptr<Connection>& connection);
  void setConnected(bool connected);

  const ListenerOptions options_;
  const ListenerHandlers handlers_;
  const ClockPtr clock_;

  std::mutex mutex_;
  std::condition_variable idle_;  // backoff waits, woken by stop()
  bool stopping_ = false;
  int wakeFd_ = -1;  // eventfd: wake() interrupts the thread's poll()

  bool everConnected_ = false;  // listener thread only
  bool reportedDown_ = false;
  std::chrono::milliseconds backoff_;

  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> reconnects_{0};
  std::thread thread_;
};

}  // namespace parley::core::store::postgres
