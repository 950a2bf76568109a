#include "gateway/api/paging.hpp"

#include <charconv>

namespace parley::gateway::api {

namespace {

template <typename Int>
std::optional<Int> parseNonNegative(std::string_view text) {
  if (text.empty() || text.front() == '-' || text.front() == '+') return std::nullopt;
  Int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<int> parseNonNegativeInt(std::string_view text) {
  return parseNonNegative<int>(text);
}

std::optional<std::int64_t> parseMillis(std::string_view text) {
  return parseNonNegative<std::int64_t>(text);
}

int queryInt(const http::QueryParams& query, std::string_view name, int fallback, int maximum) {
  const auto text = query.get(name);
  if (!text) return fallback;
  const auto value = parseNonNegativeInt(*text);
  if (!value) return fallback;
  return *value > maximum ? maximum : *value;
}

}  // namespace parley::gateway::api
