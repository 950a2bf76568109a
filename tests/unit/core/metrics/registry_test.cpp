#include "core/metrics/registry.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace parley::core::metrics {
namespace {

TEST(Registry, RendersPrometheusTextFormat) {
  Registry registry;
  registry.counter("parley_things_total", "Things done.", {{"kind", "a\"b"}}).increment(3);
  registry.gauge("parley_level", "A level.", {}, [] { return 1.5; });
  auto& histogram = registry.histogram("parley_latency_seconds", "Latency.", {}, {0.1, 1.0});
  histogram.observe(0.05);
  histogram.observe(0.5);
  histogram.observe(5.0);

  EXPECT_EQ(registry.render(),
            "# HELP parley_things_total Things done.\n"
            "# TYPE parley_things_total counter\n"
            "parley_things_total{kind=\"a\\\"b\"} 3\n"
            "# HELP parley_level A level.\n"
            "# TYPE parley_level gauge\n"
            "parley_level 1.5\n"
            "# HELP parley_latency_seconds Latency.\n"
            "# TYPE parley_latency_seconds histogram\n"
            "parley_latency_seconds_bucket{le=\"0.1\"} 1\n"
            "parley_latency_seconds_bucket{le=\"1\"} 2\n"
            "parley_latency_seconds_bucket{le=\"+Inf\"} 3\n"
            "parley_latency_seconds_sum 5.55\n"
            "parley_latency_seconds_count 3\n");
}

TEST(Registry, SameNameAndLabelsIsTheSameSeries) {
  Registry registry;
  auto& a = registry.counter("c_total", "C.", {{"x", "1"}});
  auto& b = registry.counter("c_total", "C.", {{"x", "1"}});
  auto& other = registry.counter("c_total", "C.", {{"x", "2"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &other);
  EXPECT_THROW(registry.gauge("c_total", "C.", {}, [] { return 0.0; }), std::logic_error);
}

TEST(Registry, CountersAreExactUnderConcurrency) {
  Registry registry;
  auto& counter = registry.counter("c_total", "C.");
  auto& histogram = registry.histogram("h_seconds", "H.", {}, latencyBuckets());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) {
        counter.increment();
        histogram.observe(0.001);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter.value(), 40'000u);
  EXPECT_EQ(histogram.snapshot().count, 40'000u);
}

}  // namespace
}  // namespace parley::core::metrics
