// Direct messages over XMPP without a network: which JIDs name a Mattermost user, how a DM
// link's posts are addressed, and what DirectChat hands the ingress pipeline and answers the
// sender for each outcome. The whole path runs against a real Prosody in
// tests/e2e/tests/xmpp_reactions_dm.test.js.

#include "bridges/xmpp/direct_chat.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "bridges/common/ingress_pipeline.hpp"

namespace parley::bridges::xmpp {
namespace {

TEST(DirectRecipient, IsALocalUsernameOfTheComponentDomain) {
  EXPECT_EQ(directRecipient(parseJid("alice@chat.example"), "chat.example"), "alice");
  EXPECT_EQ(directRecipient(parseJid("Alice@Chat.Example/phone"), "chat.example"), "alice");
  EXPECT_EQ(directRecipient(parseJid("alice.b-c_d@chat.example"), "chat.example"), "alice.b-c_d");
  EXPECT_EQ(directRecipient(parseJid("chat.example"), "chat.example"), "") << "the domain itself";
  EXPECT_EQ(directRecipient(parseJid("alice@elsewhere.example"), "chat.example"), "");
  EXPECT_EQ(directRecipient(parseJid("9lives@chat.example"), "chat.example"), "")
      << "not a Mattermost username";
  EXPECT_EQ(directRecipient(parseJid("carol:partner@chat.example"), "chat.example"), "")
      << "a puppet's name is nobody to write to";
}

TEST(DirectAddress, GoesFromTheAuthorsJidToTheRemoteUsersBareJid) {
  const std::string room =
      core::model::directRoom("aliceuseraaaaaaaaaaaaaaaaa", "xena@partner.example");
  const auto address = directAddress(room, "alice", "chat.example");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->from, "alice@chat.example");
  EXPECT_EQ(address->to, "xena@partner.example");
  EXPECT_EQ(address->type, ChatType::kChat);
  EXPECT_FALSE(directAddress("town-square", "alice", "chat.example")) << "a room's link";
  EXPECT_FALSE(directAddress(room, "", "chat.example"));
}

class DirectChatTest : public ::testing::Test {
 protected:
  DirectChatTest()
      : ctx_(xmpp_ctx_new(nullptr, nullptr)),
        chat_(std::make_unique<DirectChat>(
            "chat.example", InboundOptions{},
            [this](const Stanza& stanza) { sent_.push_back(stanza); },
            [this](InboundEvent event, std::function<void(IngressResult)> done) {
              events_.push_back(std::move(event));
              answers_.push_back(std::move(done));
            })) {}

  ~DirectChatTest() override {
    sent_.clear();
    chat_.reset();
    xmpp_ctx_free(ctx_);
  }

  void receive(const std::string& xml) {
    const Stanza stanza = Stanza::parse(ctx_, xml);
    ASSERT_TRUE(stanza) << xml;
    chat_->receive(stanza, parseJid(stanza.attribute("from")), parseJid(stanza.attribute("to")));
  }

  static std::string condition(const Stanza& stanza) {
    for (const auto& child : stanza.child("error").children()) {
      if (child.name() != "text") return std::string(child.name());
    }
    return {};
  }

