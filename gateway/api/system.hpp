#pragma once
// System routes: the site root (mobile sends HEAD / before anything else), the health check
// GET /api/v4/system/ping, and GET /metrics in Prometheus text format.

#include "gateway/api/api_context.hpp"
#include "gateway/http/router.hpp"

namespace parley::gateway::api {

void registerSystemRoutes(http::Router& router, ApiContextPtr api);

}  // namespace parley::gateway::api
