#pragma once
// Channels and channel memberships (reference/mattermost-api.md §5.4): public and private
// channels of a team, direct (D) and group (G) channels, members and their roles, read state
// and the sidebar categories. Every function checks the caller's permissions (permissions.hpp)
// and runs inside one database job; writes of more than one row are one transaction.
//
// Contracts other services use:
//   - store.channels().getByName(teamId, name) finds a channel by team and name;
//   - getOrCreateDirectChannel() gives the direct channel between the caller and another user
//     (e.g. for a webhook's "@username" channel), creating it on first use.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/result.hpp"
#include "core/model/channel.hpp"
#include "core/model/team.hpp"
#include "core/model/user.hpp"
#include "core/services/team_service.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

inline constexpr std::size_t kChannelNameMaxLength = 64;
inline constexpr std::size_t kChannelDisplayNameMaxRunes = 64;
inline constexpr std::size_t kChannelHeaderMaxRunes = 1024;
inline constexpr std::size_t kChannelPurposeMaxRunes = 250;
inline constexpr std::size_t kGroupChannelMinUsers = 3;
inline constexpr std::size_t kGroupChannelMaxUsers = 8;
// Most members added in one POST /channels/{id}/members call.
inline constexpr std::size_t kMaxMembersPerAdd = 1000;

// Code points of UTF-8 text (Mattermost's limits count runes, not bytes).
std::size_t runeCount(std::string_view text);

// Mattermost's GetDMNameFromIds: the two ids ordered and joined by "__".
std::string directChannelName(std::string_view userA, std::string_view userB);
// Mattermost's GetGroupNameFromUserIds: hex SHA-1 of the sorted ids concatenated.
std::string groupChannelName(std::vector<std::string> userIds);
// Mattermost's IsValidChannelIdentifier (1-64 of [a-z0-9_-], starting with a letter or digit)
// and that it is not the shape of a direct or group channel name.
bool isValidChannelName(std::string_view name);
// Mattermost's Channel.IsValid() on the client's fields: 400 "model.channel.is_valid.*".
Status validateChannel(const model::Channel& channel);

// Creates town-square and off-topic in a new team (inside the caller's transaction).
Status createDefaultChannels(store::Store& store, const model::Team& team,
                             std::string_view creatorId);
// Adds `user` to the team's town-square and off-topic; guests join none.
Status joinDefaultChannels(store::Store& store, std::string_view teamId, const model::User& user);

struct NewChannel {
  std::string teamId;
  std::string name;
  std::string displayName;
  char type = 0;
  std::string purpose;
  std::string header;
};

struct ChannelPatch {
  std::optional<std::string> name;
  std::optional<std::string> displayName;
  std::optional<std::string> header;
  std::optional<std::string> purpose;
};

// create_public_channel / create_private_channel in the team; the creator becomes channel admin.
Result<model::Channel> createChannel(store::Store& store, const model::User& caller,
                                     const NewChannel& input);
// The direct channel between the caller and `otherUserId` (the caller alone when they are the
// same), created on first use. create_direct_channel; 403 view_members when a guest is on
// either side and they share no channel.
Result<model::Channel> getOrCreateDirectChannel(store::Store& store, const model::User& caller,
                                                std::string_view otherUserId);
// A group channel of 3-8 users including the caller (create_group_channel), or the existing one.
Result<model::Channel> getOrCreateGroupChannel(store::Store& store, const model::User& caller,
                                               std::vector<std::string> userIds);

// read_channel (403 for channels the caller may not read).
Result<model::Channel> getChannel(store::Store& store, const model::User& caller,
                                  std::string_view channelId);
// The channel called `name` in the team (by id or by team name); archived ones only with
// `includeDeleted`. 404 for channels the caller may not read, as Mattermost answers by name.
Result<model::Channel> getChannelByName(store::Store& store, const model::User& caller,
                                        std::string_view teamId, std::string_view name,
                                        bool includeDeleted);
Result<model::Channel> getChannelByTeamName(store::Store& store, const model::User& caller,
                                            std::string_view teamName, std::string_view name,
                                            bool includeDeleted);
// Open channels of a team (list_team_channels); private ones need manage_system.
Result<std::vector<model::Channel>> listTeamChannels(store::Store& store, const model::User& caller,
                                                     std::string_view teamId, char type, int page,
                                                     int perPage);
// Archived channels of a team (list_team_channels): the open ones, and the private ones the
// caller is a member of.
Result<std::vector<model::Channel>> listArchivedChannels(store::Store& store,
                                                         const model::User& caller,
                                                         std::string_view teamId, int page,
                                                         int perPage);
// Channel search within a team, as the clients' channel pickers use it:
// - kAutocomplete (GET .../channels/autocomplete, the ~channel picker): open channels and the
//   private ones the caller is in; needs list_team_channels;
// - kBrowse (POST .../channels/search, "Browse channels"): open channels only; needs
//   list_team_channels;
// - kMemberOnly (GET .../channels/search_autocomplete, the search box's in:): the channels the
//   caller is in; needs view_team, so guests can use it.
// `term` is matched case-insensitively against the start of the name and of the display name's
// words; at most kChannelSearchLimit results by display name. 404 for an unknown team, 400
// invalid_url_param "name" for a term over kChannelSearchTermMaxLength characters.
enum class ChannelSearch { kAutocomplete, kBrowse, kMemberOnly };
inline constexpr int kChannelSearchLimit = 50;
inline constexpr std::size_t kChannelSearchTermMaxLength = 64;
Result<std::vector<model::Channel>> searchTeamChannels(store::Store& store,
                                                       const model::User& caller,
                                                       std::string_view teamId,
                                                       std::string_view term, ChannelSearch kind);
