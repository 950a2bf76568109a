#include "bridges/matrix/translate.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::bridges::matrix {
namespace {

using core::ErrorCode;
using core::model::CanonicalMessage;
using core::model::FileRef;
using core::model::MessageChange;
using nlohmann::json;

// ------------------------------------------------------------------------------ helpers

CanonicalMessage post(std::string text) {
  CanonicalMessage message;
  message.change = MessageChange::kPost;
  message.postId = "p1";
  message.text = std::move(text);
  return message;
}

OutboundRequest request() {
  OutboundRequest out;
  out.txnId = "mm-p1-post";
  return out;
}

std::vector<OutboundEvent> events(const CanonicalMessage& message, const OutboundRequest& req) {
  auto out = toMatrix(message, req);
  EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().message);
  return out.ok() ? *out : std::vector<OutboundEvent>{};
}

core::Error egressError(const CanonicalMessage& message, const OutboundRequest& req) {
  auto out = toMatrix(message, req);
  EXPECT_FALSE(out.ok());
  return out.ok() ? core::Error{} : out.error();
}

InboundMatrixEvent in(const json& event, const InboundOptions& options = {}) {
  auto out = fromMatrix(event, options);
  EXPECT_TRUE(out.ok()) << event.dump().substr(0, 300) << "\n-> "
                        << (out.ok() ? "" : out.error().message);
  return out.ok() ? *out : InboundMatrixEvent{};
}

core::Error inError(const json& event, const InboundOptions& options = {}) {
  auto out = fromMatrix(event, options);
  EXPECT_FALSE(out.ok()) << event.dump().substr(0, 300);
  return out.ok() ? core::Error{} : out.error();
}

// A ClientEvent as a transaction carries it (the spec's examples' envelope).
json clientEvent(std::string type, json content,
                 std::string id = "$143273582443PhrSn:example.org") {
  return {{"type", std::move(type)},           {"event_id", std::move(id)},
          {"sender", "@example:example.org"},  {"room_id", "!jEsUZKDJdhlrceRyVU:example.org"},
          {"origin_server_ts", 1432735824653}, {"unsigned", {{"age", 1234}}},
          {"content", std::move(content)}};
}

// ---------------------------------------------------------------------------- egress

TEST(ToMatrixTest, APostIsOneTextEventWithTheTxnId) {
  const auto out = events(post("**Hello** world"), request());
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].part, 0);
  EXPECT_EQ(out[0].txnId, "mm-p1-post");
  EXPECT_EQ(out[0].type, "m.room.message");
  EXPECT_EQ(out[0].content, json::parse(R"({
    "msgtype": "m.text", "body": "**Hello** world",
    "format": "org.matrix.custom.html", "formatted_body": "<p><strong>Hello</strong> world</p>",
    "m.mentions": {}})"));
  // plain text: no formatted_body
  EXPECT_EQ(events(post("just text"), request())[0].content,
            json::parse(R"({"msgtype": "m.text", "body": "just text", "m.mentions": {}})"));
}

TEST(ToMatrixTest, MePostsAreEmotesAndSystemPostsNotices) {
  OutboundRequest me = request();
  me.postType = "me";
  EXPECT_EQ(events(post("*waves*"), me)[0].content,
            json::parse(R"({"msgtype": "m.emote", "body": "waves", "m.mentions": {}})"));
  OutboundRequest system = request();
  system.postType = "system_join_channel";
  EXPECT_EQ(events(post("alice joined the channel"), system)[0].content["msgtype"], "m.notice");
  OutboundRequest notice = request();
  notice.msgtype = "m.notice";
  EXPECT_EQ(events(post("bridge notice"), notice)[0].content["msgtype"], "m.notice");
}

TEST(ToMatrixTest, AReplyIsAThreadEventWithTheReplyFallback) {
  CanonicalMessage reply = post("in the thread");
  reply.rootId = "root-post";
  OutboundRequest req = request();
  req.rootRemoteId = "$root";
  req.threadLatestRemoteId = "$latest";
  EXPECT_EQ(events(reply, req)[0].content["m.relates_to"], json::parse(R"({
    "rel_type": "m.thread", "event_id": "$root", "is_falling_back": true,
    "m.in_reply_to": {"event_id": "$latest"}})"));
  req.threadLatestRemoteId.clear();
  EXPECT_EQ(events(reply, req)[0].content["m.relates_to"]["m.in_reply_to"]["event_id"], "$root");
  // the root unknown on this link: a plain message
  req.rootRemoteId.clear();
  EXPECT_FALSE(events(reply, req)[0].content.contains("m.relates_to"));
}

