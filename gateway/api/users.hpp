#pragma once
// User routes (reference/mattermost-api.md §3.1, §3.4, §5.2): POST /api/v4/users/login,
// POST /api/v4/users/logout, GET /api/v4/users/me, PUT /api/v4/users/sessions/device, and the
// session list and revocation under /api/v4/users/{user_id}/sessions.

#include "gateway/api/api_context.hpp"
#include "gateway/http/router.hpp"

namespace parley::gateway::api {

// Login is rate-limited per client address at Mattermost's 5/s with a burst of 10, and per
// account name at kLoginPerAccountPerSecond with a burst of kLoginPerAccountBurst, so that many
// addresses cannot guess one account's password quickly.
inline constexpr double kLoginPerAddressPerSecond = 5;
inline constexpr unsigned kLoginPerAddressBurst = 10;
inline constexpr double kLoginPerAccountPerSecond = 0.5;
inline constexpr unsigned kLoginPerAccountBurst = 10;

// Registers every /api/v4/users route, including those of users_profiles.cpp and
// users_tokens.cpp below.
void registerUserRoutes(http::Router& router, ApiContextPtr api);

// Account creation, lookups, lists, search, patches, activity, passwords, statuses,
// preferences and images (users_profiles.cpp).
void registerUserProfileRoutes(http::Router& router, ApiContextPtr api);

// Personal access tokens under /api/v4/users/.../tokens (users_tokens.cpp).
void registerAccessTokenRoutes(http::Router& router, ApiContextPtr api);

}  // namespace parley::gateway::api
