#include "bridges/xmpp/translate.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bridges/common/emoji.hpp"

namespace parley::bridges::xmpp {
namespace {

using core::ErrorCode;
using core::model::CanonicalMessage;
using core::model::MessageChange;

// ------------------------------------------------------------------------------ helpers

OutboundRequest roomRequest() {
  OutboundRequest request;
  request.address = {"town-square@mm.example/alice", "town-square@mm.example",
                     ChatType::kGroupchat};
  request.txnId = "t1";
  return request;
}

CanonicalMessage post(std::string text) {
  CanonicalMessage message;
  message.change = MessageChange::kPost;
  message.postId = "p1";
  message.text = std::move(text);
  return message;
}

std::vector<std::string> wire(const CanonicalMessage& message, const OutboundRequest& request) {
  auto stanzas = toXmpp(message, request);
  EXPECT_TRUE(stanzas.ok()) << (stanzas.ok() ? "" : stanzas.error().message);
  std::vector<std::string> out;
  if (!stanzas.ok()) return out;
  for (const auto& stanza : *stanzas) out.push_back(toXml(stanza.element, kNsComponent));
  return out;
}

InboundMessage in(std::string_view xml, const InboundOptions& options = {}) {
  auto message = fromXmppText(xml, options);
  EXPECT_TRUE(message.ok()) << xml << "\n-> " << (message.ok() ? "" : message.error().message);
  return message.ok() ? *message : InboundMessage{};
}

core::Error inError(std::string_view xml, const InboundOptions& options = {}) {
  auto message = fromXmppText(xml, options);
  EXPECT_FALSE(message.ok()) << xml;
  return message.ok() ? core::Error{} : message.error();
}

// ---------------------------------------------------------------------------- egress

TEST(ToXmppTest, APostIsStyledTextWithTheTxnIdAsIdAndOriginId) {
  EXPECT_EQ(wire(post("**Hello** _world_, see [docs](https://example.org)"), roomRequest()),
            std::vector<std::string>{
                "<message from='town-square@mm.example/alice' to='town-square@mm.example' "
                "type='groupchat' id='t1'><body>*Hello* _world_, see docs "
                "&lt;https://example.org&gt;</body><origin-id xmlns='urn:xmpp:sid:0' id='t1'/>"
                "</message>"});
  OutboundRequest dm = roomRequest();
  dm.address = {"alice@mm.example", "bob@xmpp.example", ChatType::kChat};
  EXPECT_EQ(wire(post("hi"), dm),
            std::vector<std::string>{"<message from='alice@mm.example' to='bob@xmpp.example' "
                                     "type='chat' id='t1'><body>hi</body><origin-id "
                                     "xmlns='urn:xmpp:sid:0' id='t1'/></message>"});
}

TEST(ToXmppTest, AReplyReferencesTheRootWithAFallbackQuoteAndAThread) {
  CanonicalMessage message = post("Great idea!");
  message.rootId = "rootpost";
  OutboundRequest request = roomRequest();
  request.rootRemoteId = "root-sid";
  request.rootAuthorJid = "town-square@mm.example/anna";
  request.rootAuthorName = "Anna";
  request.rootText = "We should bake a **cake**";
  // "> Anna: We should bake a *cake*\n" is 32 code points
  EXPECT_EQ(wire(message, request),
            std::vector<std::string>{
                "<message from='town-square@mm.example/alice' to='town-square@mm.example' "
                "type='groupchat' id='t1'><body>&gt; Anna: We should bake a *cake*\nGreat "
                "idea!</body><reply xmlns='urn:xmpp:reply:0' to='town-square@mm.example/anna' "
                "id='root-sid'/><thread>root-sid</thread><fallback xmlns='urn:xmpp:fallback:0' "
                "for='urn:xmpp:reply:0'><body start='0' end='32'/></fallback><origin-id "
                "xmlns='urn:xmpp:sid:0' id='t1'/></message>"});
}

TEST(ToXmppTest, TheReplyFallbackCountsCodePointsAndStaysShort) {
  CanonicalMessage message = post("ok");
  message.rootId = "rootpost";
  OutboundRequest request = roomRequest();
  request.rootRemoteId = "root-sid";
  request.rootAuthorName = "Zoë";
  request.rootText = "\U0001F389 first\nsecond\nthird\nfourth";
  auto stanzas = toXmpp(message, request);
  ASSERT_TRUE(stanzas.ok());
  const XmlElement& stanza = stanzas->front().element;
  const std::string body = stanza.child("body", kNsComponent)->text;
  EXPECT_EQ(body, "> Zoë: \U0001F389 first\n> second\n> third\u2026\nok");
  const XmlElement* range = stanza.child("fallback", kNsFallback)->child("body", kNsFallback);
  // 2+5+7+1 + 2+6+1 + 2+5+1+1 code points: the quote, not its UTF-8 bytes
  EXPECT_EQ(range->attributeOr("end"), "33");
  // the receiving side removes exactly the quote
  EXPECT_EQ(in(toXml(stanza)).text, "ok");

  // a display name with a line break or a character XML cannot carry still quotes on one
  // line, and the range counts what is actually sent
  request.rootAuthorName = "two\nlines\x01";
  auto odd = toXmpp(message, request);
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->front().element.child("body", kNsComponent)->text.substr(0, 13), "> two lines: ");
  EXPECT_EQ(in(toXml(odd->front().element)).text, "ok");
}

TEST(ToXmppTest, AReplyToAnUnknownRootIsAPlainMessage) {
  CanonicalMessage message = post("answer");
  message.rootId = "rootpost";
  OutboundRequest request = roomRequest();
  request.rootText = "question";
  const auto stanzas = wire(message, request);
  ASSERT_EQ(stanzas.size(), 1u);
  EXPECT_EQ(stanzas[0].find("reply"), std::string::npos);
  EXPECT_NE(stanzas[0].find("<body>answer</body>"), std::string::npos);
}

TEST(ToXmppTest, AttachmentsAreOneMessagePerFileWithBodyEqualToTheOobUrl) {
  CanonicalMessage message = post("the plan");
  message.files.resize(2);
  OutboundRequest request = roomRequest();
  request.fileUrls = {"https://upload.example/a/plan.pdf", "https://upload.example/b/map.png"};
  auto stanzas = toXmpp(message, request);
  ASSERT_TRUE(stanzas.ok());
  ASSERT_EQ(stanzas->size(), 3u);
  EXPECT_EQ((*stanzas)[0].part, 0);
  EXPECT_EQ((*stanzas)[1].part, 1);
  EXPECT_EQ((*stanzas)[2].part, 2);
  EXPECT_EQ((*stanzas)[2].id, "t1-2");
  EXPECT_EQ(toXml((*stanzas)[1].element, kNsComponent),
            "<message from='town-square@mm.example/alice' to='town-square@mm.example' "
            "type='groupchat' id='t1-1'><body>https://upload.example/a/plan.pdf</body><x "
            "xmlns='jabber:x:oob'><url>https://upload.example/a/plan.pdf</url></x><origin-id "
            "xmlns='urn:xmpp:sid:0' id='t1-1'/></message>");
  // a file-only post starts at part 1 (no text part)
  CanonicalMessage fileOnly = post("");
  fileOnly.files.resize(1);
  request.fileUrls = {"https://upload.example/c/x.txt"};
  auto only = toXmpp(fileOnly, request);
  ASSERT_TRUE(only.ok());
  ASSERT_EQ(only->size(), 1u);
  EXPECT_EQ(only->front().part, 1);
  EXPECT_EQ(only->front().id, "t1");
}

TEST(ToXmppTest, AnEditIsACorrectionOfTheOriginalMessageId) {
  CanonicalMessage message = post("fixed *text*");
  message.change = MessageChange::kEdit;
  OutboundRequest request = roomRequest();
  request.txnId = "t2";
  request.targets = {{1, "p1", "t1-1"}, {0, "p1", "t1"}};
  EXPECT_EQ(wire(message, request),
            std::vector<std::string>{
                "<message from='town-square@mm.example/alice' to='town-square@mm.example' "
                "type='groupchat' id='t2'><body>fixed _text_</body><replace "
                "xmlns='urn:xmpp:message-correct:0' id='t1'/><origin-id xmlns='urn:xmpp:sid:0' "
                "id='t2'/></message>"});
}

TEST(ToXmppTest, ADeletionRetractsEveryPartWithAFallbackBody) {
  CanonicalMessage message;
  message.change = MessageChange::kDelete;
  OutboundRequest request = roomRequest();
  request.txnId = "t3";
  request.targets = {{1, "sid-file", ""}, {0, "sid-text", ""}};
  EXPECT_EQ(wire(message, request),
            (std::vector<std::string>{
                "<message from='town-square@mm.example/alice' to='town-square@mm.example' "
                "type='groupchat' id='t3'><retract xmlns='urn:xmpp:message-retract:1' "
                "id='sid-text'/><fallback xmlns='urn:xmpp:fallback:0' "
                "for='urn:xmpp:message-retract:1'/><body>/me retracted a previous message, but "
                "it's unsupported by your client.</body><store xmlns='urn:xmpp:hints'/><origin-id "
                "xmlns='urn:xmpp:sid:0' id='t3'/></message>",
                "<message from='town-square@mm.example/alice' to='town-square@mm.example' "
                "type='groupchat' id='t3-1'><retract xmlns='urn:xmpp:message-retract:1' "
                "id='sid-file'/><fallback xmlns='urn:xmpp:fallback:0' "
                "for='urn:xmpp:message-retract:1'/><body>/me retracted a previous message, but "
                "it's unsupported by your client.</body><store xmlns='urn:xmpp:hints'/><origin-id "
                "xmlns='urn:xmpp:sid:0' id='t3-1'/></message>"}));
}

TEST(ToXmppTest, AReactionSendsTheAuthorsWholeSet) {
  CanonicalMessage message;
  message.change = MessageChange::kReaction;
  message.emoji = "tada";
  OutboundRequest request = roomRequest();
  request.txnId = "t4";
  request.targets = {{0, "sid-text", ""}};
  request.reactions = {"+1", "my_custom_emoji"};  // the custom one has no Unicode form
  EXPECT_EQ(wire(message, request),
            std::vector<std::string>{
                "<message from='town-square@mm.example/alice' to='town-square@mm.example' "
                "type='groupchat' id='t4'><reactions xmlns='urn:xmpp:reactions:0' "
                "id='sid-text'><reaction>\U0001F44D</reaction><reaction>\U0001F389</reaction>"
                "</reactions><store xmlns='urn:xmpp:hints'/><origin-id xmlns='urn:xmpp:sid:0' "
                "id='t4'/></message>"});
  // removing the last one sends an empty set (XEP-0444: no reactions left)
  message.change = MessageChange::kReactionDelete;
  message.emoji = "heart";
  request.reactions = {"heart"};
  const auto removed = wire(message, request);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_NE(removed[0].find("<reactions xmlns='urn:xmpp:reactions:0' id='sid-text'/>"),
            std::string::npos);
}

TEST(ToXmppTest, ACustomEmojiReactionSendsNothing) {
  CanonicalMessage message;
  message.change = MessageChange::kReaction;
  message.emoji = "parrot_party";
  OutboundRequest request = roomRequest();
  request.targets = {{0, "sid-text", ""}};
  auto stanzas = toXmpp(message, request);
  ASSERT_TRUE(stanzas.ok());
  EXPECT_TRUE(stanzas->empty());
}

TEST(ToXmppTest, LabelAndObligationMetadataTravelWithTheMessage) {
  CanonicalMessage message = post("status");
  message.label = "SECRET REL GBR";
  message.metadata = {{"origin", "northwind"}, {"hops", 2}};
  const auto stanzas = wire(message, roomRequest());
  ASSERT_EQ(stanzas.size(), 1u);
  EXPECT_NE(stanzas[0].find("<securitylabel xmlns='urn:xmpp:sec-label:0'><displaymarking>"
                            "SECRET REL GBR</displaymarking></securitylabel>"),
            std::string::npos);
  EXPECT_NE(stanzas[0].find("<metadata xmlns='urn:parley:metadata:0'><entry key='hops'>2"
                            "</entry><entry key='origin'>northwind</entry></metadata>"),
            std::string::npos);
}

TEST(ToXmppTest, RefusesWhatCannotBeSent) {
  const auto error = [](const CanonicalMessage& message, const OutboundRequest& request) {
    auto stanzas = toXmpp(message, request);
    EXPECT_FALSE(stanzas.ok());
    return stanzas.ok() ? std::string() : stanzas.error().id;
  };
  EXPECT_EQ(error(post(""), roomRequest()), kErrMalformed);
  EXPECT_EQ(error(post("  \n"), roomRequest()), kErrMalformed);
  CanonicalMessage withFile = post("x");
  withFile.files.resize(1);
  EXPECT_EQ(error(withFile, roomRequest()), kErrMalformed);  // no URL for the file
  CanonicalMessage edit = post("x");
  edit.change = MessageChange::kEdit;
  EXPECT_EQ(error(edit, roomRequest()), kErrMalformed);  // no target
  OutboundRequest noTxn = roomRequest();
  noTxn.txnId.clear();
  EXPECT_EQ(error(post("x"), noTxn), kErrMalformed);
}

// --------------------------------------------------------------------------- ingress

// XEP-0461 §3.1, "Anna replies to a message and includes a fallback" (with the sender the
// server adds; the 0.1 fallback namespace some clients still send).
constexpr std::string_view kXep0461Reply =
    "<message to='anna@example.com' from='max@example.com/phone' id='message-id3' "
    "type='chat'><body>&gt; Anna wrote:\n&gt; We should bake a cake\nGreat idea!</body>"
    "<reply to='anna@example.com/laptop' id='message-id1' xmlns='urn:xmpp:reply:0' />"
    "<fallback xmlns='urn:xmpp:feature-fallback:0' for='urn:xmpp:reply:0'>"
    "<body start=\"0\" end=\"38\" /></fallback></message>";

TEST(FromXmppTest, AReplyLosesItsFallbackQuote) {
  const InboundMessage message = in(kXep0461Reply);
  EXPECT_EQ(message.change, MessageChange::kPost);
  EXPECT_EQ(message.type, ChatType::kChat);
  EXPECT_EQ(message.text, "Great idea!");
  EXPECT_EQ(message.replyToRemoteId, "message-id1");
  EXPECT_EQ(message.replyToJid, "anna@example.com/laptop");
  EXPECT_EQ(message.senderBareJid, "max@example.com");
  EXPECT_EQ(message.remoteEventId, "max@example.com message-id3");
}

TEST(FromXmppTest, AGroupchatReplyWithTheCurrentFallbackNamespaceAndStyling) {
  // the shape Dino and Gajim send in a room: reply to the stanza-id, urn:xmpp:fallback:0
  const InboundMessage message =
      in("<message xmlns='jabber:client' from='dave@xmpp.example/dino.f00' "
         "to='town-square@mm.example' type='groupchat' id='7b1e5c1a'>"
         "<body>&gt; alice: *lunch* at noon?\n_sure_, see `menu.txt`</body>"
         "<reply xmlns='urn:xmpp:reply:0' to='town-square@mm.example/alice' id='post-abc'/>"
         "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'>"
         "<body start='0' end='26'/></fallback>"
         "<origin-id xmlns='urn:xmpp:sid:0' id='7b1e5c1a'/></message>");
  EXPECT_EQ(message.type, ChatType::kGroupchat);
  EXPECT_EQ(message.text, "*sure*, see `menu.txt`");
  EXPECT_EQ(message.replyToRemoteId, "post-abc");
  EXPECT_EQ(message.originId, "7b1e5c1a");
}

TEST(FromXmppTest, ACorrectionIsAnEditOfTheReferencedId) {
  // XEP-0308 example 2 (with the sender the server adds)
  const InboundMessage message =
      in("<message to='juliet@capulet.net/balcony' from='romeo@montague.net/orchard' "
         "id='good1'><body>But soft, what light through yonder window breaks?</body>"
         "<replace id='bad1' xmlns='urn:xmpp:message-correct:0'/></message>");
  EXPECT_EQ(message.change, MessageChange::kEdit);
  EXPECT_EQ(message.type, ChatType::kChat);
  EXPECT_EQ(message.targetRemoteId, "romeo@montague.net bad1");
  EXPECT_EQ(message.text, "But soft, what light through yonder window breaks?");
}

TEST(FromXmppTest, ACorrectionNamesTheSendersOwnMessageScopedLikeItsInboxKey) {
  // The original's inbox key is "<sender bare JID> <id>"; the correction's target is the same
  // key, and another sender reusing that id names a different (its own) message.
  const InboundMessage original =
      in("<message from='xena@localhost/phone' id='x-1' type='groupchat'><body>tpyo</body>"
         "</message>");
  const InboundMessage correction =
      in("<message from='xena@localhost/laptop' id='x-2' type='groupchat'><body>typo</body>"
         "<replace id='x-1' xmlns='urn:xmpp:message-correct:0'/></message>");
  const InboundMessage forged =
      in("<message from='yuri@localhost/pc' id='y-1' type='groupchat'><body>typo</body>"
         "<replace id='x-1' xmlns='urn:xmpp:message-correct:0'/></message>");
  EXPECT_EQ(correction.targetRemoteId, original.remoteEventId);
  EXPECT_NE(forged.targetRemoteId, original.remoteEventId);
  EXPECT_EQ(forged.targetRemoteId, "yuri@localhost x-1");
}

TEST(FromXmppTest, RetractionsInTheCurrentAndTheOlderForm) {
  // XEP-0424 0.4 (urn:xmpp:message-retract:1)
  const InboundMessage current =
      in("<message type='chat' to='lord@capulet.example' from='juliet@capulet.example/balcony' "
         "id='retract-message-1'><retract id='origin-id-1' xmlns='urn:xmpp:message-retract:1'/>"
         "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:message-retract:1'/>"
         "<body>/me retracted a previous message, but it's unsupported by your client.</body>"
         "<store xmlns='urn:xmpp:hints'/></message>");
  EXPECT_EQ(current.change, MessageChange::kDelete);
  EXPECT_EQ(current.targetRemoteId, "origin-id-1");
  EXPECT_EQ(current.text, "");
  // XEP-0424 0.2 (fastening), as older Gajim and Conversations sent it
  const InboundMessage older =
      in("<message type='chat' to='lord@capulet.example' from='juliet@capulet.example/balcony' "
         "id='retract-message-1'><apply-to id=\"origin-id-1\" xmlns=\"urn:xmpp:fasten:0\">"
         "<retract xmlns='urn:xmpp:message-retract:0'/></apply-to>"
         "<fallback xmlns=\"urn:xmpp:fallback:0\"/><body>This person attempted to retract a "
         "previous message, but it's unsupported by your client.</body>"
         "<store xmlns=\"urn:xmpp:hints\"/></message>");
  EXPECT_EQ(older.change, MessageChange::kDelete);
  EXPECT_EQ(older.targetRemoteId, "origin-id-1");
}

TEST(FromXmppTest, ReactionsAreTheSendersWholeSet) {
  // XEP-0444 examples 3-5: 👋, then 👋🐢, then none
  const auto reactions = [](std::string_view inner) {
    return in(
        "<message to='romeo@capulet.net/orchard' from='juliet@capulet.net/balcony' "
        "id='7fdd29fa-a57a-11e9-b04a-4889e7820c76' type='chat'>" +
        std::string(inner) + "<store xmlns=\"urn:xmpp:hints\"/></message>");
  };
  const InboundMessage wave = reactions(
      "<reactions id='744f6e18-a57a-11e9-a656-4889e7820c76' xmlns='urn:xmpp:reactions:0'>"
      "<reaction>\U0001F44B</reaction></reactions>");
  EXPECT_EQ(wave.change, MessageChange::kReaction);
  EXPECT_EQ(wave.targetRemoteId, "744f6e18-a57a-11e9-a656-4889e7820c76");
  EXPECT_EQ(wave.reactions, std::vector<std::string>{"wave"});
  const InboundMessage both = reactions(
      "<reactions id='744f6e18-a57a-11e9-a656-4889e7820c76' xmlns='urn:xmpp:reactions:0'>"
      "<reaction>\U0001F44B</reaction><reaction>\U0001F422</reaction></reactions>");
  EXPECT_EQ(both.reactions, (std::vector<std::string>{"wave", "turtle"}));
  const InboundMessage none = reactions(
      "<reactions id='744f6e18-a57a-11e9-a656-4889e7820c76' xmlns='urn:xmpp:reactions:0'/>");
  EXPECT_EQ(none.change, MessageChange::kReaction);
  EXPECT_TRUE(none.reactions.empty());

  // the set semantics: what each update adds and removes
  EXPECT_EQ(reactionDelta({}, wave.reactions).added, std::vector<std::string>{"wave"});
  const ReactionDelta second = reactionDelta(wave.reactions, both.reactions);
  EXPECT_EQ(second.added, std::vector<std::string>{"turtle"});
  EXPECT_TRUE(second.removed.empty());
  const ReactionDelta third = reactionDelta(both.reactions, none.reactions);
  EXPECT_TRUE(third.added.empty());
  EXPECT_EQ(third.removed, (std::vector<std::string>{"wave", "turtle"}));
  const ReactionDelta swap = reactionDelta({"+1", "heart"}, {"heart", "tada"});
  EXPECT_EQ(swap.added, std::vector<std::string>{"tada"});
  EXPECT_EQ(swap.removed, std::vector<std::string>{"+1"});
}

TEST(FromXmppTest, ReactionsWithoutAMattermostNameAreSkippedAndDuplicatesFolded) {
  const InboundMessage message =
      in("<message from='a@x.example/r' id='r1' type='groupchat'>"
         "<reactions id='post-1' xmlns='urn:xmpp:reactions:0'><reaction>\u2764</reaction>"
         "<reaction>\u2764\uFE0F</reaction><reaction>\U0001F9A9</reaction>"
         "<reaction>\U0001F44D\U0001F3FD</reaction><reaction>not an emoji</reaction>"
         "</reactions></message>");
  EXPECT_EQ(message.reactions, std::vector<std::string>{"heart"});
  EXPECT_EQ(message.unmappedReactions, 3u);
}

TEST(FromXmppTest, AttachmentsAreOobUrls) {
  // what Conversations sends after an HTTP upload: body == URL, OOB, receipts, markers
  const InboundMessage file =
      in("<message xmlns='jabber:client' from='carol@xmpp.example/Conversations.x1' "
         "to='town-square@mm.example' type='groupchat' id='0f2d7c3e-1'>"
         "<body>https://upload.xmpp.example/slot/9f/photo%201.jpg</body>"
         "<x xmlns='jabber:x:oob'><url>https://upload.xmpp.example/slot/9f/photo%201.jpg</url></x>"
         "<origin-id xmlns='urn:xmpp:sid:0' id='0f2d7c3e-1'/><request xmlns='urn:xmpp:receipts'/>"
         "<markable xmlns='urn:xmpp:chat-markers:0'/></message>");
  EXPECT_EQ(file.change, MessageChange::kPost);
  EXPECT_EQ(file.text, "");
  ASSERT_EQ(file.files.size(), 1u);
  EXPECT_EQ(file.files[0].url, "https://upload.xmpp.example/slot/9f/photo%201.jpg");
  EXPECT_EQ(file.files[0].name, "photo%201.jpg");
  EXPECT_TRUE(file.files[0].fileId.empty());

  // XEP-0066 example 1 (an http URL and no id) is refused twice over; with an id and http
  // allowed (the loopback test server), the text and the URL both arrive
  const std::string xep0066 =
      "<message from='stpeter@jabber.org/work' to='MaineBoy@jabber.org/home'%ID%>"
      "<body>Yeah, but do you have a license to Jabber?</body><x xmlns='jabber:x:oob'>"
      "<url>http://www.jabber.org/images/psa-license.jpg</url></x></message>";
  const auto withId = [&](const std::string& id) {
    std::string xml = xep0066;
    xml.replace(xml.find("%ID%"), 4, id);
    return xml;
  };
  EXPECT_EQ(inError(withId("")).id, kErrMalformed);
  EXPECT_EQ(inError(withId(" id='oob1'")).id, kErrBadUrl);
  InboundOptions http;
  http.limits.allowHttpUrls = true;
  const InboundMessage license = in(withId(" id='oob1'"), http);
  EXPECT_EQ(license.text, "Yeah, but do you have a license to Jabber?");
  ASSERT_EQ(license.files.size(), 1u);
  EXPECT_EQ(license.files[0].name, "psa-license.jpg");
}

TEST(FromXmppTest, TheInboxKeyIsATrustedStanzaIdOrTheSendersOwnId) {
  const std::string xml =
      "<message from='room@conference.localhost/bob' type='groupchat' id='c1'>"
      "<body>hi</body><stanza-id xmlns='urn:xmpp:sid:0' by='room@conference.localhost' "
      "id='sid-42'/><stanza-id xmlns='urn:xmpp:sid:0' by='evil@x.example' id='forged'/>"
      "</message>";
  InboundOptions puppet;
  puppet.trustedStanzaIdBy = "room@conference.localhost";
  EXPECT_EQ(in(xml, puppet).remoteEventId, "sid-42");
  // a hosted room trusts none: a client could forge one
  const InboundMessage hosted = in(xml);
  EXPECT_EQ(hosted.stanzaId, "");
  EXPECT_EQ(hosted.remoteEventId, "room@conference.localhost c1");
  // origin-id when there is no id attribute
  EXPECT_EQ(in("<message from='a@x.example/r'><body>x</body><origin-id xmlns='urn:xmpp:sid:0' "
               "id='o9'/></message>")
                .remoteEventId,
            "a@x.example o9");
}

TEST(FromXmppTest, ThreadLabelAndStyledBlocks) {
  const InboundMessage message =
      in("<message from='a@x.example/r' id='m1' type='groupchat'><thread>root-7</thread>"
         "<securitylabel xmlns='urn:xmpp:sec-label:0'><displaymarking>SECRET REL GBR"
         "</displaymarking></securitylabel><body>```\nx = *y*\n```\n&gt; quoted _text_</body>"
         "</message>");
  EXPECT_EQ(message.thread, "root-7");
  EXPECT_EQ(message.replyToRemoteId, "");
  EXPECT_EQ(message.label, "SECRET REL GBR");
  EXPECT_EQ(message.text, "```\nx = *y*\n```\n> quoted *text*");
}

TEST(FromXmppTest, NothingToBridgeIsToldApartFromErrors) {
  // a chat state alone (what every client sends while typing), a displayed marker
  for (const char* xml :
       {"<message from='a@x.example/r' to='b@mm.example' type='chat' id='s1'><active "
        "xmlns='http://jabber.org/protocol/chatstates'/></message>",
        "<message from='a@x.example/r' type='chat' id='s2'><displayed "
        "xmlns='urn:xmpp:chat-markers:0' id='m1'/></message>",
        "<message from='a@x.example/r' type='chat' id='s3'><body>  \n </body></message>"}) {
    const core::Error error = inError(xml);
    EXPECT_EQ(error.id, kErrNothingToBridge) << xml;
    EXPECT_EQ(error.code, ErrorCode::kNotFound);
  }
  EXPECT_EQ(inError("<message from='a@x.example' type='error' id='e1'><error type='cancel'>"
                    "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"
                    "</message>")
                .id,
            kErrErrorStanza);
  EXPECT_EQ(inError("<message from='a@x.example' type='headline' id='h1'><body>news</body>"
                    "</message>")
                .id,
            kErrUnsupported);
}

TEST(FromXmppTest, MalformedStanzasAreRefusedWithAReason) {
  // NOLINTBEGIN(bugprone-suspicious-missing-comma): long stanzas are split over lines
  const std::vector<std::string> malformed = {
      "<message from='a@x.example/r' id='m1'><body>unclosed</message>",
      "<presence from='a@x.example/r' id='m1'/>",
      "<message id='m1'><body>no sender</body></message>",
      "<message from='a@x.example/r'><body>no id</body></message>",
      "<message from='a@x.example/r' id='m1'><reactions xmlns='urn:xmpp:reactions:0'>"
      "<reaction>\U0001F44D</reaction></reactions></message>",
      "<message from='a@x.example/r' id='m1'><reactions xmlns='urn:xmpp:reactions:0' id='a'/>"
      "<reactions xmlns='urn:xmpp:reactions:0' id='b'/></message>",
      "<message from='a@x.example/r' id='m1'><retract xmlns='urn:xmpp:message-retract:1'/>"
      "</message>",
      "<message from='a@x.example/r' id='m1'><body>x</body><reply xmlns='urn:xmpp:reply:0'/>"
      "</message>",
      "<message from='a@x.example/r' id='m1'><body></body><replace "
      "xmlns='urn:xmpp:message-correct:0' id='m0'/></message>",
      "<message from='a@x.example/r' id='m1'><body>short</body><fallback "
      "xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='99'/>"
      "</fallback></message>",
      "<message from='a@x.example/r' id='m1'><body>x</body><fallback xmlns='urn:xmpp:fallback:0' "
      "for='urn:xmpp:reply:0'><body start='3' end='1'/></fallback></message>",
      "<message from='a@x.example/r' id='m1'><body>x</body><x xmlns='jabber:x:oob'/></message>",
  };
  // NOLINTEND(bugprone-suspicious-missing-comma)
  for (const auto& xml : malformed) {
    const core::Error error = inError(xml);
    EXPECT_EQ(error.id, kErrMalformed) << xml;
    EXPECT_EQ(error.code, ErrorCode::kInvalidArgument) << xml;
    EXPECT_FALSE(error.message.empty());
  }
}

TEST(FromXmppTest, LimitsOnSizesCountsAndUrls) {
  const std::string from = "<message from='a@x.example/r' id='m1' type='groupchat'>";
  EXPECT_EQ(inError(from + "<body>" + std::string(16384, 'a') + "</body></message>").id,
            kErrTooLarge);
  EXPECT_TRUE(
      fromXmppText(from + "<body>" + std::string(16383, 'a') + "</body></message>", {}).ok());
  std::string many = from + "<reactions xmlns='urn:xmpp:reactions:0' id='p'>";
  for (int i = 0; i < 51; ++i) many += "<reaction>\U0001F44D</reaction>";
  EXPECT_EQ(inError(many + "</reactions></message>").id, kErrTooLarge);
  std::string files = from;
  for (int i = 0; i < 11; ++i)
    files += "<x xmlns='jabber:x:oob'><url>https://h.example/f</url></x>";
  EXPECT_EQ(inError(files + "</message>").id, kErrTooLarge);
  const auto oob = [&](const std::string& url) {
    return from + "<x xmlns='jabber:x:oob'><url>" + url + "</url></x></message>";
  };
  EXPECT_EQ(inError(oob("https://h.example/" + std::string(2100, 'a'))).id, kErrTooLarge);
  for (const char* url : {"ftp://h.example/f", "javascript:alert(1)", "https:///nohost",
                          "https://h.example/a b", "file:///etc/passwd", "//h.example/x"}) {
    EXPECT_EQ(inError(oob(url)).id, kErrBadUrl) << url;
  }
  EXPECT_EQ(inError("<message from='a@x.example/r' id='" + std::string(300, 'i') +
                    "'><body>x</body></message>")
                .id,
            kErrTooLarge);
  EXPECT_EQ(inError("<message from='a@x.example/r' id='m1'><body>" +
                    std::string(std::size_t{300} * 1024, 'x') + "</body></message>")
                .id,
            kErrTooLarge);
}

// ------------------------------------------------------------------------- round trips

// What Parley sends, as an XMPP client receives it back (Parley's room reflects the occupant's
// stanza unchanged apart from `from`), translated in again.
InboundMessage roundTrip(const OutboundStanza& stanza) {
  return in(toXml(stanza.element, kNsComponent));
}

TEST(RoundTripTest, PostsRepliesEditsDeletionsReactionsAndFilesComeBackTheSame) {
  OutboundRequest request = roomRequest();

  const CanonicalMessage text = post("**bold**, *italic*, ~~struck~~ and `code`\n> quoted");
  auto posted = toXmpp(text, request);
  ASSERT_TRUE(posted.ok());
  const InboundMessage back = roundTrip(posted->front());
  EXPECT_EQ(back.change, MessageChange::kPost);
  EXPECT_EQ(back.text, text.text);
  EXPECT_EQ(back.type, ChatType::kGroupchat);
  EXPECT_EQ(back.remoteEventId, "town-square@mm.example t1");
  EXPECT_EQ(back.originId, "t1");

  CanonicalMessage reply = post("agreed");
  reply.rootId = "root";
  request.rootRemoteId = "root-sid";
  request.rootAuthorName = "bob";
  request.rootText = "shall we?\nsoon";
  auto replied = toXmpp(reply, request);
  ASSERT_TRUE(replied.ok());
  const InboundMessage replyBack = roundTrip(replied->front());
  EXPECT_EQ(replyBack.text, "agreed");
  EXPECT_EQ(replyBack.replyToRemoteId, "root-sid");
  EXPECT_EQ(replyBack.thread, "root-sid");

  CanonicalMessage edit = post("agreed, *twice*");
  edit.change = MessageChange::kEdit;
  request.targets = {{0, "sid-1", "t1"}};
  auto edited = toXmpp(edit, request);
  ASSERT_TRUE(edited.ok());
  const InboundMessage editBack = roundTrip(edited->front());
  EXPECT_EQ(editBack.change, MessageChange::kEdit);
  EXPECT_EQ(editBack.targetRemoteId, editBack.senderBareJid + " t1");
  EXPECT_EQ(editBack.text, "agreed, *twice*");

  CanonicalMessage removal;
  removal.change = MessageChange::kDelete;
  auto retracted = toXmpp(removal, request);
  ASSERT_TRUE(retracted.ok());
  const InboundMessage deleteBack = roundTrip(retracted->front());
  EXPECT_EQ(deleteBack.change, MessageChange::kDelete);
  EXPECT_EQ(deleteBack.targetRemoteId, "sid-1");
  EXPECT_EQ(deleteBack.text, "");

  CanonicalMessage reaction;
  reaction.change = MessageChange::kReaction;
  reaction.emoji = "thumbsup";  // an alias comes back as Mattermost's canonical name
  request.reactions = {"heart", "white_check_mark"};
  auto reacted = toXmpp(reaction, request);
  ASSERT_TRUE(reacted.ok());
  const InboundMessage reactionBack = roundTrip(reacted->front());
  EXPECT_EQ(reactionBack.change, MessageChange::kReaction);
  EXPECT_EQ(reactionBack.targetRemoteId, "sid-1");
  EXPECT_EQ(reactionBack.reactions, (std::vector<std::string>{"heart", "white_check_mark", "+1"}));

  CanonicalMessage files = post("");
  files.files.resize(2);
  request.fileUrls = {"https://up.example/1/a.png", "https://up.example/2/b.pdf"};
  auto sent = toXmpp(files, request);
  ASSERT_TRUE(sent.ok());
  ASSERT_EQ(sent->size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const InboundMessage fileBack = roundTrip((*sent)[i]);
    EXPECT_EQ(fileBack.text, "");
    ASSERT_EQ(fileBack.files.size(), 1u);
    EXPECT_EQ(fileBack.files[0].url, request.fileUrls[i]);
  }

  CanonicalMessage labelled = post("x");
  labelled.label = "CONFIDENTIAL REL USA,GBR,FRA";
  auto withLabel = toXmpp(labelled, roomRequest());
  ASSERT_TRUE(withLabel.ok());
  EXPECT_EQ(roundTrip(withLabel->front()).label, "CONFIDENTIAL REL USA,GBR,FRA");
}

TEST(EmojiTest, NamesAndAliasesMapBothWays) {
  EXPECT_EQ(emojiForName("+1"), "\U0001F44D");
  EXPECT_EQ(emojiForName("thumbsup"), "\U0001F44D");
  EXPECT_EQ(emojiForName("heart"), "\u2764\uFE0F");
  EXPECT_EQ(emojiForName("shit"), "\U0001F4A9");
  EXPECT_EQ(emojiForName("robot"), "\U0001F916");
  EXPECT_FALSE(emojiForName("my_custom_emoji"));
  EXPECT_FALSE(emojiForName(""));
  EXPECT_EQ(nameForEmoji("\U0001F44D"), "+1");
  EXPECT_EQ(nameForEmoji("\u2764"), "heart");
  EXPECT_EQ(nameForEmoji("\u2764\uFE0F"), "heart");
  EXPECT_EQ(nameForEmoji("\U0001F914"), "thinking_face");
  EXPECT_FALSE(nameForEmoji("\U0001F9A9"));
  EXPECT_FALSE(nameForEmoji("\uFE0F"));
  EXPECT_FALSE(nameForEmoji(""));
}

}  // namespace
}  // namespace parley::bridges::xmpp
