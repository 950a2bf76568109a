#pragma once
// Per-client token buckets (limits.requests_per_second, limits.request_burst). Sharded so
// that I/O threads rarely contend; idle buckets are pruned so a scan of many source addresses
// cannot grow memory without bound.

#include <array>
#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/common/clock.hpp"
#include "gateway/http/exchange.hpp"

namespace parley::gateway::http {

class RateLimiter {
 public:
  struct Decision {
    bool allowed;
    unsigned remaining;               // whole tokens left after this request
    std::chrono::milliseconds reset;  // until the bucket is full again
  };

  RateLimiter(double perSecond, unsigned burst, core::ClockPtr clock);

  // Thread-safe.
  Decision take(std::string_view client);

  double perSecond() const { return perSecond_; }
  unsigned burst() const { return burst_; }

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point refilledAt{};
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Bucket> buckets;
  };
  static constexpr std::size_t kShards = 16;
  static constexpr std::size_t kMaxBucketsPerShard = 4096;

  void refill(Bucket& bucket, std::chrono::steady_clock::time_point now) const;
  void prune(Shard& shard, std::chrono::steady_clock::time_point now);

  double perSecond_;
  unsigned burst_;
  core::ClockPtr clock_;
  std::array<Shard, kShards> shards_;
};

// The answer to a request `limiter` refused: 429 with Mattermost's error JSON and the
// X-RateLimit-* and Retry-After headers.
Response tooManyRequests(const RateLimiter& limiter, const RateLimiter::Decision& decision);

}  // namespace parley::gateway::http
