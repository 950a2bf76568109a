#include "gateway/api/json/team_json.hpp"

#include <string>

namespace parley::gateway::api::json {

nlohmann::json teamToJson(const core::model::Team& team) {
  return {{"id", team.id},
          {"create_at", team.createAt},
          {"update_at", team.updateAt},
          {"delete_at", team.deleteAt},
          {"display_name", team.displayName},
          {"name", team.name},
          {"description", team.description},
          {"email", team.email},
          {"type", std::string(1, team.type)},
          {"company_name", team.companyName},
          {"allowed_domains", team.allowedDomains},
          {"invite_id", team.inviteId},
          {"allow_open_invite", team.allowOpenInvite},
          {"last_team_icon_update", team.lastTeamIconUpdate},
          {"scheme_id", nullptr},
          {"group_constrained", nullptr},
          {"policy_id", nullptr},
          {"cloud_limits_archived", false}};
}

nlohmann::json teamMemberToJson(const core::model::TeamMember& member) {
  return {{"team_id", member.teamId},
          {"user_id", member.userId},
          {"roles", member.roles()},
          {"delete_at", member.deleteAt},
          {"scheme_guest", member.schemeGuest},
          {"scheme_user", member.schemeUser},
          {"scheme_admin", member.schemeAdmin},
          {"explicit_roles", member.explicitRoles},
          {"create_at", member.createAt}};
}

nlohmann::json teamUnreadToJson(const core::store::TeamUnread& unread) {
  return {{"team_id", unread.teamId},
          {"msg_count", unread.msgCount},
          {"mention_count", unread.mentionCount},
          {"mention_count_root", unread.mentionCountRoot},
          {"msg_count_root", unread.msgCountRoot},
          {"thread_count", 0},
          {"thread_mention_count", 0},
          {"thread_urgent_mention_count", 0}};
}

nlohmann::json teamStatsToJson(std::string_view teamId, const core::store::TeamStats& stats) {
  return {{"team_id", teamId},
          {"total_member_count", stats.totalMemberCount},
          {"active_member_count", stats.activeMemberCount}};
}

}  // namespace parley::gateway::api::json