TEST(ToMatrixTest, FilesAreOneEventEachAfterTheText) {
  CanonicalMessage message = post("two files");
  message.rootId = "root";
  message.files = {FileRef{"f1", "cat.png", "image/png", 2048, "", ""},
                   FileRef{"f2", "notes.pdf", "application/pdf", 10, "", ""},
                   FileRef{"f3", "song.ogg", "audio/ogg", 99, "", ""},
                   FileRef{"f4", "clip.mp4", "video/mp4", 1000, "", ""}};
  OutboundRequest req = request();
  req.rootRemoteId = "$root";
  req.files = {{"mxc://hs.example/cat", 640, 480, 0, ""},
               {"mxc://hs.example/notes", 0, 0, 0, ""},
               {"mxc://hs.example/song", 0, 0, 5000, ""},
               {"mxc://hs.example/clip", 320, 200, 7000, ""}};
  const auto out = events(message, req);
  ASSERT_EQ(out.size(), 5U);
  EXPECT_EQ(out[0].part, 0);
  EXPECT_EQ(out[1].part, 1);
  EXPECT_EQ(out[1].txnId, "mm-p1-post.1");
  EXPECT_EQ(out[4].txnId, "mm-p1-post.4");
  json image = out[1].content;
  EXPECT_EQ(image["m.relates_to"]["event_id"], "$root");
  image.erase("m.relates_to");
  EXPECT_EQ(image, json::parse(R"({
    "msgtype": "m.image", "body": "cat.png", "filename": "cat.png",
    "url": "mxc://hs.example/cat", "m.mentions": {},
    "info": {"mimetype": "image/png", "size": 2048, "w": 640, "h": 480}})"));
  EXPECT_EQ(out[2].content["msgtype"], "m.file");
  EXPECT_EQ(out[2].content["info"], json::parse(R"({"mimetype": "application/pdf", "size": 10})"));
  EXPECT_EQ(out[3].content["msgtype"], "m.audio");
  EXPECT_EQ(out[3].content["info"]["duration"], 5000);
  EXPECT_EQ(out[4].content["msgtype"], "m.video");
  EXPECT_EQ(out[4].content["info"]["w"], 320);

  // files alone: the parts still count from 1
  CanonicalMessage only = message;
  only.text.clear();
  const auto fileEvents = events(only, req);
  ASSERT_EQ(fileEvents.size(), 4U);
  EXPECT_EQ(fileEvents[0].part, 1);
  EXPECT_EQ(fileEvents[0].txnId, "mm-p1-post.1");  // by part: the same with or without text
}

TEST(ToMatrixTest, AFileTheHomeserverDoesNotTakeIsALinkToIt) {
  CanonicalMessage message = post("");
  message.files = {FileRef{"f1", "dump <1>.bin", "application/octet-stream",
                           std::int64_t{3} * 1048576 + 1, "", ""},
                   FileRef{"f2", "a.txt", "text/plain", 900, "", ""}};
  OutboundRequest req = request();
  req.files = {{"", 0, 0, 0, "https://chat.example/api/v4/parley/bridge_files/f1/d?sig=a&b=c"},
               {"", 0, 0, 0, "https://chat.example/f2"}};
  const auto out = events(message, req);
  ASSERT_EQ(out.size(), 2U);
  EXPECT_EQ(out[0].part, 1);
  EXPECT_EQ(out[0].txnId, "mm-p1-post.1");
  EXPECT_EQ(out[0].content, json::parse(R"json({
    "msgtype": "m.text",
    "body": "dump <1>.bin (3 MB): https://chat.example/api/v4/parley/bridge_files/f1/d?sig=a&b=c",
    "format": "org.matrix.custom.html",
    "formatted_body": "<a href=\"https://chat.example/api/v4/parley/bridge_files/f1/d?sig=a&amp;b=c\">dump &lt;1&gt;.bin</a> (3 MB)",
    "m.mentions": {}})json"));
  EXPECT_EQ(out[1].content["body"], "a.txt (900 bytes): https://chat.example/f2");
  req.files[1].linkUrl = "javascript:alert(1)";
  EXPECT_EQ(egressError(message, req).id, kErrBadUrl);
}

