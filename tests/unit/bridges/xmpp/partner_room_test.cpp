// PartnerRooms (the XMPP bridge's second mode) without a network: stanzas as a partner's MUC
// service sends them to Parley's occupants, and what Parley sends to it. The same flows run
// against a real Prosody in tests/e2e/tests/xmpp_partner_muc.test.js.

#include "bridges/xmpp/partner_room.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <optional>

namespace parley::bridges::xmpp {
namespace {

constexpr std::string_view kRoom = "lounge@conference.example.org";
constexpr std::string_view kListener = "chat.example/parley";
constexpr std::string_view kAlice = "alice@chat.example/parley";

TEST(PartnerRoomRules, RoomJidsOfOtherServersOnly) {
  EXPECT_EQ(partnerRoomJid("Lounge@Conference.Example.org", "chat.example"),
            "lounge@conference.example.org");
  EXPECT_EQ(partnerRoomJid("town-square", "chat.example"), "");               // hosted
  EXPECT_EQ(partnerRoomJid("town-square@chat.example", "chat.example"), "");  // hosted
  EXPECT_EQ(partnerRoomJid("room@conference.example.org/nick", "chat.example"), "");
  EXPECT_EQ(partnerRoomJid("a@b@conference.example.org", "chat.example"), "");
  EXPECT_EQ(partnerRoomJid("ro om@conference.example.org", "chat.example"), "");
  EXPECT_EQ(partnerRoomJid("room@conf'.example.org", "chat.example"), "");
}

TEST(PartnerRoomRules, PuppetNicks) {
  EXPECT_EQ(puppetNick("Alice Liddell", 1), "Alice Liddell (MM)");
  EXPECT_EQ(puppetNick("alice", 2), "alice (MM) 2");
  EXPECT_EQ(puppetNick("  Bob\x01\n ", 1), "Bob (MM)");
  EXPECT_EQ(puppetNick("", 1), "user (MM)");
  EXPECT_EQ(puppetNick("\xff\xfe", 1), "user (MM)");  // not UTF-8
  // Cut to kMaxNickCodePoints code points (not bytes), whole characters only.
  std::string long_name;
  for (int i = 0; i < 60; ++i) long_name += "é";
  const std::string nick = puppetNick(long_name, 1);
  EXPECT_EQ(nick, long_name.substr(0, 2 * kMaxNickCodePoints) + " (MM)");
}

TEST(PartnerRoomRules, ParleyIdsAndOccupantIds) {
  EXPECT_EQ(parleyMessageId("abc"), "parley-abc");
  EXPECT_TRUE(isParleyMessageId(parleyMessageId("abc")));
  EXPECT_FALSE(isParleyMessageId("abc"));
  EXPECT_FALSE(isParleyMessageId(""));
  EXPECT_EQ(occupantRemoteId(kRoom, "Bob 50%/x@y"),
            "Bob 50%25%2Fx%40y@lounge@conference.example.org");
}

class PartnerRoomsTest : public ::testing::Test {
 protected:
  PartnerRoomsTest() : ctx_(xmpp_ctx_new(nullptr, nullptr)) {
    rooms_ = std::make_unique<PartnerRooms>(
        ctx_, PartnerRooms::Options{"chat.example"},
        [this](const Stanza& stanza) {
          sent_.push_back(stanza);
          return true;
        },
        [this](PartnerRooms::Incoming incoming) { incoming_.push_back(std::move(incoming)); },
        [this](const std::string& room) { joined_.push_back(room); });
    rooms_->setRooms({std::string(kRoom)});
    rooms_->linkUp();
  }

  ~PartnerRoomsTest() override {
    sent_.clear();
    incoming_.clear();
    rooms_.reset();
    xmpp_ctx_free(ctx_);
  }

  void receive(const std::string& xml) {
    const Stanza stanza = Stanza::parse(ctx_, xml);
    ASSERT_TRUE(stanza) << xml;
    ASSERT_TRUE(rooms_->handles(stanza)) << xml;
    rooms_->handle(stanza);
  }

