// The XmppBridge on a real PostgreSQL (the bridge framework's fixture, with a channel linked to
// the hosted room "ops" on the xmpp bridge) and a real Prosody with a real XMPP client: the room
// comes from the links table with the channel's latest posts as history, an occupant's message
// reaches the IngressSink as an InboundEvent and the sink's answer decides what the room does,
// and deliver() puts a post in the room with the post id as stanza-id.

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <thread>

#include "bridges/xmpp/xmpp_bridge.hpp"
#include "tests/integration/bridges/bridge_fixture.hpp"
#include "tests/integration/bridges/xmpp/xmpp_test_client.hpp"
#include "tests/support/prosody.hpp"

namespace parley::bridges::xmpp {
namespace {

using namespace std::chrono_literals;
using testing::named;
using testing::waitUntil;
using testing::XmppTestClient;

constexpr std::string_view kDomain = "mattermost.localhost";
constexpr std::string_view kRoom = "ops@mattermost.localhost";

// Answers each event with the next scripted result, on a thread of its own (as the pipeline
// answers from a database worker).
class ScriptedSink : public IngressSink {
 public:
  void receive(InboundEvent event, std::function<void(IngressResult)> done) override {
    IngressResult result;
    {
      std::lock_guard lock(mutex_);
      events_.push_back(event);
      result = next_;
    }
    std::thread([done = std::move(done), result] { done(result); }).detach();
  }
  void answer(IngressResult result) {
    std::lock_guard lock(mutex_);
    next_ = std::move(result);
  }
  std::vector<InboundEvent> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  std::mutex mutex_;
  IngressResult next_{IngressOutcome::kApplied, "postaaaaaaaaaaaaaaaaaaaaaa", ""};
  std::vector<InboundEvent> events_;
};

class XmppBridgeTest : public testing::BridgeTest {
 protected:
  void SetUp() override {
    BridgeTest::SetUp();
    ASSERT_TRUE(execSql("INSERT INTO links (id, channel_id, bridge, remote_room, direction, "
                        "create_at) VALUES ('linkxmppaaaaaaaaaaaaaaaaaa', "
                        "'linkedaaaaaaaaaaaaaaaaaaaa', 'xmpp', 'ops', 'both', 4), "
                        "('linkxmppotheraaaaaaaaaaaaa', 'plainaaaaaaaaaaaaaaaaaaaaa', 'xmpp', "
                        "'ops@conference.elsewhere.example', 'both', 5)")
                    .ok());
    first_ = post(testing::kAlice, testing::kLinked, "first **post**");
    ASSERT_TRUE(first_.ok());
    // Delivered on the link (its id in the id map): a room's history is what crossed it; a post
    // that never did is not shown.
    const std::string delivered =
        "INSERT INTO id_map (post_id, part, bridge, remote_room, remote_event_id) VALUES ('" +
        first_->id + "', 0, 'xmpp', 'ops', '" + first_->id + "')";
    ASSERT_TRUE(execSql(delivered.c_str()).ok());
    ASSERT_TRUE(post(testing::kAlice, testing::kLinked, "never sent").ok());
    prosody_ = std::make_unique<testing::ProsodyServer>(testing::ProsodyServer::Options{
        std::string(kDomain), "component-secret", {{"xena", "xenapass"}}});
    core::config::XmppBridgeConfig config;
    config.enabled = true;
    config.domain = std::string(kDomain);
    config.serverPort = prosody_->componentPort();
    config.secret = "component-secret";
    config.reconnectMin = 100ms;
    config.reconnectMax = 400ms;
    config.historyMessages = 5;
    bridge_ = std::make_unique<XmppBridge>(config, database_);
    ASSERT_TRUE(bridge_->start(sink_));
    ASSERT_TRUE(waitUntil([&] { return bridge_->connected(); }, 10s));
  }

  void TearDown() override {
    if (bridge_) bridge_->stop();
    bridge_.reset();
    prosody_.reset();
    BridgeTest::TearDown();
  }

