// RoomHost without a network: stanzas as an XMPP server would route them in, and what the room
// sends back. The paths a real client cannot produce through Prosody (a forged sender in
// Parley's own domain, a stanza for another domain, malformed iqs) are checked here; the rest
// also runs against a real Prosody in tests/integration/bridges/xmpp.

#include "bridges/xmpp/room_host.hpp"

#include <gtest/gtest.h>

#include <chrono>
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

class RoomArchiveTest : public RoomHostTest {
 protected:
  RoomArchiveTest() {
    host_->onArchiveQuery([this](RoomHost::ArchiveQuery query) { queries_.push_back(query); });
  }

  void query(const std::string& id, const std::string& payload,
             const std::string& from = "alice@example.org/phone") {
    receive("<iq type='set' id='" + id + "' from='" + from + "' to='town-square@chat.example'>" +
            "<query xmlns='urn:xmpp:mam:2' queryid='q-" + id + "'>" + payload + "</query></iq>");
  }

  RoomHost::ArchivedMessage archived(const std::string& postId, const std::string& body) {
    RoomHost::ArchivedMessage message;
    message.stanzaId = postId;
    message.nick = "bob";
    message.payload = Stanza::element(ctx_, "message");
    message.payload.addText("body", {}, body);
    message.at =
        std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'000));
    return message;
  }

  std::vector<RoomHost::ArchiveQuery> queries_;
};

TEST_F(RoomArchiveTest, TheRoomAdvertisesMamAndOnlyOccupantsQueryIt) {
  receive(
      "<iq type='get' id='d1' from='alice@example.org/phone' to='town-square@chat.example'>"
      "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  auto sent = take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_NE(sent[0].toXml().find("urn:xmpp:mam:2"), std::string::npos);
  query("n1", "");
  sent = take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(condition(sent[0]), "forbidden");
  EXPECT_TRUE(queries_.empty());
  // An occupant, from another resource of the same account, may.
  joinAlice();
  query("n2", "", "alice@example.org/laptop");
  ASSERT_EQ(queries_.size(), 1u);
  EXPECT_EQ(queries_[0].requester, "alice@example.org/laptop");
  EXPECT_EQ(queries_[0].queryId, "q-n2");
  EXPECT_EQ(queries_[0].max, RoomHost::kDefaultArchivePage);
  EXPECT_FALSE(queries_[0].backwards());
}

TEST_F(RoomArchiveTest, FormAndRsmFieldsBecomeTheQuery) {
  joinAlice();
  receive(
      "<iq type='get' id='f1' from='alice@example.org/phone' to='town-square@chat.example'>"
      "<query xmlns='urn:xmpp:mam:2'/></iq>");
  auto sent = take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].attribute("type"), "result");
  EXPECT_NE(sent[0].toXml().find("after-id"), std::string::npos);

  query("a1",
        "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'>"
        "<value>urn:xmpp:mam:2</value></field><field var='start'>"
        "<value>2023-11-14T22:13:20.5Z</value></field><field var='end'>"
        "<value>2023-11-14T23:13:20+01:00</value></field></x>"
        "<set xmlns='http://jabber.org/protocol/rsm'><max>1000</max><after>p1</after></set>");
  ASSERT_EQ(queries_.size(), 1u);
  EXPECT_EQ(queries_[0].startMs, 1'700'000'000'500);
  EXPECT_EQ(queries_[0].endMs, 1'700'000'000'000);
  EXPECT_EQ(queries_[0].after, "p1");
  EXPECT_EQ(queries_[0].max, RoomHost::kMaxArchivePage) << "capped";
  query("b1", "<set xmlns='http://jabber.org/protocol/rsm'><max>5</max><before/></set>");
  ASSERT_EQ(queries_.size(), 2u);
  EXPECT_TRUE(queries_[1].lastPage);
  EXPECT_TRUE(queries_[1].backwards());
  EXPECT_EQ(queries_[1].max, 5u);

  // Filters the archive does not have, bad values: refused, nothing asked of the bridge.
  query("w1",
        "<x xmlns='jabber:x:data' type='submit'><field var='with'>"
        "<value>bob@example.org</value></field></x>");
  query("t1",
        "<x xmlns='jabber:x:data' type='submit'><field var='start'><value>yesterday</value>"
        "</field></x>");
  query("m1", "<set xmlns='http://jabber.org/protocol/rsm'><max>ten</max></set>");
  query("c1", "<set xmlns='http://jabber.org/protocol/rsm'><after>" + std::string(100, 'x') +
                  "</after></set>");
  sent = take();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(condition(sent[0]), "feature-not-implemented");
  EXPECT_EQ(condition(sent[1]), "bad-request");
  EXPECT_EQ(condition(sent[2]), "bad-request");
  EXPECT_EQ(condition(sent[3]), "bad-request");
  EXPECT_EQ(queries_.size(), 2u);
}

