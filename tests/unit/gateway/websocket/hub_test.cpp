#include "gateway/websocket/hub.hpp"

#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "gateway/websocket/event_renderer.hpp"
#include "gateway/websocket/member_cache.hpp"

namespace parley::gateway::websocket {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

using core::events::Audience;

Audience toUser(std::string id) {
  Audience audience;
  audience.userId = std::move(id);
  return audience;
}
Audience toChannel(std::string id, std::vector<std::string> omitUsers = {}) {
  Audience audience;
  audience.channelId = std::move(id);
  audience.omitUsers = std::move(omitUsers);
  return audience;
}
Audience toTeam(std::string id) {
  Audience audience;
  audience.teamId = std::move(id);
  return audience;
}
Audience toEveryone(std::string omitConnectionId = {}) {
  Audience audience;
  audience.omitConnectionId = std::move(omitConnectionId);
  return audience;
}

// Members by channel or team id; lookups answer at once, or later (in any order) when held.
class FakeMembers final : public MemberLookup {
 public:
  std::map<std::string, std::vector<std::string>> members;
  bool hold = false;
  std::vector<std::pair<std::string, Done>> held;
  int lookups = 0;

  void channelMembers(const std::string& channelId, Done done) override {
    answer(channelId, std::move(done));
  }
  void teamMembers(const std::string& teamId, Done done) override {
    answer(teamId, std::move(done));
  }
  void release(std::size_t index) {
    auto [id, done] = std::move(held[index]);
    done(memberList(members[id]));
  }

 private:
  void answer(const std::string& id, Done done) {
    ++lookups;
    if (hold) {
      held.emplace_back(id, std::move(done));
    } else {
      done(memberList(members[id]));
    }
  }
};

class FakeTransport final : public Transport {
 public:
  void wake() override { ++wakes; }
  int wakes = 0;
};

// One client: its transport and the connection the hub gave it.
struct Client {
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  ConnectionPtr connection;

  // What the transport would write now, as parsed frames (and marks them written).
  std::vector<json> frames() {
    std::vector<json> out;
    EventRing::Entry entry;
    while (connection->next(transport.get(), entry) == NextStep::kWrite) {
      out.push_back(json::parse(*entry.prefix + std::to_string(entry.seq) + "}"));
      connection->sent();
    }
    return out;
  }
  std::vector<std::string> names() {
    std::vector<std::string> out;
    for (const auto& frame : frames()) out.push_back(frame["event"]);
    return out;
  }
};

class HubTest : public ::testing::Test {
 protected:
  HubTest() {
    members_ = std::make_shared<FakeMembers>();
    members_->members["channel"] = {"alice", "bob"};
    members_->members["team"] = {"alice", "carol"};
    bus_ = std::make_shared<core::events::EventBus>();
    clock_ = std::make_shared<core::ManualClock>();
    HubOptions options;
    options.sendQueueEvents = 8;
    options.resumeEvents = 4;
    options.resumeWindow = 5min;
    options.serverVersion = "10.11.0.0.x.false";
    options.serverHostname = "node1";
    hub_ = Hub::create(options, members_, bus_, clock_);
  }

  Client connect(const std::string& userId, ResumeQuery resume = {},
                 const std::string& sessionId = "session",
                 core::model::ConnectionOrigin origin = core::model::ConnectionOrigin::kUnknown) {
    Client client;
    auto attached =
        hub_->attach(userId, sessionId, resume, client.transport, client.transport.get(), origin);
    client.connection = attached.connection;
    lastResumed_ = attached.resumed;
    return client;
  }

  static core::events::Event event(std::string name, core::events::Audience audience) {
    core::events::Event e;
    e.name = std::move(name);
    e.audience = std::move(audience);
    return e;
  }
  void publish(std::string name, core::events::Audience audience) {
    bus_->publish(event(std::move(name), std::move(audience)));
  }