  std::vector<XmppTestClient::Stanza> join(XmppTestClient& client) {
    std::vector<XmppTestClient::Stanza> sequence;
    // The rooms are read from the database after start: retry the join until it is hosted.
    for (int attempt = 0; attempt < 50 && sequence.empty(); ++attempt) {
      client.send("<presence to='" + std::string(kRoom) +
                  "/xena'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
      const auto first = client.waitFor(
          [](const XmppTestClient::Stanza& s) {
            return s.name() == "presence" && s.attribute("from").starts_with(kRoom);
          },
          2s);
      if (!first || first->attribute("type") == "error") {
        std::this_thread::sleep_for(100ms);
        continue;
      }
      sequence.push_back(*first);
      while (auto next = client.waitFor(
                 [](const XmppTestClient::Stanza& s) { return s.name() == "message"; })) {
        sequence.push_back(*next);
        if (next->child("subject")) break;
      }
    }
    return sequence;
  }

  DeliveryResult deliverAndWait(OutboundItem item) {
    std::promise<DeliveryResult> promise;
    bridge_->deliver(std::move(item), [&](DeliveryResult result) { promise.set_value(result); });
    auto future = promise.get_future();
    EXPECT_EQ(future.wait_for(5s), std::future_status::ready);
    return future.get();
  }

  core::Result<core::model::Post> first_ = core::model::Post{};
  std::unique_ptr<testing::ProsodyServer> prosody_;
  ScriptedSink sink_;
  std::unique_ptr<XmppBridge> bridge_;
};

TEST_F(XmppBridgeTest, HostsTheLinkedRoomWithTheChannelsHistory) {
  XmppTestClient xena("xena@localhost/test", "xenapass", prosody_->c2sPort());
  const auto sequence = join(xena);
  ASSERT_EQ(sequence.size(), 3u) << XmppTestClient::describe(sequence);
  EXPECT_EQ(sequence[1].attribute("from"), std::string(kRoom) + "/alice");
  EXPECT_EQ(sequence[1].child("body").text(), "first *post*");  // XEP-0393 styling
  EXPECT_EQ(sequence[1].child("stanza-id", ns::kStableId).attribute("id"), first_->id);
  EXPECT_TRUE(sequence[2].child("subject"));
  // The link to a room on another server is not hosted (it is a partner room, joined instead).
  xena.send("<presence id='o1' to='ops@conference.elsewhere.example/xena'/>");
  xena.send(
      "<iq type='get' id='d1' to='mattermost.localhost'>"
      "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
  const auto items = xena.waitFor([](const XmppTestClient::Stanza& s) {
    return s.name() == "iq" && s.attribute("id") == "d1";
  });
  ASSERT_TRUE(items);
  EXPECT_EQ(items->child("query").children().size(), 1u) << items->toXml();
}

TEST_F(XmppBridgeTest, AnOccupantsMessageGoesToTheSinkAndItsAnswerDecides) {
  XmppTestClient xena("xena@localhost/test", "xenapass", prosody_->c2sPort());
  ASSERT_FALSE(join(xena).empty());
  xena.send("<message type='groupchat' id='m1' to='" + std::string(kRoom) +
            "'><body>hello *there*</body></message>");
  const auto reflected = xena.waitFor(named("message", "groupchat"));
  ASSERT_TRUE(reflected) << XmppTestClient::describe(xena.pending());
  EXPECT_EQ(reflected->attribute("id"), "m1");
  EXPECT_EQ(reflected->child("stanza-id", ns::kStableId).attribute("id"),
            "postaaaaaaaaaaaaaaaaaaaaaa");
  const auto events = sink_.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].bridge, "xmpp");
  EXPECT_EQ(events[0].remoteRoom, "ops");  // the link's remote as stored
  EXPECT_EQ(events[0].text, "hello **there**");
  EXPECT_EQ(events[0].sender.remoteId, "xena@localhost");
  EXPECT_EQ(events[0].sender.domain, "localhost");
  EXPECT_EQ(events[0].senderDisplayName, "xena");
  EXPECT_EQ(events[0].remoteEventId, "xena@localhost m1");

  // Denied by policy: an error to the sender, nothing reflected.
  sink_.answer(IngressResult{IngressOutcome::kDenied, "", "policy.denied"});
  xena.send("<message type='groupchat' id='m2' to='" + std::string(kRoom) +
            "'><body>secret</body></message>");
  const auto error = xena.waitFor([](const XmppTestClient::Stanza& s) {
    return s.attribute("type") == "error" && s.attribute("id") == "m2";
  });
  ASSERT_TRUE(error) << XmppTestClient::describe(xena.pending());
  EXPECT_TRUE(error->child("error").child("forbidden"));
  for (const auto& stanza : xena.collect(300ms)) {
    EXPECT_NE(stanza.attribute("type"), "groupchat") << stanza.toXml();
  }
}

TEST_F(XmppBridgeTest, DeliverPutsAPostInTheRoom) {
  XmppTestClient xena("xena@localhost/test", "xenapass", prosody_->c2sPort());
  ASSERT_FALSE(join(xena).empty());
  OutboundItem item;
  item.outboxId = 1;
  item.txnId = "txn-1";
  item.link.id = "linkxmppaaaaaaaaaaaaaaaaaa";
  item.link.bridge = "xmpp";
  item.link.remoteRoom = "ops";
  item.message.postId = "postbbbbbbbbbbbbbbbbbbbbbb";
  item.message.channelId = testing::kLinked;
  item.message.text = "from ~~mattermost~~";
  item.message.author.username = "alice";
  const auto result = deliverAndWait(item);
  EXPECT_EQ(result.outcome, DeliveryResult::Outcome::kSent) << result.error;
  ASSERT_EQ(result.parts.size(), 1u);
  EXPECT_EQ(result.parts[0].remoteEventId, "postbbbbbbbbbbbbbbbbbbbbbb");
  const auto message = xena.waitFor(named("message", "groupchat"));
  ASSERT_TRUE(message) << XmppTestClient::describe(xena.pending());
  EXPECT_EQ(message->attribute("from"), std::string(kRoom) + "/alice");
  EXPECT_EQ(message->child("body").text(), "from ~mattermost~");
  EXPECT_EQ(message->child("stanza-id", ns::kStableId).attribute("id"),
            "postbbbbbbbbbbbbbbbbbbbbbb");

  // Neither a room of Parley's nor a room JID: rejected. The link to a room on another server
  // is the partner-room mode (partner_room.hpp): the author's puppet joins it first, which this
  // server (no s2s) refuses, so the row is retried. The link down: retried later.
  item.link.remoteRoom = "ops@conference.elsewhere.example/nick";
  EXPECT_EQ(deliverAndWait(item).outcome, DeliveryResult::Outcome::kRejected);
  item.link.remoteRoom = "ops@conference.elsewhere.example";
  const auto partner = deliverAndWait(item);
  EXPECT_EQ(partner.outcome, DeliveryResult::Outcome::kRetry);
  EXPECT_TRUE(partner.error.starts_with("the room refused the join") ||
              partner.error == "the partner room is not joined yet")
      << partner.error;
  item.link.remoteRoom = "ops";
  prosody_->stop();
  ASSERT_TRUE(waitUntil([&] { return !bridge_->connected(); }, 5s));
  EXPECT_EQ(deliverAndWait(item).outcome, DeliveryResult::Outcome::kRetry);
}

}  // namespace
}  // namespace parley::bridges::xmpp
