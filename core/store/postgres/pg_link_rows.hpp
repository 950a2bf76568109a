#pragma once
// The columns and row reader of links, shared by the bridge store and by the statements of
// other stores that read a channel's links in their own round trip (policy inputs).

#include <vector>

#include "core/model/link.hpp"
#include "core/store/postgres/connection.hpp"

namespace parley::core::store::postgres {

#define PARLEY_PG_LINK_COLUMNS                                                               \
  "id, channel_id, bridge, remote_room, peer, direction, read_only, created_by, create_at, " \
  "update_at"
inline constexpr int kLinkColumnCount = 10;

// The links of channel $1, oldest first.
inline constexpr Statement kLinksOfChannel{
    "bridge_link_of_channel",
    "SELECT " PARLEY_PG_LINK_COLUMNS " FROM links WHERE channel_id = $1 ORDER BY create_at, id"};

// PARLEY_PG_LINK_COLUMNS of `row`, from its first column.
model::Link linkFromRow(const Rows& rows, int row);
std::vector<model::Link> linksFromRows(const Rows& rows);

}  // namespace parley::core::store::postgres
