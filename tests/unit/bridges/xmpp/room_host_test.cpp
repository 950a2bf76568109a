// RoomHost without a network: stanzas as an XMPP server would route them in, and what the room
// sends back. The paths a real client cannot produce through Prosody (a forged sender in
// Parley's own domain, a stanza for another domain, malformed iqs) are checked here; the rest
// also runs against a real Prosody in tests/integration/bridges/xmpp.

#include "bridges/xmpp/room_host.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace parley::bridges::xmpp {
namespace {

constexpr std::string_view kRoom = "town-square@chat.example";

class RoomHostTest : public ::testing::Test {
 protected:
  RoomHostTest()
      : ctx_(xmpp_ctx_new(nullptr, nullptr)),
        host_(std::make_unique<RoomHost>(
            ctx_, RoomHost::Options{"chat.example", 2, 2048},
            [this](const Stanza& stanza) { sent_.push_back(stanza); },
            [this](RoomHost::Groupchat message) { groupchats_.push_back(std::move(message)); })) {
    host_->setRooms({RoomInfo{"Town-Square", "Town Square", "topic"}});
  }

  ~RoomHostTest() override {
    sent_.clear();
    groupchats_.clear();
    host_.reset();
    xmpp_ctx_free(ctx_);
  }

  void receive(const std::string& xml) {
    const Stanza stanza = Stanza::parse(ctx_, xml);
    ASSERT_TRUE(stanza) << xml;
    host_->handle(stanza);
  }

  std::vector<Stanza> take() {
    std::vector<Stanza> out;
    out.swap(sent_);
    return out;
  }

  static std::string condition(const Stanza& stanza) {
    for (const auto& child : stanza.child("error").children()) {
      if (child.name() != "text") return std::string(child.name());
    }
    return {};
  }

  void joinAlice() {
    receive("<presence from='alice@example.org/phone' to='town-square@chat.example/alice'/>");
    take();
  }

  xmpp_ctx_t* ctx_;
  std::unique_ptr<RoomHost> host_;
  std::vector<Stanza> sent_;
  std::vector<RoomHost::Groupchat> groupchats_;
};

TEST_F(RoomHostTest, ParsesJids) {
  const Jid full = parseJid("room@chat.example/nick with / slash");
  EXPECT_EQ(full.local, "room");
  EXPECT_EQ(full.domain, "chat.example");
  EXPECT_EQ(full.resource, "nick with / slash");
  EXPECT_EQ(full.bare(), "room@chat.example");
  EXPECT_EQ(parseJid("chat.example").full(), "chat.example");
  EXPECT_FALSE(parseJid("").valid());
  EXPECT_FALSE(parseJid("@chat.example").valid());
  EXPECT_FALSE(parseJid("room@chat.example/").valid());
}

TEST_F(RoomHostTest, ForgedSendersAndOtherDomainsAreNotServed) {
  // A sender in Parley's own domain cannot come from a client: dropped, no answer (an answer
  // would be routed back to Parley itself).
  receive(
      "<message type='groupchat' id='f1' from='bob@chat.example/x' to='town-square@chat.example'>"
      "<body>forged</body></message>");
  receive(
      "<message type='groupchat' id='f2' to='town-square@chat.example'><body>x</body></message>");
  EXPECT_TRUE(take().empty());
  EXPECT_TRUE(groupchats_.empty());
  // Addressed to another domain: item-not-found.
  receive(
      "<iq type='get' id='o1' from='alice@example.org/phone' to='room@other.example'>"
      "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  auto sent = take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(condition(sent[0]), "item-not-found");
  EXPECT_EQ(sent[0].attribute("to"), "alice@example.org/phone");
  EXPECT_EQ(sent[0].attribute("from"), "room@other.example");
}

TEST_F(RoomHostTest, MalformedIqsAndErrorsAreAnsweredCorrectly) {
  // Two payloads, or none: bad-request.
  receive(
      "<iq type='get' id='b1' from='alice@example.org/phone' to='chat.example'>"
      "<ping xmlns='urn:xmpp:ping'/><ping xmlns='urn:xmpp:ping'/></iq>");
  receive("<iq type='set' id='b2' from='alice@example.org/phone' to='chat.example'/>");
  auto sent = take();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(condition(sent[0]), "bad-request");
  EXPECT_EQ(condition(sent[1]), "bad-request");
  // Errors are never answered (no loops).
  receive("<iq type='error' id='e1' from='alice@example.org/phone' to='chat.example'/>");
  receive(
      "<message type='error' id='e2' from='alice@example.org/phone' "
      "to='town-square@chat.example'/>");
  EXPECT_TRUE(take().empty());
  // Room names are case-insensitive: the room was configured as Town-Square.
  receive(
      "<iq type='get' id='c1' from='alice@example.org/phone' to='TOWN-SQUARE@chat.example'>"
      "<ping xmlns='urn:xmpp:ping'/></iq>");
  sent = take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].attribute("type"), "result");
}

TEST_F(RoomHostTest, AnErrorFromAnOccupantEndsItsPresence) {
  joinAlice();
  receive("<presence from='bob@example.org/pc' to='town-square@chat.example/bob'/>");
  take();
  EXPECT_EQ(host_->occupantNicks("town-square"), (std::vector<std::string>{"alice", "bob"}));
  receive(
      "<presence type='error' from='alice@example.org/phone' "
      "to='town-square@chat.example/alice'/>");
  EXPECT_EQ(host_->occupantNicks("town-square"), std::vector<std::string>{"bob"});
  const auto sent = take();
  ASSERT_EQ(sent.size(), 1u);  // bob learns alice left
  EXPECT_EQ(sent[0].attribute("type"), "unavailable");
  EXPECT_EQ(sent[0].attribute("to"), "bob@example.org/pc");
}