  std::shared_ptr<FakeMembers> members_;
  core::events::EventBusPtr bus_;
  std::shared_ptr<core::ManualClock> clock_;
  HubPtr hub_;
  bool lastResumed_ = false;
};

TEST_F(HubTest, ANewConnectionStartsWithHelloAtSeqZero) {
  Client alice = connect("alice");
  EXPECT_FALSE(lastResumed_);
  const auto frames = alice.frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0]["event"], "hello");
  EXPECT_EQ(frames[0]["seq"], 0);
  EXPECT_EQ(frames[0]["data"]["connection_id"], alice.connection->id());
  EXPECT_EQ(frames[0]["data"]["server_hostname"], "node1");
  EXPECT_EQ(frames[0]["broadcast"]["user_id"], "alice");
  EXPECT_EQ(alice.connection->id().size(), 26u);
}

TEST_F(HubTest, EachAudienceReachesExactlyItsConnections) {
  Client alice = connect("alice");
  Client bob = connect("bob");
  Client carol = connect("carol");
  Client alice2 = connect("alice");  // a second tab
  for (auto* c : {&alice, &bob, &carol, &alice2}) c->frames();

  publish("to_bob", toUser("bob"));
  publish("in_channel", toChannel("channel"));
  publish("in_team", toTeam("team"));
  publish("everyone", toEveryone());
  publish("channel_but_alice", toChannel("channel", {"alice"}));
  publish("all_but_one_tab", toEveryone(alice2.connection->id()));

  EXPECT_EQ(alice.names(),
            (std::vector<std::string>{"in_channel", "in_team", "everyone", "all_but_one_tab"}));
  EXPECT_EQ(alice2.names(), (std::vector<std::string>{"in_channel", "in_team", "everyone"}));
  EXPECT_EQ(bob.names(), (std::vector<std::string>{"to_bob", "in_channel", "everyone",
                                                   "channel_but_alice", "all_but_one_tab"}));
  EXPECT_EQ(carol.names(), (std::vector<std::string>{"in_team", "everyone", "all_but_one_tab"}));
}

// The policy filter lists a user readable from one origin only as "<id>/<origin>".
TEST_F(HubTest, AMemberOfOneOriginReachesOnlyThatOriginsConnections) {
  using core::model::ConnectionOrigin;
  members_->members["channel"] = {"alice/vpn", "bob", "carol/direct", "carol/vpn"};
  members_->members["team"] = {"alice/direct", "bob/vpn"};
  Client aliceVpn = connect("alice", {}, "s1", ConnectionOrigin::kVpn);
  Client aliceDirect = connect("alice", {}, "s2", ConnectionOrigin::kDirect);
  Client bobDirect = connect("bob", {}, "s3", ConnectionOrigin::kDirect);
  Client carolVpn = connect("carol", {}, "s4", ConnectionOrigin::kVpn);
  Client carolDirect = connect("carol", {}, "s5", ConnectionOrigin::kDirect);
  Client carolUnknown = connect("carol", {}, "s6");
  for (auto* c : {&aliceVpn, &aliceDirect, &bobDirect, &carolVpn, &carolDirect, &carolUnknown})
    c->frames();

  publish("in_channel", toChannel("channel"));
  publish("in_team", toTeam("team"));
  using Names = std::vector<std::string>;
  EXPECT_EQ(aliceVpn.names(), Names{"in_channel"});
  EXPECT_EQ(aliceDirect.names(), Names{"in_team"});
  EXPECT_EQ(bobDirect.names(), Names{"in_channel"});  // the user id alone: every connection
  EXPECT_EQ(carolVpn.names(), Names{"in_channel"});
  EXPECT_EQ(carolDirect.names(), Names{"in_channel"});
  EXPECT_TRUE(carolUnknown.names().empty());

  // The team's entries took the walk over the members, the channel's the walk over the
  // connected users (more entries than users); a bigger channel the latter again.
  members_->members["channel"] = {"alice/vpn", "bob",  "carol/direct", "dave",
                                  "erin",      "fred", "gina",         "hank"};
  publish("big_channel", toChannel("channel"));
  EXPECT_EQ(aliceVpn.names(), Names{"big_channel"});
  EXPECT_TRUE(aliceDirect.names().empty());
  EXPECT_EQ(bobDirect.names(), Names{"big_channel"});
  EXPECT_TRUE(carolVpn.names().empty());
  EXPECT_EQ(carolDirect.names(), Names{"big_channel"});
}

