// The pure parts of incoming webhooks: reading a request, validating hooks, and the posts a
// request becomes (split text, attachments, props, overrides).

#include "core/services/webhook_service.hpp"

#include <gtest/gtest.h>

namespace parley::core::services {
namespace {

using nlohmann::json;

model::IncomingWebhook hook() {
  model::IncomingWebhook h;
  h.id = "hookaaaaaaaaaaaaaaaaaaaaaa";
  h.userId = "useraaaaaaaaaaaaaaaaaaaaaa";
  h.channelId = "channelaaaaaaaaaaaaaaaaaaa";
  h.teamId = "teamaaaaaaaaaaaaaaaaaaaaaa";
  h.displayName = "CI";
  h.username = "ci-bot";
  h.iconUrl = "https://ci.example.org/icon.png";
  return h;
}

TEST(ParseIncomingWebhookRequest, ReadsEveryField) {
  auto request = parseIncomingWebhookRequest(R"({
    "text": "Build <https://ci/1|#1> passed <!channel>", "channel": "town-square",
    "username": "builder", "icon_url": "https://x/i.png", "icon_emoji": ":rocket:",
    "type": "custom_ci", "props": {"card": "details"},
    "attachments": [{"fallback": "f", "color": "#36a64f", "title": "Build", "ts": 1700000000,
                     "fields": [{"title": "Branch", "value": "main", "short": true},
                                {"title": "Count", "value": 3}]}],
    "priority": {"priority": "important"}, "unknown": 1})");
  ASSERT_TRUE(request.ok()) << request.error().detail;
  EXPECT_EQ(request->channel, "town-square");
  EXPECT_EQ(request->iconEmoji, ":rocket:");
  EXPECT_EQ(request->type, "custom_ci");
  EXPECT_EQ(request->props, json({{"card", "details"}}));
  EXPECT_EQ(request->attachments[0]["fields"][0]["value"], "main");
}

TEST(ParseIncomingWebhookRequest, RejectsMalformedShapes) {
  for (const char* body :
       {"", "not json", "[]", "\"text\"", R"({"text": 5})", R"({"channel": ["a"]})",
        R"({"props": "x"})", R"({"attachments": {"text": "x"}})", R"({"attachments": ["x"]})",
        R"({"attachments": [{"title": 1}]})", R"({"attachments": [{"fields": {"a": 1}}]})",
        R"({"attachments": [{"fields": [{"title": "t", "short": "yes"}]}]})",
        R"({"attachments": [{"ts": true}]})", R"({"priority": "urgent"})"}) {
    SCOPED_TRACE(body);
    auto request = parseIncomingWebhookRequest(body);
    ASSERT_FALSE(request.ok());
    EXPECT_EQ(request.error().id, "model.incoming_hook.parse_data.app_error");
    EXPECT_EQ(request.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(ProcessSlackText, MentionsAndLinks) {
  EXPECT_EQ(processSlackText("<!channel> <!here> <!all> x"), "@channel @here @all x");
}

TEST(BuildWebhookPosts, AttachmentsPropsAndOverrides) {
  model::IncomingWebhookRequest request;
  request.text = "See <https://ci.example.org/1|build 1> <!here>";
  request.username = "release-bot";
  request.iconEmoji = ":rocket:";
  request.props = {{"card", "more"}, {"from_webhook", "false"}, {"override_username", "x"}};
  request.attachments = json::parse(R"([{"color": "danger", "text": "<!channel> failed",
      "fields": [{"title": "Stage", "value": "<!here> test", "short": true}]}])");
  auto posts = buildWebhookPosts(request, hook(), {true, true, true});
  ASSERT_TRUE(posts.ok()) << posts.error().id;
  ASSERT_EQ(posts->size(), 1u);
  const auto& post = (*posts)[0];
  EXPECT_EQ(post.message, "See [build 1](https://ci.example.org/1) @here");
  EXPECT_EQ(post.type, "slack_attachment");
  EXPECT_EQ(post.props["from_webhook"], "true");
  EXPECT_EQ(post.props["webhook_display_name"], "CI");
  EXPECT_EQ(post.props["override_username"], "release-bot");
  EXPECT_EQ(post.props["override_icon_url"], "https://ci.example.org/icon.png");
  EXPECT_EQ(post.props["override_icon_emoji"], ":rocket:");
  EXPECT_EQ(post.props["card"], "more");
  EXPECT_EQ(post.props["attachments"][0]["color"], "danger");
  EXPECT_EQ(post.props["attachments"][0]["text"], "@channel failed");
  EXPECT_EQ(post.props["attachments"][0]["fields"][0]["value"], "@here test");
}

TEST(BuildWebhookPosts, OverridesOnlyWhenTheSettingsAllow) {
  model::IncomingWebhookRequest request;
  request.text = "hi";
  request.username = "someone";
  request.iconUrl = "https://x/i.png";
  auto off = buildWebhookPosts(request, hook(), {true, false, false});
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE((*off)[0].props.contains("override_username"));
  EXPECT_FALSE((*off)[0].props.contains("override_icon_url"));
  EXPECT_EQ((*off)[0].type, "");

  model::IncomingWebhookRequest bare;
  bare.text = "hi";
  auto defaults = buildWebhookPosts(bare, model::IncomingWebhook{}, {true, true, true});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ((*defaults)[0].props["override_username"], "webhook");
  EXPECT_FALSE((*defaults)[0].props.contains("override_icon_url"));
}

TEST(BuildWebhookPosts, LongTextIsSplitOnCharacterBoundaries) {
  model::IncomingWebhookRequest request;
  // 16,383 two-byte characters, then 10 more: two posts, nothing cut in half.
  request.text = std::string(16383 * 2, '\0');
  for (std::size_t i = 0; i < request.text.size(); i += 2) {
    request.text[i] = '\xC3';
    request.text[i + 1] = '\xA9';
  }
  request.text += "0123456789";
  request.attachments = json::parse(R"([{"text": "last"}])");
  auto posts = buildWebhookPosts(request, hook(), {});
  ASSERT_TRUE(posts.ok());
  ASSERT_EQ(posts->size(), 2u);
  EXPECT_EQ((*posts)[0].message.size(), 16383u * 2);
  EXPECT_EQ((*posts)[1].message, "0123456789");
  EXPECT_FALSE((*posts)[0].props.contains("attachments"));
  EXPECT_EQ((*posts)[1].props["attachments"][0]["text"], "last");
  EXPECT_EQ((*posts)[0].props["from_webhook"], "true");
}

TEST(BuildWebhookPosts, RejectsWhatMattermostRejects) {
  model::IncomingWebhookRequest empty;
  EXPECT_EQ(buildWebhookPosts(empty, hook(), {}).error().id, "web.incoming_webhook.text.app_error");

  model::IncomingWebhookRequest system;
  system.text = "x";
  system.type = "system_join_channel";
  EXPECT_EQ(buildWebhookPosts(system, hook(), {}).error().id,
            "api.context.invalid_param.app_error");

  model::IncomingWebhookRequest priority;
  priority.text = "x";
  priority.priority = json::object();
  EXPECT_EQ(buildWebhookPosts(priority, hook(), {}).error().id,
            "api.context.invalid_param.app_error");

  model::IncomingWebhookRequest huge;
  huge.text = "x";
  huge.props = {{"blob", std::string(kWebhookPropsMaxRunes + 1, 'x')}};
  EXPECT_EQ(buildWebhookPosts(huge, hook(), {}).error().id,
            "web.incoming_webhook.split_props_length.app_error");
}

TEST(ValidateIncomingWebhookInput, LengthsIdsAndUsername) {
  IncomingWebhookInput input;
  input.channelId = "channelaaaaaaaaaaaaaaaaaaa";
  EXPECT_TRUE(validateIncomingWebhookInput(input).ok());
  auto bad = input;
  bad.channelId = "nope";
  EXPECT_EQ(validateIncomingWebhookInput(bad).error().id,
            "model.incoming_hook.channel_id.app_error");
  bad = input;
  bad.displayName = std::string(65, 'd');
  EXPECT_EQ(validateIncomingWebhookInput(bad).error().id,
            "model.incoming_hook.display_name.app_error");
  bad = input;
  bad.description = std::string(501, 'd');
  EXPECT_EQ(validateIncomingWebhookInput(bad).error().id,
            "model.incoming_hook.description.app_error");
  bad = input;
  bad.username = "Not Valid!";
  EXPECT_EQ(validateIncomingWebhookInput(bad).error().id,
            "api.incoming_webhook.invalid_username.app_error");
}

}  // namespace
}  // namespace parley::core::services
