#pragma once
// Awaiting work that reports through a callback on another thread (a database worker, a post
// lane): the coroutine suspends until the callback runs, and resumes on its own executor.

#include <functional>
#include <memory>
#include <utility>

#include "core/common/asio.hpp"

namespace parley {

// Calls `start(reply)` and waits for reply(T). `reply` is copyable (it fits a std::function),
// may run on any thread, and must run exactly once. The references `start` captures stay valid:
// the awaiting coroutine's frame outlives the wait.
template <typename T, typename Start>
asio::awaitable<T> awaitCallback(Start start) {
  auto executor = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(T)>(
      [&start, &executor](auto handler) {
        // std::function needs copyable callables; the coroutine's handler is move-only.
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        start(std::function<void(T)>([executor, shared](T value) {
          asio::post(executor,
                     [shared, value = std::move(value)]() mutable { (*shared)(std::move(value)); });
        }));
      },
      asio::use_awaitable);
}

}  // namespace parley
