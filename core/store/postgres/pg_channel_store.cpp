#include "core/store/postgres/pg_channel_store.hpp"

#include <cctype>

#include "core/store/postgres/pg_channel_rows.hpp"
#include "core/store/postgres/pg_store.hpp"
#include "core/store/postgres/pg_support.hpp"

namespace parley::core::store::postgres {
namespace {

constexpr Statement kChannelAccess{
    "channel_access", "SELECT " PARLEY_PG_CHANNEL_COLUMNS ", " PARLEY_PG_TEAM_MEMBER_COLUMNS
                      ", " PARLEY_PG_CHANNEL_MEMBER_COLUMNS
                      " FROM channels c" PARLEY_PG_CHANNEL_ACCESS_JOINS " WHERE c.id = $2"};
constexpr Statement kChannelInsert{
    "channel_insert",
    "INSERT INTO channels (id, create_at, update_at, delete_at, team_id, type, display_name, "
    "name, header, purpose, creator_id, props) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb)"};
constexpr Statement kChannelUpdate{
    "channel_update",
    "UPDATE channels SET update_at = $3, delete_at = $4, type = $6, display_name = $7, "
    "name = $8, header = $9, purpose = $10, props = $12::jsonb "
    "WHERE id = $1 AND create_at = $2 AND team_id IS NOT DISTINCT FROM $5 AND creator_id = $11"};
constexpr Statement kChannelById{
    "channel_by_id", "SELECT " PARLEY_PG_CHANNEL_COLUMNS " FROM channels c WHERE c.id = $1"};
constexpr Statement kChannelByName{"channel_by_name",
                                   "SELECT " PARLEY_PG_CHANNEL_COLUMNS
                                   " FROM channels c"
                                   " WHERE c.team_id IS NOT DISTINCT FROM $1 AND c.name = $2"};
constexpr Statement kChannelsOfTeam{
    "channels_of_team", "SELECT " PARLEY_PG_CHANNEL_COLUMNS
                        " FROM channels c WHERE c.team_id = $1 AND c.type = $2 AND c.delete_at = 0"
                        " ORDER BY c.display_name, c.id OFFSET $3 LIMIT $4"};
constexpr Statement kArchivedChannelsOfTeam{
    "archived_channels_of_team",
    "SELECT " PARLEY_PG_CHANNEL_COLUMNS
    " FROM channels c WHERE c.team_id = $1 AND c.delete_at <> 0 AND (c.type = 'O' OR EXISTS"
    " (SELECT 1 FROM channel_members cm WHERE cm.channel_id = c.id AND cm.user_id = $2))"
    " ORDER BY c.display_name, c.id OFFSET $3 LIMIT $4"};
// $3: the search term with LIKE's wildcards escaped; $4: 'open', 'visible' or 'member'.
// A match is a prefix of the name, of the display name, or of a word in the display name.
constexpr Statement kSearchChannelsOfTeam{
    "search_channels_of_team",
    "SELECT " PARLEY_PG_CHANNEL_COLUMNS
    " FROM channels c WHERE c.team_id = $1 AND c.delete_at = 0 AND c.type IN ('O', 'P')"
    " AND (lower(c.name) LIKE $3 || '%' OR lower(c.display_name) LIKE $3 || '%'"
    "      OR lower(c.display_name) LIKE '% ' || $3 || '%')"
    " AND CASE $4"
    "   WHEN 'open' THEN c.type = 'O'"
    "   WHEN 'visible' THEN c.type = 'O' OR EXISTS (SELECT 1 FROM channel_members cm"
    "     WHERE cm.channel_id = c.id AND cm.user_id = $2)"
    "   ELSE EXISTS (SELECT 1 FROM channel_members cm"
    "     WHERE cm.channel_id = c.id AND cm.user_id = $2) END"
    " ORDER BY c.display_name, c.id LIMIT $5"};
// $2: the team, or NULL for every team; $3: include archived; $4: archived after.
constexpr Statement kChannelsOfUser{
    "channels_of_user",
    "SELECT " PARLEY_PG_CHANNEL_COLUMNS
    " FROM channels c JOIN channel_members cm ON cm.channel_id = c.id AND cm.user_id = $1"
    " WHERE ($2::varchar IS NULL OR c.team_id = $2 OR c.team_id IS NULL)"
    " AND (c.delete_at = 0 OR ($3::boolean AND c.delete_at > $4))"
    " ORDER BY c.display_name, c.id"};
constexpr Statement kChannelMember{
    "channel_member", "SELECT " PARLEY_PG_CHANNEL_MEMBER_COLUMNS
                      " FROM channel_members cm WHERE cm.channel_id = $1 AND cm.user_id = $2"};
constexpr Statement kChannelMemberInsert{
    "channel_member_insert",
    "INSERT INTO channel_members (channel_id, user_id, roles, last_viewed_at, msg_count, "
    "msg_count_root, mention_count, mention_count_root, urgent_mention_count, notify_props, "
    "last_update_at, scheme_guest, scheme_user, scheme_admin) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13, $14) "
    "ON CONFLICT (channel_id, user_id) DO NOTHING"};
constexpr Statement kChannelMemberUpdate{
    "channel_member_update",
    "UPDATE channel_members SET roles = $3, notify_props = $4::jsonb, last_update_at = $5, "
    "scheme_guest = $6, scheme_user = $7, scheme_admin = $8 "
    "WHERE channel_id = $1 AND user_id = $2"};
constexpr Statement kChannelMemberDelete{
    "channel_member_delete", "DELETE FROM channel_members WHERE channel_id = $1 AND user_id = $2"};
constexpr Statement kChannelMemberDeleteInTeam{
    "channel_member_delete_in_team",
    "DELETE FROM channel_members WHERE user_id = $2"
    " AND channel_id IN (SELECT id FROM channels WHERE team_id = $1)"};
constexpr Statement kChannelMembers{"channel_members",
                                    "SELECT " PARLEY_PG_CHANNEL_MEMBER_COLUMNS
                                    " FROM channel_members cm WHERE cm.channel_id = $1"
                                    " ORDER BY cm.user_id OFFSET $2 LIMIT $3"};
constexpr Statement kChannelMembersByIds{
    "channel_members_by_ids",
    "SELECT " PARLEY_PG_CHANNEL_MEMBER_COLUMNS
    " FROM channel_members cm WHERE cm.channel_id = $1 AND cm.user_id = ANY ($2::varchar[])"
    " ORDER BY cm.user_id"};
// $2: the team, or NULL for every team; $4: the limit, NULL for all.
constexpr Statement kChannelMembershipsOfUser{
    "channel_memberships_of_user",
    "SELECT " PARLEY_PG_CHANNEL_MEMBER_COLUMNS
    " FROM channel_members cm JOIN channels c ON c.id = cm.channel_id"
    " WHERE cm.user_id = $1 AND ($2::varchar IS NULL OR c.team_id = $2 OR c.team_id IS NULL)"
    " ORDER BY cm.channel_id OFFSET $3 LIMIT $4"};
constexpr Statement kChannelCounts{
    "channel_counts",
    "SELECT (SELECT count(*) FROM channel_members cm JOIN users u ON u.id = cm.user_id"
    "        WHERE cm.channel_id = $1 AND u.delete_at = 0),"
    " (SELECT count(*) FROM channel_members cm JOIN users u ON u.id = cm.user_id"
    "  WHERE cm.channel_id = $1 AND u.delete_at = 0 AND cm.scheme_guest),"
    " (SELECT count(*) FROM posts WHERE channel_id = $1 AND is_pinned AND delete_at = 0),"
    " (SELECT count(*) FROM file_infos WHERE channel_id = $1 AND delete_at = 0)"};
constexpr Statement kChannelShared{
    "channel_shared_by_users",
    "SELECT EXISTS (SELECT 1 FROM channel_members a JOIN channel_members b"
    " ON b.channel_id = a.channel_id AND b.user_id = $2 WHERE a.user_id = $1)"};
constexpr Statement kChannelFavorites{
    "channel_favorites",
    "SELECT name FROM preferences WHERE user_id = $1 AND category = 'favorite_channel'"
    " AND value = 'true' ORDER BY name"};
constexpr Statement kChannelMemberUserIds{
    "channel_member_user_ids", "SELECT user_id FROM channel_members WHERE channel_id = $1"};
constexpr Statement kChannelMarkViewed{
    "channel_mark_viewed",
    "UPDATE channel_members cm SET last_viewed_at = $3, msg_count = c.total_msg_count,"
    " msg_count_root = c.total_msg_count_root, mention_count = 0, mention_count_root = 0,"
    " urgent_mention_count = 0, last_update_at = $3"
    " FROM channels c WHERE c.id = cm.channel_id AND cm.channel_id = $1 AND cm.user_id = $2"};

constexpr Statement kSidebarCategories{
    "sidebar_categories",
    "SELECT sc.id, sc.sort_order, sc.sorting, sc.type, sc.display_name, sc.muted, sc.collapsed,"
    " COALESCE((SELECT string_agg(s.channel_id, ',' ORDER BY s.sort_order, s.channel_id)"
    "           FROM sidebar_channels s WHERE s.category_id = sc.id), '')"
    " FROM sidebar_categories sc WHERE sc.user_id = $1 AND sc.team_id = $2"
    " ORDER BY sc.sort_order, sc.id"};
constexpr Statement kSidebarDelete{
    "sidebar_delete", "DELETE FROM sidebar_categories WHERE user_id = $1 AND team_id = $2"};
constexpr Statement kSidebarCategoryInsert{
    "sidebar_category_insert",
    "INSERT INTO sidebar_categories (id, user_id, team_id, type, display_name, sort_order,"
    " sorting, muted, collapsed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"};
// $4: the channel ids, comma-separated, in order.
constexpr Statement kSidebarChannelsInsert{
    "sidebar_channels_insert",
    "INSERT INTO sidebar_channels (category_id, channel_id, user_id, team_id, sort_order)"
    " SELECT $1, id, $2, $3, ordinality * 10 FROM unnest(string_to_array($4, ','))"
    " WITH ORDINALITY AS ids (id, ordinality)"};

Error channelNotFound() {
  return makeError(ErrorCode::kNotFound, "app.channel.get.existing.app_error",
                   "Unable to find the existing channel.");
}

Params channelParams(const model::Channel& channel) {
  Params params;
  params.add(channel.id)
      .add(channel.createAt)
      .add(channel.updateAt)
      .add(channel.deleteAt)
      .addOrNull(channel.teamId)
      .add(std::string_view(&channel.type, 1))
      .add(channel.displayName)
      .add(channel.name)
      .add(channel.header)
      .add(channel.purpose)
      .add(channel.creatorId);
  if (channel.props.is_null()) {
    params.addNull();
  } else {
    params.add(channel.props.dump());
  }
  return params;
}

std::vector<model::Channel> channelsFrom(const Rows& rows) {
  std::vector<model::Channel> channels;
  channels.reserve(static_cast<std::size_t>(rows.size()));
  for (int row = 0; row < rows.size(); ++row) channels.push_back(channelFromRow(rows, row, 0));
  return channels;
}

std::vector<model::ChannelMember> channelMembersFrom(const Rows& rows) {
  std::vector<model::ChannelMember> members;
  members.reserve(static_cast<std::size_t>(rows.size()));
  for (int row = 0; row < rows.size(); ++row) {
    members.push_back(*channelMemberFromRow(rows, row, 0));
  }
  return members;
}

// A PostgreSQL array literal of ids; the callers pass valid ids only (letters and digits), so
// nothing needs quoting.
std::string idArray(const std::vector<std::string>& ids) {
  std::string array = "{";
  for (const auto& id : ids) {
    if (array.size() > 1) array += ',';
    array += id;
  }
  return array + "}";
}

}  // namespace

Result<model::ChannelAccess> PgChannelStore::access(std::string_view userId,
                                                    std::string_view channelId) {
  auto rows = store_.exec(kChannelAccess, Params().add(userId).add(channelId));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return channelNotFound();
  return channelAccessFromRow(*rows, 0, 0);
}

Status PgChannelStore::write(const Statement& statement, const Params& params) {
  auto rows = store_.exec(statement, params);
  if (rows) return {};
  Error error = std::move(rows).error();
  if (error.code == ErrorCode::kConflict) {
    error.id = "store.sql_channel.save_channel.exists.app_error";
    error.message = "A channel with that name already exists on the same team.";
  }
  return error;
}

Status PgChannelStore::create(const model::Channel& channel) {
  return write(kChannelInsert, channelParams(channel));
}

Status PgChannelStore::update(const model::Channel& channel) {
  return write(kChannelUpdate, channelParams(channel));
}

Result<model::Channel> PgChannelStore::get(std::string_view channelId) {
  auto rows = store_.exec(kChannelById, Params().add(channelId));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return channelNotFound();
  return channelFromRow(*rows, 0, 0);
}

Result<model::Channel> PgChannelStore::getByName(std::string_view teamId, std::string_view name) {
  auto rows = store_.exec(kChannelByName, Params().addOrNull(teamId).add(name));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) {
    return makeError(ErrorCode::kNotFound, "app.channel.get_by_name.missing.app_error",
                     "Unable to find the existing channel.");
  }
  return channelFromRow(*rows, 0, 0);
}

