#include "gateway/http/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace parley::gateway::http {

RateLimiter::RateLimiter(double perSecond, unsigned burst, core::ClockPtr clock)
    : perSecond_(perSecond), burst_(std::max(1u, burst)), clock_(std::move(clock)) {}

void RateLimiter::refill(Bucket& bucket, std::chrono::steady_clock::time_point now) const {
  const double elapsed = std::chrono::duration<double>(now - bucket.refilledAt).count();
  if (elapsed > 0) {
    bucket.tokens = std::min<double>(burst_, bucket.tokens + elapsed * perSecond_);
    bucket.refilledAt = now;
  }
}

void RateLimiter::prune(Shard& shard, std::chrono::steady_clock::time_point now) {
  // A full bucket carries no state worth keeping: dropping it is the same as a fresh client.
  for (auto it = shard.buckets.begin(); it != shard.buckets.end();) {
    refill(it->second, now);
    it = it->second.tokens >= burst_ ? shard.buckets.erase(it) : std::next(it);
  }
}

RateLimiter::Decision RateLimiter::take(std::string_view client) {
  const auto now = clock_->steadyNow();
  Shard& shard = shards_[std::hash<std::string_view>{}(client) % kShards];
  std::lock_guard lock(shard.mutex);
  auto it = shard.buckets.find(std::string(client));
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= kMaxBucketsPerShard) prune(shard, now);
    // Still full: so many clients are mid-burst that tracking them all would be the attack.
    // Forgetting them costs at most one extra burst each; unbounded memory costs the gateway.
    if (shard.buckets.size() >= kMaxBucketsPerShard) shard.buckets.clear();
    it = shard.buckets.emplace(std::string(client), Bucket{static_cast<double>(burst_), now}).first;
  }
  Bucket& bucket = it->second;
  refill(bucket, now);
  const bool allowed = bucket.tokens >= 1.0;
  if (allowed) bucket.tokens -= 1.0;
  const auto reset = std::chrono::milliseconds(
      static_cast<long>(std::ceil((burst_ - bucket.tokens) / perSecond_ * 1000.0)));
  return {allowed, static_cast<unsigned>(bucket.tokens), reset};
}

Response tooManyRequests(const RateLimiter& limiter, const RateLimiter::Decision& decision) {
  const auto resetSeconds = std::max<long>(1, (decision.reset.count() + 999) / 1000);
  Response response = Response::error(
      core::makeError(core::ErrorCode::kRateLimited, "api.context.rate_limit_exceeded.app_error",
                      "Too many requests. Please try again later."));
  response.header("X-RateLimit-Limit", std::to_string(limiter.burst()))
      .header("X-RateLimit-Remaining", "0")
      .header("X-RateLimit-Reset", std::to_string(resetSeconds))
      .header("Retry-After", std::to_string(resetSeconds));
  return response;
}

}  // namespace parley::gateway::http