  xmpp_ctx_t* ctx_;
  std::unique_ptr<DirectChat> chat_;
  std::vector<Stanza> sent_;
  std::vector<InboundEvent> events_;
  std::vector<std::function<void(IngressResult)>> answers_;
};

TEST_F(DirectChatTest, AChatMessageBecomesAnEventForTheAddressedUser) {
  receive(
      "<message type='chat' id='m1' from='xena@partner.example/phone' to='Alice@chat.example'>"
      "<body>hi *there*</body></message>");
  ASSERT_EQ(events_.size(), 1u);
  const InboundEvent& event = events_[0];
  EXPECT_EQ(event.bridge, "xmpp");
  EXPECT_EQ(event.remoteRoom, "") << "a DM: the pipeline finds the direct channel";
  EXPECT_EQ(event.toUser, "alice");
  EXPECT_EQ(event.sender.remoteId, "xena@partner.example");
  EXPECT_EQ(event.sender.domain, "partner.example");
  EXPECT_EQ(event.remoteEventId, "xena@partner.example m1") << "ids are scoped by sender";
  EXPECT_EQ(event.text, "hi **there**");
  EXPECT_EQ(event.change, core::model::MessageChange::kPost);
  answers_[0](IngressResult{IngressOutcome::kApplied, "post1", {}});
  EXPECT_TRUE(sent_.empty()) << "a chat message is not reflected";
  EXPECT_EQ(chat_->waiting(), 0u);
}

TEST_F(DirectChatTest, ChangesNameTheSendersOwnMessageAndReactionsCarryTheSet) {
  receive(
      "<message type='chat' id='m2' from='xena@partner.example/phone' to='alice@chat.example'>"
      "<body>fixed</body><replace xmlns='urn:xmpp:message-correct:0' id='m1'/></message>");
  receive(
      "<message type='chat' id='m3' from='xena@partner.example/phone' to='alice@chat.example'>"
      "<reactions xmlns='urn:xmpp:reactions:0' id='parley-1'><reaction>\xF0\x9F\x91\x8D"
      "</reaction><reaction>no such emoji</reaction></reactions></message>");
  receive(
      "<message type='chat' id='m4' from='xena@partner.example/phone' to='alice@chat.example'>"
      "<retract xmlns='urn:xmpp:message-retract:1' id='m1'/><body>retracted</body></message>");
  ASSERT_EQ(events_.size(), 3u);
  EXPECT_EQ(events_[0].change, core::model::MessageChange::kEdit);
  EXPECT_EQ(events_[0].targetRemoteId, "xena@partner.example m1");
  EXPECT_EQ(events_[1].change, core::model::MessageChange::kReaction);
  EXPECT_EQ(events_[1].targetRemoteId, "parley-1") << "the id of the message Parley sent";
  ASSERT_TRUE(events_[1].reactionSet);
  EXPECT_EQ(*events_[1].reactionSet, std::vector<std::string>{"+1"});
  EXPECT_EQ(events_[2].change, core::model::MessageChange::kDelete);
  EXPECT_EQ(events_[2].targetRemoteId, "xena@partner.example m1");
}

TEST_F(DirectChatTest, EachRefusalGetsTheErrorAClientExpects) {
  receive(
      "<message type='chat' id='bad' from='xena@partner.example/phone' to='9lives@chat.example'>"
      "<body>hi</body></message>");
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(condition(sent_[0]), "item-not-found");
  EXPECT_EQ(sent_[0].attribute("from"), "9lives@chat.example");
  EXPECT_EQ(sent_[0].attribute("to"), "xena@partner.example/phone");
  EXPECT_TRUE(events_.empty());
  sent_.clear();

  const std::vector<std::pair<IngressOutcome, std::string>> outcomes{
      {IngressOutcome::kUnknownRoom, "item-not-found"},
      {IngressOutcome::kUnknownTarget, "item-not-found"},
      {IngressOutcome::kDenied, "forbidden"},
      {IngressOutcome::kRejected, "not-acceptable"}};
  for (const auto& [outcome, expected] : outcomes) {
    receive(
        "<message type='chat' id='x' from='xena@partner.example/phone' to='nobody@chat.example'>"
        "<body>anyone?</body></message>");
    answers_.back()(IngressResult{outcome, {}, "why"});
    ASSERT_EQ(sent_.size(), 1u) << expected;
    EXPECT_EQ(sent_[0].attribute("type"), "error");
    EXPECT_EQ(sent_[0].attribute("id"), "x");
    EXPECT_EQ(condition(sent_[0]), expected);
    sent_.clear();
  }
  receive(
      "<message type='chat' id='cs' from='xena@partner.example/phone' to='alice@chat.example'>"
      "<composing xmlns='http://jabber.org/protocol/chatstates'/></message>");
  EXPECT_TRUE(sent_.empty()) << "a chat state is nothing to bridge and needs no answer";
  EXPECT_EQ(events_.size(), 4u);
}

}  // namespace
}  // namespace parley::bridges::xmpp