TEST_F(HubTest, AConnectionResumesOnlyFromTheSameOrigin) {
  using core::model::ConnectionOrigin;
  Client vpn = connect("alice", {}, "s", ConnectionOrigin::kVpn);
  vpn.frames();
  hub_->detach(vpn.connection, vpn.transport.get());
  publish("missed", toUser("alice"));
  Client direct = connect("alice", {vpn.connection->id(), 1}, "s", ConnectionOrigin::kDirect);
  EXPECT_FALSE(lastResumed_);
  EXPECT_NE(direct.connection, vpn.connection);
  EXPECT_EQ(direct.connection->origin(), ConnectionOrigin::kDirect);
}

TEST(OriginMemberTest, RoundTrips) {
  using core::model::ConnectionOrigin;
  EXPECT_EQ(originMember("u1", ConnectionOrigin::kVpn), "u1/vpn");
  EXPECT_EQ(originMember("u1", ConnectionOrigin::kDirect), "u1/direct");
  EXPECT_EQ(originMember("u1", ConnectionOrigin::kUnknown), "u1");
  const auto parsed = parseOriginMember("u1/vpn");
  EXPECT_EQ(parsed.userId, "u1");
  EXPECT_EQ(parsed.origin, ConnectionOrigin::kVpn);
  EXPECT_EQ(parseOriginMember("u1").origin, ConnectionOrigin::kUnknown);
  EXPECT_EQ(parseOriginMember("u1/other").userId, "u1/other");
}

TEST_F(HubTest, SeqIsPerConnectionAndTheBytesAreShared) {
  Client alice = connect("alice");
  Client bob = connect("bob");
  publish("to_bob", toUser("bob"));
  publish("in_channel", toChannel("channel"));
  // The last event of each: alice hello 0, in_channel 1; bob hello 0, to_bob 1, in_channel 2.
  const auto last = [](Client& client) {
    EventRing::Entry entry;
    EventRing::Entry previous;
    while (client.connection->next(client.transport.get(), entry) == NextStep::kWrite) {
      previous = entry;
      client.connection->sent();
    }
    return previous;
  };
  const auto a = last(alice);
  const auto b = last(bob);
  EXPECT_EQ(a.seq, 1u);
  EXPECT_EQ(b.seq, 2u);
  EXPECT_EQ(a.prefix.get(), b.prefix.get()) << "serialised once, shared by both";
  EXPECT_EQ(json::parse(*a.prefix + "1}")["event"], "in_channel");
}

TEST_F(HubTest, EventsKeepPublicationOrderWhenLookupsFinishOutOfOrder) {
  Client alice = connect("alice");
  alice.frames();
  members_->hold = true;
  publish("first", toChannel("channel"));
  publish("second", toTeam("team"));
  publish("third", toUser("alice"));
  EXPECT_TRUE(alice.names().empty()) << "nothing before the first lookup is done";
  members_->release(1);
  EXPECT_TRUE(alice.names().empty());
  members_->release(0);
  EXPECT_EQ(alice.names(), (std::vector<std::string>{"first", "second", "third"}));
}

TEST_F(HubTest, NoLookupWhenNobodyIsConnected) {
  publish("in_channel", toChannel("channel"));
  EXPECT_EQ(members_->lookups, 0);
}

TEST_F(HubTest, ASlowConsumerIsClosedWithoutHoldingOthersUp) {
  Client slow = connect("alice");
  Client fast = connect("bob");
  for (int i = 0; i < 20; ++i) {
    publish("in_channel", toChannel("channel"));
    fast.frames();
  }
  EventRing::Entry entry;
  EXPECT_EQ(slow.connection->next(slow.transport.get(), entry), NextStep::kClose);
  hub_->detach(slow.connection, slow.transport.get());
  // Dropped, not parked: its id cannot be resumed.
  Client again = connect("alice", {slow.connection->id(), 1});
  EXPECT_FALSE(lastResumed_);
  EXPECT_NE(again.connection->id(), slow.connection->id());
  publish("in_channel", toChannel("channel"));
  EXPECT_EQ(fast.names(), (std::vector<std::string>{"in_channel"}));
}

