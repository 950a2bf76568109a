#pragma once
// Column lists and row readers for teams, channels and memberships, shared by the queries of
// the team and channel stores. The lists are macros so that statements can splice them into
// their SQL literals; each names its table by a fixed alias (t = teams, tm = team_members,
// c = channels, cm = channel_members) so that one statement can join several of them. Each
// reader takes the index of the list's first column in the row; a LEFT JOINed membership that
// is absent reads as nullopt.

#include <optional>

#include "core/model/channel.hpp"
#include "core/model/team.hpp"
#include "core/store/postgres/connection.hpp"

namespace parley::core::store::postgres {

#define PARLEY_PG_TEAM_COLUMNS                                                             \
  "t.id, t.create_at, t.update_at, t.delete_at, t.display_name, t.name, t.description, "   \
  "t.email, t.type, t.company_name, t.allowed_domains, t.invite_id, t.allow_open_invite, " \
  "t.last_team_icon_update"
inline constexpr int kTeamColumnCount = 14;

#define PARLEY_PG_TEAM_MEMBER_COLUMNS                                                 \
  "tm.team_id, tm.user_id, tm.roles, tm.delete_at, tm.scheme_guest, tm.scheme_user, " \
  "tm.scheme_admin, tm.create_at"
inline constexpr int kTeamMemberColumnCount = 8;

#define PARLEY_PG_CHANNEL_COLUMNS                                                         \
  "c.id, c.create_at, c.update_at, c.delete_at, COALESCE(c.team_id, ''), c.type, "        \
  "c.display_name, c.name, c.header, c.purpose, c.last_post_at, c.last_root_post_at, "    \
  "c.total_msg_count, c.total_msg_count_root, c.extra_update_at, c.creator_id, c.props, " \
  "COALESCE(c.shared, false), c.classification, c.security_label"
inline constexpr int kChannelColumnCount = 20;

#define PARLEY_PG_CHANNEL_MEMBER_COLUMNS                                                      \
  "cm.channel_id, cm.user_id, cm.roles, cm.last_viewed_at, cm.msg_count, cm.msg_count_root, " \
  "cm.mention_count, cm.mention_count_root, cm.urgent_mention_count, cm.notify_props, "       \
  "cm.last_update_at, cm.scheme_guest, cm.scheme_user, cm.scheme_admin"
inline constexpr int kChannelMemberColumnCount = 14;

// The memberships of user $1 in channel `c` (its team's and its own), joined as `tm` and `cm`.
#define PARLEY_PG_CHANNEL_ACCESS_JOINS                                    \
  " LEFT JOIN team_members tm"                                            \
  "   ON tm.team_id = c.team_id AND tm.user_id = $1 AND tm.delete_at = 0" \
  " LEFT JOIN channel_members cm ON cm.channel_id = c.id AND cm.user_id = $1"

model::Team teamFromRow(const Rows& rows, int row, int first);
std::optional<model::TeamMember> teamMemberFromRow(const Rows& rows, int row, int first);
model::Channel channelFromRow(const Rows& rows, int row, int first);
std::optional<model::ChannelMember> channelMemberFromRow(const Rows& rows, int row, int first);
// PARLEY_PG_CHANNEL_COLUMNS, PARLEY_PG_TEAM_MEMBER_COLUMNS, PARLEY_PG_CHANNEL_MEMBER_COLUMNS.
inline constexpr int kChannelAccessColumnCount =
    kChannelColumnCount + kTeamMemberColumnCount + kChannelMemberColumnCount;
model::ChannelAccess channelAccessFromRow(const Rows& rows, int row, int first);

}  // namespace parley::core::store::postgres
