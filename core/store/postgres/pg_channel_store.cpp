#include "core/store/postgres/pg_channel_store.hpp"

#include "core/store/postgres/pg_channel_rows.hpp"
#include "core/store/postgres/pg_store.hpp"

namespace parley::core::store::postgres {
namespace {

constexpr Statement kChannelAccess{
    "channel_access", "SELECT " PARLEY_PG_CHANNEL_COLUMNS ", " PARLEY_PG_TEAM_MEMBER_COLUMNS
                      ", " PARLEY_PG_CHANNEL_MEMBER_COLUMNS
                      " FROM channels c"
                      " LEFT JOIN team_members tm"
                      "   ON tm.team_id = c.team_id AND tm.user_id = $1 AND tm.delete_at = 0"
                      " LEFT JOIN channel_members cm ON cm.channel_id = c.id AND cm.user_id = $1"
                      " WHERE c.id = $2"};

Error channelNotFound() {
  return makeError(ErrorCode::kNotFound, "app.channel.get.existing.app_error",
                   "Unable to find the existing channel.");
}

}  // namespace

Result<model::ChannelAccess> PgChannelStore::access(std::string_view userId,
                                                    std::string_view channelId) {
  auto rows = store_.exec(kChannelAccess, Params().add(userId).add(channelId));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return channelNotFound();
  constexpr int kTeamMemberFirst = kChannelColumnCount;
  constexpr int kMemberFirst = kTeamMemberFirst + kTeamMemberColumnCount;
  return model::ChannelAccess{channelFromRow(*rows, 0, 0),
                              teamMemberFromRow(*rows, 0, kTeamMemberFirst),
                              channelMemberFromRow(*rows, 0, kMemberFirst)};
}

}  // namespace parley::core::store::postgres
