#pragma once
// Calls the official clients make while they load, for features Parley does not have
// (reference/mattermost-api.md §5.8, §6): they get the answer a Mattermost server with the
// feature switched off gives, so that the client renders without errors or retries.
//   GET /api/v4/limits/server        no user or post-history limits
//   GET /api/v4/emoji[...]           501 api.emoji.disabled.app_error (EnableCustomEmoji=false)
//   GET /api/v4/plugins/webapp       no web-app plugins
//   GET /api/v4/system/notices/{id}  no product notices

#include "gateway/api/api_context.hpp"
#include "gateway/http/router.hpp"

namespace parley::gateway::api {

void registerClientSupportRoutes(http::Router& router, ApiContextPtr api);

}  // namespace parley::gateway::api
