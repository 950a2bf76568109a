#pragma once
// Bot accounts (reference/mattermost-api.md §3.4): POST/GET /api/v4/bots, GET/PUT
// /api/v4/bots/{bot_user_id}, POST /api/v4/bots/{bot_user_id}/disable|enable. A bot's tokens
// are personal access tokens on its user id (users_tokens.cpp).

#include "gateway/api/api_context.hpp"
#include "gateway/http/router.hpp"

namespace parley::gateway::api {

void registerBotRoutes(http::Router& router, ApiContextPtr api);

}  // namespace parley::gateway::api
