// Post JSON both ways: what POST /posts and the patch route accept (and reject with
// Mattermost's error id), and the shape clients read (metadata, omitempty fields, PostList).

#include "gateway/api/json/post_json.hpp"

#include <gtest/gtest.h>

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

TEST(PostJson, WritesMetadataAndOmitsEmptyOptionalFields) {
  core::model::Post post;
  post.id = "p";
  post.channelId = "c";
  post.message = "hello";
  const auto out = postToJson(post);
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
  const auto withReaction = postToJson(post);
  EXPECT_EQ(withReaction["has_reactions"], true);
  EXPECT_EQ(withReaction["metadata"]["reactions"][0]["emoji_name"], "+1");
  EXPECT_TRUE(withReaction["metadata"]["reactions"][0]["remote_id"].is_null());
}

TEST(PostJson, PostListCarriesOrderPostsAndCursors) {
  core::model::PostList list;
  core::model::Post post;
  post.id = "p1";
  list.order.push_back(post.id);
  list.add(post);
  list.prevPostId = "p0";
  auto out = postListToJson(list);
  EXPECT_EQ(out["order"], nlohmann::json({"p1"}));
  EXPECT_EQ(out["posts"]["p1"]["id"], "p1");
  EXPECT_EQ(out["next_post_id"], "");
  EXPECT_EQ(out["prev_post_id"], "p0");
  EXPECT_FALSE(out.contains("has_next"));
  list.hasNext = false;
  EXPECT_EQ(postListToJson(list)["has_next"], false);
}

TEST(PostJson, StringArraysNameTheParameter) {
  EXPECT_EQ(*stringArrayFromJson(R"(["a","b"])", "post_ids"), (std::vector<std::string>{"a", "b"}));
  auto bad = stringArrayFromJson(R"(["a",1])", "post_ids");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("post_ids"), std::string::npos);
}

}  // namespace
}  // namespace parley::gateway::api::json