Result<std::vector<model::Channel>> PgChannelStore::listOfTeam(std::string_view teamId, char type,
                                                               int offset, int limit) {
  auto rows = store_.exec(
      kChannelsOfTeam, Params().add(teamId).add(std::string_view(&type, 1)).add(offset).add(limit));
  if (!rows) return std::move(rows).error();
  return channelsFrom(*rows);
}

Result<std::vector<model::Channel>> PgChannelStore::listArchivedOfTeam(std::string_view teamId,
                                                                       std::string_view userId,
                                                                       int offset, int limit) {
  auto rows =
      store_.exec(kArchivedChannelsOfTeam, Params().add(teamId).add(userId).add(offset).add(limit));
  if (!rows) return std::move(rows).error();
  return channelsFrom(*rows);
}

Result<std::vector<model::Channel>> PgChannelStore::searchOfTeam(std::string_view teamId,
                                                                 std::string_view userId,
                                                                 std::string_view term,
                                                                 SearchScope scope, int limit) {
  std::string pattern;
  for (const char c : term) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const char* scopeName = scope == SearchScope::kOpenOnly  ? "open"
                          : scope == SearchScope::kVisible ? "visible"
                                                           : "member";
  auto rows = store_.exec(kSearchChannelsOfTeam,
                          Params().add(teamId).add(userId).add(pattern).add(scopeName).add(limit));
  if (!rows) return std::move(rows).error();
  return channelsFrom(*rows);
}

