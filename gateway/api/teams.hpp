#pragma once
// Team routes (reference/mattermost-api.md §5.3): /api/v4/teams..., the teams, memberships
// and unreads of a user under /api/v4/users/{user_id}/teams.

#include "gateway/api/api_context.hpp"
#include "gateway/http/router.hpp"

namespace parley::gateway::api {

void registerTeamRoutes(http::Router& router, ApiContextPtr api);

}  // namespace parley::gateway::api