TEST(ToMatrixTest, FilesNeedTheirValidMxcUris) {
  CanonicalMessage message = post("x");
  message.files = {FileRef{"f1", "a.txt", "text/plain", 1, "", ""}};
  EXPECT_EQ(egressError(message, request()).id, kErrMalformed);
  OutboundRequest req = request();
  req.files = {{"https://hs.example/a", 0, 0, 0, ""}};
  EXPECT_EQ(egressError(message, req).id, kErrBadUrl);
  req.files = {{"mxc://hs.example/../etc", 0, 0, 0, ""}};
  EXPECT_EQ(egressError(message, req).id, kErrBadUrl);
}

TEST(ToMatrixTest, MentionsArePillsAndMMentions) {
  OutboundRequest req = request();
  req.mentions = {{"alice", "@mm_alice:hs.example"}};
  const json content = events(post("hey @alice and @channel"), req)[0].content;
  EXPECT_EQ(content["m.mentions"],
            json::parse(R"({"user_ids": ["@mm_alice:hs.example"], "room": true})"));
  EXPECT_EQ(content["formatted_body"],
            "<p>hey <a href=\"https://matrix.to/#/@mm_alice:hs.example\">@alice</a> and "
            "@channel</p>");
}

TEST(ToMatrixTest, LabelMetadataAndPermalinkTravelInTheContent) {
  CanonicalMessage message = post("x");
  message.label = "SECRET REL GBR";
  message.metadata = {{"origin", "northwind"}};
  OutboundRequest req = request();
  req.externalUrl = "https://mm.example/team/pl/p1";
  const json content = events(message, req)[0].content;
  EXPECT_EQ(content["org.parley.label"], "SECRET REL GBR");
  EXPECT_EQ(content["org.parley.metadata"], json::parse(R"({"origin": "northwind"})"));
  EXPECT_EQ(content["external_url"], "https://mm.example/team/pl/p1");
}

TEST(ToMatrixTest, AnEditReplacesTheTextPart) {
  CanonicalMessage edit = post("new *text*");
  edit.change = MessageChange::kEdit;
  OutboundRequest req = request();
  req.targets = {{2, "$file2"}, {0, "$text"}, {1, "$file1"}};
  const auto out = events(edit, req);
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].part, 0);
  EXPECT_EQ(out[0].content, json::parse(R"({
    "msgtype": "m.text", "body": "* new *text*",
    "format": "org.matrix.custom.html", "formatted_body": "* <p>new <em>text</em></p>",
    "m.mentions": {},
    "m.new_content": {"msgtype": "m.text", "body": "new *text*",
                      "format": "org.matrix.custom.html",
                      "formatted_body": "<p>new <em>text</em></p>", "m.mentions": {}},
    "m.relates_to": {"rel_type": "m.replace", "event_id": "$text"}})"));
  req.targets.clear();
  EXPECT_EQ(egressError(edit, req).id, kErrMalformed);
}

TEST(ToMatrixTest, ADeletionRedactsEveryPart) {
  CanonicalMessage deletion = post("");
  deletion.change = MessageChange::kDelete;
  OutboundRequest req = request();
  req.targets = {{1, "$file"}, {0, "$text"}};
  req.redactionReason = "deleted on Mattermost";
  const auto out = events(deletion, req);
  ASSERT_EQ(out.size(), 2U);
  EXPECT_EQ(out[0].type, "m.room.redaction");
  EXPECT_EQ(out[0].redacts, "$text");
  EXPECT_EQ(out[0].txnId, "mm-p1-post");
  EXPECT_EQ(out[0].content, json::parse(R"({"reason": "deleted on Mattermost"})"));
  EXPECT_EQ(out[1].redacts, "$file");
  EXPECT_EQ(out[1].txnId, "mm-p1-post-1");
  req.targets.clear();
  EXPECT_EQ(egressError(deletion, req).id, kErrMalformed);
}

TEST(ToMatrixTest, AReactionAnnotatesTheFirstPartWithTheEmoji) {
  CanonicalMessage reaction = post("");
  reaction.change = MessageChange::kReaction;
  reaction.emoji = "+1";
  OutboundRequest req = request();
  req.targets = {{1, "$file"}, {0, "$text"}};
  auto out = events(reaction, req);
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].type, "m.reaction");
  EXPECT_EQ(out[0].content, json::parse(R"({"m.relates_to": {
    "rel_type": "m.annotation", "event_id": "$text", "key": "👍"}})"));
  // a custom emoji: its name as text
  reaction.emoji = "party_parrot";
  EXPECT_EQ(events(reaction, req)[0].content["m.relates_to"]["key"], ":party_parrot:");
  reaction.emoji.clear();
  EXPECT_EQ(egressError(reaction, req).id, kErrMalformed);
}

