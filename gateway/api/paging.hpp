#pragma once
// Numeric query parameters read as Mattermost's web/params.go reads them: a missing, malformed
// or negative value falls back to the default, and a value over the maximum is clamped
// silently, so these parameters never cause a 400 (page/per_page: route_support.hpp pagingOf).

#include <cstdint>
#include <optional>
#include <string_view>

#include "gateway/http/exchange.hpp"

namespace parley::gateway::api {

// limit_before / limit_after (LimitDefault, LimitMaximum).
inline constexpr int kLimitDefault = 60;
inline constexpr int kLimitMaximum = 200;

// A non-negative decimal int that fits, or nullopt.
std::optional<int> parseNonNegativeInt(std::string_view text);

// A non-negative decimal timestamp in milliseconds (since=, fromCreateAt=), or nullopt.
std::optional<std::int64_t> parseMillis(std::string_view text);

// The value of `name`: the default when it is absent or invalid, at most `maximum`.
int queryInt(const http::QueryParams& query, std::string_view name, int fallback, int maximum);

}  // namespace parley::gateway::api