TEST_F(RoomArchiveTest, APageIsForwardedResultsThenFin) {
  joinAlice();
  query("p", "");
  ASSERT_EQ(queries_.size(), 1u);
  host_->answerArchive(queries_[0], {archived("post1", "one"), archived("post2", "two")}, false);
  const auto sent = take();
  ASSERT_EQ(sent.size(), 3u);
  for (int i = 0; i < 2; ++i) {
    const Stanza result = sent[i].child("result", "urn:xmpp:mam:2");
    ASSERT_TRUE(result) << sent[i].toXml();
    EXPECT_EQ(sent[i].attribute("to"), "alice@example.org/phone");
    EXPECT_EQ(sent[i].attribute("from"), kRoom);
    EXPECT_EQ(result.attribute("queryid"), "q-p");
    const Stanza forwarded = result.child("forwarded", "urn:xmpp:forward:0");
    EXPECT_EQ(forwarded.child("delay", "urn:xmpp:delay").attribute("stamp"),
              "2023-11-14T22:13:20.000Z");
    const Stanza message = forwarded.child("message");
    EXPECT_EQ(message.ns(), "jabber:client");
    EXPECT_EQ(message.attribute("from"), "town-square@chat.example/bob");
    EXPECT_EQ(message.child("stanza-id", ns::kStableId).attribute("id"), result.attribute("id"));
  }
  EXPECT_EQ(sent[0].child("result").attribute("id"), "post1");
  EXPECT_EQ(sent[1].child("result").child("forwarded").child("message").child("body").text(),
            "two");
  const Stanza fin = sent[2].child("fin", "urn:xmpp:mam:2");
  ASSERT_TRUE(fin) << sent[2].toXml();
  EXPECT_EQ(sent[2].attribute("id"), "p");
  EXPECT_EQ(sent[2].attribute("type"), "result");
  EXPECT_FALSE(fin.hasAttribute("complete"));
  EXPECT_EQ(fin.child("set").child("first").text(), "post1");
  EXPECT_EQ(fin.child("set").child("last").text(), "post2");
}

TEST_F(RoomArchiveTest, TheLastPageAddsWhatTheRoomSentAfterItAndNothingFallsBetween) {
  joinAlice();
  // The room sent post2 and post3 live; the database acknowledges post2 only so far.
  for (const auto* id : {"post2", "post3"}) {
    Stanza message = Stanza::element(ctx_, "message");
    message.addText("body", {}, std::string("live ") + id);
    ASSERT_TRUE(host_->broadcast("town-square", "bob", message, id));
  }
  take();
  query("l", "<set xmlns='http://jabber.org/protocol/rsm'><after>post1</after></set>");
  ASSERT_EQ(queries_.size(), 1u);
  host_->answerArchive(queries_[0], {archived("post2", "two")}, true);
  auto sent = take();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].child("result").attribute("id"), "post2");
  EXPECT_EQ(sent[1].child("result").attribute("id"), "post3");
  EXPECT_EQ(sent[2].child("fin").attribute("complete"), "true");
  EXPECT_EQ(sent[2].child("fin").child("set").child("last").text(), "post3");
  // An empty page after the newest archived message: what was sent after that cursor.
  query("e", "<set xmlns='http://jabber.org/protocol/rsm'><after>post2</after></set>");
  host_->answerArchive(queries_[1], {}, true);
  sent = take();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].child("result").attribute("id"), "post3");
  // The newest page (RSM <before/>) as well, keeping its newest `max` (then not complete).
  query("b", "<set xmlns='http://jabber.org/protocol/rsm'><before/></set>");
  host_->answerArchive(queries_[2], {archived("post2", "two")}, true);
  sent = take();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[1].child("result").attribute("id"), "post3");
  EXPECT_EQ(sent[2].child("fin").attribute("complete"), "true");
  query("m", "<set xmlns='http://jabber.org/protocol/rsm'><max>1</max><before/></set>");
  host_->answerArchive(queries_[3], {archived("post2", "two")}, true);
  sent = take();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].child("result").attribute("id"), "post3");
  EXPECT_EQ(sent[1].child("fin").attribute("complete"), "");
  // Paging backwards from a cursor: only the database's.
  query("p", "<set xmlns='http://jabber.org/protocol/rsm'><before>post3</before></set>");
  host_->answerArchive(queries_[4], {archived("post2", "two")}, true);
  sent = take();
  ASSERT_EQ(sent.size(), 2u);
  // A refusal answers the iq.
  host_->refuseArchive(queries_[0], "cancel", "item-not-found");
  sent = take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].name(), "iq");
  EXPECT_EQ(sent[0].attribute("id"), "l");
  EXPECT_EQ(sent[0].attribute("to"), "alice@example.org/phone");
  EXPECT_EQ(condition(sent[0]), "item-not-found");
}

TEST_F(RoomArchiveTest, ARetryOfAnAcceptedMessageIsAcknowledgedToItsSenderOnly) {
  joinAlice();
  receive("<presence from='bob@example.org/pc' to='town-square@chat.example/bob'/>");
  take();
  receive(
      "<message type='groupchat' id='m1' from='alice@example.org/phone' "
      "to='town-square@chat.example'><body>again</body></message>");
  ASSERT_EQ(groupchats_.size(), 1u);
  host_->acknowledge(groupchats_[0], "post9");
  const auto sent = take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].attribute("to"), "alice@example.org/phone");
  EXPECT_EQ(sent[0].attribute("id"), "m1");
  EXPECT_EQ(sent[0].child("stanza-id", ns::kStableId).attribute("id"), "post9");
}

}  // namespace
}  // namespace parley::bridges::xmpp