Result<std::vector<model::Channel>> PgChannelStore::channelsOfUser(
    std::string_view userId, std::string_view teamId, const ChannelListOptions& options) {
  auto rows = store_.exec(
      kChannelsOfUser,
      Params().add(userId).addOrNull(teamId).add(options.includeDeleted).add(options.lastDeleteAt));
  if (!rows) return std::move(rows).error();
  return channelsFrom(*rows);
}

Result<std::optional<model::ChannelMember>> PgChannelStore::member(std::string_view channelId,
                                                                   std::string_view userId) {
  auto rows = store_.exec(kChannelMember, Params().add(channelId).add(userId));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<model::ChannelMember>();
  return channelMemberFromRow(*rows, 0, 0);
}

Status PgChannelStore::addMember(const model::ChannelMember& member) {
  return done(store_.exec(kChannelMemberInsert, Params()
                                                    .add(member.channelId)
                                                    .add(member.userId)
                                                    .add(member.explicitRoles)
                                                    .add(member.lastViewedAt)
                                                    .add(member.msgCount)
                                                    .add(member.msgCountRoot)
                                                    .add(member.mentionCount)
                                                    .add(member.mentionCountRoot)
                                                    .add(member.urgentMentionCount)
                                                    .add(member.notifyProps.dump())
                                                    .add(member.lastUpdateAt)
                                                    .add(member.schemeGuest)
                                                    .add(member.schemeUser)
                                                    .add(member.schemeAdmin)));
}

