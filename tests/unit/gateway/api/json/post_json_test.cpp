// Post JSON both ways: what POST /posts and the patch route accept (and reject with
// Mattermost's error id), and the shape clients read (metadata, omitempty fields, PostList).

#include "gateway/api/json/post_json.hpp"

#include <gtest/gtest.h>

#include "core/common/json_text.hpp"

namespace parley::gateway::api::json {
namespace {

constexpr const char* kInvalidBody = "api.context.invalid_body_param.app_error";

TEST(PostJson, ReadsTheFieldsClientsSend) {
  auto post = postFromJson(R"({"channel_id":"c","message":"hi","root_id":"r",
      "file_ids":["f1","f2"],"props":{"k":1},"pending_post_id":"u:1","create_at":5,
      "metadata":{"priority":{}},"user_id":"ignored"})");
  ASSERT_TRUE(post.ok()) << post.error().message;
  EXPECT_EQ(post->channelId, "c");
  EXPECT_EQ(post->message, "hi");
  EXPECT_EQ(post->rootId, "r");
  EXPECT_EQ(post->fileIds, (std::vector<std::string>{"f1", "f2"}));
  EXPECT_EQ(post->props, nlohmann::json({{"k", 1}}));
  EXPECT_EQ(post->pendingPostId, "u:1");
  EXPECT_EQ(post->createAt, 5);
  EXPECT_EQ(post->userId, "") << "user_id comes from the session, never from the body";
}

TEST(PostJson, RejectsMalformedBodiesAndWrongTypes) {
  for (const char* body : {"", "not json", "[]", R"({"message":5})", R"({"channel_id":["x"]})",
                           R"({"props":"text"})", R"({"file_ids":"f1"})", R"({"file_ids":[1]})",
                           R"({"create_at":"now"})", R"({"root_id":{}})"}) {
    auto post = postFromJson(body);
    ASSERT_FALSE(post.ok()) << body;
    EXPECT_EQ(post.error().id, kInvalidBody) << body;
  }
}

TEST(PostJson, PatchKeepsAbsentAndNullFieldsUnset) {
  auto patch = postPatchFromJson(R"({"message":"new","props":null})");
  ASSERT_TRUE(patch.ok());
  EXPECT_EQ(patch->message, "new");
  EXPECT_FALSE(patch->props.has_value());
  EXPECT_FALSE(patch->isPinned.has_value());
  EXPECT_FALSE(patch->fileIds.has_value());
  EXPECT_FALSE(postPatchFromJson(R"({"is_pinned":"yes"})").ok());
  EXPECT_FALSE(postPatchFromJson("[1]").ok());
}

// The text as clients parse it; ParsesBackToTheSameText holds it to nlohmann's own writing.
nlohmann::json parsed(const std::string& text) { return nlohmann::json::parse(text); }

TEST(PostJson, WritesMetadataAndOmitsEmptyOptionalFields) {
  core::model::Post post;
  post.id = "p";
  post.channelId = "c";
  post.message = "hello";
  const auto out = parsed(postJsonText(post));
  EXPECT_EQ(out["root_id"], "");
  EXPECT_EQ(out["file_ids"], nlohmann::json::array());
  EXPECT_TRUE(out["participants"].is_null());
  EXPECT_FALSE(out.contains("has_reactions"));
  EXPECT_FALSE(out.contains("remote_id"));
  for (const char* key : {"embeds", "emojis", "files", "reactions"}) {
    EXPECT_EQ(out["metadata"][key], nlohmann::json::array()) << key;
  }
  EXPECT_EQ(out["metadata"]["images"], nlohmann::json::object());

  core::model::Reaction reaction{"u", "p", "+1", "c", 1, 1, 0, ""};
  post.reactions.push_back(reaction);
  post.hasReactions = true;
  const auto withReaction = parsed(postJsonText(post));
  EXPECT_EQ(withReaction["has_reactions"], true);
  EXPECT_EQ(withReaction["metadata"]["reactions"][0]["emoji_name"], "+1");
  EXPECT_TRUE(withReaction["metadata"]["reactions"][0]["remote_id"].is_null());
}

// Every member a client reads, with the value it was given.
TEST(PostJson, WritesEveryFieldWithItsValue) {
  core::model::Post post;
  post.id = "p1";
  post.createAt = 1700000000001;
  post.updateAt = 1700000000002;
  post.editAt = 1700000000003;
  post.deleteAt = 0;
  post.isPinned = true;
  post.userId = "u1";
  post.channelId = "c1";
  post.rootId = "r1";
  post.originalId = "o1";
  post.message = "two\nlines, \"quoted\" \\ tab\t bell\x07 caf\u00e9 \U0001F600";
  post.type = "me";
  post.props = {{"from_webhook", "true"}, {"nested", {{"a", {1, 2}}}}};
  post.hashtags = "#one #two";
  post.fileIds = {"f1", "f2"};
  post.pendingPostId = "u1:1700000000000";
  post.remoteId = "remote";
  post.replyCount = 3;
  post.lastReplyAt = 1700000000009;
  core::model::FileInfo file;
  file.id = "f1";
  file.name = "a.png";
  file.mimeType = "image/png";
  file.size = 42;
  post.files.push_back(file);

  const auto out = parsed(postJsonText(post));
  EXPECT_EQ(out["id"], "p1");
  EXPECT_EQ(out["create_at"], 1700000000001);
  EXPECT_EQ(out["update_at"], 1700000000002);
  EXPECT_EQ(out["edit_at"], 1700000000003);
  EXPECT_EQ(out["delete_at"], 0);
  EXPECT_EQ(out["is_pinned"], true);
  EXPECT_EQ(out["user_id"], "u1");
  EXPECT_EQ(out["channel_id"], "c1");
  EXPECT_EQ(out["root_id"], "r1");
  EXPECT_EQ(out["original_id"], "o1");
  EXPECT_EQ(out["message"], post.message);
  EXPECT_EQ(out["type"], "me");
  EXPECT_EQ(out["props"], post.props);
  EXPECT_EQ(out["hashtags"], "#one #two");
  EXPECT_EQ(out["file_ids"], nlohmann::json({"f1", "f2"}));
  EXPECT_EQ(out["pending_post_id"], "u1:1700000000000");
  EXPECT_EQ(out["remote_id"], "remote");
  EXPECT_EQ(out["reply_count"], 3);
  EXPECT_EQ(out["last_reply_at"], 1700000000009);
  EXPECT_EQ(out["metadata"]["files"][0]["id"], "f1");
  EXPECT_EQ(out["metadata"]["files"][0]["size"], 42);
}

// The text is what nlohmann writes for the same object (members in key order, its escapes):
// parsing it and writing it again changes nothing. Invalid UTF-8 becomes U+FFFD.
TEST(PostJson, ParsesBackToTheSameText) {
  core::model::Post post;
  post.id = "p1";
  post.channelId = "c1";
  post.props = {{"z", 1}, {"a", "x"}};
  post.fileIds = {"f1"};
  post.reactions.push_back({"u", "p1", "+1", "c1", 1, 2, 0, "remote"});
  post.hasReactions = true;
  post.remoteId = "r";
  for (const std::string& message :
       {std::string("plain"), std::string("ctl \x01\x1f\x7f \" \\ /"),
        std::string("caf\u00e9 \U0001F600"), std::string("bad \xff\xfe utf-8 \xc3")}) {
    post.message = message;
    const std::string text = postJsonText(post);
    EXPECT_EQ(core::dumpJson(nlohmann::json::parse(text)), text) << message;
  }
  EXPECT_EQ(parsed(postJsonText(post))["message"], "bad \ufffd\ufffd utf-8 \ufffd");

  core::model::PostList list;
  list.order = {"b", "a"};
  for (const char* id : {"b", "a"}) {
    post.id = id;
    list.add(post);
  }
  list.hasNext = true;
  const nlohmann::json matches = {{"a", {"word"}}};
  for (const auto* withMatches : {static_cast<const nlohmann::json*>(nullptr), &matches}) {
    const std::string text = postListJsonText(list, withMatches);
    EXPECT_EQ(core::dumpJson(nlohmann::json::parse(text)), text);
  }
  const std::string array = postsJsonText({post, post});
  EXPECT_EQ(core::dumpJson(nlohmann::json::parse(array)), array);
  EXPECT_EQ(postsJsonText({}), "[]");
}

TEST(PostJson, PostListCarriesOrderPostsAndCursors) {
  core::model::PostList list;
  core::model::Post post;
  post.id = "p1";
  list.order.push_back(post.id);
  list.add(post);
  list.prevPostId = "p0";
  auto out = parsed(postListJsonText(list));
  EXPECT_EQ(out["order"], nlohmann::json({"p1"}));
  EXPECT_EQ(out["posts"]["p1"]["id"], "p1");
  EXPECT_EQ(out["next_post_id"], "");
  EXPECT_EQ(out["prev_post_id"], "p0");
  EXPECT_EQ(out["first_inaccessible_post_time"], 0);
  EXPECT_FALSE(out.contains("has_next"));
  EXPECT_FALSE(out.contains("matches"));
  list.hasNext = false;
  EXPECT_EQ(parsed(postListJsonText(list))["has_next"], false);
  const nlohmann::json matches = {{"p1", {"hello"}}};
  EXPECT_EQ(parsed(postListJsonText(list, &matches))["matches"], matches);
}

TEST(PostJson, StringArraysNameTheParameter) {
  EXPECT_EQ(*stringArrayFromJson(R"(["a","b"])", "post_ids"), (std::vector<std::string>{"a", "b"}));
  auto bad = stringArrayFromJson(R"(["a",1])", "post_ids");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("post_ids"), std::string::npos);
}

}  // namespace
}  // namespace parley::gateway::api::json
