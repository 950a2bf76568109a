#pragma once
// The PostgreSQL connection pool behind core::store::Database (design brief §4): a fixed number
// of worker threads, each owning one libpq connection.
//
// - Never fails at start because the database is down: a worker connects when it gets its
//   first job, and reconnects (with backoff from 50 ms up to 5 s) whenever its connection died,
//   for instance after the server restarted. A job that meets a dead or unreachable database
//   sees kUnavailable from every Store call; a later job gets a fresh connection. The backoff
//   is measured on the injected clock's steadyNow().
// - Each connection runs with the configured statement_timeout and in UTC; prepared
//   statements are per connection and prepared again after a reconnect.
// - The DSN is never logged (it may hold a password).

#include <string>
#include <vector>

#include "core/common/clock.hpp"
#include "core/config/config.hpp"
#include "core/events/domain_event.hpp"
#include "core/store/database.hpp"
#include "core/store/postgres/notification.hpp"

namespace parley::core::store::postgres {

// Starts the workers and returns at once. Thread-safe to use from any thread; call stop() (or
// drop the last reference) from outside a job. Executors that run() resumes on must outlive
// stop(): a worker may still be inside its post() to them when the awaiting coroutine ends.
// `sink` receives the domain events of committed transactions (Store::afterCommit), on the
// worker that committed them; empty: events are discarded (command line tools, tests).
// `policy`: the bundles local enforcement decides with (Store::policyHolder()); null: off.
// `listening`: channels every connection LISTENs on; their notifications go to the handler on
// the worker that read them, a job's own (a trigger's NOTIFY) before its result is handed back.
struct PoolListening {
  std::vector<std::string> channels;
  NotificationHandler handler;
};
DatabasePtr openDatabase(const config::DatabaseConfig& config, ClockPtr clock,
                         events::DomainEventSink sink = {},
                         std::shared_ptr<const policy::PolicyHolder> policy = nullptr,
                         PoolListening listening = {});

// One connection and no worker thread: each job runs on the thread that submits it, which
// blocks until it is done (run() too), and jobs of several threads take turns. For a thread
// whose work is to wait for the database (the outbox drainer): a worker would cost each job two
// thread hand-offs, a wake-up of the worker and one of the waiting thread. Never for an I/O
// thread. Stats and stop() as for a pool of one.
DatabasePtr openCallerThreadDatabase(const config::DatabaseConfig& config, ClockPtr clock,
                                     events::DomainEventSink sink = {},
                                     std::shared_ptr<const policy::PolicyHolder> policy = nullptr);

}  // namespace parley::core::store::postgres
