// Paging parameters as Mattermost's web/params.go reads them: bad values fall back to the
// default, big ones are clamped, nothing is an error.

#include "gateway/api/paging.hpp"

#include <gtest/gtest.h>

namespace parley::gateway::api {
namespace {

Paging paging(std::string_view query) { return parsePaging(http::QueryParams::parse(query)); }

TEST(Paging, DefaultsToTheFirstPageOfSixty) {
  const Paging p = paging("");
  EXPECT_EQ(p.page, 0);
  EXPECT_EQ(p.perPage, 60);
}

TEST(Paging, ReadsValidValuesAndClampsPerPageTo200) {
  EXPECT_EQ(paging("page=3&per_page=20").page, 3);
  EXPECT_EQ(paging("page=3&per_page=20").perPage, 20);
  EXPECT_EQ(paging("per_page=200").perPage, 200);
  EXPECT_EQ(paging("per_page=201").perPage, 200);
  EXPECT_EQ(paging("per_page=0").perPage, 0);
}

TEST(Paging, MalformedOrNegativeValuesFallBackToTheDefaults) {
  for (const char* query : {"page=-1&per_page=-5", "page=x&per_page=1e3", "page=&per_page=",
                            "page=99999999999999999999&per_page=+7", "page=1.5&per_page=0x10"}) {
    const Paging p = paging(query);
    EXPECT_EQ(p.page, 0) << query;
    EXPECT_EQ(p.perPage, 60) << query;
  }
}

TEST(Paging, PagesCannotOverflowAnOffset) {
  const Paging p = paging("page=2147483647&per_page=200");
  EXPECT_LE(static_cast<long long>(p.page) * p.perPage, 2147483647LL);
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
