// POST /hooks/{id} bodies as scripts send them: JSON, form payload=, multipart fields.

#include "gateway/api/webhooks.hpp"

#include <gtest/gtest.h>

namespace parley::gateway::api {
namespace {

TEST(ParseWebhookBody, JsonWithOrWithoutContentType) {
  for (const char* type : {"application/json", "application/json; charset=utf-8", ""}) {
    auto request = parseWebhookBody(type, R"({"text": "hello", "channel": "@alice"})");
    ASSERT_TRUE(request.ok()) << type;
    EXPECT_EQ(request->text, "hello");
    EXPECT_EQ(request->channel, "@alice");
  }
}

TEST(ParseWebhookBody, FormPayloadAsSlackScriptsSendIt) {
  auto request = parseWebhookBody(
      "application/x-www-form-urlencoded",
      "payload=%7B%22text%22%3A+%22deployed+v1.2%22%2C+%22icon_emoji%22%3A+%22%3Aship%3A%22%7D");
  ASSERT_TRUE(request.ok()) << request.error().detail;
  EXPECT_EQ(request->text, "deployed v1.2");
  EXPECT_EQ(request->iconEmoji, ":ship:");
  EXPECT_EQ(parseWebhookBody("application/x-www-form-urlencoded", "text=hi").error().id,
            "model.incoming_hook.parse_data.app_error");
}

TEST(ParseWebhookBody, MultipartFields) {
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nfrom curl -F\r\n"
      "--b\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\ncurl\r\n--b--\r\n";
  auto request = parseWebhookBody("multipart/form-data; boundary=b", body);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->text, "from curl -F");
  EXPECT_EQ(request->username, "curl");

  const std::string unknown =
      "--b\r\nContent-Disposition: form-data; name=\"attachments\"\r\n\r\n[]\r\n--b--\r\n";
  EXPECT_EQ(parseWebhookBody("multipart/form-data; boundary=b", unknown).error().id,
            "api.webhook.incoming.error");
  EXPECT_EQ(parseWebhookBody("multipart/form-data; boundary=b", "--b\r\n\r\nx").error().id,
            "api.webhook.incoming.error");
}

TEST(ParseWebhookBody, MalformedJsonIs400) {
  auto request = parseWebhookBody("application/json", "{\"text\": ");
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(request.error().id, "model.incoming_hook.parse_data.app_error");
}

}  // namespace
}  // namespace parley::gateway::api