// Channels `userId` is a member of in a team plus direct and group channels, or in every team
// when `teamId` is empty. The caller themself or edit_other_users.
Result<std::vector<model::Channel>> channelsOfUser(store::Store& store, const model::User& caller,
                                                   std::string_view userId, std::string_view teamId,
                                                   const store::ChannelListOptions& options);
Result<std::vector<model::ChannelMember>> channelMembershipsOfUser(store::Store& store,
                                                                   const model::User& caller,
                                                                   std::string_view userId,
                                                                   std::string_view teamId,
                                                                   int page, int perPage);

// manage_{public,private}_channel_properties (members for direct and group channels).
Result<model::Channel> patchChannel(store::Store& store, const model::User& caller,
                                    std::string_view channelId, const ChannelPatch& patch);
// delete_{public,private}_channel; not town-square, not direct or group channels.
Status archiveChannel(store::Store& store, const model::User& caller, std::string_view channelId);
// manage_team in the channel's team.
Result<model::Channel> restoreChannel(store::Store& store, const model::User& caller,
                                      std::string_view channelId);

// Joining an open channel yourself needs join_public_channels; adding others needs
// manage_{public,private}_channel_members. Every user must be an active member of the
// channel's team. Members already there are returned as they are.
Result<std::vector<model::ChannelMember>> addChannelMembers(
    store::Store& store, const model::User& caller, std::string_view channelId,
    const std::vector<std::string>& userIds);
// read_channel.
Result<std::vector<model::ChannelMember>> listChannelMembers(store::Store& store,
                                                             const model::User& caller,
                                                             std::string_view channelId, int page,
                                                             int perPage);
Result<model::ChannelMember> getChannelMember(store::Store& store, const model::User& caller,
                                              std::string_view channelId, std::string_view userId);
Result<std::vector<model::ChannelMember>> channelMembersByIds(
    store::Store& store, const model::User& caller, std::string_view channelId,
    const std::vector<std::string>& userIds);
// Leaving (yourself) or removing (manage_*_channel_members); never town-square, never a
// direct channel.
Status removeChannelMember(store::Store& store, const model::User& caller,
                           std::string_view channelId, std::string_view userId);
// manage_channel_roles.
Status updateChannelMemberRoles(store::Store& store, const model::User& caller,
                                std::string_view channelId, std::string_view userId,
                                std::string_view roles);
Status updateChannelMemberSchemeRoles(store::Store& store, const model::User& caller,
                                      std::string_view channelId, std::string_view userId,
                                      const SchemeRoles& roles);
// The member themself or edit_other_users; `props` (an object of strings) is merged in.
Result<model::ChannelMember> updateChannelMemberNotifyProps(store::Store& store,
                                                            const model::User& caller,
                                                            std::string_view channelId,
                                                            std::string_view userId,
                                                            const nlohmann::json& props);

// Marks the channels (those the user is a member of) read now; the answer maps channel id to
// the new last_viewed_at. The caller themself or edit_other_users.
Result<std::map<std::string, std::int64_t>> viewChannels(
    store::Store& store, const model::User& caller, std::string_view userId,
    const std::vector<std::string>& channelIds);

struct ChannelStats {
  std::string channelId;
  std::int64_t memberCount = 0;
  std::int64_t guestCount = 0;
  std::int64_t pinnedPostCount = 0;
  std::int64_t filesCount = 0;
};
// read_channel.
Result<ChannelStats> channelStats(store::Store& store, const model::User& caller,
                                  std::string_view channelId);

using model::SidebarCategory;
// The sidebar of `userId` in a team. Until they change it: favorites (from the
// favorite_channel preferences), channels (the team's O and P channels) and direct_messages (D
// and G), in that order. Once changed, the stored categories, with channels joined since placed
// by those rules and channels left since dropped. The caller themself (or edit_other_users), a
// member of the team.
Result<std::vector<SidebarCategory>> sidebarCategories(store::Store& store,
                                                       const model::User& caller,
                                                       std::string_view userId,
                                                       std::string_view teamId);
// A custom category (display_name, channel_ids), placed first; its channels leave their
// categories.
Result<SidebarCategory> createSidebarCategory(store::Store& store, const model::User& caller,
                                              std::string_view userId, std::string_view teamId,
                                              const SidebarCategory& input);
// Applies each change (by id: display name of custom categories, sorting, muted, collapsed,
// channel_ids); channels listed leave their other categories. Returns the changed categories.
Result<std::vector<SidebarCategory>> updateSidebarCategories(
    store::Store& store, const model::User& caller, std::string_view userId,
    std::string_view teamId, const std::vector<SidebarCategory>& changes);
// `order` must name every category once.
Result<std::vector<std::string>> updateSidebarCategoryOrder(store::Store& store,
                                                            const model::User& caller,
                                                            std::string_view userId,
                                                            std::string_view teamId,
                                                            const std::vector<std::string>& order);
// Custom categories only; their channels go back to the default categories.
Status deleteSidebarCategory(store::Store& store, const model::User& caller,
                             std::string_view userId, std::string_view teamId,
                             std::string_view categoryId);

}  // namespace parley::core::services
