#pragma once
// Channel, ChannelMember, ChannelStats and SidebarCategory JSON of the Mattermost API
// (reference/mattermost-api.md §7).

#include <nlohmann/json.hpp>

#include "core/model/channel.hpp"
#include "core/services/channel_service.hpp"

namespace parley::gateway::api::json {

nlohmann::json channelToJson(const core::model::Channel& channel);
nlohmann::json channelMemberToJson(const core::model::ChannelMember& member);
nlohmann::json channelStatsToJson(const core::services::ChannelStats& stats);
nlohmann::json sidebarCategoryToJson(const core::services::SidebarCategory& category);

}  // namespace parley::gateway::api::json