  std::vector<Stanza> take() {
    std::vector<Stanza> out;
    out.swap(sent_);
    return out;
  }

  // The room's self-presence for one of Parley's occupants.
  void selfPresence(std::string_view to, std::string_view nick) {
    receive("<presence from='" + std::string(kRoom) + "/" + std::string(nick) + "' to='" +
            std::string(to) +
            "'><x xmlns='http://jabber.org/protocol/muc#user'><status code='110'/></x>"
            "</presence>");
  }

  void joinListener() {
    const auto sent = take();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].attribute("to"), std::string(kRoom) + "/Mattermost");
    EXPECT_EQ(sent[0].child("x", ns::kMuc).child("history").attribute("maxstanzas"), "0");
    selfPresence(kListener, "Mattermost");
    rooms_->catchUp(std::string(kRoom), "");
  }

  Stanza message(std::string_view id) {
    Stanza stanza = Stanza::parse(ctx_, "<message type='groupchat' to='" + std::string(kRoom) +
                                            "' from='" + std::string(kAlice) + "' id='" +
                                            std::string(id) + "'><body>hi</body></message>");
    return stanza;
  }

  // An occupant's groupchat as the room sends it to `to`.
  std::string groupchat(std::string_view to, std::string_view nick, std::string_view id,
                        std::string_view stanzaId, std::string_view body = "hello") {
    return "<message type='groupchat' from='" + std::string(kRoom) + "/" + std::string(nick) +
           "' to='" + std::string(to) + "' id='" + std::string(id) + "'><body>" +
           std::string(body) + "</body><stanza-id xmlns='urn:xmpp:sid:0' by='" +
           std::string(kRoom) + "' id='" + std::string(stanzaId) + "'/></message>";
  }

  xmpp_ctx_t* ctx_;
  std::unique_ptr<PartnerRooms> rooms_;
  std::vector<Stanza> sent_;
  std::vector<PartnerRooms::Incoming> incoming_;
  std::vector<std::string> joined_;
};

TEST_F(PartnerRoomsTest, PostJoinsFirstThenLearnsTheStanzaIdFromTheReflection) {
  joinListener();
  ASSERT_EQ(joined_.size(), 1u);
  std::optional<PartnerRooms::Posted> posted;
  rooms_->post(std::string(kRoom), "alice", "Alice", {message("parley-p1")},
               [&](PartnerRooms::Posted result) { posted = std::move(result); });
  // The puppet joins before it speaks.
  auto sent = take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].name(), "presence");
  EXPECT_EQ(sent[0].attribute("from"), kAlice);
  EXPECT_EQ(sent[0].attribute("to"), std::string(kRoom) + "/Alice (MM)");
  selfPresence(kAlice, "Alice (MM)");
  sent = take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].attribute("id"), "parley-p1");
  EXPECT_FALSE(posted);
  // The copy every other occupant of Parley's gets is no occupant's message (no echo) ...
  receive(groupchat(kListener, "Alice (MM)", "parley-p1", "sid-1"));
  EXPECT_TRUE(incoming_.empty());
  ASSERT_TRUE(posted);
  EXPECT_TRUE(posted->ok);
  EXPECT_EQ(posted->stanzaIds, std::vector<std::string>{"sid-1"});
  EXPECT_EQ(rooms_->ownMessageId(std::string(kRoom), "sid-1"), "parley-p1");
  // ... nor is the puppet's own copy that comes after.
  receive(groupchat(kAlice, "Alice (MM)", "parley-p1", "sid-1"));
  EXPECT_TRUE(incoming_.empty());
  EXPECT_EQ(rooms_->joinedNicks(kRoom), (std::vector<std::string>{"Alice (MM)", "Mattermost"}));
}

