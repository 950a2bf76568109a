#include "gateway/http/auth.hpp"

#include <gtest/gtest.h>

#include <initializer_list>

namespace parley::gateway::http {
namespace {

// A request as the server hands it to handlers; the raw request must outlive the view.
struct TestRequest {
  TestRequest(http_proto::verb method, const std::string& target,
              std::initializer_list<std::pair<std::string, std::string>> headers) {
    raw.method(method);
    raw.target(target);
    for (const auto& [name, value] : headers) raw.set(name, value);
    request.emplace(raw, "request-id", "127.0.0.1");
  }
  BeastRequest raw;
  std::optional<Request> request;
};

AuthToken tokenOf(std::initializer_list<std::pair<std::string, std::string>> headers,
                  const std::string& target = "/api/v4/users/me") {
  TestRequest test(http_proto::verb::get, target, headers);
  return extractToken(*test.request);
}

TEST(ExtractToken, CookieWinsOverTheAuthorizationHeader) {
  const auto token = tokenOf({{"Cookie", "theme=dark; MMAUTHTOKEN=fromcookie; MMUSERID=u"},
                              {"Authorization", "Bearer fromheader"}});
  EXPECT_EQ(token.token, "fromcookie");
  EXPECT_EQ(token.location, TokenLocation::kCookie);
}

TEST(ExtractToken, BearerThenTokenSchemeCaseInsensitive) {
  auto token = tokenOf({{"Authorization", "bEaReR abc"}});
  EXPECT_EQ(token.token, "abc");
  EXPECT_EQ(token.location, TokenLocation::kHeader);
  token = tokenOf({{"Authorization", "Token legacy"}});
  EXPECT_EQ(token.token, "legacy");
  EXPECT_EQ(token.location, TokenLocation::kHeader);
  token = tokenOf({{"Authorization", "Basic dXNlcjpwdw=="}});
  EXPECT_EQ(token.location, TokenLocation::kNone) << "other schemes carry no session token";
  token = tokenOf({{"Authorization", "Bearerabc"}});
  EXPECT_EQ(token.location, TokenLocation::kNone) << "the scheme must be a whole word";
}

TEST(ExtractToken, QueryStringComesLastAndEmptyValuesAreSkipped) {
  auto token = tokenOf({}, "/api/v4/users/me?access_token=q");
  EXPECT_EQ(token.token, "q");
  EXPECT_EQ(token.location, TokenLocation::kQuery);
  token = tokenOf({{"Cookie", "MMAUTHTOKEN="}, {"Authorization", "Bearer h"}},
                  "/api/v4/users/me?access_token=q");
  EXPECT_EQ(token.token, "h");
  EXPECT_EQ(token.location, TokenLocation::kHeader);
  EXPECT_EQ(tokenOf({}).location, TokenLocation::kNone);
}

TEST(ExtractToken, TruncatesToFiftyCharacters) {
  const std::string longToken(80, 'a');
  const auto token = tokenOf({{"Authorization", "Bearer " + longToken}});
  EXPECT_EQ(token.token, std::string(kMaxTokenLength, 'a'));
}

TEST(CookieValue, FindsExactNamesOnly) {
  EXPECT_EQ(cookieValue("a=1; MMAUTHTOKEN2=x; MMAUTHTOKEN=\"y\"", "MMAUTHTOKEN"), "y");
  EXPECT_FALSE(cookieValue("XMMAUTHTOKEN=1", "MMAUTHTOKEN").has_value());
  EXPECT_FALSE(cookieValue("", "MMAUTHTOKEN").has_value());
  EXPECT_EQ(cookieValue("MMCSRF=c", "MMCSRF"), "c");
}

bool allows(http_proto::verb method, TokenLocation location,
            std::initializer_list<std::pair<std::string, std::string>> headers) {
  TestRequest test(method, "/api/v4/users/logout", headers);
  return csrfAllows(*test.request, location, "csrfvalue");
}

TEST(Csrf, OnlyCookieAuthenticatedWritesAreChecked) {
  using enum http_proto::verb;
  EXPECT_TRUE(allows(get, TokenLocation::kCookie, {}));
  EXPECT_TRUE(allows(head, TokenLocation::kCookie, {}));
  EXPECT_TRUE(allows(post, TokenLocation::kHeader, {})) << "bearer requests are never checked";
  EXPECT_FALSE(allows(post, TokenLocation::kCookie, {}));
  EXPECT_FALSE(allows(delete_, TokenLocation::kCookie, {}));
}

TEST(Csrf, PassesWithTheSessionTokenOrXmlHttpRequest) {
  using enum http_proto::verb;
  EXPECT_TRUE(allows(post, TokenLocation::kCookie, {{"X-CSRF-Token", "csrfvalue"}}));
  EXPECT_FALSE(allows(post, TokenLocation::kCookie, {{"X-CSRF-Token", "wrong"}}));
  EXPECT_TRUE(allows(put, TokenLocation::kCookie, {{"X-Requested-With", "XMLHttpRequest"}}));
  EXPECT_FALSE(allows(put, TokenLocation::kCookie, {{"X-Requested-With", "fetch"}}));
}

TEST(SetCookie, WritesPathMaxAgeAndFlags) {
  EXPECT_EQ(setCookie("MMAUTHTOKEN", "t", {std::chrono::seconds(60), true, true}),
            "MMAUTHTOKEN=t; Path=/; Max-Age=60; HttpOnly; Secure");
  EXPECT_EQ(setCookie("MMCSRF", "", {}),
            "MMCSRF=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
}

}  // namespace
}  // namespace parley::gateway::http
