#pragma once
// Runs blocking work (filesystem, CPU-heavy hashing) on a separate pool so I/O threads never
// block (design brief §4); the calling coroutine resumes on its own executor.

#include <type_traits>

#include "core/common/asio.hpp"

namespace parley::core {

template <typename Work>
auto runBlocking(asio::thread_pool& pool, Work work)
    -> asio::awaitable<std::invoke_result_t<Work&>> {
  using R = std::invoke_result_t<Work&>;
  co_return co_await asio::co_spawn(
      pool, [work = std::move(work)]() mutable -> asio::awaitable<R> { co_return work(); },
      asio::use_awaitable);
}

}  // namespace parley::core