TEST_F(HubTest, ResumeReplaysExactlyTheMissedEvents) {
  Client alice = connect("alice");
  publish("one", toUser("alice"));
  const auto seen = alice.frames();  // hello 0, one 1
  ASSERT_EQ(seen.size(), 2u);
  hub_->detach(alice.connection, alice.transport.get());
  publish("two", toUser("alice"));
  publish("three", toChannel("channel"));
  clock_->advance(4min);

  Client back = connect("alice", {alice.connection->id(), 2});
  EXPECT_TRUE(lastResumed_);
  EXPECT_EQ(back.connection, alice.connection);
  const auto replay = back.frames();
  ASSERT_EQ(replay.size(), 2u);
  EXPECT_EQ(replay[0]["event"], "two");
  EXPECT_EQ(replay[0]["seq"], 2);
  EXPECT_EQ(replay[1]["event"], "three");
  EXPECT_EQ(replay[1]["seq"], 3);
  publish("four", toUser("alice"));
  EXPECT_EQ(back.frames().at(0)["seq"], 4);
}

TEST_F(HubTest, ResumeFailsAfterTheWindowOrBeyondTheBufferOrForAnotherUser) {
  Client alice = connect("alice");
  alice.frames();
  hub_->detach(alice.connection, alice.transport.get());
  Client mallory = connect("bob", {alice.connection->id(), 1});
  EXPECT_FALSE(lastResumed_) << "a connection id is only good for its own user";

  clock_->advance(5min + 1s);
  Client late = connect("alice", {alice.connection->id(), 1});
  EXPECT_FALSE(lastResumed_);
  EXPECT_NE(late.connection->id(), alice.connection->id());
  EXPECT_EQ(late.frames().at(0)["event"], "hello");

  // More missed events than resume_events: a fresh hello too.
  late.frames();
  hub_->detach(late.connection, late.transport.get());
  for (int i = 0; i < 6; ++i) publish("e", toUser("alice"));
  Client gap = connect("alice", {late.connection->id(), 1});
  EXPECT_TRUE(lastResumed_) << "unsent events are all kept while parked (6 < the queue of 8)";
  hub_->detach(gap.connection, gap.transport.get());
  for (int i = 0; i < 3; ++i) publish("e", toUser("alice"));
  Client lost = connect("alice", {late.connection->id(), 1});
  EXPECT_FALSE(lastResumed_) << "9 unsent events overflowed the queue of 8";
}

TEST_F(HubTest, AnOldSocketIsToldToCloseWhenANewOneTakesItsConnectionOver) {
  Client alice = connect("alice");
  alice.frames();
  Client again = connect("alice", {alice.connection->id(), 1});
  ASSERT_TRUE(lastResumed_);
  EventRing::Entry entry;
  EXPECT_EQ(alice.connection->next(alice.transport.get(), entry), NextStep::kClose);
  EXPECT_GE(alice.transport->wakes, 1);
  hub_->detach(alice.connection, alice.transport.get());  // the old socket's late detach
  publish("still_here", toUser("alice"));
  EXPECT_EQ(again.names(), (std::vector<std::string>{"still_here"}));
}

TEST_F(HubTest, ARevokedSessionClosesItsConnectionsAndNoOthers) {
  Client phone = connect("alice", {}, "phone");
  Client laptop = connect("alice", {}, "laptop");
  Client parked = connect("alice", {}, "phone");
  Client bob = connect("bob", {}, "phone");  // session ids only count for their user
  for (auto* client : {&phone, &laptop, &parked, &bob}) client->frames();
  hub_->detach(parked.connection, parked.transport.get());
  const int wakesBefore = phone.transport->wakes;

  // As the renderer publishes it after the logout committed (and as the relay republishes it).
  for (auto& event : renderEvent(core::events::SessionsRevoked{"alice", {"phone"}, false})) {
    bus_->publish(std::move(event));
  }
  EventRing::Entry entry;
  EXPECT_EQ(phone.connection->next(phone.transport.get(), entry), NextStep::kClose);
  EXPECT_GT(phone.transport->wakes, wakesBefore) << "closed at once, not at the next event";
  EXPECT_EQ(hub_->connectionCount(), 2u) << "the open and the parked phone connections are gone";
  Client resumed = connect("alice", {parked.connection->id(), 1}, "laptop");
  EXPECT_FALSE(lastResumed_) << "a revoked session's connection cannot be resumed";
  resumed.frames();

  publish("after", toChannel("channel"));
  EXPECT_EQ(laptop.names(), (std::vector<std::string>{"after"}))
      << "the revocation itself is never written to a client";
  EXPECT_EQ(bob.names(), (std::vector<std::string>{"after"}));

  for (auto& event : renderEvent(core::events::SessionsRevoked{"alice", {}, true})) {
    bus_->publish(std::move(event));
  }
  EXPECT_EQ(laptop.connection->next(laptop.transport.get(), entry), NextStep::kClose);
  EXPECT_EQ(resumed.connection->next(resumed.transport.get(), entry), NextStep::kClose);
  EXPECT_EQ(bob.connection->next(bob.transport.get(), entry), NextStep::kIdle);
  EXPECT_FALSE(hub_->isConnected("alice"));
}

