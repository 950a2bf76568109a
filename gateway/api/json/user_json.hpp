#pragma once
// The User JSON of the Mattermost API (reference/mattermost-api.md §7), in one place for every
// route that returns users. Fields Mattermost tags `omitempty` are left out when empty.

#include <nlohmann/json.hpp>

#include "core/model/user.hpp"

namespace parley::gateway::api::json {

// The account as its owner (or an administrator) sees it: everything but secrets. The password
// hash is never written, auth_data is always "" (Mattermost's User.Sanitize).
nlohmann::json userToJson(const core::model::User& user);

}  // namespace parley::gateway::api::json