TEST_F(RoomHostTest, HistoryKeepsTheLatestAndHonoursMaxstanzas) {
  for (const auto* id : {"p1", "p2", "p3"}) {
    Stanza message = Stanza::element(ctx_, "message");
    message.addText("body", {}, id);
    ASSERT_TRUE(host_->broadcast("town-square", "carol", message, id));
  }
  EXPECT_FALSE(host_->broadcast("elsewhere", "carol", Stanza::element(ctx_, "message"), "p4"));
  receive("<presence from='alice@example.org/phone' to='town-square@chat.example/alice'/>");
  auto sent = take();
  ASSERT_EQ(sent.size(), 4u);  // self-presence, the 2 kept messages, subject
  EXPECT_EQ(sent[1].child("body").text(), "p2");
  EXPECT_EQ(sent[2].child("body").text(), "p3");
  EXPECT_EQ(sent[2].attribute("id"), "p3");
  EXPECT_EQ(sent[2].child("stanza-id", ns::kStableId).attribute("by"), kRoom);
  receive(
      "<presence from='bob@example.org/pc' to='town-square@chat.example/bob'>"
      "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>");
  sent = take();
  // alice's presence to bob, bob's to alice, bob's self-presence, the subject: no history.
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_TRUE(sent[3].child("subject"));
}

TEST_F(RoomHostTest, ARefusedMessageGetsAnErrorAndIsNotReflected) {
  joinAlice();
  receive(
      "<message type='groupchat' id='m1' from='alice@example.org/phone' "
      "to='town-square@chat.example'><body>hi</body></message>");
  ASSERT_EQ(groupchats_.size(), 1u);
  EXPECT_EQ(groupchats_[0].nick, "alice");
  EXPECT_EQ(groupchats_[0].id, "m1");
  host_->refuse(groupchats_[0], "modify", "policy-violation", "not allowed here");
  const auto sent = take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].attribute("type"), "error");
  EXPECT_EQ(sent[0].attribute("id"), "m1");
  EXPECT_EQ(condition(sent[0]), "policy-violation");
  EXPECT_EQ(sent[0].attribute("from"), kRoom);
}

TEST_F(RoomHostTest, AReactionWithoutABodyIsPassedOnAndAChatStateIsNot) {
  joinAlice();
  receive(
      "<message type='groupchat' id='r1' from='alice@example.org/phone' "
      "to='town-square@chat.example'><reactions xmlns='urn:xmpp:reactions:0' id='p1'>"
      "<reaction>x</reaction></reactions></message>");
  receive(
      "<message type='groupchat' id='c1' from='alice@example.org/phone' "
      "to='town-square@chat.example'>"
      "<active xmlns='http://jabber.org/protocol/chatstates'/></message>");
  ASSERT_EQ(groupchats_.size(), 1u);
  EXPECT_EQ(groupchats_[0].id, "r1");
  EXPECT_TRUE(take().empty());
}

TEST_F(RoomHostTest, ChatMessagesToUsersAreDirectMessages) {
  std::vector<std::string> direct;
  receive(
      "<message type='chat' id='d0' from='bob@example.org/pc' to='alice@chat.example'>"
      "<body>hi</body></message>");
  auto sent = take();
  ASSERT_EQ(sent.size(), 1u) << "without a direct handler: refused as before";
  EXPECT_EQ(condition(sent[0]), "item-not-found");

  host_->setOnDirect([&](const Stanza& message, const Jid& from, const Jid& to) {
    direct.push_back(std::string(message.attribute("id")) + " " + from.full() + " " + to.full());
  });
  receive(
      "<message type='chat' id='d1' from='bob@example.org/pc' to='alice@chat.example'>"
      "<body>hi</body></message>");
  receive(
      "<message type='chat' id='d2' from='bob@example.org/pc' to='town-square@chat.example'>"
      "<body>hi</body></message>");
  EXPECT_EQ(direct, (std::vector<std::string>{"d1 bob@example.org/pc alice@chat.example",
                                              "d2 bob@example.org/pc town-square@chat.example"}));
  EXPECT_TRUE(take().empty());

  // To an occupant (room/nick) it would be a private message inside the room: still refused.
  joinAlice();
  receive(
      "<message type='chat' id='d3' from='bob@example.org/pc' "
      "to='town-square@chat.example/alice'><body>psst</body></message>");
  sent = take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(condition(sent[0]), "feature-not-implemented");
  // A forged sender never reaches the handler.
  receive(
      "<message type='chat' id='d4' from='eve@chat.example/x' to='alice@chat.example'>"
      "<body>hi</body></message>");
  EXPECT_EQ(direct.size(), 2u);
}

TEST_F(RoomHostTest, AnUnlinkedRoomIsDestroyedForItsOccupants) {
  joinAlice();
  host_->setRooms({});
  const auto sent = take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].attribute("type"), "unavailable");
  EXPECT_TRUE(sent[0].child("x", ns::kMucUser).child("destroy"));
  EXPECT_FALSE(host_->hasRoom("town-square"));
}

}  // namespace
}  // namespace parley::bridges::xmpp
