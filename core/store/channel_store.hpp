#pragma once
// Persistence of channels and channel memberships. Call only from inside a database job (see
// store.hpp).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/channel.hpp"
#include "core/model/sidebar_category.hpp"

namespace parley::core::store {

struct ChannelCounts {
  std::int64_t members = 0;  // members whose account is active
  std::int64_t guests = 0;   // of those, guests
  std::int64_t pinnedPosts = 0;
  std::int64_t files = 0;
};

struct ChannelListOptions {
  bool includeDeleted = false;
  // With includeDeleted: only archived channels deleted after this time (mobile's resync).
  std::int64_t lastDeleteAt = 0;
};

class ChannelStore {
 public:
  virtual ~ChannelStore() = default;

  // The channel with `userId`'s active team membership and channel membership, in one round
  // trip: what every permission check on a channel needs (core/services/permissions.hpp).
  // kNotFound "app.channel.get.existing.app_error" when there is no such channel.
  virtual Result<model::ChannelAccess> access(std::string_view userId,
                                              std::string_view channelId) = 0;

  // kConflict "store.sql_channel.save_channel.exists.app_error" when the team (or, for direct
  // and group channels, the shared namespace) already has a channel of that name.
  virtual Status create(const model::Channel& channel) = 0;
  // Writes display_name, name, header, purpose, type, update_at, delete_at and props; the
  // same conflict as create().
  virtual Status update(const model::Channel& channel) = 0;

  // kNotFound "app.channel.get.existing.app_error"; archived channels are found too.
  virtual Result<model::Channel> get(std::string_view channelId) = 0;
  // The channel called `name` in team `teamId` ("" for direct and group channels, whose names
  // derive from their members). kNotFound "app.channel.get_by_name.missing.app_error".
  virtual Result<model::Channel> getByName(std::string_view teamId, std::string_view name) = 0;

  // Channels of a team of one type (O or P), not archived, by display name.
  virtual Result<std::vector<model::Channel>> listOfTeam(std::string_view teamId, char type,
                                                         int offset, int limit) = 0;
  // Archived channels of a team: the open ones and the private ones `userId` is a member of,
  // by display name.
  virtual Result<std::vector<model::Channel>> listArchivedOfTeam(std::string_view teamId,
                                                                 std::string_view userId,
                                                                 int offset, int limit) = 0;
  // Live channels of a team whose name or display name has a word starting with `term` (case
  // insensitive; `term` is matched literally, LIKE wildcards included), by display name, at
  // most `limit`. Which ones: kOpenOnly the open ones; kVisible the open ones and the private
  // ones `userId` is a member of; kMemberOnly the open and private ones `userId` is a member of.
  enum class SearchScope { kOpenOnly, kVisible, kMemberOnly };
  virtual Result<std::vector<model::Channel>> searchOfTeam(std::string_view teamId,
                                                           std::string_view userId,
                                                           std::string_view term, SearchScope scope,
                                                           int limit) = 0;
  // The channels `userId` is a member of: in team `teamId` plus every direct and group
  // channel, or in every team when `teamId` is empty.
  virtual Result<std::vector<model::Channel>> channelsOfUser(std::string_view userId,
                                                             std::string_view teamId,
                                                             const ChannelListOptions& options) = 0;

  // The membership, or nullopt.
  virtual Result<std::optional<model::ChannelMember>> member(std::string_view channelId,
                                                             std::string_view userId) = 0;
  // Inserts the membership; an existing one is left as it is (adding twice is not an error).
  virtual Status addMember(const model::ChannelMember& member) = 0;
  // Writes roles, scheme flags, notify_props and last_update_at of an existing membership.
  virtual Status updateMember(const model::ChannelMember& member) = 0;
  virtual Status removeMember(std::string_view channelId, std::string_view userId) = 0;
  // Removes `userId` from every channel of team `teamId` (leaving a team).
  virtual Status removeMemberFromTeamChannels(std::string_view teamId, std::string_view userId) = 0;
  // Memberships of a channel by user id.
  virtual Result<std::vector<model::ChannelMember>> members(std::string_view channelId, int offset,
                                                            int limit) = 0;
  virtual Result<std::vector<model::ChannelMember>> membersByIds(
      std::string_view channelId, const std::vector<std::string>& userIds) = 0;
  // A user's memberships: in the channels of team `teamId` plus direct and group channels, or
  // everywhere when `teamId` is empty; limit < 0 means all.
  virtual Result<std::vector<model::ChannelMember>> membershipsOfUser(std::string_view userId,
                                                                      std::string_view teamId,
                                                                      int offset, int limit) = 0;
  virtual Result<ChannelCounts> counts(std::string_view channelId) = 0;
  // Whether two users are both members of at least one channel.
  virtual Result<bool> shareAChannel(std::string_view userA, std::string_view userB) = 0;
  // The stored sidebar of `userId` in `teamId`, by sort order; empty when they never changed it.
  virtual Result<std::vector<model::SidebarCategory>> sidebarCategories(
      std::string_view userId, std::string_view teamId) = 0;
  // Replaces the stored sidebar of `userId` in `teamId` with `categories` (call inside a
  // transaction).
  virtual Status saveSidebarCategories(std::string_view userId, std::string_view teamId,
                                       const std::vector<model::SidebarCategory>& categories) = 0;
  // Ids of the channels `userId` marked as favorite (preferences category favorite_channel).
  virtual Result<std::vector<std::string>> favoriteChannelIds(std::string_view userId) = 0;

  // The user has read the channel up to now: last_viewed_at = `now`, msg_count(_root) = the
  // channel's totals, mention counts 0. Returns false when the user is not a member.
  virtual Result<bool> markViewed(std::string_view channelId, std::string_view userId,
                                  std::int64_t now) = 0;

  // Ids of the channel's members, for delivering its real-time events.
  virtual Result<std::vector<std::string>> memberUserIds(std::string_view channelId) = 0;
};

}  // namespace parley::core::store
