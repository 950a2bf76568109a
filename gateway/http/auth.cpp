#include "gateway/http/auth.hpp"

#include <boost/algorithm/string/predicate.hpp>

#include "core/security/token.hpp"

namespace parley::gateway::http {
namespace {

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

// "<scheme> <token>" with the scheme compared case-insensitively.
std::optional<std::string_view> withScheme(std::string_view header, std::string_view scheme) {
  if (header.size() <= scheme.size() || header[scheme.size()] != ' ' ||
      !boost::algorithm::iequals(header.substr(0, scheme.size()), scheme)) {
    return std::nullopt;
  }
  return trim(header.substr(scheme.size() + 1));
}

AuthToken found(std::string_view token, TokenLocation location) {
  return {std::string(token.substr(0, kMaxTokenLength)), location};
}

}  // namespace

std::optional<std::string_view> cookieValue(std::string_view cookieHeader, std::string_view name) {
  while (!cookieHeader.empty()) {
    const auto end = cookieHeader.find(';');
    const std::string_view pair = trim(cookieHeader.substr(0, end));
    const auto equals = pair.find('=');
    if (equals != std::string_view::npos && trim(pair.substr(0, equals)) == name) {
      std::string_view value = trim(pair.substr(equals + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return value;
    }
    if (end == std::string_view::npos) break;
    cookieHeader.remove_prefix(end + 1);
  }
  return std::nullopt;
}

AuthToken extractToken(const Request& request) {
  if (const auto cookie = cookieValue(request.header("Cookie"), kSessionCookie);
      cookie && !cookie->empty()) {
    return found(*cookie, TokenLocation::kCookie);
  }
  const std::string_view authorization = trim(request.header("Authorization"));
  for (const std::string_view scheme : {"Bearer", "Token"}) {
    if (const auto token = withScheme(authorization, scheme); token && !token->empty()) {
      return found(*token, TokenLocation::kHeader);
    }
  }
  if (const auto query = request.query().get("access_token"); query && !query->empty()) {
    return found(*query, TokenLocation::kQuery);
  }
  return {};
}

bool csrfAllows(const Request& request, TokenLocation location, std::string_view sessionCsrf) {
  const auto method = request.method();
  if (location != TokenLocation::kCookie || method == http_proto::verb::get ||
      method == http_proto::verb::head) {
    return true;
  }
  const std::string_view header = request.header(kCsrfHeader);
  if (!header.empty() && !sessionCsrf.empty() &&
      core::security::constantTimeEquals(header, sessionCsrf)) {
    return true;
  }
  return request.header(kRequestedWithHeader) == kRequestedWithXml;
}

std::string setCookie(std::string_view name, std::string_view value, const CookieOptions& options) {
  std::string cookie;
  cookie.append(name).append("=").append(value).append("; Path=/; Max-Age=");
  cookie.append(std::to_string(options.maxAge.count()));
  if (options.maxAge.count() == 0) cookie.append("; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
  if (options.httpOnly) cookie.append("; HttpOnly");
  if (options.secure) cookie.append("; Secure");
  return cookie;
}

}  // namespace parley::gateway::http
