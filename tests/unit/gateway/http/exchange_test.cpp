#include "gateway/http/exchange.hpp"

#include <gtest/gtest.h>

#include "gateway/http/error.hpp"

namespace parley::gateway::http {
namespace {

TEST(QueryParams, DecodesEscapesAndPlus) {
  const auto query =
      QueryParams::parse("a=1&name=J%C3%BCrgen+M&empty=&flag&get_server_status=true");
  EXPECT_EQ(query.get("a"), "1");
  EXPECT_EQ(query.get("name"), "J\xc3\xbcrgen M");
  EXPECT_EQ(query.get("empty"), "");
  EXPECT_EQ(query.get("flag"), "");
  EXPECT_FALSE(query.get("missing").has_value());
  EXPECT_TRUE(query.isTrue("get_server_status"));
  EXPECT_FALSE(query.isTrue("a"));
}

TEST(QueryParams, FirstValueWinsAndMalformedEscapesAreDropped) {
  const auto query = QueryParams::parse("x=first&x=second&bad=%4&worse=%zz&ok=%41");
  EXPECT_EQ(query.get("x"), "first");
  EXPECT_FALSE(query.get("bad").has_value());
  EXPECT_FALSE(query.get("worse").has_value());
  EXPECT_EQ(query.get("ok"), "A");
}

TEST(PercentDecode, RejectsTruncatedEscapes) {
  std::string out;
  EXPECT_TRUE(percentDecode("a%2Fb", out, false));
  EXPECT_EQ(out, "a/b");
  EXPECT_TRUE(percentDecode("a+b", out, false));
  EXPECT_EQ(out, "a+b") << "'+' is only a space in query strings";
  EXPECT_FALSE(percentDecode("%", out, false));
  EXPECT_FALSE(percentDecode("ab%2", out, false));
}

TEST(Request, SplitsPathAndQuery) {
  BeastRequest raw{http_proto::verb::get, "/api/v4/system/ping?get_server_status=true", 11};
  raw.set("X-Custom", "value");
  Request request(raw, "rid", "127.0.0.1");
  EXPECT_EQ(request.path(), "/api/v4/system/ping");
  EXPECT_TRUE(request.query().isTrue("get_server_status"));
  EXPECT_EQ(request.header("x-custom"), "value");
  EXPECT_EQ(request.header("absent"), "");
}

TEST(ErrorJson, HasMattermostShapeAndHidesDetailUnlessDeveloperMode) {
  const core::Error error =
      core::makeError(core::ErrorCode::kPermissionDenied, "api.context.permissions.app_error",
                      "You do not have the appropriate permissions.", "internal detail");
  const auto hidden = nlohmann::json::parse(errorJson(error, 403, "req123", false));
  EXPECT_EQ(hidden["id"], "api.context.permissions.app_error");
  EXPECT_EQ(hidden["message"], "You do not have the appropriate permissions.");
  EXPECT_EQ(hidden["detailed_error"], "");
  EXPECT_EQ(hidden["request_id"], "req123");
  EXPECT_EQ(hidden["status_code"], 403);
  const auto shown = nlohmann::json::parse(errorJson(error, 403, "req123", true));
  EXPECT_EQ(shown["detailed_error"], "internal detail");
}

TEST(ErrorJson, StatusFollowsTheErrorCode) {
  EXPECT_EQ(statusFor(core::ErrorCode::kInvalidArgument), 400u);
  EXPECT_EQ(statusFor(core::ErrorCode::kUnauthenticated), 401u);
  EXPECT_EQ(statusFor(core::ErrorCode::kPermissionDenied), 403u);
  EXPECT_EQ(statusFor(core::ErrorCode::kNotFound), 404u);
  EXPECT_EQ(statusFor(core::ErrorCode::kTooLarge), 413u);
  EXPECT_EQ(statusFor(core::ErrorCode::kRateLimited), 429u);
  EXPECT_EQ(statusFor(core::ErrorCode::kNotImplemented), 501u);
  EXPECT_EQ(statusFor(core::ErrorCode::kUnavailable), 503u);
}

}  // namespace
}  // namespace parley::gateway::http
