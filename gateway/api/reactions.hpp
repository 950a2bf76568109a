#pragma once
// Reaction routes (reference/mattermost-api.md §5.6): POST /api/v4/reactions,
// DELETE /api/v4/users/{user_id}/posts/{post_id}/reactions/{emoji_name},
// GET /api/v4/posts/{post_id}/reactions and POST /api/v4/posts/ids/reactions.

#include "gateway/api/api_context.hpp"
#include "gateway/http/router.hpp"

namespace parley::gateway::api {

void registerReactionRoutes(http::Router& router, ApiContextPtr api);

}  // namespace parley::gateway::api
