// Numeric query parameters as Mattermost's web/params.go reads them: bad values fall back to the
// default, big ones are clamped, nothing is an error.

#include "gateway/api/paging.hpp"

#include <gtest/gtest.h>

namespace parley::gateway::api {
namespace {

int perPage(std::string_view query) {
  return queryInt(http::QueryParams::parse(query), "per_page", 60, 200);
}

TEST(Paging, ReadsValidValuesAndClampsToTheMaximum) {
  EXPECT_EQ(perPage(""), 60);
  EXPECT_EQ(perPage("per_page=20"), 20);
  EXPECT_EQ(perPage("per_page=200"), 200);
  EXPECT_EQ(perPage("per_page=201"), 200);
  EXPECT_EQ(perPage("per_page=0"), 0);
}

TEST(Paging, MalformedOrNegativeValuesFallBackToTheDefault) {
  for (const char* query : {"per_page=-5", "per_page=1e3", "per_page=", "per_page=+7",
                            "per_page=0x10", "per_page=99999999999999999999"}) {
    EXPECT_EQ(perPage(query), 60) << query;
  }
}

TEST(Paging, LimitsAroundTheLastUnreadUseTheirOwnDefaults) {
  const auto query = http::QueryParams::parse("limit_before=500&limit_after=-1");
  EXPECT_EQ(queryInt(query, "limit_before", kLimitDefault, kLimitMaximum), 200);
  EXPECT_EQ(queryInt(query, "limit_after", kLimitDefault, kLimitMaximum), 60);
}

TEST(Paging, TimestampsAreNonNegativeMilliseconds) {
  EXPECT_EQ(parseMillis("1700000000000"), 1700000000000);
  EXPECT_EQ(parseMillis("0"), 0);
  for (const char* bad : {"", "-1", "+5", "12x", "1e3", "99999999999999999999"}) {
    EXPECT_FALSE(parseMillis(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace parley::gateway::api
