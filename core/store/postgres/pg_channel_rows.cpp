#include "core/store/postgres/pg_channel_rows.hpp"

#include "core/store/postgres/pg_support.hpp"

namespace parley::core::store::postgres {
namespace {

// A char(1) column.
char typeOf(const Rows& rows, int row, int col, char fallback) {
  const auto text = rows.text(row, col);
  return text.empty() ? fallback : text.front();
}

}  // namespace

model::Team teamFromRow(const Rows& rows, int row, int first) {
  int col = first;
  model::Team team;
  team.id = rows.string(row, col++);
  team.createAt = rows.int64(row, col++);
  team.updateAt = rows.int64(row, col++);
  team.deleteAt = rows.int64(row, col++);
  team.displayName = rows.string(row, col++);
  team.name = rows.string(row, col++);
  team.description = rows.string(row, col++);
  team.email = rows.string(row, col++);
  team.type = typeOf(rows, row, col++, model::kTeamOpen);
  team.companyName = rows.string(row, col++);
  team.allowedDomains = rows.string(row, col++);
  team.inviteId = rows.string(row, col++);
  team.allowOpenInvite = rows.boolean(row, col++);
  team.lastTeamIconUpdate = rows.int64(row, col++);
  return team;
}

std::optional<model::TeamMember> teamMemberFromRow(const Rows& rows, int row, int first) {
  if (rows.isNull(row, first)) return std::nullopt;
  int col = first;
  model::TeamMember member;
  member.teamId = rows.string(row, col++);
  member.userId = rows.string(row, col++);
  member.explicitRoles = rows.string(row, col++);
  member.deleteAt = rows.int64(row, col++);
  member.schemeGuest = rows.boolean(row, col++);
  member.schemeUser = rows.boolean(row, col++);
  member.schemeAdmin = rows.boolean(row, col++);
  member.createAt = rows.int64(row, col++);
  return member;
}

model::Channel channelFromRow(const Rows& rows, int row, int first) {
  int col = first;
  model::Channel channel;
  channel.id = rows.string(row, col++);
  channel.createAt = rows.int64(row, col++);
  channel.updateAt = rows.int64(row, col++);
  channel.deleteAt = rows.int64(row, col++);
  channel.teamId = rows.string(row, col++);
  channel.type = typeOf(rows, row, col++, model::kChannelOpen);
  channel.displayName = rows.string(row, col++);
  channel.name = rows.string(row, col++);
  channel.header = rows.string(row, col++);
  channel.purpose = rows.string(row, col++);
  channel.lastPostAt = rows.int64(row, col++);
  channel.lastRootPostAt = rows.int64(row, col++);
  channel.totalMsgCount = rows.int64(row, col++);
  channel.totalMsgCountRoot = rows.int64(row, col++);
  channel.extraUpdateAt = rows.int64(row, col++);
  channel.creatorId = rows.string(row, col++);
  channel.props = rows.isNull(row, col) ? nlohmann::json() : parseJson(rows.text(row, col), {});
  ++col;
  channel.shared = rows.boolean(row, col++);
  channel.classification = rows.string(row, col++);
  channel.securityLabel = parseJson(rows.text(row, col++), nlohmann::json::object());
  return channel;
}

std::optional<model::ChannelMember> channelMemberFromRow(const Rows& rows, int row, int first) {
  if (rows.isNull(row, first)) return std::nullopt;
  int col = first;
  model::ChannelMember member;
  member.channelId = rows.string(row, col++);
  member.userId = rows.string(row, col++);
  member.explicitRoles = rows.string(row, col++);
  member.lastViewedAt = rows.int64(row, col++);
  member.msgCount = rows.int64(row, col++);
  member.msgCountRoot = rows.int64(row, col++);
  member.mentionCount = rows.int64(row, col++);
  member.mentionCountRoot = rows.int64(row, col++);
  member.urgentMentionCount = rows.int64(row, col++);
  member.notifyProps = parseJson(rows.text(row, col++), nlohmann::json::object());
  member.lastUpdateAt = rows.int64(row, col++);
  member.schemeGuest = rows.boolean(row, col++);
  member.schemeUser = rows.boolean(row, col++);
  member.schemeAdmin = rows.boolean(row, col++);
  return member;
}

model::ChannelAccess channelAccessFromRow(const Rows& rows, int row, int first) {
  const int teamMemberFirst = first + kChannelColumnCount;
  const int memberFirst = teamMemberFirst + kTeamMemberColumnCount;
  return model::ChannelAccess{channelFromRow(rows, row, first),
                              teamMemberFromRow(rows, row, teamMemberFirst),
                              channelMemberFromRow(rows, row, memberFirst)};
}

}  // namespace parley::core::store::postgres
