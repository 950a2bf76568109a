#pragma once
// Channel routes (reference/mattermost-api.md §5.4): /api/v4/channels..., the channels of a
// team under /api/v4/teams/{team_id}/channels, a user's channels, memberships and sidebar
// categories under /api/v4/users/{user_id}.

#include "gateway/api/api_context.hpp"
#include "gateway/http/router.hpp"

namespace parley::gateway::api {

void registerChannelRoutes(http::Router& router, ApiContextPtr api);

}  // namespace parley::gateway::api
