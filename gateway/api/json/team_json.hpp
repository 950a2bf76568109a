#pragma once
// Team, TeamMember, TeamUnread and TeamStats JSON of the Mattermost API
// (reference/mattermost-api.md §7).

#include <nlohmann/json.hpp>

#include "core/model/team.hpp"
#include "core/store/team_store.hpp"

namespace parley::gateway::api::json {

nlohmann::json teamToJson(const core::model::Team& team);
nlohmann::json teamMemberToJson(const core::model::TeamMember& member);
nlohmann::json teamUnreadToJson(const core::store::TeamUnread& unread);
nlohmann::json teamStatsToJson(std::string_view teamId, const core::store::TeamStats& stats);

}  // namespace parley::gateway::api::json
