#pragma once
// The audit log of policy decisions, for system admins (issue 5):
//   GET /api/v4/parley/audit?since=&until=&subject=&action=&decision=&page=&per_page=
//       JSON array, newest first (per_page at most 200)
//   GET /api/v4/parley/audit/export?since=&until=&after_id=&limit=
//       application/x-ndjson, one record per line in chain order, each with prev_chain_hash
//       and chain_hash (core/policy/audit_log.hpp says how to check them offline); at most
//       10,000 records per request: when the page is full, the header X-Parley-Next-After-Id
//       names the after_id that continues it
//   GET /api/v4/parley/audit/verify
//       {intact, checked, last_id, last_chain_hash, broken_id, reason}

#include "gateway/api/api_context.hpp"
#include "gateway/http/router.hpp"

namespace parley::gateway::api {

void registerAuditRoutes(http::Router& router, ApiContextPtr api);

}  // namespace parley::gateway::api
