#pragma once
// Time comes from an injected Clock (house style §8) so tests can control it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

namespace parley::core {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock milliseconds since the Unix epoch, as Mattermost timestamps are.
  virtual std::int64_t nowMillis() const = 0;
  // Monotonic time for durations, timeouts and rates.
  virtual std::chrono::steady_clock::time_point steadyNow() const = 0;
};

using ClockPtr = std::shared_ptr<const Clock>;

class SystemClock final : public Clock {
 public:
  std::int64_t nowMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::chrono::steady_clock::time_point steadyNow() const override {
    return std::chrono::steady_clock::now();
  }
};

// A clock that only moves when told to; thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t startMillis = 1'700'000'000'000) : millis_(startMillis) {}
  std::int64_t nowMillis() const override { return millis_.load(); }
  std::chrono::steady_clock::time_point steadyNow() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(millis_.load()));
  }
  void advance(std::chrono::milliseconds by) { millis_ += by.count(); }

 private:
  std::atomic<std::int64_t> millis_;
};

}  // namespace parley::core
