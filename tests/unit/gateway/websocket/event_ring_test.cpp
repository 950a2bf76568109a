#include "gateway/websocket/event_ring.hpp"

#include <gtest/gtest.h>

namespace parley::gateway::websocket {
namespace {

SharedBytes bytes(std::string text) { return std::make_shared<const std::string>(text); }

// Writes everything unsent, returning the seqs in order.
std::vector<std::uint64_t> drain(EventRing& ring) {
  std::vector<std::uint64_t> seqs;
  while (const auto* entry = ring.nextUnsent()) {
    seqs.push_back(entry->seq);
    ring.markSent();
  }
  return seqs;
}

TEST(EventRing, NumbersEventsFromZeroAndSendsThemInOrder) {
  EventRing ring(4);
  EXPECT_EQ(ring.push(bytes("hello")), 0u);
  EXPECT_EQ(ring.push(bytes("a")), 1u);
  EXPECT_EQ(ring.unsent(), 2u);
  EXPECT_EQ(*ring.nextUnsent()->prefix, "hello");
  EXPECT_EQ(drain(ring), (std::vector<std::uint64_t>{0, 1}));
  EXPECT_EQ(ring.unsent(), 0u);
  EXPECT_EQ(ring.nextUnsent(), nullptr);
}

TEST(EventRing, KeepsAllUnsentButOnlyTheLastFewSent) {
  EventRing ring(3);
  for (int i = 0; i < 10; ++i) ring.push(bytes("e"));
  EXPECT_EQ(ring.size(), 10u) << "nothing written yet: nothing may be dropped";
  drain(ring);
  EXPECT_EQ(ring.size(), 3u);
}

TEST(EventRing, RewindReplaysExactlyTheMissedEventsWithTheirSeqs) {
  EventRing ring(128);
  for (int i = 0; i < 6; ++i) ring.push(bytes("e" + std::to_string(i)));
  drain(ring);
  // The client got 0..3; 4 and 5 were written but lost with the socket; 6 came while away.
  ring.push(bytes("e6"));
  ASSERT_TRUE(ring.rewindTo(4));
  EXPECT_EQ(*ring.nextUnsent()->prefix, "e4");
  EXPECT_EQ(drain(ring), (std::vector<std::uint64_t>{4, 5, 6}));
  // A client that got everything resumes with nothing to replay.
  ASSERT_TRUE(ring.rewindTo(7));
  EXPECT_EQ(ring.unsent(), 0u);
}

TEST(EventRing, RewindFailsWhenEventsFellOutOrWereNeverWritten) {
  EventRing ring(2);
  for (int i = 0; i < 5; ++i) ring.push(bytes("e"));
  drain(ring);  // keeps 3 and 4
  EXPECT_FALSE(ring.rewindTo(2));
  EXPECT_TRUE(ring.rewindTo(3));
  drain(ring);
  ring.push(bytes("unsent"));  // seq 5, not written
  EXPECT_FALSE(ring.rewindTo(6)) << "the client cannot have an event never written";
  EXPECT_FALSE(ring.rewindTo(99));
  EXPECT_EQ(ring.unsent(), 1u) << "a failed rewind changes nothing";
}

}  // namespace
}  // namespace parley::gateway::websocket
