#include "gateway/websocket/event_renderer.hpp"

#include <string>
#include <utility>

#include "core/common/json_text.hpp"
#include "core/common/log.hpp"
#include "gateway/api/json/channel_json.hpp"
#include "gateway/api/json/post_json.hpp"
#include "gateway/api/json/team_json.hpp"
#include "gateway/api/json/user_json.hpp"

namespace parley::gateway::websocket {
namespace {

namespace ev = core::events;
namespace json = api::json;

// The Mattermost system messages' sender (i18n "system.message.name").
constexpr const char* kSystemSenderName = "System";

ev::Event makeEvent(const char* name, ev::Audience audience, nlohmann::json data) {
  return ev::Event{name, std::move(data), std::move(audience)};
}

ev::Audience toChannel(std::string channelId) {
  ev::Audience audience;
  audience.channelId = std::move(channelId);
  return audience;
}

ev::Audience toUser(std::string userId) {
  ev::Audience audience;
  audience.userId = std::move(userId);
  return audience;
}

ev::Audience toTeam(std::string teamId) {
  ev::Audience audience;
  audience.teamId = std::move(teamId);
  return audience;
}

// Objects inside `data` travel as JSON text (clients JSON.parse them).
std::string encoded(const nlohmann::json& value) { return core::dumpJson(value); }

std::string channelType(const core::model::Channel& channel) {
  return std::string(1, channel.type);
}

// Mattermost's PostNotification.GetSenderName with the username format: "System" for system
// messages, a webhook's override_username outside direct channels, else "@username".
std::string senderName(const ev::PostCreated& created) {
  const auto& post = created.post;
  if (post.type.starts_with("system_")) return kSystemSenderName;
  if (created.channel.type != core::model::kChannelDirect) {
    const auto fromWebhook = post.props.find("from_webhook");
    const auto override = post.props.find("override_username");
    if (fromWebhook != post.props.end() && *fromWebhook == "true" && override != post.props.end() &&
        override->is_string()) {
      return override->get<std::string>();
    }
  }
  return "@" + created.senderUsername;
}

// Mattermost's PostNotification.GetChannelName: a direct channel is named after the sender,
// others by their display name (a group's is its members' usernames already).
std::string channelDisplayName(const ev::PostCreated& created) {
  if (created.channel.type == core::model::kChannelDirect) return "@" + created.senderUsername;
  return created.channel.displayName;
}

std::vector<ev::Event> render(const ev::PostCreated& created) {
  nlohmann::json data = {{"post", json::postJsonText(created.post)},
                         {"channel_type", channelType(created.channel)},
                         {"channel_display_name", channelDisplayName(created)},
                         {"channel_name", created.channel.name},
                         {"sender_name", senderName(created)},
                         {"team_id", created.channel.teamId},
                         {"set_online", created.setOnline}};
  if (!created.mentionedUserIds.empty()) {
    data["mentions"] = encoded(nlohmann::json(created.mentionedUserIds));
  }
  // As Mattermost: attachments are flagged so that clients can notify without parsing the post.
  if (!created.post.fileIds.empty()) {
    data["otherFile"] = "true";
    for (const auto& file : created.post.files) {
      if (file.mimeType.starts_with("image/")) data["image"] = "true";
    }
  }
  return {makeEvent("posted", toChannel(created.post.channelId), std::move(data))};
}

std::vector<ev::Event> render(const ev::PostEdited& edited) {
  return {makeEvent("post_edited", toChannel(edited.post.channelId),
                    {{"post", json::postJsonText(edited.post)}})};
}

std::vector<ev::Event> render(const ev::PostDeleted& deleted) {
  return {makeEvent("post_deleted", toChannel(deleted.post.channelId),
                    {{"post", json::postJsonText(deleted.post)}})};
}

std::vector<ev::Event> render(const ev::ReactionAdded& added) {
  return {makeEvent("reaction_added", toChannel(added.reaction.channelId),
                    {{"reaction", encoded(json::reactionToJson(added.reaction))}})};
}

std::vector<ev::Event> render(const ev::ReactionRemoved& removed) {
  return {makeEvent("reaction_removed", toChannel(removed.reaction.channelId),
                    {{"reaction", encoded(json::reactionToJson(removed.reaction))}})};
}

std::vector<ev::Event> render(const ev::ChannelCreated& created) {
  return {makeEvent("channel_created", toUser(created.creatorId),
                    {{"channel_id", created.channel.id}, {"team_id", created.channel.teamId}})};
}

std::vector<ev::Event> render(const ev::DirectChannelCreated& created) {
  const auto& channel = created.channel;
  if (channel.type == core::model::kChannelGroup) {
    return {makeEvent("group_added", toChannel(channel.id),
                      {{"teammate_ids", encoded(nlohmann::json(created.memberIds))}})};
  }
  // The other member; a channel with oneself has only the creator.
  std::string teammate = created.creatorId;
  for (const auto& id : created.memberIds) {
    if (id != created.creatorId) teammate = id;
  }
  return {makeEvent("direct_added", toChannel(channel.id),
                    {{"creator_id", created.creatorId}, {"teammate_id", teammate}})};
}

std::vector<ev::Event> render(const ev::ChannelUpdated& updated) {
  return {makeEvent("channel_updated", toChannel(updated.channel.id),
                    {{"channel", encoded(json::channelToJson(updated.channel))}})};
}

// Archiving and restoring an open channel concerns the whole team (it leaves or re-enters
// "Browse channels"); a private one only its members.
ev::Audience channelOrTeam(const core::model::Channel& channel) {
  return channel.type == core::model::kChannelOpen ? toTeam(channel.teamId) : toChannel(channel.id);
}

std::vector<ev::Event> render(const ev::ChannelDeleted& deleted) {
  return {makeEvent("channel_deleted", channelOrTeam(deleted.channel),
                    {{"channel_id", deleted.channel.id}, {"delete_at", deleted.channel.deleteAt}})};
}

std::vector<ev::Event> render(const ev::ChannelRestored& restored) {
  return {makeEvent("channel_restored", channelOrTeam(restored.channel),
                    {{"channel_id", restored.channel.id}})};
}

std::vector<ev::Event> render(const ev::ChannelMemberAdded& added) {
  return {makeEvent("user_added", toChannel(added.channelId),
                    {{"user_id", added.userId}, {"team_id", added.teamId}})};
}

std::vector<ev::Event> render(const ev::ChannelMemberRemoved& removed) {
  // The remaining members learn who left; the user who left learns which channel.
  return {makeEvent("user_removed", toChannel(removed.channelId),
                    {{"user_id", removed.userId}, {"remover_id", removed.removerId}}),
          makeEvent("user_removed", toUser(removed.userId),
                    {{"channel_id", removed.channelId}, {"remover_id", removed.removerId}})};
}

std::vector<ev::Event> render(const ev::ChannelMemberUpdated& updated) {
  return {makeEvent("channel_member_updated", toUser(updated.member.userId),
                    {{"channelMember", encoded(json::channelMemberToJson(updated.member))}})};
}

// Mattermost's sendTeamEvent: the team without its email and invite id (Team.Sanitize).
std::string sanitizedTeam(core::model::Team team) {
  team.email.clear();
  team.inviteId.clear();
  return encoded(json::teamToJson(team));
}

std::vector<ev::Event> render(const ev::TeamUpdated& updated) {
  return {
      makeEvent("update_team", toTeam(updated.team.id), {{"team", sanitizedTeam(updated.team)}})};
}

// Archiving and restoring reach every user, as in Mattermost (the team leaves or re-enters
// the lists of teams one can join).
std::vector<ev::Event> render(const ev::TeamDeleted& deleted) {
  return {makeEvent("delete_team", ev::Audience{}, {{"team", sanitizedTeam(deleted.team)}})};
}

std::vector<ev::Event> render(const ev::TeamRestored& restored) {
  return {makeEvent("restore_team", ev::Audience{}, {{"team", sanitizedTeam(restored.team)}})};
}

std::vector<ev::Event> render(const ev::TeamMemberRolesUpdated& updated) {
  return {makeEvent("memberrole_updated", toUser(updated.member.userId),
                    {{"member", encoded(json::teamMemberToJson(updated.member))}})};
}

std::vector<ev::Event> render(const ev::TeamMemberAdded& added) {
  return {makeEvent("added_to_team", toUser(added.userId),
                    {{"team_id", added.teamId}, {"user_id", added.userId}})};
}

std::vector<ev::Event> render(const ev::TeamMemberRemoved& removed) {
  const nlohmann::json data = {{"team_id", removed.teamId}, {"user_id", removed.userId}};
  // The team's members, and the user who is no longer one of them (exactly once).
  ev::Audience team = toTeam(removed.teamId);
  team.omitUsers.push_back(removed.userId);
  return {makeEvent("leave_team", std::move(team), data),
          makeEvent("leave_team", toUser(removed.userId), data)};
}

std::vector<ev::Event> render(const ev::UserCreated& created) {
  return {makeEvent("new_user", ev::Audience{}, {{"user_id", created.user.id}})};
}

std::vector<ev::Event> render(const ev::UserUpdated& updated) {
  // Everyone gets the profile as another non-admin user sees it (Mattermost's SanitizeProfile):
  // no password or auth data, no notify props, email and names as the privacy settings show
  // them. Unlike other objects, the user is not double-encoded.
  const json::UserViewer anyone{};
  return {makeEvent("user_updated", ev::Audience{},
                    {{"user", json::userToJson(updated.user, anyone)}})};
}

std::vector<ev::Event> render(const ev::UserRolesUpdated& updated) {
  return {makeEvent("user_role_updated", toUser(updated.userId),
                    {{"user_id", updated.userId}, {"roles", updated.roles}})};
}

std::vector<ev::Event> render(const ev::StatusChanged& changed) {
  return {makeEvent("status_change", toUser(changed.userId),
                    {{"status", changed.status}, {"user_id", changed.userId}})};
}

std::vector<ev::Event> render(const ev::PreferencesChanged& changed) {
  return {makeEvent("preferences_changed", toUser(changed.userId),
                    {{"preferences", encoded(json::preferencesToJson(changed.preferences))}})};
}

std::vector<ev::Event> render(const ev::PreferencesDeleted& deleted) {
  return {makeEvent("preferences_deleted", toUser(deleted.userId),
                    {{"preferences", encoded(json::preferencesToJson(deleted.preferences))}})};
}

// Sidebar events go to their user; the team rides along in the broadcast, as in Mattermost, so
// that a client ignores edits of another team's sidebar.
ev::Audience toUserInTeam(const std::string& userId, const std::string& teamId) {
  ev::Audience audience = toUser(userId);
  audience.teamId = teamId;
  return audience;
}

std::vector<ev::Event> render(const ev::SidebarCategoryCreated& created) {
  return {makeEvent("sidebar_category_created", toUserInTeam(created.userId, created.teamId),
                    {{"category_id", created.categoryId}})};
}

std::vector<ev::Event> render(const ev::SidebarCategoriesUpdated& updated) {
  nlohmann::json categories = nlohmann::json::array();
  for (const auto& category : updated.categories) {
    categories.push_back(json::sidebarCategoryToJson(category));
  }
  return {makeEvent("sidebar_category_updated", toUserInTeam(updated.userId, updated.teamId),
                    {{"updatedCategories", encoded(categories)}})};
}

std::vector<ev::Event> render(const ev::SidebarCategoryOrderUpdated& updated) {
  return {makeEvent("sidebar_category_order_updated", toUserInTeam(updated.userId, updated.teamId),
                    {{"order", updated.order}})};
}

std::vector<ev::Event> render(const ev::SidebarCategoryDeleted& deleted) {
  return {makeEvent("sidebar_category_deleted", toUserInTeam(deleted.userId, deleted.teamId),
                    {{"category_id", deleted.categoryId}})};
}

std::vector<ev::Event> render(const ev::ChannelsViewed& viewed) {
  return {makeEvent("multiple_channels_viewed", toUser(viewed.userId),
                    {{"channel_times", nlohmann::json(viewed.lastViewedAt)}})};
}

std::vector<ev::Event> render(const ev::SessionsRevoked& revoked) {
  return {ev::Event{std::string(ev::kSessionsRevokedEvent),
                    {{"session_ids", revoked.sessionIds}, {"all", revoked.allOfUser}},
                    toUser(revoked.userId)}};
}

// Mattermost's ephemeral_message: the post goes to its one user's connections only.
std::vector<ev::Event> render(const ev::EphemeralMessage& notice) {
  return {makeEvent("ephemeral_message", toUser(notice.userId),
                    {{"post", json::postJsonText(notice.post)}})};
}

// The outbox drainer's wake-up: nothing for clients.
std::vector<ev::Event> render(const ev::OutboundQueued&) { return {}; }

}  // namespace

std::vector<core::events::Event> renderEvent(const core::events::DomainEvent& event) {
  return std::visit([](const auto& fact) { return render(fact); }, event);
}

core::events::DomainEventSink publishingSink(core::events::EventBusPtr bus) {
  return [bus = std::move(bus)](const core::events::DomainEvent& event) {
    for (auto& rendered : renderEvent(event)) bus->publish(std::move(rendered));
  };
}

}  // namespace parley::gateway::websocket