Status PgChannelStore::updateMember(const model::ChannelMember& member) {
  return done(store_.exec(kChannelMemberUpdate, Params()
                                                    .add(member.channelId)
                                                    .add(member.userId)
                                                    .add(member.explicitRoles)
                                                    .add(member.notifyProps.dump())
                                                    .add(member.lastUpdateAt)
                                                    .add(member.schemeGuest)
                                                    .add(member.schemeUser)
                                                    .add(member.schemeAdmin)));
}

Status PgChannelStore::removeMember(std::string_view channelId, std::string_view userId) {
  return done(store_.exec(kChannelMemberDelete, Params().add(channelId).add(userId)));
}

Status PgChannelStore::removeMemberFromTeamChannels(std::string_view teamId,
                                                    std::string_view userId) {
  return done(store_.exec(kChannelMemberDeleteInTeam, Params().add(teamId).add(userId)));
}

Result<std::vector<model::ChannelMember>> PgChannelStore::members(std::string_view channelId,
                                                                  int offset, int limit) {
  auto rows = store_.exec(kChannelMembers, Params().add(channelId).add(offset).add(limit));
  if (!rows) return std::move(rows).error();
  return channelMembersFrom(*rows);
}

Result<std::vector<model::ChannelMember>> PgChannelStore::membersByIds(
    std::string_view channelId, const std::vector<std::string>& userIds) {
  auto rows = store_.exec(kChannelMembersByIds, Params().add(channelId).add(idArray(userIds)));
  if (!rows) return std::move(rows).error();
  return channelMembersFrom(*rows);
}

