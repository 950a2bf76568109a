#include "core/store/postgres/database.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/common/log.hpp"
#include "core/store/postgres/connection.hpp"
#include "core/store/postgres/pg_store.hpp"

namespace parley::core::store::postgres {
namespace {

constexpr std::string_view kComponent = "store";
constexpr std::chrono::milliseconds kInitialBackoff{50};
constexpr std::chrono::milliseconds kMaxBackoff{5000};

void runJob(Database::Job& job, Store& store) {
  try {
    job(store);
  } catch (const std::exception& e) {
    log::error(kComponent, "a database job threw", {{"error", e.what()}});
  } catch (...) {
    log::error(kComponent, "a database job threw a non-exception");
  }
}

// Where a job runs: on one of the pool's worker threads, or on the thread that submits it.
enum class JobThread { kWorker, kCaller };

class PgDatabase final : public Database {
 public:
  PgDatabase(config::DatabaseConfig config, ClockPtr clock, events::DomainEventSink sink,
             std::shared_ptr<const policy::PolicyHolder> policy, PoolListening listening,
             JobThread jobThread)
      : config_(std::move(config)),
        clock_(std::move(clock)),
        sink_(std::move(sink)),
        policy_(std::move(policy)),
        listening_(std::move(listening)) {
    if (jobThread == JobThread::kCaller) {
      caller_.emplace();
      return;
    }
    const unsigned size = std::max(1u, config_.poolSize);
    alive_ = size;
    workers_.reserve(size);
    for (unsigned i = 0; i < size; ++i) workers_.emplace_back([this, i] { workerLoop(i); });
  }

  ~PgDatabase() override { stop(); }
  PgDatabase(const PgDatabase&) = delete;
  PgDatabase& operator=(const PgDatabase&) = delete;
  PgDatabase(PgDatabase&&) = delete;
  PgDatabase& operator=(PgDatabase&&) = delete;

  void submit(Job job) override {
    if (caller_) {
      runOnCaller(job);
      return;
    }
    {
      std::lock_guard lock(mutex_);
      if (alive_ > 0) {
        queue_.push_back(std::move(job));
        wake_.notify_one();
        return;
      }
    }
    // Every worker has exited (stop() finished): the job still runs, so that whoever waits on
    // it is resumed, against a store that reports the database as unavailable.
    PgStore store(nullptr, *clock_, &sink_, policy_.get());
    runJob(job, store);
  }

  PoolStats stats() const override {
    PoolStats stats;
    stats.size = caller_ ? 1 : static_cast<unsigned>(workers_.size());
    stats.connected = connected_.load();
    stats.busy = busy_.load();
    {
      std::lock_guard lock(mutex_);
      stats.queued = queue_.size();
    }
    stats.completed = completed_.load();
    stats.reconnects = reconnects_.load();
    stats.roundTrips = roundTrips_.load();
    return stats;
  }

  void stop() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (caller_) {
      // Waits for a job that runs on another thread now; jobs after it find the pool stopped.
      std::lock_guard running(caller_->mutex);
      disconnect(caller_->worker);
      return;
    }
    std::lock_guard joinLock(joinMutex_);
    for (auto& worker : workers_) {
      // A job that stops the pool cannot wait for its own thread.
      if (worker.joinable() && worker.get_id() != std::this_thread::get_id()) worker.join();
    }
  }

 private:
  struct Worker {
    std::unique_ptr<Connection> connection;
    bool everConnected = false;
    bool reportedDown = false;
    std::chrono::steady_clock::time_point nextAttempt{};
    std::chrono::milliseconds backoff = kInitialBackoff;
  };

  void workerLoop(unsigned index) {
    Worker worker;
    for (;;) {
      Job job;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) {
          // Stopping, and nothing left: the decrement happens under the lock so that submit()
          // never queues a job that no worker will take.
          --alive_;
          break;
        }
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      runOn(worker, index, job);
    }
    disconnect(worker);
  }

  void runOn(Worker& worker, unsigned index, Job& job) {
    ++busy_;
    PgStore store(ensureConnected(worker, index), *clock_, &sink_, policy_.get());
    runJob(job, store);
    afterJob(worker, index);
    --busy_;
    ++completed_;
  }

