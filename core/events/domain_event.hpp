#pragma once
// Domain events: what happened, as the core sees it, one small struct per fact. Services record
// them in their unit of work with Store::afterCommit(); the store hands them to its sink only
// once the transaction that wrote them committed (never for a rollback). How an event goes on
// the wire (Mattermost's WebSocket names, payloads and audiences) is the gateway's business
// (gateway/websocket/event_renderer), so the structs carry the models, not JSON.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "core/model/canonical_message.hpp"
#include "core/model/channel.hpp"
#include "core/model/post.hpp"
#include "core/model/preference.hpp"
#include "core/model/sidebar_category.hpp"
#include "core/model/team.hpp"
#include "core/model/user.hpp"

namespace parley::core::events {

// A post was created (by a user, an incoming webhook, a bridge or the server itself), with the
// channel it went to as it was at that moment.
struct PostCreated {
  model::Post post;  // with metadata (reactions, files)
  model::Channel channel;
  std::string senderUsername;
  // Whether posting marks the author online (false for posts made on someone's behalf).
  bool setOnline = true;
  // Channel members other than the author that the message mentions (@username; everyone for
  // a permitted @channel/@all/@here).
  std::vector<std::string> mentionedUserIds;
};

struct PostEdited {
  model::Post post;
};

// A post was deleted; `post` is the post as it was before, with delete_at set.
struct PostDeleted {
  model::Post post;
  std::string deletedBy;
};

struct ReactionAdded {
  model::Reaction reaction;
};

struct ReactionRemoved {
  model::Reaction reaction;
};

// An open or private channel was created by `creatorId`.
struct ChannelCreated {
  model::Channel channel;
  std::string creatorId;
};

// A direct or group channel was created: `memberIds` are all its members.
struct DirectChannelCreated {
  model::Channel channel;
  std::string creatorId;
  std::vector<std::string> memberIds;
};

// Name, display name, header, purpose or type changed; `channel` is the new state.
struct ChannelUpdated {
  model::Channel channel;
};

// The channel was archived (channel.deleteAt is the time).
struct ChannelDeleted {
  model::Channel channel;
};

struct ChannelRestored {
  model::Channel channel;
};

// `userId` became a member of the channel (`actorId` added them, or joined themself).
struct ChannelMemberAdded {
  std::string channelId;
  std::string teamId;  // "" for direct and group channels
  std::string userId;
  std::string actorId;
};

// `userId` left the channel or `removerId` removed them.
struct ChannelMemberRemoved {
  std::string channelId;
  std::string userId;
  std::string removerId;
};

// Roles, scheme flags or notify props of a membership changed.
struct ChannelMemberUpdated {
  model::ChannelMember member;
};

// Display name, description, company, allowed domains or open invite of a team changed.
struct TeamUpdated {
  model::Team team;
};

// The team was archived (team.deleteAt set) or deleted for good.
struct TeamDeleted {
  model::Team team;
};

struct TeamRestored {
  model::Team team;
};

// Roles or scheme flags of a team membership changed.
struct TeamMemberRolesUpdated {
  model::TeamMember member;
};

struct TeamMemberAdded {
  std::string teamId;
  std::string userId;
};

// `userId` left the team or was removed from it (and from its channels).
struct TeamMemberRemoved {
  std::string teamId;
  std::string userId;
  std::string removerId;
};

struct UserCreated {
  model::User user;
};

// Profile, roles, activation or password of an account changed; `user` is the new state (the
// renderer decides what of it others may see).
struct UserUpdated {
  model::User user;
};

// The system roles of `userId` changed (Mattermost also sends user_updated for it).
struct UserRolesUpdated {
  std::string userId;
  std::string roles;
};

struct StatusChanged {
  std::string userId;
  std::string status;  // online, away, dnd, offline
};

struct PreferencesChanged {
  std::string userId;
  std::vector<model::Preference> preferences;
};

struct PreferencesDeleted {
  std::string userId;
  std::vector<model::Preference> preferences;
};

// `userId` read these channels; the map is channel id → new last_viewed_at.
struct ChannelsViewed {
  std::string userId;
  std::map<std::string, std::int64_t> lastViewedAt;
};

// Edits of one user's sidebar in one team, so that their other devices follow.
struct SidebarCategoryCreated {
  std::string userId;
  std::string teamId;
  std::string categoryId;
};

struct SidebarCategoriesUpdated {
  std::string userId;
  std::string teamId;
  std::vector<model::SidebarCategory> categories;  // the changed ones, as they are now
};

struct SidebarCategoryOrderUpdated {
  std::string userId;
  std::string teamId;
  std::vector<std::string> order;  // category ids, top to bottom
};

struct SidebarCategoryDeleted {
  std::string userId;
  std::string teamId;
  std::string categoryId;
};

// A notice for one user only, shown in a channel and never stored (Mattermost's ephemeral post):
// e.g. that a message of theirs was not released to a partner.
struct EphemeralMessage {
  std::string userId;
  model::Post post;  // type system_ephemeral, a fresh id, the channel (and thread) it belongs to
};

// Sessions of `userId` were revoked (logout, revocation, deactivation, a personal access token
// revoked or disabled, a password change): their WebSocket connections must close at once, on
// every node. `allOfUser`: every session the user had.
struct SessionsRevoked {
  std::string userId;
  std::vector<std::string> sessionIds;
  bool allOfUser = false;
};

// Outbox rows toward bridge links were written (core/services/outbox_writer): what wakes the
// outbox drainer. Clients are not told.
// A row decided as it was written (the live crossing, outbox_writer.hpp). Permitted: what the
// drainer hands to the link's bridge as it is, when nothing of the link waits before it; denied:
// counted (the row is written denied already).
struct LiveCrossing {
  bool permitted = false;
  model::Link link;
  std::int64_t outboxId = 0;
  std::string txnId;
  std::string postType;
  std::int64_t createAt = 0;
  model::CanonicalMessage message;  // the guard's obligations applied
};

struct OutboundQueued {
  std::vector<std::string> linkIds;  // the links that got rows to decide
  // Whose change it is (a post's author, a reaction's user) and where: the subject and channel
  // of the egress decisions its rows will need.
  std::string subjectId;
  std::string channelId;
  std::vector<LiveCrossing> live;  // rows decided already, each on a link not in linkIds
};

using DomainEvent =
    std::variant<PostCreated, PostEdited, PostDeleted, ReactionAdded, ReactionRemoved,
                 ChannelCreated, DirectChannelCreated, ChannelUpdated, ChannelDeleted,
                 ChannelRestored, ChannelMemberAdded, ChannelMemberRemoved, ChannelMemberUpdated,
                 TeamUpdated, TeamDeleted, TeamRestored, TeamMemberRolesUpdated, TeamMemberAdded,
                 TeamMemberRemoved, UserCreated, UserUpdated, UserRolesUpdated, StatusChanged,
                 PreferencesChanged, PreferencesDeleted, ChannelsViewed, SidebarCategoryCreated,
                 SidebarCategoriesUpdated, SidebarCategoryOrderUpdated, SidebarCategoryDeleted,
                 SessionsRevoked, EphemeralMessage, OutboundQueued>;

// Receives committed events. Called on the database worker that committed them, in the order
// they were recorded; it must not block (render, publish, return) and must not throw.
using DomainEventSink = std::function<void(const DomainEvent&)>;

}  // namespace parley::core::events
