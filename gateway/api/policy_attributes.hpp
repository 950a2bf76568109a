#pragma once
// A channel's policy attributes (issue 5; Parley's own, no Mattermost equivalent):
//   GET /api/v4/channels/{channel_id}/policy_attributes  (whoever may read the channel)
//   PUT /api/v4/channels/{channel_id}/policy_attributes  (system admins only)
// JSON: {channel_id, label, mission, bridging: "never"|"allowed", bridges: [ids], guests,
// update_at, updated_by}. PUT replaces all of them; members left out take their defaults.

#include "gateway/api/api_context.hpp"
#include "gateway/http/router.hpp"

namespace parley::gateway::api {

void registerPolicyAttributeRoutes(http::Router& router, ApiContextPtr api);

}  // namespace parley::gateway::api