TEST_F(PartnerRoomsTest, AnotherOccupantUsingParleysIdIsNotTheReflection) {
  joinListener();
  std::optional<PartnerRooms::Posted> posted;
  rooms_->post(std::string(kRoom), "alice", "Alice", {message("parley-p1")},
               [&](PartnerRooms::Posted result) { posted = std::move(result); });
  selfPresence(kAlice, "Alice (MM)");
  take();
  // A partner occupant who saw (or guessed) the id sends under it first: the delivery is not
  // settled with that occupant's stanza-id, and the message is not bridged in either.
  receive(groupchat(kListener, "mallory", "parley-p1", "sid-forged"));
  EXPECT_FALSE(posted);
  EXPECT_TRUE(incoming_.empty());
  EXPECT_EQ(rooms_->ownMessageId(std::string(kRoom), "sid-forged"), "");
  // The puppet's own reflection still settles it.
  receive(groupchat(kListener, "Alice (MM)", "parley-p1", "sid-1"));
  ASSERT_TRUE(posted);
  EXPECT_TRUE(posted->ok);
  EXPECT_EQ(posted->stanzaIds, std::vector<std::string>{"sid-1"});
}

TEST_F(PartnerRoomsTest, OnlyTheListenersCopyOfAnOccupantsMessageIsPassedOn) {
  joinListener();
  rooms_->post(std::string(kRoom), "alice", "Alice", {message("parley-p1")},
               [](PartnerRooms::Posted) {});
  selfPresence(kAlice, "Alice (MM)");
  take();
  receive(groupchat(kAlice, "xena", "x-1", "sid-2"));  // the puppet's copy
  EXPECT_TRUE(incoming_.empty());
  receive(groupchat(kListener, "xena", "x-1", "sid-2"));
  ASSERT_EQ(incoming_.size(), 1u);
  EXPECT_EQ(incoming_[0].nick, "xena");
  EXPECT_EQ(incoming_[0].room, kRoom);
  EXPECT_EQ(rooms_->stanzaIdOf(std::string(kRoom), "xena", "x-1"), "sid-2");
  EXPECT_EQ(rooms_->stanzaIdOf(std::string(kRoom), "yuri", "x-1"), "");
  // A message with Parley's id from before a restart (not pending) is still no echo; the
  // subject and the room's own notices are not messages of an occupant.
  receive(groupchat(kListener, "Alice (MM)", "parley-old", "sid-3"));
  receive("<message type='groupchat' from='" + std::string(kRoom) + "/xena' to='" +
          std::string(kListener) + "'><subject>topic</subject></message>");
  receive("<message type='groupchat' from='" + std::string(kRoom) + "' to='" +
          std::string(kListener) + "' id='n'><body>notice</body></message>");
  EXPECT_EQ(incoming_.size(), 1u);
}

TEST_F(PartnerRoomsTest, ATakenNickIsRetriedWithANumber) {
  joinListener();
  std::optional<PartnerRooms::Posted> posted;
  rooms_->post(std::string(kRoom), "alice", "Alice", {message("parley-p1")},
               [&](PartnerRooms::Posted result) { posted = std::move(result); });
  take();
  receive("<presence type='error' from='" + std::string(kRoom) + "/Alice (MM)' to='" +
          std::string(kAlice) +
          "'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
          "</error></presence>");
  auto sent = take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].attribute("to"), std::string(kRoom) + "/Alice (MM) 2");
  selfPresence(kAlice, "Alice (MM) 2");
  EXPECT_EQ(take().size(), 1u);  // the message
  EXPECT_FALSE(posted);
  // Another refusal fails the post (the drainer retries it) instead of waiting forever.
  rooms_->post(std::string(kRoom), "bob", "Bob", {message("parley-p2")},
               [&](PartnerRooms::Posted result) { posted = std::move(result); });
  take();
  receive("<presence type='error' from='" + std::string(kRoom) +
          "/Bob (MM)' to='bob@chat.example/"
          "parley'><error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
          "</error></presence>");
  ASSERT_TRUE(posted);
  EXPECT_FALSE(posted->ok);
  EXPECT_NE(posted->error.find("forbidden"), std::string::npos);
}