Result<std::vector<model::ChannelMember>> PgChannelStore::membershipsOfUser(std::string_view userId,
                                                                            std::string_view teamId,
                                                                            int offset, int limit) {
  Params params;
  params.add(userId).addOrNull(teamId).add(offset);
  if (limit < 0) {
    params.addNull();
  } else {
    params.add(limit);
  }
  auto rows = store_.exec(kChannelMembershipsOfUser, params);
  if (!rows) return std::move(rows).error();
  return channelMembersFrom(*rows);
}

Result<ChannelCounts> PgChannelStore::counts(std::string_view channelId) {
  auto rows = store_.exec(kChannelCounts, Params().add(channelId));
  if (!rows) return std::move(rows).error();
  return ChannelCounts{rows->int64(0, 0), rows->int64(0, 1), rows->int64(0, 2), rows->int64(0, 3)};
}

Result<bool> PgChannelStore::shareAChannel(std::string_view userA, std::string_view userB) {
  auto rows = store_.exec(kChannelShared, Params().add(userA).add(userB));
  if (!rows) return std::move(rows).error();
  return rows->boolean(0, 0);
}

Result<std::vector<std::string>> PgChannelStore::favoriteChannelIds(std::string_view userId) {
  auto rows = store_.exec(kChannelFavorites, Params().add(userId));
  if (!rows) return std::move(rows).error();
  std::vector<std::string> ids;
  for (int row = 0; row < rows->size(); ++row) ids.push_back(rows->string(row, 0));
  return ids;
}

Result<std::vector<std::string>> PgChannelStore::memberUserIds(std::string_view channelId) {
  return firstColumn(store_.exec(kChannelMemberUserIds, Params().add(channelId)));
}

Result<bool> PgChannelStore::markViewed(std::string_view channelId, std::string_view userId,
                                        std::int64_t now) {
  auto rows = store_.exec(kChannelMarkViewed, Params().add(channelId).add(userId).add(now));
  if (!rows) return std::move(rows).error();
  return rows->affected() > 0;
}

Result<std::vector<model::SidebarCategory>> PgChannelStore::sidebarCategories(
    std::string_view userId, std::string_view teamId) {
  auto rows = store_.exec(kSidebarCategories, Params().add(userId).add(teamId));
  if (!rows) return std::move(rows).error();
  std::vector<model::SidebarCategory> categories;
  for (int row = 0; row < rows->size(); ++row) {
    model::SidebarCategory category;
    category.id = rows->string(row, 0);
    category.userId = std::string(userId);
    category.teamId = std::string(teamId);
    category.sortOrder = rows->int64(row, 1);
    category.sorting = rows->string(row, 2);
    category.type = rows->string(row, 3);
    category.displayName = rows->string(row, 4);
    category.muted = rows->boolean(row, 5);
    category.collapsed = rows->boolean(row, 6);
    std::string_view ids = rows->text(row, 7);
    while (!ids.empty()) {
      const auto comma = ids.find(',');
      category.channelIds.emplace_back(ids.substr(0, comma));
      ids = comma == std::string_view::npos ? std::string_view() : ids.substr(comma + 1);
    }
    categories.push_back(std::move(category));
  }
  return categories;
}

Status PgChannelStore::saveSidebarCategories(
    std::string_view userId, std::string_view teamId,
    const std::vector<model::SidebarCategory>& categories) {
  if (auto deleted = done(store_.exec(kSidebarDelete, Params().add(userId).add(teamId)));
      !deleted) {
    return deleted;
  }
  for (const auto& category : categories) {
    if (auto inserted = done(store_.exec(kSidebarCategoryInsert, Params()
                                                                     .add(category.id)
                                                                     .add(userId)
                                                                     .add(teamId)
                                                                     .add(category.type)
                                                                     .add(category.displayName)
                                                                     .add(category.sortOrder)
                                                                     .add(category.sorting)
                                                                     .add(category.muted)
                                                                     .add(category.collapsed)));
        !inserted) {
      return inserted;
    }
    std::string ids;
    for (const auto& id : category.channelIds) {
      if (!ids.empty()) ids += ',';
      ids += id;
    }
    if (auto inserted = done(store_.exec(
            kSidebarChannelsInsert, Params().add(category.id).add(userId).add(teamId).add(ids)));
        !inserted) {
      return inserted;
    }
  }
  return {};
}

}  // namespace parley::core::store::postgres
