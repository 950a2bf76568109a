#pragma once
// Mattermost's post search syntax (the search box, reference/mattermost-api.md §5.5): words,
// "quoted phrases", -excluded words, prefix* terms, from:username, in:channel-name (or
// channel:), their exclusions -from: and -in:, and before:/after:/on: dates (YYYY-MM-DD in the
// searcher's time zone). Parsing is pure; the result is turned into PostgreSQL full-text queries
// that are passed as parameters, never spliced into SQL.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::core::services {

inline constexpr std::size_t kSearchTermsMaxLength = 4096;

struct SearchQuery {
  std::vector<std::string> words;
  std::vector<std::string> phrases;
  std::vector<std::string> excluded;  // words and phrases that must not match
  std::vector<std::string> prefixes;  // without the '*', letters and digits only
  std::vector<std::string> fromUsernames;
  std::vector<std::string> inChannels;
  std::vector<std::string> notFromUsernames;  // -from:
  std::vector<std::string> notInChannels;     // -in: and -channel:
  std::int64_t createdAfter = 0;              // inclusive bound in ms, 0 for none
  std::int64_t createdBefore = 0;             // inclusive bound in ms, 0 for none

  // No text to match: a search by filters alone.
  bool hasText() const { return !words.empty() || !phrases.empty() || !prefixes.empty(); }
  bool empty() const {
    return !hasText() && excluded.empty() && fromUsernames.empty() && inChannels.empty() &&
           notFromUsernames.empty() && notInChannels.empty() && createdAfter == 0 &&
           createdBefore == 0;
  }
  // Input for websearch_to_tsquery: words, "phrases" and -excluded terms, joined by " or " for
  // an OR search; "" when there are none.
  std::string websearch(bool isOrSearch) const;
  // Input for to_tsquery: "term:*" joined by " & " (or " | "); "" when there are none.
  std::string prefixQuery(bool isOrSearch) const;
  // What the client highlights: the words, phrases and prefixes searched for.
  std::vector<std::string> matchTerms() const;
};

// `timeZoneOffsetSeconds` is the searcher's offset from UTC (Mattermost's time_zone_offset):
// after:2024-05-01 means from the start of 2 May there, before: until the end of the previous
// day, on: that whole day. Invalid dates are ignored, as an unparsable date filters nothing.
SearchQuery parseSearchTerms(std::string_view terms, int timeZoneOffsetSeconds);

// Milliseconds of 00:00 of `date` (YYYY-MM-DD) at the given offset, or nullopt when `date` is
// not a valid calendar date.
std::optional<std::int64_t> startOfDayMillis(std::string_view date, int timeZoneOffsetSeconds);

}  // namespace parley::core::services
