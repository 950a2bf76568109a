#pragma once
// Channels and channel memberships as Mattermost models them (reference/mattermost-api.md §7
// "Channel", "ChannelMember"). Plain data, like user.hpp.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "core/model/team.hpp"

namespace parley::core::model {

inline constexpr char kChannelOpen = 'O';
inline constexpr char kChannelPrivate = 'P';
inline constexpr char kChannelDirect = 'D';
inline constexpr char kChannelGroup = 'G';

struct Channel {
  std::string id;
  std::int64_t createAt = 0;
  std::int64_t updateAt = 0;
  std::int64_t deleteAt = 0;  // archived
  std::string teamId;         // "" for direct and group channels
  char type = kChannelOpen;
  std::string displayName;
  std::string name;
  std::string header;
  std::string purpose;
  std::int64_t lastPostAt = 0;
  std::int64_t lastRootPostAt = 0;
  std::int64_t totalMsgCount = 0;
  std::int64_t totalMsgCountRoot = 0;
  std::int64_t extraUpdateAt = 0;
  std::string creatorId;
  nlohmann::json props;  // null when unset, as Mattermost sends it
  bool shared = false;
  // Security label (abac-and-security.md §4.1); "" and {} until an admin labels the channel.
  std::string classification;
  nlohmann::json securityLabel = nlohmann::json::object();

  bool isArchived() const { return deleteAt != 0; }
  bool isDirectOrGroup() const { return type == kChannelDirect || type == kChannelGroup; }
};

// A user's membership in a channel with its read state. The implicit roles come from the
// scheme flags, as in Mattermost; `explicitRoles` holds any others granted by name.
struct ChannelMember {
  std::string channelId;
  std::string userId;
  std::string explicitRoles;
  std::int64_t lastViewedAt = 0;
  std::int64_t msgCount = 0;
  std::int64_t msgCountRoot = 0;
  std::int64_t mentionCount = 0;
  std::int64_t mentionCountRoot = 0;
  std::int64_t urgentMentionCount = 0;
  nlohmann::json notifyProps = nlohmann::json::object();
  std::int64_t lastUpdateAt = 0;
  bool schemeGuest = false;
  bool schemeUser = true;
  bool schemeAdmin = false;

  // "channel_user", "channel_user channel_admin" or "channel_guest", followed by the explicit
  // roles: the `roles` field of Mattermost's JSON.
  std::string roles() const;
};

// A channel seen by one user: the channel, and the user's active memberships in it and in its
// team (both absent for a non-member; no team membership for direct and group channels).
struct ChannelAccess {
  Channel channel;
  std::optional<TeamMember> teamMember;
  std::optional<ChannelMember> member;

  bool isMember() const { return member.has_value(); }
};

}  // namespace parley::core::model
