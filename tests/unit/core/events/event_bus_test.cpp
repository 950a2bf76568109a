#include "core/events/event_bus.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace parley::core::events {
namespace {

Event named(std::string name) {
  Event event;
  event.name = std::move(name);
  return event;
}

TEST(EventBus, EverySubscriberGetsTheSameEventInPublishOrder) {
  EventBus bus;
  std::vector<std::string> first;
  std::vector<const Event*> seenByFirst;
  std::vector<const Event*> seenBySecond;
  auto a = bus.subscribe([&](const EventPtr& event) {
    first.push_back(event->name);
    seenByFirst.push_back(event.get());
  });
  auto b = bus.subscribe([&](const EventPtr& event) { seenBySecond.push_back(event.get()); });
  bus.publish(named("posted"));
  bus.publish(named("post_edited"));
  EXPECT_EQ(first, (std::vector<std::string>{"posted", "post_edited"}));
  EXPECT_EQ(seenByFirst, seenBySecond) << "one shared event object, not a copy per listener";
}

TEST(EventBus, DestroyingTheSubscriptionStopsDelivery) {
  EventBus bus;
  int calls = 0;
  {
    auto subscription = bus.subscribe([&](const EventPtr&) { ++calls; });
    bus.publish(named("typing"));
    EXPECT_EQ(bus.listenerCount(), 1U);
  }
  bus.publish(named("typing"));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(bus.listenerCount(), 0U);
}

TEST(EventBus, AMovedSubscriptionStaysSubscribedOnce) {
  EventBus bus;
  int calls = 0;
  Subscription kept;
  {
    auto subscription = bus.subscribe([&](const EventPtr&) { ++calls; });
    kept = std::move(subscription);
  }
  bus.publish(named("typing"));
  EXPECT_EQ(calls, 1);
  kept = Subscription();
  bus.publish(named("typing"));
  EXPECT_EQ(calls, 1);
}

TEST(EventBus, ASubscriptionMayOutliveItsBus) {
  auto captured = std::make_shared<int>(0);
  Subscription subscription;
  {
    EventBus bus;
    subscription = bus.subscribe([captured](const EventPtr&) {});
    EXPECT_EQ(captured.use_count(), 2);
  }
  EXPECT_EQ(captured.use_count(), 1) << "the bus's listeners went with the bus";
  subscription = Subscription();  // unsubscribing from a destroyed bus is a no-op
  EXPECT_EQ(captured.use_count(), 1);
}

TEST(EventBus, ConcurrentPublishersAndSubscribersLoseNothing) {
  EventBus bus;
  std::atomic<int> delivered{0};
  auto counter = bus.subscribe([&](const EventPtr&) { delivered.fetch_add(1); });
  constexpr int kThreads = 4;
  constexpr int kEach = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&bus] {
      for (int i = 0; i < kEach; ++i) {
        bus.publish(named("posted"));
        // Churn the listener list while others publish.
        if (i % 100 == 0) auto transient = bus.subscribe([](const EventPtr&) {});
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(delivered.load(), kThreads * kEach);
  EXPECT_EQ(bus.listenerCount(), 1U);
}

TEST(Audience, NoTargetMeansEveryone) {
  EXPECT_TRUE(Audience{}.everyone());
  Audience channel;
  channel.channelId = "c";
  EXPECT_FALSE(channel.everyone());
}

}  // namespace
}  // namespace parley::core::events
