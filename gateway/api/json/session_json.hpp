#pragma once
// The Session JSON of the Mattermost API (reference/mattermost-api.md §7), sanitized as
// Mattermost sends it in session lists: the token is always "".

#include <nlohmann/json.hpp>

#include "core/model/session.hpp"

namespace parley::gateway::api::json {

nlohmann::json sessionToJson(const core::model::Session& session);

}  // namespace parley::gateway::api::json
