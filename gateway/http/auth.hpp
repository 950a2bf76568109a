#pragma once
// Where a request carries its credentials and when a cookie-authenticated request must prove it
// was not forged (reference/mattermost-api.md §3.2, §3.3). Pure functions of the request, so
// the rules are tested without a server; looking the token up is the API layer's business.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/http/exchange.hpp"

namespace parley::gateway::http {

inline constexpr std::string_view kSessionCookie = "MMAUTHTOKEN";
inline constexpr std::string_view kUserIdCookie = "MMUSERID";
inline constexpr std::string_view kCsrfCookie = "MMCSRF";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";
inline constexpr std::string_view kRequestedWithHeader = "X-Requested-With";
inline constexpr std::string_view kRequestedWithXml = "XMLHttpRequest";

// Tokens read from a request are cut to this length before use, as Mattermost does.
inline constexpr std::size_t kMaxTokenLength = 50;

enum class TokenLocation {
  kNone,
  kCookie,  // MMAUTHTOKEN: the only location that is CSRF-checked
  kHeader,  // Authorization: Bearer <token> or Authorization: Token <token>
  kQuery,   // ?access_token=: OAuth sessions only
};

struct AuthToken {
  std::string token;
  TokenLocation location = TokenLocation::kNone;
};

// The value of cookie `name` in a Cookie header ("a=1; b=2"), if present.
std::optional<std::string_view> cookieValue(std::string_view cookieHeader, std::string_view name);

// Mattermost's lookup order: the MMAUTHTOKEN cookie wins, then "Authorization: Bearer" (scheme
// case-insensitive), then "Authorization: Token", then the access_token query parameter.
// Empty values are skipped. The token is truncated to kMaxTokenLength.
AuthToken extractToken(const Request& request);

// True when the request may use a session found through `location`: only cookie-authenticated
// requests with a method other than GET/HEAD are checked, and they pass with an X-CSRF-Token
// equal to the session's CSRF token or, failing that, with X-Requested-With: XMLHttpRequest
// (which a cross-site form cannot set).
bool csrfAllows(const Request& request, TokenLocation location, std::string_view sessionCsrf);

struct CookieOptions {
  std::chrono::seconds maxAge{0};  // 0: expire now (deletes the cookie)
  bool httpOnly = false;
  bool secure = false;
};

// A Set-Cookie header value with Path=/ and the given attributes.
std::string setCookie(std::string_view name, std::string_view value, const CookieOptions& options);

}  // namespace parley::gateway::http
