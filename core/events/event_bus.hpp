#pragma once
// In-process fan-out of events from the services that publish them to the parts that deliver
// them (the WebSocket hub, the cross-node relay). Publishing is cheap and never blocks on a
// subscriber: listeners run on the publisher's thread and must only hand the event on (post it
// to their own executor), never do I/O or wait.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/events/event.hpp"

namespace parley::core::events {

class EventBus;

// Keeps a listener subscribed for as long as it lives. Destroying it unsubscribes; after the
// destructor returns, the listener is not called again (unless a publish() that began before
// is still running on another thread: listeners must tolerate one late call).
class Subscription {
 public:
  Subscription() = default;
  Subscription(Subscription&& other) noexcept = default;
  Subscription& operator=(Subscription&& other) noexcept;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription();

 private:
  friend class EventBus;
  struct State;
  Subscription(std::weak_ptr<State> bus, std::uint64_t id) : bus_(std::move(bus)), id_(id) {}
  void reset();

  std::weak_ptr<State> bus_;
  std::uint64_t id_ = 0;
};

class EventBus {
 public:
  using Listener = std::function<void(const EventPtr&)>;

  EventBus();

  // Calls every current listener with the event. Thread-safe.
  void publish(EventPtr event) const;
  void publish(Event event) const { publish(std::make_shared<const Event>(std::move(event))); }

  // Thread-safe; the listener may be called from any thread that publishes.
  [[nodiscard]] Subscription subscribe(Listener listener);

  std::size_t listenerCount() const;

 private:
  std::shared_ptr<Subscription::State> state_;
};

using EventBusPtr = std::shared_ptr<EventBus>;

}  // namespace parley::core::events