TEST_F(HubTest, StopTellsEveryOpenSocketToGoAway) {
  Client alice = connect("alice");
  Client bob = connect("bob");
  alice.frames();
  bob.frames();
  hub_->stop();
  EventRing::Entry entry;
  EXPECT_EQ(alice.connection->next(alice.transport.get(), entry), NextStep::kGoAway);
  EXPECT_EQ(bob.connection->next(bob.transport.get(), entry), NextStep::kGoAway);
  EXPECT_GE(alice.transport->wakes, 1);
  publish("late", toUser("alice"));
  EXPECT_EQ(alice.connection->next(alice.transport.get(), entry), NextStep::kGoAway)
      << "nothing is delivered after stop";
}

TEST_F(HubTest, StopWaitsForTheSocketsToEndButNotForever) {
  Client alice = connect("alice");
  std::thread socket([&] {
    std::this_thread::sleep_for(50ms);
    hub_->detach(alice.connection, alice.transport.get());
  });
  const auto started = std::chrono::steady_clock::now();
  hub_->stop(30s);
  const auto waited = std::chrono::steady_clock::now() - started;
  socket.join();
  EXPECT_GE(waited, 40ms) << "waited for the socket";
  EXPECT_LT(waited, 10s) << "returned when it ended";
  EXPECT_EQ(hub_->connectionCount(), 0u) << "not parked: there is no resume after a shutdown";

  Client bob = connect("bob");
  const auto again = std::chrono::steady_clock::now();
  hub_->stop(100ms);
  EXPECT_LT(std::chrono::steady_clock::now() - again, 10s) << "bounded by `wait`";
}

TEST_F(HubTest, PresenceOfUsers) {
  Client alice = connect("alice");
  EXPECT_TRUE(hub_->isConnected("alice"));
  EXPECT_FALSE(hub_->isConnected("bob"));
  EXPECT_EQ(hub_->connectedUsers(10), (std::vector<std::string>{"alice"}));
  hub_->detach(alice.connection, alice.transport.get());
  EXPECT_FALSE(hub_->isConnected("alice")) << "parked is not online";
  EXPECT_EQ(hub_->connectionCount(), 1u);
}

// The hub with the member cache of serve.cpp over the fake database: membership changes reach
// the very next event, however the lookups interleave.
class CachedHubTest : public HubTest {
 protected:
  CachedHubTest() {
    HubOptions options;
    options.sendQueueEvents = 64;
    options.resumeWindow = 0ms;  // a socket that ends is gone
    hub_ = Hub::create(options, MemberCache::create(members_, clock_), bus_, clock_);
  }
  // A client whose hello was read.
  Client connected(const std::string& userId) {
    Client client = connect(userId);
    client.frames();
    return client;
  }
  void render(const core::events::DomainEvent& event) {
    for (auto& rendered : renderEvent(event)) bus_->publish(std::move(rendered));
  }
};

