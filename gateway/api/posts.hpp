#pragma once
// Post and thread routes (reference/mattermost-api.md §5.5): create, get, get by ids, patch,
// update, delete, thread, files info, channel posts (page/since/before/after), pinned, pin/unpin,
// and the posts around the last unread; and post search (POST /posts/search, POST
// /teams/{team_id}/posts/search). Permissions and validation are core/services/post_service's
// and search_service's.

#include "gateway/api/api_context.hpp"
#include "gateway/http/router.hpp"

namespace parley::gateway::api {

void registerPostRoutes(http::Router& router, ApiContextPtr api);

}  // namespace parley::gateway::api