TEST(ToMatrixTest, RemovingAReactionRedactsTheReactionEvent) {
  CanonicalMessage removal = post("");
  removal.change = MessageChange::kReactionDelete;
  removal.emoji = "+1";
  OutboundRequest req = request();
  req.targets = {{0, "$text"}};
  EXPECT_EQ(egressError(removal, req).id, kErrMalformed);
  req.reactionEventId = "$reaction";
  const auto out = events(removal, req);
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].type, "m.room.redaction");
  EXPECT_EQ(out[0].redacts, "$reaction");
}

TEST(ToMatrixTest, RefusesWhatCannotBeSent) {
  OutboundRequest noTxn;
  EXPECT_EQ(egressError(post("x"), noTxn).id, kErrMalformed);
  EXPECT_EQ(egressError(post("  \n "), request()).id, kErrMalformed);
  // over the event size limit even without HTML (a post of 16 383 four-byte characters): the
  // body is shortened, at a character
  std::string emoji;
  for (int i = 0; i < 16383; ++i) emoji += "\U0001F600";
  const auto big = events(post(emoji), request());
  ASSERT_EQ(big.size(), 1U);
  EXPECT_LE(big[0].content.dump().size(), kMaxEventBytes - 2048);
  EXPECT_GT(big[0].content.dump().size(), kMaxEventBytes - 4096);
  const std::string body = big[0].content["body"];
  EXPECT_TRUE(body.ends_with("\U0001F600\u2026"));
  CanonicalMessage bigEdit = post(std::string(70000, 'a'));
  bigEdit.change = MessageChange::kEdit;
  OutboundRequest editRequest = request();
  editRequest.targets = {{0, "$text"}};
  const auto edited = events(bigEdit, editRequest);
  ASSERT_EQ(edited.size(), 1U);
  EXPECT_LE(edited[0].content.dump().size(), kMaxEventBytes - 2048);
  EXPECT_TRUE(edited[0].content["m.new_content"]["body"].get<std::string>().ends_with("\u2026"));
  // refused only when what is not the text is too large
  CanonicalMessage labelled = post("x");
  labelled.metadata = {{"huge", std::string(70000, 'm')}};
  const core::Error tooBig = egressError(labelled, request());
  EXPECT_EQ(tooBig.id, kErrTooLarge);
  EXPECT_EQ(tooBig.code, ErrorCode::kTooLarge);
  // big HTML alone is dropped, the body goes
  std::string bold;
  for (int i = 0; i < 3000; ++i) bold += "**b** ";
  const auto out = events(post(bold), request());
  ASSERT_EQ(out.size(), 1U);
  EXPECT_LT(out[0].content.dump().size(), kMaxEventBytes);
}

// ---------------------------------------------------------------------------- ingress

