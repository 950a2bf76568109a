#pragma once
// Runs blocking work (filesystem, CPU-heavy hashing) on a separate pool so I/O threads never
// block (design brief §4); the calling coroutine resumes on its own executor.

#include <optional>
#include <type_traits>

#include "core/common/asio.hpp"

namespace parley::core {

template <typename Work>
auto runBlocking(asio::thread_pool& pool, Work work)
    -> asio::awaitable<std::invoke_result_t<Work&>> {
  using R = std::invoke_result_t<Work&>;
  // co_spawn's completion needs a default-constructible value, which Result<T> is not: the
  // value travels in an optional that is always set when no exception was thrown.
  auto result = co_await asio::co_spawn(
      pool,
      [work = std::move(work)]() mutable -> asio::awaitable<std::optional<R>> {
        co_return std::optional<R>(work());
      },
      asio::use_awaitable);
  co_return std::move(*result);
}

}  // namespace parley::core
