#pragma once
// Mattermost's paging query parameters (server/channels/web/params.go): a missing, malformed
// or negative value falls back to the default, and a value over the maximum is clamped
// silently, so paging parameters never cause a 400.

#include <cstdint>
#include <optional>
#include <string_view>

#include "gateway/http/exchange.hpp"

namespace parley::gateway::api {

inline constexpr int kPerPageDefault = 60;
inline constexpr int kPerPageMaximum = 200;
// limit_before / limit_after (LimitDefault, LimitMaximum).
inline constexpr int kLimitDefault = 60;
inline constexpr int kLimitMaximum = 200;

// A non-negative decimal int that fits, or nullopt.
std::optional<int> parseNonNegativeInt(std::string_view text);

// A non-negative decimal timestamp in milliseconds (since=, fromCreateAt=), or nullopt.
std::optional<std::int64_t> parseMillis(std::string_view text);

// The value of `name`: the default when it is absent or invalid, at most `maximum`.
int queryInt(const http::QueryParams& query, std::string_view name, int fallback, int maximum);

struct Paging {
  int page = 0;
  int perPage = kPerPageDefault;
};
Paging parsePaging(const http::QueryParams& query);

}  // namespace parley::gateway::api