TEST(FromMatrixTest, TheSpecsTextMessage) {
  const auto event = in(clientEvent("m.room.message", json::parse(R"({
    "body": "This is an example text message",
    "format": "org.matrix.custom.html",
    "formatted_body": "<b>This is an example text message</b>",
    "msgtype": "m.text"})")));
  EXPECT_EQ(event.change, MessageChange::kPost);
  EXPECT_EQ(event.eventId, "$143273582443PhrSn:example.org");
  EXPECT_EQ(event.sender, "@example:example.org");
  EXPECT_EQ(event.senderDomain, "example.org");
  EXPECT_EQ(event.roomId, "!jEsUZKDJdhlrceRyVU:example.org");
  EXPECT_EQ(event.originServerTs, 1432735824653);
  EXPECT_EQ(event.msgtype, "m.text");
  EXPECT_EQ(event.text, "**This is an example text message**");
  EXPECT_EQ(event.replyKind, ReplyKind::kNone);
  // a plain body is taken as typed
  EXPECT_EQ(in(clientEvent("m.room.message", {{"msgtype", "m.text"}, {"body", "2*3*4"}})).text,
            "2\\*3\\*4");
}

TEST(FromMatrixTest, EmotesAndNotices) {
  const auto emote = in(clientEvent("m.room.message", json::parse(R"({
    "body": "thinks this is an example emote", "msgtype": "m.emote"})")));
  EXPECT_EQ(emote.postType, "me");
  EXPECT_EQ(emote.text, "*thinks this is an example emote*");
  const auto notice = in(clientEvent("m.room.message", json::parse(R"({
    "body": "This is an example notice", "msgtype": "m.notice"})")));
  EXPECT_TRUE(notice.notice);
  EXPECT_EQ(notice.text, "This is an example notice");
  // an unknown msgtype is shown by its body (the spec's fallback)
  EXPECT_EQ(
      in(clientEvent("m.room.message", {{"msgtype", "org.example.poll"}, {"body", "vote"}})).text,
      "vote");
}

TEST(FromMatrixTest, AThreadEventNamesItsRoot) {
  const auto event = in(clientEvent("m.room.message", json::parse(R"({
    "msgtype": "m.text", "body": "in thread",
    "m.relates_to": {"rel_type": "m.thread", "event_id": "$root",
                     "is_falling_back": true, "m.in_reply_to": {"event_id": "$latest"}}})")));
  EXPECT_EQ(event.replyKind, ReplyKind::kThread);
  EXPECT_EQ(event.replyToEventId, "$root");
  EXPECT_EQ(event.text, "in thread");
}

TEST(FromMatrixTest, APlainReplyNamesItsParentWithoutTheFallbacks) {
  const auto event = in(clientEvent("m.room.message", json::parse(R"({
    "msgtype": "m.text",
    "body": "> <@alice:example.org> This is the original body\n\nThis is where the reply goes",
    "format": "org.matrix.custom.html",
    "formatted_body": "<mx-reply><blockquote><a href=\"https://matrix.to/#/!somewhere:example.org/$event:example.org\">In reply to</a> <a href=\"https://matrix.to/#/@alice:example.org\">@alice:example.org</a><br />This is the original body</blockquote></mx-reply>This is where the reply goes",
    "m.relates_to": {"m.in_reply_to": {"event_id": "$another:event.com"}}})")));
  EXPECT_EQ(event.replyKind, ReplyKind::kReply);
  EXPECT_EQ(event.replyToEventId, "$another:event.com");
  EXPECT_EQ(event.text, "This is where the reply goes");
  // the body fallback alone, without HTML
  const auto plain = in(clientEvent("m.room.message", json::parse(R"({
    "msgtype": "m.text", "body": "> <@alice:example.org> quoted\n> more\n\nanswer",
    "m.relates_to": {"m.in_reply_to": {"event_id": "$p"}}})")));
  EXPECT_EQ(plain.text, "answer");
  // a reply inside a thread carries the fallback too; a quote the sender wrote stays
  const auto inThread = in(clientEvent("m.room.message", json::parse(R"({
    "msgtype": "m.text", "body": "> * <@alice:example.org> waves\n\nhello",
    "m.relates_to": {"rel_type": "m.thread", "event_id": "$root",
                     "m.in_reply_to": {"event_id": "$p"}}})")));
  EXPECT_EQ(inThread.text, "hello");
  EXPECT_EQ(inThread.replyKind, ReplyKind::kThread);
  EXPECT_EQ(in(clientEvent("m.room.message", json::parse(R"({
    "msgtype": "m.text", "body": "> as they said\n\nyes",
    "m.relates_to": {"m.in_reply_to": {"event_id": "$p"}}})")))
                .text,
            "\\> as they said\n\nyes");
  // without a reply, a leading quote is the text
  EXPECT_EQ(in(clientEvent("m.room.message", {{"msgtype", "m.text"}, {"body", "> q\n\nx"}})).text,
            "\\> q\n\nx");
}

TEST(FromMatrixTest, AnEditTakesTheNewContent) {
  const auto event = in(clientEvent("m.room.message", json::parse(R"({
    "body": "* Hello! My name is bar",
    "msgtype": "m.text",
    "m.new_content": {"body": "Hello! My name is **bar**", "msgtype": "m.text",
                      "format": "org.matrix.custom.html",
                      "formatted_body": "Hello! My name is <b>bar</b>"},
    "m.relates_to": {"rel_type": "m.replace", "event_id": "$some_event_id"}})")));
  EXPECT_EQ(event.change, MessageChange::kEdit);
  EXPECT_EQ(event.targetRemoteId, "$some_event_id");
  EXPECT_EQ(event.text, "Hello! My name is **bar**");
  EXPECT_EQ(inError(clientEvent("m.room.message", json::parse(R"({
    "body": "* x", "msgtype": "m.text",
    "m.relates_to": {"rel_type": "m.replace", "event_id": "$e"}})")))
                .id,
            kErrMalformed);
}

TEST(FromMatrixTest, AReactionMapsItsKeyToAMattermostName) {
  const auto event = in(clientEvent("m.reaction", json::parse(R"({"m.relates_to": {
    "rel_type": "m.annotation", "event_id": "$some_event_id", "key": "👍"}})")));
  EXPECT_EQ(event.change, MessageChange::kReaction);
  EXPECT_EQ(event.targetRemoteId, "$some_event_id");
  EXPECT_EQ(event.emoji, "+1");
  EXPECT_EQ(event.reactionKey, "👍");
  EXPECT_EQ(in(clientEvent("m.reaction", json::parse(R"({"m.relates_to": {
    "rel_type": "m.annotation", "event_id": "$e", "key": "❤"}})")))
                .emoji,
            "heart");
  EXPECT_EQ(in(clientEvent("m.reaction", json::parse(R"({"m.relates_to": {
    "rel_type": "m.annotation", "event_id": "$e", "key": ":party_parrot:"}})")))
                .emoji,
            "party_parrot");
  EXPECT_EQ(inError(clientEvent("m.reaction", json::parse(R"({"m.relates_to": {
    "rel_type": "m.annotation", "event_id": "$e", "key": "not an emoji"}})")))
                .id,
            kErrNothingToBridge);
}

TEST(FromMatrixTest, RedactionsInBothPlaces) {
  json legacy = clientEvent("m.room.redaction", {{"reason", "spam"}});
  legacy["redacts"] = "$fukweghifu23:localhost";
  const auto old = in(legacy);
  EXPECT_EQ(old.change, MessageChange::kDelete);
  EXPECT_EQ(old.targetRemoteId, "$fukweghifu23:localhost");
  // room v11: in the content (which wins)
  json v11 = clientEvent("m.room.redaction", {{"redacts", "$v11:localhost"}});
  v11["redacts"] = "$v11:localhost";
  EXPECT_EQ(in(v11).targetRemoteId, "$v11:localhost");
  EXPECT_EQ(inError(clientEvent("m.room.redaction", json::object())).id, kErrMalformed);
}

TEST(FromMatrixTest, TheSpecsImageAndFileEvents) {
  const auto image = in(clientEvent("m.room.message", json::parse(R"({
    "body": "filename.jpg",
    "info": {"h": 398, "mimetype": "image/jpeg", "size": 31037, "w": 394},
    "msgtype": "m.image",
    "url": "mxc://example.org/JWEIFJgwEIhweiWJE"})")));
  EXPECT_EQ(image.change, MessageChange::kPost);
  EXPECT_EQ(image.text, "");
  ASSERT_EQ(image.files.size(), 1U);
  EXPECT_EQ(image.files[0].url, "mxc://example.org/JWEIFJgwEIhweiWJE");
  EXPECT_EQ(image.files[0].name, "filename.jpg");
  EXPECT_EQ(image.files[0].mimeType, "image/jpeg");
  EXPECT_EQ(image.files[0].size, 31037);

  // spec v1.10: a body that differs from filename is a caption
  const auto file = in(clientEvent("m.room.message", json::parse(R"({
    "body": "the **report**", "filename": "some/../file.pdf",
    "format": "org.matrix.custom.html", "formatted_body": "the <b>report</b>",
    "info": {"mimetype": "application/pdf", "size": -5},
    "msgtype": "m.file", "url": "mxc://example.org/FHyPlCeYUSFFxlgbQYZmoEoe"})")));
  EXPECT_EQ(file.text, "the **report**");
  ASSERT_EQ(file.files.size(), 1U);
  EXPECT_EQ(file.files[0].name, "some_.._file.pdf");
  EXPECT_EQ(file.files[0].size, 0);

  EXPECT_EQ(in(clientEvent("m.sticker", json::parse(R"({"body": "Landing",
    "info": {"mimetype": "image/png"}, "url": "mxc://matrix.org/sHhqkFCvSkFwtmvtETOtKnLP"})")))
                .files.size(),
            1U);
  EXPECT_EQ(inError(clientEvent("m.room.message", json::parse(R"({
    "body": "x.png", "msgtype": "m.image", "url": "https://example.org/x.png"})")))
                .id,
            kErrBadUrl);
  // Encrypted media: the file is named, with no URL to fetch.
  const auto encrypted = in(clientEvent("m.room.message", json::parse(R"({
    "body": "x.png", "msgtype": "m.image", "file": {"url": "mxc://e.org/x"}})")));
  ASSERT_EQ(encrypted.files.size(), 1U);
  EXPECT_EQ(encrypted.files[0].name, "x.png");
  EXPECT_EQ(encrypted.files[0].url, "");
  EXPECT_EQ(encrypted.text, "");
}

TEST(FromMatrixTest, CaptionRules) {
  // spec v1.10: body is the caption only when filename is there and differs from it
  const auto captioned = [](const char* content) {
    return in(clientEvent("m.room.message", json::parse(content)));
  };
  const auto same = captioned(R"({"msgtype": "m.file", "body": "a.pdf", "filename": "a.pdf",
    "url": "mxc://e.org/a"})");
  EXPECT_EQ(same.text, "");
  EXPECT_EQ(same.files[0].name, "a.pdf");
  const auto noFilename = captioned(R"({"msgtype": "m.video", "body": "clip.mp4",
    "url": "mxc://e.org/a"})");
  EXPECT_EQ(noFilename.text, "");
  EXPECT_EQ(noFilename.files[0].name, "clip.mp4");
  const auto caption = captioned(R"({"msgtype": "m.audio", "body": "listen", "filename": "s.ogg",
    "url": "mxc://e.org/a"})");
  EXPECT_EQ(caption.text, "listen");
  EXPECT_EQ(caption.files[0].name, "s.ogg");
  const auto unnamed = captioned(R"({"msgtype": "m.image", "body": "", "url": "mxc://e.org/a"})");
  EXPECT_EQ(unnamed.text, "");
  EXPECT_EQ(unnamed.files[0].name, "image");
}

TEST(FromMatrixTest, MentionsAndPills) {
  InboundOptions options;
  options.mentionResolver = [](std::string_view mxid) -> std::optional<std::string> {
    if (mxid == "@mm_alice:hs.example") return std::string("alice");
    return std::nullopt;
  };
  EXPECT_EQ(inError(clientEvent("m.room.message", json::parse(R"({
    "msgtype": "m.text", "body": "hi", "m.mentions": {"user_ids": ["@a:e.org", 5]}})")))
                .id,
            kErrMalformed);
  const auto good = in(clientEvent("m.room.message", json::parse(R"({
    "msgtype": "m.text", "body": "Alice: hi",
    "format": "org.matrix.custom.html",
    "formatted_body": "<a href=\"https://matrix.to/#/@mm_alice:hs.example\">Alice</a>: hi",
    "m.mentions": {"user_ids": ["@mm_alice:hs.example", "@bob:e.org"], "room": true}})")),
                       options);
  EXPECT_EQ(good.text, "@alice: hi");
  EXPECT_EQ(good.mentionedUserIds,
            (std::vector<std::string>{"@mm_alice:hs.example", "@bob:e.org"}));
  EXPECT_TRUE(good.mentionsRoom);
}

TEST(FromMatrixTest, NothingToBridge) {
  json state = clientEvent("m.room.member", {{"membership", "join"}});
  state["state_key"] = "@example:example.org";
  EXPECT_EQ(inError(state).id, kErrNothingToBridge);
  json stateMessage = clientEvent("m.room.message", {{"msgtype", "m.text"}, {"body", "x"}});
  stateMessage["state_key"] = "";
  EXPECT_EQ(inError(stateMessage).id, kErrNothingToBridge);
  EXPECT_EQ(inError(clientEvent("m.typing", json::object())).id, kErrNothingToBridge);
  EXPECT_EQ(inError(clientEvent("m.room.message", json::object())).id, kErrNothingToBridge);
  EXPECT_EQ(inError(clientEvent("m.room.message", {{"msgtype", "m.text"}, {"body", " "}})).id,
            kErrNothingToBridge);
  EXPECT_EQ(inError(clientEvent("m.room.encrypted", {{"algorithm", "m.megolm.v1.aes-sha2"}})).id,
            kErrUnsupported);
}

TEST(FromMatrixTest, BadInputIsAnErrorNeverACrash) {
  EXPECT_EQ(inError(json::array()).id, kErrMalformed);
  EXPECT_EQ(inError(json{{"type", 5}}).id, kErrMalformed);
  json noId = clientEvent("m.room.message", {{"msgtype", "m.text"}, {"body", "x"}});
  noId.erase("event_id");
  EXPECT_EQ(inError(noId).id, kErrMalformed);
  json badSender = clientEvent("m.room.message", {{"msgtype", "m.text"}, {"body", "x"}});
  badSender["sender"] = "example.org";
  EXPECT_EQ(inError(badSender).id, kErrMalformed);
  EXPECT_EQ(inError(clientEvent("m.room.message", {{"msgtype", "m.text"}, {"body", 42}})).id,
            kErrMalformed);
  EXPECT_EQ(inError(clientEvent("m.room.message", {{"msgtype", 1}, {"body", "x"}})).id,
            kErrMalformed);
  EXPECT_EQ(inError(clientEvent("m.room.message",
                                {{"msgtype", "m.text"},
                                 {"body", "x"},
                                 {"m.relates_to", {{"rel_type", "m.thread"}, {"event_id", 7}}}}))
                .id,
            kErrMalformed);
  EXPECT_EQ(inError(clientEvent("m.room.message",
                                {{"msgtype", "m.text"}, {"body", std::string(70000, 'a')}}))
                .id,
            kErrTooLarge);
  EXPECT_EQ(inError(clientEvent("m.room.message", {{"msgtype", "m.text"}, {"body", "x"}},
                                "$" + std::string(300, 'a')))
                .id,
            kErrTooLarge);
  EXPECT_EQ(fromMatrixText("{not json", {}).error().id, kErrMalformed);
  InboundOptions small;
  small.limits.maxEventBytes = 10;
  EXPECT_EQ(fromMatrixText(R"({"type": "m.room.message"})", small).error().id, kErrTooLarge);
  // HTML deeper than the parser goes: the plain body
  std::string deep;
  for (int i = 0; i < 3000; ++i) deep += "<ul><li>";
  deep += "bottom";
  const auto nested = in(clientEvent("m.room.message", {{"msgtype", "m.text"},
                                                        {"body", "bottom"},
                                                        {"format", "org.matrix.custom.html"},
                                                        {"formatted_body", deep}}));
  EXPECT_EQ(nested.text, "bottom");
}

// ------------------------------------------------------------------------------ media

TEST(MxcTest, ParsesValidUrisAndGivesBothDownloadPaths) {
  const auto mxc = parseMxc("mxc://example.org/JWEIFJgwEIhweiWJE");
  ASSERT_TRUE(mxc);
  EXPECT_EQ(mxc->serverName, "example.org");
  EXPECT_EQ(mxc->mediaId, "JWEIFJgwEIhweiWJE");
  EXPECT_EQ(
      mediaDownloadPaths(*mxc),
      (std::vector<std::string>{"/_matrix/client/v1/media/download/example.org/JWEIFJgwEIhweiWJE",
                                "/_matrix/media/v3/download/example.org/JWEIFJgwEIhweiWJE"}));
  EXPECT_TRUE(parseMxc("mxc://localhost:8448/a_b-c"));
  for (const char* bad :
       {"", "mxc://", "mxc://server", "mxc://server/", "mxc:///id", "https://server/id",
        "mxc://ser ver/id", "mxc://server/a/b", "mxc://server/..", "mxc://server/id?x=1"}) {
    EXPECT_FALSE(parseMxc(bad)) << bad;
  }
}

TEST(MxcTest, MsgtypeFollowsTheMimeType) {
  EXPECT_EQ(msgtypeForMime("image/png"), "m.image");
  EXPECT_EQ(msgtypeForMime("Video/MP4"), "m.video");
  EXPECT_EQ(msgtypeForMime("audio/ogg"), "m.audio");
  EXPECT_EQ(msgtypeForMime("application/pdf"), "m.file");
  EXPECT_EQ(msgtypeForMime(""), "m.file");
}

// -------------------------------------------------------------------------- round trip

TEST(RoundTripTest, WhatWeSendWeReadBackAsTheSameMarkdown) {
  for (const char* text :
       {"**bold** and *it* and ~~gone~~", "`code` [docs](https://example.org)",
        "# Title\n\n- one\n- two", "> quoted\n\nafter", "```cpp\nint x = 1;\n```"}) {
    const auto out = events(post(text), request());
    ASSERT_EQ(out.size(), 1U);
    json event = clientEvent("m.room.message", out[0].content);
    EXPECT_EQ(in(event).text, text);
  }
}

}  // namespace
}  // namespace parley::bridges::matrix
