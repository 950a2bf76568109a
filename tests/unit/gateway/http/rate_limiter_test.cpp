#include "gateway/http/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace parley::gateway::http {
namespace {

TEST(RateLimiter, AllowsABurstThenRefillsAtTheRate) {
  auto clock = std::make_shared<core::ManualClock>();
  RateLimiter limiter(2.0, 3, clock);
  EXPECT_TRUE(limiter.take("10.0.0.1").allowed);
  EXPECT_TRUE(limiter.take("10.0.0.1").allowed);
  const auto last = limiter.take("10.0.0.1");
  EXPECT_TRUE(last.allowed);
  EXPECT_EQ(last.remaining, 0u);
  const auto refused = limiter.take("10.0.0.1");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.reset, std::chrono::milliseconds(1500)) << "3 tokens at 2/s";

  clock->advance(std::chrono::milliseconds(500));  // one token back
  EXPECT_TRUE(limiter.take("10.0.0.1").allowed);
  EXPECT_FALSE(limiter.take("10.0.0.1").allowed);
}

TEST(RateLimiter, ClientsHaveSeparateBuckets) {
  auto clock = std::make_shared<core::ManualClock>();
  RateLimiter limiter(1.0, 1, clock);
  EXPECT_TRUE(limiter.take("10.0.0.1").allowed);
  EXPECT_FALSE(limiter.take("10.0.0.1").allowed);
  EXPECT_TRUE(limiter.take("10.0.0.2").allowed);
}

TEST(RateLimiter, ManyClientsDoNotGrowWithoutBound) {
  auto clock = std::make_shared<core::ManualClock>();
  RateLimiter limiter(1.0, 1, clock);
  // Far more distinct clients than the limiter keeps; every one still gets its first request.
  for (int i = 0; i < 200'000; ++i) {
    ASSERT_TRUE(limiter.take("client-" + std::to_string(i)).allowed) << i;
  }
}

}  // namespace
}  // namespace parley::gateway::http
