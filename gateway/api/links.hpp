#pragma once
// Channel links to other networks, for system admins (issue 6):
//   GET    /api/v4/parley/links            JSON array of links, oldest first
//   POST   /api/v4/parley/links            {channel_id, bridge, remote_room, peer?, direction?
//                                           ("both" | "inbound" | "outbound"), read_only?}
//                                           -> 201 the link
//   DELETE /api/v4/parley/links/{link_id}  -> {"status": "OK"}
// A link: {id, channel_id, bridge, remote_room, peer, direction, read_only, created_by,
// create_at, update_at}. core/services/link_service.hpp has the rules and the error ids.

#include <nlohmann/json.hpp>

#include "core/model/link.hpp"
#include "gateway/api/api_context.hpp"
#include "gateway/http/router.hpp"

namespace parley::gateway::api {

nlohmann::json linkToJson(const core::model::Link& link);

void registerLinkRoutes(http::Router& router, ApiContextPtr api);

}  // namespace parley::gateway::api
