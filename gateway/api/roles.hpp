#pragma once
// Roles as clients read them (reference/mattermost-api.md §5.8): POST /api/v4/roles/names,
// GET /api/v4/roles/name/{role_name}, GET /api/v4/roles/{role_id}. The roles are the built-in
// catalogue of core/model/permissions.hpp; clients gate their UI on the permission lists.

#include <nlohmann/json.hpp>

#include "core/model/permissions.hpp"
#include "gateway/api/api_context.hpp"
#include "gateway/http/router.hpp"

namespace parley::gateway::api {

// Mattermost's Role JSON (model/role.go): {id, name, display_name, description, create_at,
// update_at, delete_at, permissions, scheme_managed, built_in, scheme_id}.
nlohmann::json roleToJson(const core::model::Role& role);

void registerRoleRoutes(http::Router& router, ApiContextPtr api);

}  // namespace parley::gateway::api
