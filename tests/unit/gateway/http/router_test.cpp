#include "gateway/http/router.hpp"

#include <gtest/gtest.h>

namespace parley::gateway::http {
namespace {

using http_proto::verb;

Handler answering(std::string body) {
  return [body](Request&) -> asio::awaitable<Response> { co_return Response::json(200, body); };
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() : router_(metrics_) {
    router_.add(verb::get, "/api/v4/system/ping", answering("ping"));
    router_.add(verb::get, "/api/v4/users/{user_id}", answering("get user"));
    router_.add(verb::put, "/api/v4/users/{user_id}", answering("put user"));
    router_.add(verb::get, "/api/v4/users/me", answering("me"));
    router_.add(verb::get, "/api/v4/users/{user_id}/teams/{team_id}", answering("member"));
  }
  core::metrics::Registry metrics_;
  Router router_;
};

TEST_F(RouterTest, LiteralRouteMatches) {
  const auto match = router_.match(verb::get, "/api/v4/system/ping");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->pattern, "/api/v4/system/ping");
  EXPECT_TRUE(match.params.empty());
}

TEST_F(RouterTest, LiteralRouteWinsOverCapture) {
  const auto match = router_.match(verb::get, "/api/v4/users/me");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->pattern, "/api/v4/users/me");
}

TEST_F(RouterTest, CapturesAreDecodedAndNamed) {
  const auto match = router_.match(verb::get, "/api/v4/users/abc%20def/teams/t1");
  ASSERT_NE(match.route, nullptr);
  ASSERT_EQ(match.params.size(), 2u);
  EXPECT_EQ(match.params[0].first, "user_id");
  EXPECT_EQ(match.params[0].second, "abc def");
  EXPECT_EQ(match.params[1].first, "team_id");
  EXPECT_EQ(match.params[1].second, "t1");
}

TEST_F(RouterTest, MethodIsPartOfTheRoute) {
  const auto match = router_.match(verb::put, "/api/v4/users/u1");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->method, verb::put);
}

TEST_F(RouterTest, WrongMethodReportsTheAllowedOnes) {
  const auto match = router_.match(verb::delete_, "/api/v4/users/u1");
  EXPECT_EQ(match.route, nullptr);
  EXPECT_EQ(match.allowed, (std::vector<verb>{verb::get, verb::put}));
  const auto literal = router_.match(verb::post, "/api/v4/system/ping");
  EXPECT_EQ(literal.route, nullptr);
  EXPECT_EQ(literal.allowed, (std::vector<verb>{verb::get}));
}

TEST_F(RouterTest, HeadFallsBackToGet) {
  const auto match = router_.match(verb::head, "/api/v4/system/ping");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->method, verb::get);
}

TEST_F(RouterTest, UnknownPathsAndSegmentCountsDoNotMatch) {
  EXPECT_EQ(router_.match(verb::get, "/api/v4/nothing").route, nullptr);
  EXPECT_TRUE(router_.match(verb::get, "/api/v4/nothing").allowed.empty());
  EXPECT_EQ(router_.match(verb::get, "/api/v4/users/u1/teams").route, nullptr);
  EXPECT_EQ(router_.match(verb::get, "/api/v4/users/bad%zzescape").route, nullptr);
}

TEST_F(RouterTest, RegisteringTheSameRouteTwiceIsAProgrammingError) {
  EXPECT_THROW(router_.add(verb::get, "/api/v4/system/ping", answering("again")), std::logic_error);
}

TEST_F(RouterTest, NoRouteHasItsOwnBodyLimitUnlessGivenOne) {
  EXPECT_EQ(router_.largestBodyLimit(), 0u);
  EXPECT_EQ(router_.bodyLimit(verb::put, "/api/v4/users/u1"), nullptr);
}

