#include "core/services/search_query.hpp"

#include <algorithm>
#include <cctype>

namespace parley::core::services {
namespace {

constexpr std::int64_t kDayMillis = 86'400'000;

bool isSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool isAsciiAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t daysFromCivil(int y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

bool parseNumber(std::string_view text, int& out) {
  if (text.empty()) return false;
  out = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

// The word without what websearch_to_tsquery would read as syntax (quotes, leading '-'); ""
// when nothing searchable (no letter or digit) is left.
std::string plainWord(std::string_view word) {
  std::string out;
  for (char c : word) {
    if (c != '"') out += c;
  }
  while (!out.empty() && out.front() == '-') out.erase(out.begin());
  const bool searchable = std::any_of(out.begin(), out.end(), [](char c) {
    return isAsciiAlnum(c) || static_cast<unsigned char>(c) >= 0x80;
  });
  return searchable ? out : std::string();
}

std::string joinQuoted(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

}  // namespace

std::optional<std::int64_t> startOfDayMillis(std::string_view date, int timeZoneOffsetSeconds) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return std::nullopt;
  int y = 0;
  int m = 0;
  int d = 0;
  if (!parseNumber(date.substr(0, 4), y) || !parseNumber(date.substr(5, 2), m) ||
      !parseNumber(date.substr(8, 2), d)) {
    return std::nullopt;
  }
  if (m < 1 || m > 12 || d < 1) return std::nullopt;
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[m - 1] + (m == 2 && leap ? 1 : 0)) return std::nullopt;
  return daysFromCivil(y, m, d) * kDayMillis - std::int64_t{timeZoneOffsetSeconds} * 1000;
}

SearchQuery parseSearchTerms(std::string_view terms, int timeZoneOffsetSeconds) {
  SearchQuery query;
  const auto tighten = [](std::int64_t& bound, std::int64_t value, bool lowerBound) {
    if (bound == 0 || (lowerBound ? value > bound : value < bound)) bound = value;
  };
  std::size_t i = 0;
  while (i < terms.size()) {
    while (i < terms.size() && isSpace(terms[i])) ++i;
    if (i >= terms.size()) break;
    const bool negated = terms[i] == '-' && i + 1 < terms.size() && terms[i + 1] == '"';
    if (terms[i] == '"' || negated) {
      // A phrase runs to the next quote (or the end).
      const std::size_t open = i + (negated ? 1 : 0);
      const std::size_t close = terms.find('"', open + 1);
      const std::size_t end = close == std::string_view::npos ? terms.size() : close;
      std::string phrase(terms.substr(open + 1, end - open - 1));
      i = close == std::string_view::npos ? terms.size() : close + 1;
      if (phrase.find_first_not_of(" \t\r\n") == std::string::npos) continue;
      (negated ? query.excluded : query.phrases).push_back("\"" + phrase + "\"");
      continue;
    }
    const std::size_t start = i;
    while (i < terms.size() && !isSpace(terms[i])) ++i;
    const std::string_view word = terms.substr(start, i - start);
    const auto colon = word.find(':');
    if (colon != std::string_view::npos) {
      std::string key = lower(word.substr(0, colon));
      std::string_view value = word.substr(colon + 1);
      const bool excluding = key.size() > 1 && key.front() == '-';
      if (excluding) key.erase(0, 1);
      if (key == "from") {
        if (!value.empty() && value.front() == '@') value.remove_prefix(1);
        if (!value.empty()) {
          (excluding ? query.notFromUsernames : query.fromUsernames).push_back(lower(value));
        }
        continue;
      }
      if (key == "in" || key == "channel") {
        if (!value.empty() && value.front() == '~') value.remove_prefix(1);
        if (!value.empty()) {
          (excluding ? query.notInChannels : query.inChannels).push_back(lower(value));
        }
        continue;
      }
      if (key == "after" || key == "before" || key == "on") {
        if (const auto day = startOfDayMillis(value, timeZoneOffsetSeconds)) {
          if (key == "after") tighten(query.createdAfter, *day + kDayMillis, true);
          if (key == "before") tighten(query.createdBefore, *day - 1, false);
          if (key == "on") {
            tighten(query.createdAfter, *day, true);
            tighten(query.createdBefore, *day + kDayMillis - 1, false);
          }
        }
        continue;
      }
    }
    if (word.size() > 1 && word.front() == '-') {
      const std::string excluded = plainWord(word.substr(1));
      if (!excluded.empty()) query.excluded.push_back("-" + excluded);
      continue;
    }
    if (word.size() > 1 && word.back() == '*') {
      std::string prefix;
      for (char c : word.substr(0, word.size() - 1)) {
        if (isAsciiAlnum(c))
          prefix += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      if (!prefix.empty()) query.prefixes.push_back(std::move(prefix));
      continue;
    }
    std::string plain = plainWord(word);
    // A bare "or"/"and" would be read as an operator; Mattermost searches words, not logic.
    if (!plain.empty() && lower(plain) != "or" && lower(plain) != "and") {
      query.words.push_back(std::move(plain));
    }
  }
  return query;
}

std::string SearchQuery::websearch(bool isOrSearch) const {
  std::vector<std::string> positive = words;
  positive.insert(positive.end(), phrases.begin(), phrases.end());
  std::string text = joinQuoted(positive, isOrSearch ? " or " : " ");
  for (const auto& term : excluded) {
    if (!text.empty()) text += ' ';
    // An excluded phrase is stored as "\"...\"": websearch negates it with a leading '-'.
    text += term.front() == '"' ? "-" + term : term;
  }
  return text;
}

std::string SearchQuery::prefixQuery(bool isOrSearch) const {
  std::vector<std::string> parts;
  for (const auto& prefix : prefixes) parts.push_back(prefix + ":*");
  return joinQuoted(parts, isOrSearch ? " | " : " & ");
}

std::vector<std::string> SearchQuery::matchTerms() const {
  std::vector<std::string> terms = words;
  for (const auto& phrase : phrases) terms.push_back(phrase.substr(1, phrase.size() - 2));
  terms.insert(terms.end(), prefixes.begin(), prefixes.end());
  return terms;
}

}  // namespace parley::core::services
