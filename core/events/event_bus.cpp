#include "core/events/event_bus.hpp"

#include <utility>

namespace parley::core::events {

// The listeners as an immutable snapshot: publish() copies one pointer under the lock and calls
// the listeners outside it, so a slow listener or a subscribe() never holds up other publishers.
struct Subscription::State {
  using Entry = std::pair<std::uint64_t, EventBus::Listener>;
  mutable std::mutex mutex;
  std::shared_ptr<const std::vector<Entry>> listeners = std::make_shared<std::vector<Entry>>();
  std::uint64_t nextId = 1;

  void remove(std::uint64_t id) {
    std::lock_guard lock(mutex);
    auto next = std::make_shared<std::vector<Entry>>();
    next->reserve(listeners->size());
    for (const Entry& entry : *listeners) {
      if (entry.first != id) next->push_back(entry);
    }
    listeners = std::move(next);
  }
};

Subscription& Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    reset();
    bus_ = std::move(other.bus_);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

Subscription::~Subscription() { reset(); }

void Subscription::reset() {
  if (id_ == 0) return;
  if (auto bus = bus_.lock()) bus->remove(id_);
  bus_.reset();
  id_ = 0;
}

EventBus::EventBus() : state_(std::make_shared<Subscription::State>()) {}

void EventBus::publish(EventPtr event) const {
  std::shared_ptr<const std::vector<Subscription::State::Entry>> listeners;
  {
    std::lock_guard lock(state_->mutex);
    listeners = state_->listeners;
  }
  for (const auto& [id, listener] : *listeners) listener(event);
}

Subscription EventBus::subscribe(Listener listener) {
  std::lock_guard lock(state_->mutex);
  const std::uint64_t id = state_->nextId++;
  auto next = std::make_shared<std::vector<Subscription::State::Entry>>(*state_->listeners);
  next->emplace_back(id, std::move(listener));
  state_->listeners = std::move(next);
  return Subscription(state_, id);
}

std::size_t EventBus::listenerCount() const {
  std::lock_guard lock(state_->mutex);
  return state_->listeners->size();
}

}  // namespace parley::core::events