TEST_F(RouterTest, LiteralAndPatternRoutesCarryTheirOwnBodyLimit) {
  BodyLimit upload;
  upload.bytes = 1000;
  router_.add(verb::post, "/api/v4/files", answering("upload"), upload);
  BodyLimit transactions;
  transactions.bytes = 5000;
  transactions.tooLargeBody = R"({"errcode":"M_TOO_LARGE"})";
  router_.add(verb::put, "/_matrix/app/v1/transactions/{txnId}", answering("v1"), transactions);
  router_.add(verb::put, "/transactions/{txnId}", answering("legacy"), transactions);
  EXPECT_EQ(router_.largestBodyLimit(), 5000u);

  const BodyLimit* literal = router_.bodyLimit(verb::post, "/api/v4/files");
  ASSERT_NE(literal, nullptr);
  EXPECT_EQ(literal->bytes, 1000u);
  for (const char* path : {"/_matrix/app/v1/transactions/42", "/transactions/a%20b"}) {
    const BodyLimit* limit = router_.bodyLimit(verb::put, path);
    ASSERT_NE(limit, nullptr) << path;
    EXPECT_EQ(limit->bytes, 5000u);
    EXPECT_EQ(limit->tooLargeBody, R"({"errcode":"M_TOO_LARGE"})");
    // The route that gets the request is the one whose limit applies.
    EXPECT_EQ(router_.match(verb::put, path).route->bodyLimit->bytes, 5000u);
  }
  // Another method, another segment count, another literal segment, a capture that does not
  // decode, or a route without a limit: the server-wide limit.
  EXPECT_EQ(router_.bodyLimit(verb::post, "/_matrix/app/v1/transactions/42"), nullptr);
  EXPECT_EQ(router_.bodyLimit(verb::put, "/_matrix/app/v1/transactions/42/x"), nullptr);
  EXPECT_EQ(router_.bodyLimit(verb::put, "/_matrix/app/v2/transactions/42"), nullptr);
  EXPECT_EQ(router_.bodyLimit(verb::put, "/transactions/bad%zz"), nullptr);
  EXPECT_EQ(router_.bodyLimit(verb::put, "/api/v4/users/u1"), nullptr);
  EXPECT_EQ(router_.bodyLimit(verb::post, "/api/v4/files/x"), nullptr);
}

TEST_F(RouterTest, ALimitedPatternShadowedByAnEarlierRouteDoesNotApply) {
  // "/api/v4/users/{user_id}" (PUT, no limit) comes first: its requests keep the API's limit.
  BodyLimit big;
  big.bytes = 5000;
  router_.add(verb::put, "/api/v4/{thing}/{id}", answering("later"), big);
  EXPECT_EQ(router_.bodyLimit(verb::put, "/api/v4/users/u1"), nullptr);
  ASSERT_NE(router_.bodyLimit(verb::put, "/api/v4/teams/t1"), nullptr);
  // A literal route of the path, without a limit, wins too.
  router_.add(verb::put, "/api/v4/teams/special", answering("literal"));
  EXPECT_EQ(router_.bodyLimit(verb::put, "/api/v4/teams/special"), nullptr);
}

TEST_F(RouterTest, EachRouteCountsItsRequestsByStatusClass) {
  const auto match = router_.match(verb::get, "/api/v4/system/ping");
  match.route->metrics->record(200, 0.001);
  match.route->metrics->record(404, 0.002);
  match.route->metrics->record(200, 0.003);
  const std::string text = metrics_.render();
  EXPECT_NE(
      text.find(
          R"(parley_http_requests_total{method="GET",route="/api/v4/system/ping",code="2xx"} 2)"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find(
          R"(parley_http_requests_total{method="GET",route="/api/v4/system/ping",code="4xx"} 1)"),
      std::string::npos);
  EXPECT_NE(
      text.find(
          R"(parley_http_request_duration_seconds_count{method="GET",route="/api/v4/system/ping"} 3)"),
      std::string::npos);
}

}  // namespace
}  // namespace parley::gateway::http
