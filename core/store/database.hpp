#pragma once
// The database as the rest of Parley sees it: a fixed pool of workers, each owning one
// connection (design brief §4). Work is submitted as a job that receives a Store bound to that
// worker's connection; I/O threads never block on the database, they co_await run().

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <type_traits>

#include "core/common/asio.hpp"
#include "core/common/result.hpp"
#include "core/store/store.hpp"

namespace parley::core::store {

struct PoolStats {
  unsigned size = 0;         // workers (= connections) configured
  unsigned connected = 0;    // connections currently up
  unsigned busy = 0;         // workers running a job now
  std::uint64_t queued = 0;  // jobs waiting for a worker
  std::uint64_t completed = 0;
  std::uint64_t reconnects = 0;
  std::uint64_t roundTrips = 0;  // waits of the workers for the server (a pipeline is one)
};

class Database {
 public:
  // A job runs on a database worker thread. It must not throw (the pool catches and logs as a
  // last resort) and must not block on anything but the database.
  using Job = std::function<void(Store&)>;

  virtual ~Database() = default;

  // Queues a job. Thread-safe. Jobs run in submission order per worker, on any free worker.
  // After stop() began, jobs still run (against a Store whose calls fail with kUnavailable)
  // so that every awaiting coroutine is resumed.
  virtual void submit(Job job) = 0;

  virtual PoolStats stats() const = 0;

  // Finishes queued jobs, closes the connections and joins the workers. Idempotent.
  virtual void stop() = 0;

  // Runs `work(Store&)` on a worker and resumes the calling coroutine on its own executor with
  // the result. `work` must return a Result<T> (or Status).
  // With g++ 12, a lambda written inside the co_await expression should capture by reference
  // only: a temporary lambda capturing a std::string by value corrupted the heap there (a g++
  // coroutine bug with non-trivial temporaries in co_await expressions). Keep values in locals
  // of the coroutine and capture those by `&`.
  template <typename Work>
  auto run(Work work) -> asio::awaitable<std::invoke_result_t<Work&, Store&>>;

  // Runs `work(Store&)` on a worker and blocks the calling thread until it returns. For the
  // command line and tests, which have no event loop; never on an I/O thread or inside a job.
  template <typename Work>
  auto runAndWait(Work work) -> std::invoke_result_t<Work&, Store&>;
};

using DatabasePtr = std::shared_ptr<Database>;

template <typename Work>
auto Database::run(Work work) -> asio::awaitable<std::invoke_result_t<Work&, Store&>> {
  using R = std::invoke_result_t<Work&, Store&>;
  auto executor = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(R)>(
      [this, executor](auto handler, Work job) {
        // std::function needs copyable callables; the coroutine's handler is move-only.
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        submit([executor, shared, job = std::move(job)](Store& s) mutable {
          auto result = std::make_shared<R>(job(s));
          asio::post(executor, [shared, result]() mutable { (*shared)(std::move(*result)); });
        });
      },
      asio::use_awaitable, std::move(work));
}

template <typename Work>
auto Database::runAndWait(Work work) -> std::invoke_result_t<Work&, Store&> {
  std::promise<std::invoke_result_t<Work&, Store&>> promise;
  auto future = promise.get_future();
  submit([&promise, &work](Store& store) { promise.set_value(work(store)); });
  return future.get();
}

}  // namespace parley::core::store
