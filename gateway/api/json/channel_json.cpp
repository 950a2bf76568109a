#include "gateway/api/json/channel_json.hpp"

#include <string>

namespace parley::gateway::api::json {

nlohmann::json channelToJson(const core::model::Channel& channel) {
  return {{"id", channel.id},
          {"create_at", channel.createAt},
          {"update_at", channel.updateAt},
          {"delete_at", channel.deleteAt},
          {"team_id", channel.teamId},
          {"type", std::string(1, channel.type)},
          {"display_name", channel.displayName},
          {"name", channel.name},
          {"header", channel.header},
          {"purpose", channel.purpose},
          {"last_post_at", channel.lastPostAt},
          {"total_msg_count", channel.totalMsgCount},
          {"extra_update_at", channel.extraUpdateAt},
          {"creator_id", channel.creatorId},
          {"scheme_id", nullptr},
          {"props", channel.props},
          {"group_constrained", nullptr},
          {"autotranslation", false},
          {"shared", channel.shared ? nlohmann::json(true) : nlohmann::json(nullptr)},
          {"total_msg_count_root", channel.totalMsgCountRoot},
          {"policy_id", nullptr},
          {"last_root_post_at", channel.lastRootPostAt},
          {"banner_info", nullptr},
          {"policy_enforced", false},
          {"policy_is_active", false},
          {"default_category_name", ""}};
}

nlohmann::json channelMemberToJson(const core::model::ChannelMember& member) {
  return {{"channel_id", member.channelId},
          {"user_id", member.userId},
          {"roles", member.roles()},
          {"last_viewed_at", member.lastViewedAt},
          {"msg_count", member.msgCount},
          {"mention_count", member.mentionCount},
          {"mention_count_root", member.mentionCountRoot},
          {"urgent_mention_count", member.urgentMentionCount},
          {"msg_count_root", member.msgCountRoot},
          {"notify_props", member.notifyProps},
          {"last_update_at", member.lastUpdateAt},
          {"scheme_guest", member.schemeGuest},
          {"scheme_user", member.schemeUser},
          {"scheme_admin", member.schemeAdmin},
          {"explicit_roles", member.explicitRoles},
          {"autotranslation_disabled", false}};
}

nlohmann::json channelStatsToJson(const core::services::ChannelStats& stats) {
  return {{"channel_id", stats.channelId},
          {"member_count", stats.memberCount},
          {"guest_count", stats.guestCount},
          {"pinnedpost_count", stats.pinnedPostCount},
          {"files_count", stats.filesCount}};
}

nlohmann::json sidebarCategoryToJson(const core::services::SidebarCategory& category) {
  return {{"id", category.id},
          {"user_id", category.userId},
          {"team_id", category.teamId},
          {"sort_order", category.sortOrder},
          {"sorting", category.sorting},
          {"type", category.type},
          {"display_name", category.displayName},
          {"muted", category.muted},
          {"collapsed", category.collapsed},
          {"channel_ids", category.channelIds}};
}

}  // namespace parley::gateway::api::json
