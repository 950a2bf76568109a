#pragma once
// Mattermost's custom profile attributes (api4/custom_profile_attributes.go, 10.11):
//   GET/POST /api/v4/custom_profile_attributes/fields
//   PATCH/DELETE /api/v4/custom_profile_attributes/fields/{field_id}
//   GET/PATCH /api/v4/users/{user_id}/custom_profile_attributes
//   PATCH /api/v4/custom_profile_attributes/values (the caller's own: always refused here)
// Parley's stricter rules (system admins only; never one's own values) are in
// core/services/policy_attribute_service.hpp.

#include "gateway/api/api_context.hpp"
#include "gateway/http/router.hpp"

namespace parley::gateway::api {

void registerCustomProfileAttributeRoutes(http::Router& router, ApiContextPtr api);

}  // namespace parley::gateway::api
