#pragma once
// Incoming webhook routes (reference/mattermost-api.md §5.9): management under
// /api/v4/hooks/incoming[/{hook_id}] (session), and POST /hooks/{hook_id} at the site root,
// without a session, where scripts post JSON, a form field payload=<json>, or multipart fields.

#include <string_view>

#include "core/common/result.hpp"
#include "core/model/incoming_webhook.hpp"
#include "gateway/api/api_context.hpp"
#include "gateway/http/router.hpp"

namespace parley::gateway::api {

void registerWebhookRoutes(http::Router& router, ApiContextPtr api);

// The request of POST /hooks/{id} from its body, by Content-Type: application/json (also when
// absent), application/x-www-form-urlencoded with payload=<json>, or multipart/form-data with
// the fields text, channel, username, icon_url, icon_emoji and type. 400
// model.incoming_hook.parse_data.app_error or api.webhook.incoming.error otherwise.
core::Result<core::model::IncomingWebhookRequest> parseWebhookBody(std::string_view contentType,
                                                                   std::string_view body);

}  // namespace parley::gateway::api
