// The search box syntax: what each kind of term becomes, dates in the searcher's time zone, and
// that whatever a user types ends up only in text handed to PostgreSQL's own query parsers.

#include "core/services/search_query.hpp"

#include <gtest/gtest.h>

namespace parley::core::services {
namespace {

using Strings = std::vector<std::string>;

TEST(SearchQuery, SplitsWordsPhrasesExclusionsAndPrefixes) {
  const auto q = parseSearchTerms(R"(deploy "release train" -staging -"dry run" rol* hotfix)", 0);
  EXPECT_EQ(q.words, (Strings{"deploy", "hotfix"}));
  EXPECT_EQ(q.phrases, (Strings{"\"release train\""}));
  EXPECT_EQ(q.excluded, (Strings{"-staging", "\"dry run\""}));
  EXPECT_EQ(q.prefixes, (Strings{"rol"}));
  EXPECT_EQ(q.websearch(false), R"(deploy hotfix "release train" -staging -"dry run")");
  EXPECT_EQ(q.websearch(true), R"(deploy or hotfix or "release train" -staging -"dry run")");
  EXPECT_EQ(q.prefixQuery(false), "rol:*");
  EXPECT_EQ(q.matchTerms(), (Strings{"deploy", "hotfix", "release train", "rol"}));
}

TEST(SearchQuery, ReadsFromAndInFilters) {
  const auto q = parseSearchTerms("from:@Alice in:~town-square channel:ops FROM:bob status", 0);
  EXPECT_EQ(q.fromUsernames, (Strings{"alice", "bob"}));
  EXPECT_EQ(q.inChannels, (Strings{"town-square", "ops"}));
  EXPECT_EQ(q.words, (Strings{"status"}));
  EXPECT_TRUE(parseSearchTerms("from:alice", 0).hasText() == false);
  EXPECT_FALSE(parseSearchTerms("from:alice", 0).empty());
}

TEST(SearchQuery, ReadsExcludedAuthorsAndChannels) {
  const auto q = parseSearchTerms("deploy -from:@Bob -in:~Town-Square -channel:ops -from: -", 0);
  EXPECT_EQ(q.notFromUsernames, (Strings{"bob"}));
  EXPECT_EQ(q.notInChannels, (Strings{"town-square", "ops"}));
  EXPECT_TRUE(q.fromUsernames.empty());
  EXPECT_TRUE(q.inChannels.empty());
  EXPECT_TRUE(q.excluded.empty()) << "not excluded words";
  EXPECT_EQ(q.words, (Strings{"deploy"}));
  EXPECT_FALSE(parseSearchTerms("-in:ops", 0).empty());
  EXPECT_EQ(parseSearchTerms("-x:y", 0).excluded, (Strings{"-x:y"})) << "other keys stay words";
}

TEST(SearchQuery, DatesAreWholeDaysInTheSearchersTimeZone) {
  constexpr std::int64_t kMay1Utc = 1'714'521'600'000;  // 2024-05-01T00:00:00Z
  constexpr std::int64_t kDay = 86'400'000;
  EXPECT_EQ(startOfDayMillis("2024-05-01", 0), kMay1Utc);
  EXPECT_EQ(startOfDayMillis("2024-05-01", 3600), kMay1Utc - 3'600'000) << "UTC+1 starts earlier";
  EXPECT_EQ(startOfDayMillis("1970-01-01", 0), 0);

  const auto on = parseSearchTerms("on:2024-05-01", 0);
  EXPECT_EQ(on.createdAfter, kMay1Utc);
  EXPECT_EQ(on.createdBefore, kMay1Utc + kDay - 1);
  const auto after = parseSearchTerms("after:2024-05-01", 0);
  EXPECT_EQ(after.createdAfter, kMay1Utc + kDay) << "after a day means from the next one";
  const auto before = parseSearchTerms("before:2024-05-01", -7200);
  EXPECT_EQ(before.createdBefore, kMay1Utc + 7'200'000 - 1);
  const auto both = parseSearchTerms("after:2024-05-01 after:2024-04-01 before:2024-06-01", 0);
  EXPECT_EQ(both.createdAfter, kMay1Utc + kDay) << "the tighter bound wins";
}

TEST(SearchQuery, InvalidDatesAreIgnored) {
  for (const char* date : {"2024-02-30", "2023-02-29", "2024-13-01", "24-05-01", "2024/05/01",
                           "yesterday", "2024-5-1"}) {
    EXPECT_FALSE(startOfDayMillis(date, 0).has_value()) << date;
    const auto q = parseSearchTerms(std::string("on:") + date, 0);
    EXPECT_EQ(q.createdAfter, 0) << date;
    EXPECT_EQ(q.createdBefore, 0) << date;
  }
  EXPECT_TRUE(startOfDayMillis("2024-02-29", 0).has_value());
}

TEST(SearchQuery, HostileInputOnlyReachesTheQueryParsersAsPlainTerms) {
  const auto q = parseSearchTerms(R"('; DROP TABLE posts; -- a|b:* ev'il* "unterminated)", 0);
  EXPECT_EQ(q.prefixes, (Strings{"ab", "evil"})) << "prefixes keep letters and digits only";
  EXPECT_EQ(q.prefixQuery(true), "ab:* | evil:*");
  for (const auto& word : q.words) EXPECT_EQ(word.find('"'), std::string::npos) << word;
  EXPECT_EQ(q.phrases, (Strings{"\"unterminated\""}));
  EXPECT_TRUE(parseSearchTerms("or and", 0).words.empty()) << "no bare operators";
  EXPECT_TRUE(parseSearchTerms("\"\" * -", 0).empty());
}

}  // namespace
}  // namespace parley::core::services