TEST_F(PartnerRoomsTest, CatchUpPassesTheArchiveOnFirstThenWhatCameLiveOnce) {
  take();
  selfPresence(kListener, "Mattermost");
  ASSERT_EQ(joined_.size(), 1u);
  // Live while the catch-up is under way: held back.
  receive(groupchat(kListener, "xena", "x-2", "sid-2", "second"));
  EXPECT_TRUE(incoming_.empty());
  rooms_->catchUp(std::string(kRoom), "sid-0");
  auto sent = take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].name(), "iq");
  const std::string queryId(sent[0].attribute("id"));
  EXPECT_EQ(sent[0].child("query", "urn:xmpp:mam:2").child("set").child("after").text(), "sid-0");
  const auto archived = [&](std::string_view id, std::string_view stanzaId, std::string_view from,
                            std::string_view body) {
    receive("<message from='" + std::string(kRoom) + "' to='" + std::string(kListener) +
            "'><result xmlns='urn:xmpp:mam:2' queryid='" + queryId + "' id='" +
            std::string(stanzaId) +
            "'><forwarded xmlns='urn:xmpp:forward:0'><message "
            "type='groupchat' from='" +
            std::string(kRoom) + "/" + std::string(from) + "' id='" + std::string(id) + "'><body>" +
            std::string(body) + "</body></message></forwarded></result></message>");
  };
  archived("x-1", "sid-1", "xena", "first");
  archived("parley-p9", "sid-9", "Alice (MM)", "ours");  // Parley's own: not passed on
  archived("x-2", "sid-2", "xena", "second");
  EXPECT_TRUE(incoming_.empty());
  receive("<iq type='result' from='" + std::string(kRoom) + "' to='" + std::string(kListener) +
          "' id='" + queryId + "'><fin xmlns='urn:xmpp:mam:2' complete='true'/></iq>");
  ASSERT_EQ(incoming_.size(), 2u);
  EXPECT_EQ(incoming_[0].message.child("body").text(), "first");
  // The stanza-id from the archive result, since the stored copy had none.
  EXPECT_EQ(incoming_[0].message.child("stanza-id", ns::kStableId).attribute("id"), "sid-1");
  EXPECT_EQ(incoming_[1].message.child("body").text(), "second");  // once, not twice
  receive(groupchat(kListener, "xena", "x-3", "sid-3", "third"));
  EXPECT_EQ(incoming_.size(), 3u);
}

TEST_F(PartnerRoomsTest, EveryOccupantRejoinsAfterTheStreamComesBack) {
  joinListener();
  rooms_->post(std::string(kRoom), "alice", "Alice", {message("parley-p1")},
               [](PartnerRooms::Posted) {});
  selfPresence(kAlice, "Alice (MM)");
  take();
  std::optional<PartnerRooms::Posted> posted;
  rooms_->post(std::string(kRoom), "alice", "Alice", {message("parley-p2")},
               [&](PartnerRooms::Posted result) { posted = std::move(result); });
  take();
  rooms_->linkDown();
  ASSERT_TRUE(posted);
  EXPECT_FALSE(posted->ok);  // the drainer sends it again
  EXPECT_TRUE(rooms_->joinedNicks(kRoom).empty());
  rooms_->linkUp();
  std::vector<std::string> to;
  for (const auto& stanza : take()) to.emplace_back(stanza.attribute("to"));
  EXPECT_EQ(to, (std::vector<std::string>{std::string(kRoom) + "/Mattermost",
                                          std::string(kRoom) + "/Alice (MM)"}));
  // Kicked: out, and back after a pause (tick).
  selfPresence(kListener, "Mattermost");
  receive("<presence type='unavailable' from='" + std::string(kRoom) + "/Mattermost' to='" +
          std::string(kListener) +
          "'><x xmlns='http://jabber.org/protocol/muc#user'><status code='110'/>"
          "<status code='307'/></x></presence>");
  EXPECT_TRUE(take().empty());
  rooms_->tick(std::chrono::steady_clock::now() + std::chrono::seconds(2));
  const auto again = take();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attribute("to"), std::string(kRoom) + "/Mattermost");
}

}  // namespace
}  // namespace parley::bridges::xmpp