TEST_F(CachedHubTest, ARemovedMemberNeverReceivesTheChannelsNextEvent) {
  Client alice = connected("alice");
  Client bob = connected("bob");
  publish("posted", toChannel("channel"));
  publish("typing", toChannel("channel"));
  EXPECT_EQ(members_->lookups, 1) << "the second event used the remembered members";
  EXPECT_EQ(bob.names(), (std::vector<std::string>{"posted", "typing"}));
  alice.frames();

  members_->members["channel"] = {"alice"};  // committed, then its events are published
  render(core::events::ChannelMemberRemoved{"channel", "bob", "alice"});
  publish("posted", toChannel("channel"));
  EXPECT_EQ(bob.names(), (std::vector<std::string>{"user_removed"})) << "only its own notice";
  EXPECT_EQ(alice.names(), (std::vector<std::string>{"user_removed", "posted"}));
}

TEST_F(CachedHubTest, ARemovedMemberGetsNothingAfterEvenWhenAnOlderLookupAnswersLate) {
  Client alice = connected("alice");
  Client bob = connected("bob");
  members_->hold = true;
  publish("posted", toChannel("channel"));  // its lookup reads bob, and answers late
  members_->members["channel"] = {"alice"};
  render(core::events::ChannelMemberRemoved{"channel", "bob", "alice"});
  publish("typing", toChannel("channel"));
  // The reads after the removal answer first; the one from before it last.
  for (std::size_t i = members_->held.size() - 1; i > 0; --i) members_->release(i);
  auto first = std::move(members_->held[0].second);
  first(memberList({"alice", "bob"}));  // as the database was when that read ran
  EXPECT_EQ(bob.names(), (std::vector<std::string>{"posted", "user_removed"}));
  EXPECT_EQ(alice.names(), (std::vector<std::string>{"posted", "user_removed", "typing"}));

  const int lookups = members_->lookups;
  members_->hold = false;
  publish("posted", toChannel("channel"));
  EXPECT_EQ(members_->lookups, lookups) << "remembered";
  EXPECT_TRUE(bob.names().empty()) << "the late answer from before the removal was not kept";
  EXPECT_EQ(alice.names(), (std::vector<std::string>{"posted"}));
}

TEST_F(CachedHubTest, AnAddedMemberReceivesTheChannelsNextEvent) {
  Client alice = connected("alice");
  Client dave = connected("dave");
  publish("posted", toChannel("channel"));
  members_->members["channel"].push_back("dave");
  render(core::events::ChannelMemberAdded{"channel", "team", "dave", "alice"});
  publish("typing", toChannel("channel"));
  EXPECT_EQ(dave.names(), (std::vector<std::string>{"user_added", "typing"}));
  EXPECT_EQ(alice.names(), (std::vector<std::string>{"posted", "user_added", "typing"}));
}

TEST_F(CachedHubTest, EventsSeenWithNobodyConnectedStillForget) {
  Client alice = connect("alice");
  publish("posted", toChannel("channel"));  // remembers alice and bob
  hub_->detach(alice.connection, alice.transport.get());
  ASSERT_EQ(hub_->connectionCount(), 0u);
  members_->members["channel"] = {"alice"};
  render(core::events::ChannelMemberRemoved{"channel", "bob", "alice"});
  Client bob = connected("bob");
  publish("typing", toChannel("channel"));
  EXPECT_TRUE(bob.names().empty());
}

TEST_F(HubTest, WithADispatchThreadEventsArriveInOrderOffThePublishersThread) {
  HubOptions options;
  options.dispatchThread = true;
  hub_ = Hub::create(options, MemberCache::create(members_, clock_), bus_, clock_);
  Client alice = connect("alice");
  alice.frames();
  members_->hold = true;
  publish("posted", toChannel("channel"));  // waits for the database
  publish("to_alice", toUser("alice"));
  publish("everyone", toEveryone());
  EXPECT_TRUE(alice.names().empty()) << "nothing before the channel's members are known";
  members_->hold = false;
  members_->release(0);
  publish("typing", toChannel("channel"));  // remembered members, still on the hub's thread
  std::vector<std::string> names;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (names.size() < 4 && std::chrono::steady_clock::now() < deadline) {
    for (auto& name : alice.names()) names.push_back(name);
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"posted", "to_alice", "everyone", "typing"}));
}

}  // namespace
}  // namespace parley::gateway::websocket