  // One job at a time, whichever thread submits it: they share the one connection.
  void runOnCaller(Job& job) {
    std::lock_guard running(caller_->mutex);
    bool stopping = false;
    {
      std::lock_guard lock(mutex_);
      stopping = stopping_;
    }
    if (stopping) {
      PgStore store(nullptr, *clock_, &sink_, policy_.get());
      runJob(job, store);
      return;
    }
    runOn(caller_->worker, 0, job);
  }

  Connection* ensureConnected(Worker& worker, unsigned index) {
    dropIfDead(worker, index);
    if (worker.connection) return worker.connection.get();

    const auto now = clock_->steadyNow();
    if (now < worker.nextAttempt) return nullptr;  // backing off: fail fast
    ConnectOptions options;
    options.connectTimeout = config_.connectTimeout;
    options.statementTimeout = config_.statementTimeout;
    options.listen = listening_.channels;
    options.notified = listening_.handler;
    auto opened = Connection::open(config_.dsn, options);
    if (!opened) {
      worker.nextAttempt = now + worker.backoff;
      worker.backoff = std::min(worker.backoff * 2, kMaxBackoff);
      if (!worker.reportedDown) {
        // libpq's message names the server, never the password; the DSN itself is not logged.
        log::warn(kComponent, "cannot connect to the database",
                  {{"worker", index}, {"error", opened.error().detail}});
        worker.reportedDown = true;
      }
      return nullptr;
    }
    worker.connection = std::move(*opened);
    ++connected_;
    if (worker.everConnected) {
      ++reconnects_;
      log::info(kComponent, "database connection restored", {{"worker", index}});
    }
    worker.everConnected = true;
    worker.reportedDown = false;
    worker.backoff = kInitialBackoff;
    worker.nextAttempt = {};
    return worker.connection.get();
  }

  void afterJob(Worker& worker, unsigned index) {
    if (!worker.connection) return;
    // Store::transaction() always ends what it begins; this only guards against a connection
    // that died between BEGIN and COMMIT leaving libpq's state behind.
    worker.connection->rollback();
    roundTrips_ += worker.connection->takeRoundTrips();
    dropIfDead(worker, index);
  }

  // A dead connection is dropped, so that the next job connects afresh.
  void dropIfDead(Worker& worker, unsigned index) {
    if (!worker.connection || worker.connection->healthy()) return;
    log::warn(kComponent, "database connection lost", {{"worker", index}});
    disconnect(worker);
  }

  void disconnect(Worker& worker) {
    if (!worker.connection) return;
    worker.connection.reset();
    --connected_;
  }

  const config::DatabaseConfig config_;
  const ClockPtr clock_;
  const events::DomainEventSink sink_;
  const std::shared_ptr<const policy::PolicyHolder> policy_;
  const PoolListening listening_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  unsigned alive_ = 0;  // workers that have not exited yet

  std::mutex joinMutex_;
  std::vector<std::thread> workers_;
  // JobThread::kCaller: the one connection, and the lock that makes its jobs take turns.
  struct CallerWorker {
    std::mutex mutex;
    Worker worker;
  };
  std::optional<CallerWorker> caller_;

  std::atomic<unsigned> connected_{0};
  std::atomic<unsigned> busy_{0};
  std::atomic<std::uint64_t> completed_{0};
  std::atomic<std::uint64_t> reconnects_{0};
  std::atomic<std::uint64_t> roundTrips_{0};
};

}  // namespace

DatabasePtr openDatabase(const config::DatabaseConfig& config, ClockPtr clock,
                         events::DomainEventSink sink,
                         std::shared_ptr<const policy::PolicyHolder> policy,
                         PoolListening listening) {
  return std::make_shared<PgDatabase>(config, std::move(clock), std::move(sink), std::move(policy),
                                      std::move(listening), JobThread::kWorker);
}

DatabasePtr openCallerThreadDatabase(const config::DatabaseConfig& config, ClockPtr clock,
                                     events::DomainEventSink sink,
                                     std::shared_ptr<const policy::PolicyHolder> policy) {
  return std::make_shared<PgDatabase>(config, std::move(clock), std::move(sink), std::move(policy),
                                      PoolListening{}, JobThread::kCaller);
}

}  // namespace parley::core::store::postgres
