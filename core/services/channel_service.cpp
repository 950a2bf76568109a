#include "core/services/channel_service.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <set>

#include "core/model/id.hpp"
#include "core/model/link.hpp"
#include "core/model/permissions.hpp"
#include "core/model/preference.hpp"
#include "core/services/access_policy.hpp"
#include "core/services/permissions.hpp"

namespace parley::core::services {
namespace {

namespace p = model::permission;

Error channelInvalid(std::string_view field) {
  return makeError(ErrorCode::kInvalidArgument,
                   "model.channel.is_valid." + std::string(field) + ".app_error",
                   "Invalid channel " + std::string(field) + ".");
}

Error badRequest(std::string id, std::string message) {
  return makeError(ErrorCode::kInvalidArgument, std::move(id), std::move(message));
}

Error channelNotFoundByName() {
  return makeError(ErrorCode::kNotFound, "app.channel.get_by_name.missing.app_error",
                   "Unable to find the existing channel.");
}

Error channelMemberNotFound() {
  return makeError(ErrorCode::kNotFound, "app.channel.get_member.missing.app_error",
                   "No channel member found for that user ID and channel ID.");
}

Error userNotFound() {
  return makeError(ErrorCode::kNotFound, "app.user.missing_account.const",
                   "Unable to find the user.");
}

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// The permission a change of members or properties needs, by channel type.
std::string_view manageMembersPermission(const model::Channel& channel) {
  return channel.type == model::kChannelPrivate ? p::kManagePrivateChannelMembers
                                                : p::kManagePublicChannelMembers;
}

std::string_view managePropertiesPermission(const model::Channel& channel) {
  return channel.type == model::kChannelPrivate ? p::kManagePrivateChannelProperties
                                                : p::kManagePublicChannelProperties;
}

model::ChannelMember newMember(const model::Channel& channel, const model::User& user,
                               std::int64_t now, bool admin) {
  model::ChannelMember member;
  member.channelId = channel.id;
  member.userId = user.id;
  member.schemeGuest = user.isGuest();
  member.schemeUser = !user.isGuest();
  member.schemeAdmin = admin && !user.isGuest();
  member.lastUpdateAt = now;
  member.notifyProps = {{"desktop", "default"},
                        {"email", "default"},
                        {"push", "default"},
                        {"mark_unread", "all"},
                        {"ignore_channel_mentions", "default"},
                        {"channel_auto_follow_threads", "off"}};
  return member;
}

// Adds `user` to `channel` unless they are a member already; a new member is a user_added
// event (recorded in the caller's unit of work).
Status addNewMember(store::Store& store, const model::Channel& channel, const model::User& user,
                    std::int64_t now, std::string_view actorId) {
  auto existing = store.channels().member(channel.id, user.id);
  if (!existing) return std::move(existing).error();
  if (existing->has_value()) return {};
  if (auto added = store.channels().addMember(newMember(channel, user, now, false)); !added) {
    return added;
  }
  store.afterCommit(
      events::ChannelMemberAdded{channel.id, channel.teamId, user.id, std::string(actorId)});
  return {};
}

model::Channel newChannel(store::Store& store, std::string_view creatorId) {
  model::Channel channel;
  channel.id = model::newId();
  channel.createAt = store.clock().nowMillis();
  channel.updateAt = channel.createAt;
  channel.creatorId = std::string(creatorId);
  return channel;
}

// An active user by id: 404 for unknown or deactivated accounts.
Result<model::User> activeUser(store::Store& store, std::string_view userId) {
  auto user = store.users().getById(userId);
  if (!user) return user;
  if (user->deleteAt != 0) return userNotFound();
  return user;
}

// Mattermost's UserCanSeeOtherUser for direct and group channels: without view_members (guests)
// only users who share a channel with the caller. Issue 3 asks the reverse too, which Mattermost
// does not check: a guest is reached only by people who share a channel with them.
Status requireCanSee(store::Store& store, const model::User& caller, const model::User& other) {
  if (caller.id == other.id) return {};
  if (hasSystemPermission(caller, p::kViewMembers) && !other.isGuest()) return {};
  auto shared = store.channels().shareAChannel(caller.id, other.id);
  if (!shared) return std::move(shared).error();
  if (!*shared) return permissionDenied(p::kViewMembers);
  return {};
}

// Creates `channel` with `members`, or returns the channel of that name when another request
// created it first (direct and group channels are get-or-create).
Result<model::Channel> createWithMembers(store::Store& store, const model::Channel& channel,
                                         const std::vector<model::ChannelMember>& members) {
  Status written = store.transaction([&](store::Store& tx) -> Status {
    if (auto created = tx.channels().create(channel); !created) return created;
    events::DirectChannelCreated event{channel, channel.creatorId, {}};
    for (const auto& member : members) {
      if (auto added = tx.channels().addMember(member); !added) return added;
      event.memberIds.push_back(member.userId);
    }
    tx.afterCommit(std::move(event));
    return {};
  });
  if (written) return channel;
  if (written.error().code == ErrorCode::kConflict) {
    return store.channels().getByName(channel.teamId, channel.name);
  }
  return std::move(written).error();
}

Result<ChannelAccess> requireReadable(store::Store& store, const model::User& caller,
                                      std::string_view channelId) {
  return requireChannelPermission(store, caller, channelId, p::kReadChannel);
}

Result<model::ChannelMember> requireMember(store::Store& store, std::string_view channelId,
                                           std::string_view userId) {
  auto member = store.channels().member(channelId, userId);
  if (!member) return std::move(member).error();
  if (!member->has_value()) return channelMemberNotFound();
  return std::move(**member);
}

// The channel found by name, as the caller may see it.
Result<model::Channel> readableByName(store::Store& store, const model::User& caller,
                                      Result<model::Channel> channel, bool includeDeleted) {
  if (!channel) return channel;
  if (channel->isArchived() && !includeDeleted) return channelNotFoundByName();
  auto access = store.channels().access(caller.id, channel->id);
  if (!access) return std::move(access).error();
  if (!canReadChannel(caller, *access)) return channelNotFoundByName();
  return std::move(access->channel);
}

}  // namespace

std::size_t runeCount(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string directChannelName(std::string_view userA, std::string_view userB) {
  if (userA > userB) std::swap(userA, userB);
  return std::string(userA) + "__" + std::string(userB);
}

std::string groupChannelName(std::vector<std::string> userIds) {
  std::sort(userIds.begin(), userIds.end());
  std::string joined;
  for (const auto& id : userIds) joined += id;
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(joined.data(), joined.size(), digest.data(), &length, EVP_sha1(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0x0F];
  }
  return hex;
}

bool isValidChannelName(std::string_view name) {
  if (name.empty() || name.size() > kChannelNameMaxLength || !isLowerAlnum(name.front())) {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return isLowerAlnum(c) || c == '-' || c == '_'; });
}

namespace {

// Names reserved for direct and group channels: "<id>__<id>" and 40 hex digits.
bool looksLikeDirectOrGroupName(std::string_view name) {
  if (name.size() == 40 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      })) {
    return true;
  }
  const auto separator = name.find("__");
  return separator != std::string_view::npos && model::isValidId(name.substr(0, separator)) &&
         model::isValidId(name.substr(separator + 2));
}

}  // namespace

Status validateChannel(const model::Channel& channel) {
  if (runeCount(channel.displayName) > kChannelDisplayNameMaxRunes) {
    return channelInvalid("display_name");
  }
  if (!isValidChannelName(channel.name)) return channelInvalid("1_or_more");
  if (channel.type != model::kChannelOpen && channel.type != model::kChannelPrivate &&
      channel.type != model::kChannelDirect && channel.type != model::kChannelGroup) {
    return channelInvalid("type");
  }
  if (runeCount(channel.header) > kChannelHeaderMaxRunes) return channelInvalid("header");
  if (runeCount(channel.purpose) > kChannelPurposeMaxRunes) return channelInvalid("purpose");
  if (!channel.isDirectOrGroup() && looksLikeDirectOrGroupName(channel.name)) {
    return channelInvalid("name");
  }
  return {};
}

Status createDefaultChannels(store::Store& store, const model::Team& team,
                             std::string_view creatorId) {
  for (const auto& [name, displayName] :
       {std::pair{kTownSquare, "Town Square"}, std::pair{kOffTopic, "Off-Topic"}}) {
    model::Channel channel = newChannel(store, creatorId);
    channel.teamId = team.id;
    channel.type = model::kChannelOpen;
    channel.name = std::string(name);
    channel.displayName = displayName;
    if (auto created = store.channels().create(channel); !created) return created;
  }
  return {};
}

Status joinDefaultChannels(store::Store& store, std::string_view teamId, const model::User& user) {
  if (user.isGuest()) return {};
  const std::int64_t now = store.clock().nowMillis();
  for (const auto name : {kTownSquare, kOffTopic}) {
    auto channel = store.channels().getByName(teamId, name);
    if (!channel) {
      if (channel.error().code == ErrorCode::kNotFound) continue;  // renamed or removed
      return std::move(channel).error();
    }
    if (channel->isArchived()) continue;
    if (auto added = addNewMember(store, *channel, user, now, user.id); !added) return added;
  }
  return {};
}

Result<model::Channel> createChannel(store::Store& store, const model::User& caller,
                                     const NewChannel& input) {
  if (input.type != model::kChannelOpen && input.type != model::kChannelPrivate) {
    if (input.type == model::kChannelDirect || input.type == model::kChannelGroup) {
      return badRequest("api.channel.create_channel.direct_channel.app_error",
                        "Must use createDirectChannel API for direct message channel creation.");
    }
    return channelInvalid("type");
  }
  if (!model::isValidId(input.teamId)) return invalidBodyParam("team_id");
  auto team = store.teams().get(input.teamId);
  if (!team) return std::move(team).error();
  auto member = activeTeamMember(store, input.teamId, caller.id);
  if (!member) return std::move(member).error();
  const auto permission =
      input.type == model::kChannelOpen ? p::kCreatePublicChannel : p::kCreatePrivateChannel;
  if (!hasTeamPermission(caller, *member ? &**member : nullptr, permission)) {
    return permissionDenied(permission);
  }
  if (team->deleteAt != 0) {
    return badRequest("api.channel.create_channel.archived_team.app_error",
                      "The team is archived.");
  }

  model::Channel channel = newChannel(store, caller.id);
  channel.teamId = input.teamId;
  channel.type = input.type;
  channel.name = input.name;
  channel.displayName = input.displayName;
  channel.header = input.header;
  channel.purpose = input.purpose;
  if (auto valid = validateChannel(channel); !valid) return std::move(valid).error();
  if (channel.displayName.empty()) return channelInvalid("display_name");

  Status written = store.transaction([&](store::Store& tx) -> Status {
    if (auto created = tx.channels().create(channel); !created) return created;
    if (auto added = tx.channels().addMember(newMember(channel, caller, channel.createAt, true));
        !added) {
      return added;
    }
    tx.afterCommit(events::ChannelCreated{channel, caller.id});
    return {};
  });
  if (!written) return conflictAsBadRequest(std::move(written)).error();
  return channel;
}

namespace {

// A direct channel between a local user and a bridge's puppet carries the bridge's implicit
// link (model::directRoom), whichever of the two writes first: without it, what the local user
// wrote before the remote user ever did would stay here.
Status ensureDirectLink(store::Store& store, const model::Channel& channel, const model::User& a,
                        const model::User& b) {
  const bool aIsPuppet = !a.remoteBridge.empty();
  const model::User& puppet = aIsPuppet ? a : b;
  const model::User& local = aIsPuppet ? b : a;
  // A bridge delivers to its remote user from a local account that can log in and write back:
  // not between two puppets, nor for a connected workspace's users or a bot.
  if (puppet.remoteBridge.empty() || puppet.remoteUserId.empty() || local.isRemote() ||
      local.isBot) {
    return {};
  }
  const std::string room = model::directRoom(local.id, puppet.remoteUserId);
  auto existing = store.bridges().linkByRemote(puppet.remoteBridge, room);
  if (!existing) return std::move(existing).error();
  if (*existing) return {};
  model::Link link;
  link.id = model::newId();
  link.channelId = channel.id;
  link.bridge = puppet.remoteBridge;
  link.remoteRoom = room;
  // Made for that user: config sync (which removes links of created_by "") leaves it alone.
  link.createdBy = local.id;
  link.createAt = link.updateAt = store.clock().nowMillis();
  auto created = store.bridges().createLink(link);
  if (!created && created.error().code == ErrorCode::kConflict) return {};  // made meanwhile
  return created;
}

Result<model::Channel> directChannelBetween(store::Store& store, const model::User& caller,
                                            std::string_view otherUserId) {
  if (!hasSystemPermission(caller, p::kCreateDirectChannel)) {
    return permissionDenied(p::kCreateDirectChannel);
  }
  auto other = activeUser(store, otherUserId);
  if (!other) return std::move(other).error();
  if (auto visible = requireCanSee(store, caller, *other); !visible) {
    return std::move(visible).error();
  }
  const std::string name = directChannelName(caller.id, other->id);
  auto channel = store.channels().getByName("", name);
  if (!channel && channel.error().code == ErrorCode::kNotFound) {
    model::Channel created = newChannel(store, caller.id);
    created.type = model::kChannelDirect;
    created.name = name;
    std::vector<model::ChannelMember> members{newMember(created, caller, created.createAt, false)};
    if (other->id != caller.id)
      members.push_back(newMember(created, *other, created.createAt, false));
    channel = createWithMembers(store, created, members);
  }
  if (!channel) return channel;
  if (auto linked = ensureDirectLink(store, *channel, caller, *other); !linked) {
    return std::move(linked).error();
  }
  return channel;
}

}  // namespace

Result<model::Channel> getOrCreateDirectChannel(store::Store& store, const model::User& caller,
                                                std::string_view otherUserId) {
  return directChannelBetween(store, caller, otherUserId);
}

Result<model::Channel> getOrCreateGroupChannel(store::Store& store, const model::User& caller,
                                               std::vector<std::string> userIds) {
  if (!hasSystemPermission(caller, p::kCreateGroupChannel)) {
    return permissionDenied(p::kCreateGroupChannel);
  }
  userIds.push_back(caller.id);
  std::sort(userIds.begin(), userIds.end());
  userIds.erase(std::unique(userIds.begin(), userIds.end()), userIds.end());
  if (userIds.size() < kGroupChannelMinUsers || userIds.size() > kGroupChannelMaxUsers) {
    return badRequest("api.channel.create_group.bad_size.app_error",
                      "Group message channels must contain at least 3 and no more than 8 users.");
  }
  std::vector<model::User> users;
  for (const auto& id : userIds) {
    if (id == caller.id) {
      users.push_back(caller);
      continue;
    }
    auto user = activeUser(store, id);
    if (!user) return std::move(user).error();
    if (auto visible = requireCanSee(store, caller, *user); !visible) {
      return std::move(visible).error();
    }
    users.push_back(std::move(*user));
  }
  const std::string name = groupChannelName(userIds);
  auto existing = store.channels().getByName("", name);
  if (existing || existing.error().code != ErrorCode::kNotFound) return existing;

  std::vector<std::string> usernames;
  for (const auto& user : users) usernames.push_back(user.username);
  std::sort(usernames.begin(), usernames.end());
  std::string displayName;
  for (const auto& username : usernames) {
    if (!displayName.empty()) displayName += ", ";
    displayName += username;
  }
  if (displayName.size() > kChannelNameMaxLength) displayName.resize(kChannelNameMaxLength);

  model::Channel channel = newChannel(store, caller.id);
  channel.type = model::kChannelGroup;
  channel.name = name;
  channel.displayName = displayName;
  std::vector<model::ChannelMember> members;
  for (const auto& user : users)
    members.push_back(newMember(channel, user, channel.createAt, false));
  return createWithMembers(store, channel, members);
}

Result<model::Channel> getChannel(store::Store& store, const model::User& caller,
                                  std::string_view channelId) {
  auto access = requireReadable(store, caller, channelId);
  if (!access) return std::move(access).error();
  if (auto allowed = enforceChannelPolicy(store, kActionChannelRead, caller, *access); !allowed) {
    return std::move(allowed).error();
  }
  return std::move(access->channel);
}

Result<model::Channel> getChannelByName(store::Store& store, const model::User& caller,
                                        std::string_view teamId, std::string_view name,
                                        bool includeDeleted) {
  return readableByName(store, caller, store.channels().getByName(teamId, name), includeDeleted);
}

Result<model::Channel> getChannelByTeamName(store::Store& store, const model::User& caller,
                                            std::string_view teamName, std::string_view name,
                                            bool includeDeleted) {
  auto team = store.teams().getByName(teamName);
  if (!team) return std::move(team).error();
  return getChannelByName(store, caller, team->id, name, includeDeleted);
}

Result<std::vector<model::Channel>> listTeamChannels(store::Store& store, const model::User& caller,
                                                     std::string_view teamId, char type, int page,
                                                     int perPage) {
  auto team = store.teams().get(teamId);
  if (!team) return std::move(team).error();
  if (type == model::kChannelPrivate) {
    if (!hasSystemPermission(caller, p::kManageSystem)) return permissionDenied(p::kManageSystem);
  } else {
    auto member = activeTeamMember(store, teamId, caller.id);
    if (!member) return std::move(member).error();
    if (!hasTeamPermission(caller, *member ? &**member : nullptr, p::kListTeamChannels)) {
      return permissionDenied(p::kListTeamChannels);
    }
  }
  return store.channels().listOfTeam(teamId, type, page * perPage, perPage);
}

Result<std::vector<model::Channel>> searchTeamChannels(store::Store& store,
                                                       const model::User& caller,
                                                       std::string_view teamId,
                                                       std::string_view term, ChannelSearch kind) {
  if (runeCount(term) > kChannelSearchTermMaxLength) return invalidUrlParam("name");
  auto team = store.teams().get(teamId);
  if (!team) return std::move(team).error();
  auto member = activeTeamMember(store, teamId, caller.id);
  if (!member) return std::move(member).error();
  const auto needed = kind == ChannelSearch::kMemberOnly ? p::kViewTeam : p::kListTeamChannels;
  if (!hasTeamPermission(caller, *member ? &**member : nullptr, needed)) {
    return permissionDenied(needed);
  }
  using Scope = store::ChannelStore::SearchScope;
  const Scope scope = kind == ChannelSearch::kBrowse         ? Scope::kOpenOnly
                      : kind == ChannelSearch::kAutocomplete ? Scope::kVisible
                                                             : Scope::kMemberOnly;
  auto found = store.channels().searchOfTeam(teamId, caller.id, term, scope, kChannelSearchLimit);
  if (!found) return found;
  std::vector<std::string> ids;
  for (const auto& channel : *found) ids.push_back(channel.id);
  const auto denied = channelsUnreadableByPolicy(store, caller, ids);
  std::erase_if(*found, [&](const model::Channel& c) { return denied.contains(c.id); });
  return found;
}

Result<std::vector<model::Channel>> listArchivedChannels(store::Store& store,
                                                         const model::User& caller,
                                                         std::string_view teamId, int page,
                                                         int perPage) {
  auto team = store.teams().get(teamId);
  if (!team) return std::move(team).error();
  auto member = activeTeamMember(store, teamId, caller.id);
  if (!member) return std::move(member).error();
  if (!hasTeamPermission(caller, *member ? &**member : nullptr, p::kListTeamChannels)) {
    return permissionDenied(p::kListTeamChannels);
  }
  return store.channels().listArchivedOfTeam(teamId, caller.id, page * perPage, perPage);
}

Result<std::vector<model::Channel>> channelsOfUser(store::Store& store, const model::User& caller,
                                                   std::string_view userId, std::string_view teamId,
                                                   const store::ChannelListOptions& options) {
  if (auto allowed = requireSelfOrEditOthers(caller, userId); !allowed) {
    return std::move(allowed).error();
  }
  if (!teamId.empty()) {
    if (auto visible = requireViewTeam(store, caller, teamId); !visible) {
      return std::move(visible).error();
    }
  }
  return store.channels().channelsOfUser(userId, teamId, options);
}

Result<std::vector<model::ChannelMember>> channelMembershipsOfUser(store::Store& store,
                                                                   const model::User& caller,
                                                                   std::string_view userId,
                                                                   std::string_view teamId,
                                                                   int page, int perPage) {
  if (auto allowed = requireSelfOrEditOthers(caller, userId); !allowed) {
    return std::move(allowed).error();
  }
  if (!teamId.empty()) {
    if (auto visible = requireViewTeam(store, caller, teamId); !visible) {
      return std::move(visible).error();
    }
  }
  const int offset = perPage < 0 ? 0 : page * perPage;
  return store.channels().membershipsOfUser(userId, teamId, offset, perPage);
}

Result<model::Channel> patchChannel(store::Store& store, const model::User& caller,
                                    std::string_view channelId, const ChannelPatch& patch) {
  auto access = requireReadable(store, caller, channelId);
  if (!access) return std::move(access).error();
  model::Channel channel = access->channel;
  if (channel.isArchived()) {
    return badRequest("api.channel.update_channel.deleted.app_error",
                      "The channel has been archived or deleted.");
  }
  if (channel.isDirectOrGroup()) {
    if (!access->isMember()) return permissionDenied(p::kReadChannel);
    if (patch.name || patch.displayName) {
      return badRequest("api.channel.patch_update_channel.forbidden.app_error",
                        "Failed to patch the channel.");
    }
  } else if (!hasChannelPermission(caller, *access, managePropertiesPermission(channel))) {
    return permissionDenied(managePropertiesPermission(channel));
  }
  if (patch.name && *patch.name != channel.name && channel.name == kTownSquare) {
    return badRequest("api.channel.update_channel.tried.app_error",
                      "Tried to perform an invalid update of the default channel.");
  }
  if (patch.name) channel.name = *patch.name;
  if (patch.displayName) channel.displayName = *patch.displayName;
  if (patch.header) channel.header = *patch.header;
  if (patch.purpose) channel.purpose = *patch.purpose;
  if (auto valid = validateChannel(channel); !valid) return std::move(valid).error();
  if (!channel.isDirectOrGroup() && channel.displayName.empty()) {
    return channelInvalid("display_name");
  }
  channel.updateAt = std::max(store.clock().nowMillis(), channel.updateAt + 1);
  if (auto updated = conflictAsBadRequest(store.channels().update(channel)); !updated) {
    return std::move(updated).error();
  }
  store.afterCommit(events::ChannelUpdated{channel});
  return channel;
}

Status archiveChannel(store::Store& store, const model::User& caller, std::string_view channelId) {
  auto access = requireReadable(store, caller, channelId);
  if (!access) return std::move(access).error();
  model::Channel channel = access->channel;
  if (channel.isDirectOrGroup()) {
    return badRequest("api.channel.delete_channel.type.invalid",
                      "Cannot delete direct or group message channels.");
  }
  const auto permission =
      channel.type == model::kChannelPrivate ? p::kDeletePrivateChannel : p::kDeletePublicChannel;
  if (!hasChannelPermission(caller, *access, permission)) return permissionDenied(permission);
  if (channel.isArchived()) {
    return badRequest("api.channel.delete_channel.deleted.app_error",
                      "The channel has been archived or deleted.");
  }
  if (channel.name == kTownSquare) {
    return badRequest("api.channel.delete_channel.cannot.app_error",
                      "Unable to delete the default channel town-square.");
  }
  const std::int64_t now = store.clock().nowMillis();
  channel.deleteAt = now;
  channel.updateAt = now;
  if (auto updated = store.channels().update(channel); !updated) return updated;
  store.afterCommit(events::ChannelDeleted{std::move(channel)});
  return {};
}

Result<model::Channel> restoreChannel(store::Store& store, const model::User& caller,
                                      std::string_view channelId) {
  auto access = requireReadable(store, caller, channelId);
  if (!access) return std::move(access).error();
  model::Channel channel = access->channel;
  const model::TeamMember* team = access->teamMember ? &*access->teamMember : nullptr;
  if (channel.isDirectOrGroup() || !hasTeamPermission(caller, team, p::kManageTeam)) {
    return permissionDenied(p::kManageTeam);
  }
  if (!channel.isArchived()) {
    return badRequest("api.channel.restore_channel.restored.app_error",
                      "Unable to unarchive channel. The channel is not archived.");
  }
  channel.deleteAt = 0;
  channel.updateAt = std::max(store.clock().nowMillis(), channel.updateAt + 1);
  if (auto updated = store.channels().update(channel); !updated) {
    return std::move(updated).error();
  }
  store.afterCommit(events::ChannelRestored{channel});
  return channel;
}

Result<std::vector<model::ChannelMember>> addChannelMembers(
    store::Store& store, const model::User& caller, std::string_view channelId,
    const std::vector<std::string>& userIds) {
  if (userIds.empty() || userIds.size() > kMaxMembersPerAdd) return invalidBodyParam("user_ids");
  auto access = store.channels().access(caller.id, channelId);
  if (!access) return std::move(access).error();
  const model::Channel& channel = access->channel;
  const bool self = userIds.size() == 1 && userIds.front() == caller.id;
  if (self && channel.type == model::kChannelOpen && !access->isMember()) {
    const model::TeamMember* team = access->teamMember ? &*access->teamMember : nullptr;
    if (!hasTeamPermission(caller, team, p::kJoinPublicChannels)) {
      return permissionDenied(p::kJoinPublicChannels);
    }
  } else if (channel.isDirectOrGroup()) {
    if (!canReadChannel(caller, *access)) return permissionDenied(p::kReadChannel);
  } else if (!hasChannelPermission(caller, *access, manageMembersPermission(channel))) {
    // Team admins manage the members of private channels they are not in, as in Mattermost.
    return permissionDenied(canReadChannel(caller, *access) ? manageMembersPermission(channel)
                                                            : p::kReadChannel);
  }
  if (channel.isDirectOrGroup()) {
    return badRequest("api.channel.add_members.error",
                      "Members cannot be added to direct or group message channels.");
  }
  if (channel.isArchived()) {
    return badRequest("api.channel.add_user_to_channel.deleted.app_error",
                      "The channel has been archived or deleted.");
  }

  // Before the transaction: a denial's audit record must not roll back with the refused join.
  // The policy decides for each user who would join, whoever adds them.
  if (store.policyHolder() != nullptr) {
    const model::ChannelAccess joining{channel, std::nullopt, std::nullopt};
    for (const auto& userId : userIds) {
      if (userId == caller.id && access->isMember()) continue;
      auto user = activeUser(store, userId);
      if (!user) continue;  // reported below, as without a policy
      // The join arrives over the caller's connection, whoever joins: an admin adding a guest
      // from the VPN is a join over the VPN. The guest's own reads are decided by theirs.
      user->connectionOrigin = caller.connectionOrigin;
      if (auto allowed = enforceChannelPolicy(store, kActionChannelJoin, *user, joining);
          !allowed) {
        return std::move(allowed).error();
      }
    }
  }

  const std::int64_t now = store.clock().nowMillis();
  std::vector<model::ChannelMember> result;
  Status written = store.transaction([&](store::Store& tx) -> Status {
    for (const auto& userId : userIds) {
      auto user = activeUser(tx, userId);
      if (!user) return std::move(user).error();
      auto teamMember = activeTeamMember(tx, channel.teamId, userId);
      if (!teamMember) return std::move(teamMember).error();
      if (!teamMember->has_value()) {
        return makeError(ErrorCode::kPermissionDenied,
                         "api.channel.add_user.to.channel.failed.app_error",
                         "Failed to add user to channel: the user is not a member of the team.");
      }
      if (auto added = addNewMember(tx, channel, *user, now, caller.id); !added) return added;
      auto member = requireMember(tx, channel.id, userId);
      if (!member) return std::move(member).error();
      result.push_back(std::move(*member));
    }
    return {};
  });
  if (!written) return std::move(written).error();
  return result;
}

Result<std::vector<model::ChannelMember>> listChannelMembers(store::Store& store,
                                                             const model::User& caller,
                                                             std::string_view channelId, int page,
                                                             int perPage) {
  auto access = requireReadable(store, caller, channelId);
  if (!access) return std::move(access).error();
  return store.channels().members(channelId, page * perPage, perPage);
}

Result<model::ChannelMember> getChannelMember(store::Store& store, const model::User& caller,
                                              std::string_view channelId, std::string_view userId) {
  auto access = requireReadable(store, caller, channelId);
  if (!access) return std::move(access).error();
  return requireMember(store, channelId, userId);
}

Result<std::vector<model::ChannelMember>> channelMembersByIds(
    store::Store& store, const model::User& caller, std::string_view channelId,
    const std::vector<std::string>& userIds) {
  auto access = requireReadable(store, caller, channelId);
  if (!access) return std::move(access).error();
  return store.channels().membersByIds(channelId, userIds);
}

Status removeChannelMember(store::Store& store, const model::User& caller,
                           std::string_view channelId, std::string_view userId) {
  auto access = store.channels().access(caller.id, channelId);
  if (!access) return std::move(access).error();
  const model::Channel& channel = access->channel;
  const bool manages = !channel.isDirectOrGroup() &&
                       hasChannelPermission(caller, *access, manageMembersPermission(channel));
  if (!manages && !canReadChannel(caller, *access)) return permissionDenied(p::kReadChannel);
  if (channel.type == model::kChannelDirect) {
    return badRequest("api.channel.leave.direct.app_error",
                      "Unable to leave a direct message channel.");
  }
  if (channel.name == kTownSquare) {
    return badRequest("api.channel.remove.default.app_error",
                      "Unable to remove user from the default channel town-square.");
  }
  if (caller.id != userId) {
    if (channel.type == model::kChannelGroup) {
      return badRequest("api.channel.remove_user_from_channel.group.app_error",
                        "Unable to remove a user from a group message channel.");
    }
    if (!manages) return permissionDenied(manageMembersPermission(channel));
  }
  auto member = requireMember(store, channelId, userId);
  if (!member) return std::move(member).error();
  if (auto removed = store.channels().removeMember(channelId, userId); !removed) return removed;
  store.afterCommit(
      events::ChannelMemberRemoved{std::string(channelId), std::string(userId), caller.id});
  return {};
}

namespace {

// Writes a changed membership; its owner hears of it (channel_member_updated).
Status saveMember(store::Store& store, const model::ChannelMember& member) {
  if (auto updated = store.channels().updateMember(member); !updated) return updated;
  store.afterCommit(events::ChannelMemberUpdated{member});
  return {};
}

Result<model::ChannelMember> memberForRoleChange(store::Store& store, const model::User& caller,
                                                 std::string_view channelId,
                                                 std::string_view userId) {
  auto access = requireChannelPermission(store, caller, channelId, p::kManageChannelRoles);
  if (!access) return std::move(access).error();
  if (access->channel.isDirectOrGroup()) return permissionDenied(p::kManageChannelRoles);
  return requireMember(store, channelId, userId);
}

}  // namespace

Status updateChannelMemberRoles(store::Store& store, const model::User& caller,
                                std::string_view channelId, std::string_view userId,
                                std::string_view roles) {
  auto member = memberForRoleChange(store, caller, channelId, userId);
  if (!member) return std::move(member).error();
  if (!model::areValidRoles(roles, model::RoleScope::kChannel)) return invalidBodyParam("roles");
  const auto [flags, explicitRoles] = splitSchemeRoles(
      roles, model::kRoleChannelAdmin, model::kRoleChannelUser, model::kRoleChannelGuest);
  if (flags.guest != member->schemeGuest) return invalidBodyParam("roles");
  member->schemeAdmin = flags.admin;
  member->schemeUser = flags.user;
  member->explicitRoles = explicitRoles;
  member->lastUpdateAt = store.clock().nowMillis();
  return saveMember(store, *member);
}

Status updateChannelMemberSchemeRoles(store::Store& store, const model::User& caller,
                                      std::string_view channelId, std::string_view userId,
                                      const SchemeRoles& roles) {
  auto member = memberForRoleChange(store, caller, channelId, userId);
  if (!member) return std::move(member).error();
  if (roles.guest != member->schemeGuest || (roles.guest && (roles.user || roles.admin))) {
    return invalidBodyParam("scheme_roles");
  }
  member->schemeAdmin = roles.admin;
  member->schemeUser = roles.user;
  member->lastUpdateAt = store.clock().nowMillis();
  return saveMember(store, *member);
}

Result<model::ChannelMember> updateChannelMemberNotifyProps(store::Store& store,
                                                            const model::User& caller,
                                                            std::string_view channelId,
                                                            std::string_view userId,
                                                            const nlohmann::json& props) {
  if (auto allowed = requireSelfOrEditOthers(caller, userId); !allowed) {
    return std::move(allowed).error();
  }
  if (!props.is_object()) return invalidBodyParam("notify_props");
  for (const auto& [key, value] : props.items()) {
    if (!value.is_string() || key.size() > 64 || value.get_ref<const std::string&>().size() > 256) {
      return invalidBodyParam("notify_props");
    }
  }
  auto access = requireReadable(store, caller, channelId);
  if (!access) return std::move(access).error();
  auto member = requireMember(store, channelId, userId);
  if (!member) return std::move(member).error();
  if (!member->notifyProps.is_object()) member->notifyProps = nlohmann::json::object();
  for (const auto& [key, value] : props.items()) {
    // Client4 sends the member's ids along with the properties.
    if (key != "channel_id" && key != "user_id") member->notifyProps[key] = value;
  }
  member->lastUpdateAt = store.clock().nowMillis();
  if (auto updated = saveMember(store, *member); !updated) return std::move(updated).error();
  return member;
}

Result<std::map<std::string, std::int64_t>> viewChannels(
    store::Store& store, const model::User& caller, std::string_view userId,
    const std::vector<std::string>& channelIds) {
  if (auto allowed = requireSelfOrEditOthers(caller, userId); !allowed) {
    return std::move(allowed).error();
  }
  std::map<std::string, std::int64_t> times;
  const std::int64_t now = store.clock().nowMillis();
  Status written = store.transaction([&](store::Store& tx) -> Status {
    for (const auto& channelId : channelIds) {
      if (times.contains(channelId)) continue;
      auto viewed = tx.channels().markViewed(channelId, userId, now);
      if (!viewed) return std::move(viewed).error();
      if (*viewed) times.emplace(channelId, now);
    }
    if (!times.empty()) tx.afterCommit(events::ChannelsViewed{std::string(userId), times});
    return {};
  });
  if (!written) return std::move(written).error();
  return times;
}

Result<ChannelStats> channelStats(store::Store& store, const model::User& caller,
                                  std::string_view channelId) {
  auto access = requireReadable(store, caller, channelId);
  if (!access) return std::move(access).error();
  auto counts = store.channels().counts(channelId);
  if (!counts) return std::move(counts).error();
  return ChannelStats{std::string(channelId), counts->members, counts->guests, counts->pinnedPosts,
                      counts->files};
}

namespace {

constexpr std::size_t kMaxSidebarCategories = 50;

Error categoryNotFound() {
  return makeError(ErrorCode::kNotFound, "app.channel.sidebar_categories.app_error",
                   "Unable to find the sidebar category.");
}

SidebarCategory defaultCategory(std::string_view type, std::string_view displayName,
                                std::string_view sorting, std::string_view userId,
                                std::string_view teamId) {
  SidebarCategory category;
  category.id = std::string(type) + "_" + std::string(userId) + "_" + std::string(teamId);
  category.userId = std::string(userId);
  category.teamId = std::string(teamId);
  category.sorting = std::string(sorting);
  category.type = std::string(type);
  category.displayName = std::string(displayName);
  return category;
}

void renumber(std::vector<SidebarCategory>& categories) {
  std::int64_t order = 0;
  for (auto& category : categories) {
    category.sortOrder = order;
    order += 10;
  }
}

// What a sidebar edit works on: the categories as the user sees them now, and the channels
// they may put in them.
struct Sidebar {
  std::vector<SidebarCategory> categories;
  std::set<std::string> channelIds;
  std::set<std::string> favoriteIds;  // the user's favorite_channel preferences, as read

  SidebarCategory* find(std::string_view id) {
    const auto it = std::find_if(categories.begin(), categories.end(),
                                 [id](const SidebarCategory& c) { return c.id == id; });
    return it == categories.end() ? nullptr : &*it;
  }
  // Moves `ids` out of every category but `keep`.
  void takeChannels(const std::vector<std::string>& ids, const SidebarCategory* keep) {
    const std::set<std::string> moving(ids.begin(), ids.end());
    for (auto& category : categories) {
      if (&category == keep) continue;
      std::erase_if(category.channelIds, [&moving](const auto& id) { return moving.contains(id); });
    }
  }
};

Result<Sidebar> loadSidebar(store::Store& store, const model::User& caller, std::string_view userId,
                            std::string_view teamId) {
  if (auto allowed = requireSelfOrEditOthers(caller, userId); !allowed) {
    return std::move(allowed).error();
  }
  auto team = store.teams().get(teamId);
  if (!team) return std::move(team).error();
  auto member = activeTeamMember(store, teamId, userId);
  if (!member) return std::move(member).error();
  if (!member->has_value()) return permissionDenied(p::kViewTeam);
  auto channels = store.channels().channelsOfUser(userId, teamId, {});
  if (!channels) return std::move(channels).error();
  auto stored = store.channels().sidebarCategories(userId, teamId);
  if (!stored) return std::move(stored).error();

  Sidebar sidebar;
  for (const auto& channel : *channels) sidebar.channelIds.insert(channel.id);
  if (stored->empty()) {
    // Mattermost's defaults: channels sorted alphabetically, direct messages by recency.
    sidebar.categories = {
        defaultCategory("favorites", "Favorites", "", userId, teamId),
        defaultCategory("channels", "Channels", "alpha", userId, teamId),
        defaultCategory("direct_messages", "Direct Messages", "recent", userId, teamId)};
    renumber(sidebar.categories);
  } else {
    sidebar.categories = std::move(*stored);
  }
  auto favoriteIds = store.channels().favoriteChannelIds(userId);
  if (!favoriteIds) return std::move(favoriteIds).error();
  sidebar.favoriteIds = {favoriteIds->begin(), favoriteIds->end()};
  const std::set<std::string>& favorites = sidebar.favoriteIds;
  // Channels left since are dropped; each channel stays in its first category. The
  // favorite_channel preferences decide what is in Favorites (clients set either them or the
  // category, and Mattermost keeps both in step): a channel in the wrong place is taken out and
  // placed again below.
  std::set<std::string> placed;
  for (auto& category : sidebar.categories) {
    const bool favoritesCategory = category.type == "favorites";
    std::erase_if(category.channelIds, [&](const std::string& id) {
      return !sidebar.channelIds.contains(id) || favorites.contains(id) != favoritesCategory ||
             !placed.insert(id).second;
    });
  }
  // Channels in no category yet go where Mattermost puts new ones.
  std::vector<const model::Channel*> unplaced;
  for (const auto& channel : *channels) {
    if (!placed.contains(channel.id)) unplaced.push_back(&channel);
  }
  // Team channels keep their alphabetical order, direct messages go most recent first.
  std::stable_sort(unplaced.begin(), unplaced.end(), [](const auto* a, const auto* b) {
    if (a->isDirectOrGroup() != b->isDirectOrGroup()) return !a->isDirectOrGroup();
    return a->isDirectOrGroup() &&
           std::max(a->lastPostAt, a->createAt) > std::max(b->lastPostAt, b->createAt);
  });
  const auto byType = [&sidebar](std::string_view type) -> SidebarCategory* {
    for (auto& category : sidebar.categories) {
      if (category.type == type) return &category;
    }
    return nullptr;
  };
  for (const auto* channel : unplaced) {
    SidebarCategory* target = favorites.contains(channel->id) ? byType("favorites") : nullptr;
    if (!target) target = byType(channel->isDirectOrGroup() ? "direct_messages" : "channels");
    if (target) target->channelIds.push_back(channel->id);
  }
  return sidebar;
}

// Stores the categories and, in the same transaction, the favorite_channel preferences of the
// channels moved into Favorites (set) or out of it (deleted), so that loadSidebar() and the
// clients that read the preferences agree.
Status saveSidebar(store::Store& store, std::string_view userId, std::string_view teamId,
                   const Sidebar& sidebar) {
  std::set<std::string> favorites;
  for (const auto& category : sidebar.categories) {
    if (category.type == "favorites") {
      favorites.insert(category.channelIds.begin(), category.channelIds.end());
    }
  }
  const auto preference = [userId](const std::string& channelId) {
    return model::Preference{std::string(userId), "favorite_channel", channelId, "true"};
  };
  std::vector<model::Preference> added;
  std::vector<model::Preference> removed;
  for (const auto& id : favorites) {
    if (!sidebar.favoriteIds.contains(id)) added.push_back(preference(id));
  }
  for (const auto& id : sidebar.favoriteIds) {
    if (sidebar.channelIds.contains(id) && !favorites.contains(id))
      removed.push_back(preference(id));
  }
  return store.transaction([&](store::Store& tx) -> Status {
    if (auto saved = tx.channels().saveSidebarCategories(userId, teamId, sidebar.categories);
        !saved) {
      return saved;
    }
    if (!added.empty()) {
      if (auto saved = tx.preferences().save(added); !saved) return saved;
      tx.afterCommit(events::PreferencesChanged{std::string(userId), added});
    }
    if (!removed.empty()) {
      if (auto deleted = tx.preferences().remove(removed); !deleted) return deleted;
      tx.afterCommit(events::PreferencesDeleted{std::string(userId), removed});
    }
    return {};
  });
}

Status validateCategoryChanges(const Sidebar& sidebar, const SidebarCategory& change, bool custom) {
  if (custom) {
    const std::size_t runes = runeCount(change.displayName);
    if (runes == 0 || runes > kChannelDisplayNameMaxRunes) return invalidBodyParam("display_name");
  }
  if (change.sorting != "" && change.sorting != "alpha" && change.sorting != "recent" &&
      change.sorting != "manual") {
    return invalidBodyParam("sorting");
  }
  const std::set<std::string> unique(change.channelIds.begin(), change.channelIds.end());
  if (unique.size() != change.channelIds.size()) return invalidBodyParam("channel_ids");
  for (const auto& id : change.channelIds) {
    if (!sidebar.channelIds.contains(id)) return invalidBodyParam("channel_ids");
  }
  return {};
}

}  // namespace

Result<std::vector<SidebarCategory>> sidebarCategories(store::Store& store,
                                                       const model::User& caller,
                                                       std::string_view userId,
                                                       std::string_view teamId) {
  auto sidebar = loadSidebar(store, caller, userId, teamId);
  if (!sidebar) return std::move(sidebar).error();
  return std::move(sidebar->categories);
}

Result<SidebarCategory> createSidebarCategory(store::Store& store, const model::User& caller,
                                              std::string_view userId, std::string_view teamId,
                                              const SidebarCategory& input) {
  auto sidebar = loadSidebar(store, caller, userId, teamId);
  if (!sidebar) return std::move(sidebar).error();
  if (auto valid = validateCategoryChanges(*sidebar, input, true); !valid) {
    return std::move(valid).error();
  }
  if (sidebar->categories.size() >= kMaxSidebarCategories) return invalidBodyParam("category");
  SidebarCategory category = input;
  category.id = model::newId();
  category.userId = std::string(userId);
  category.teamId = std::string(teamId);
  category.type = "custom";
  sidebar->takeChannels(category.channelIds, nullptr);
  sidebar->categories.insert(sidebar->categories.begin(), category);
  renumber(sidebar->categories);
  if (Status saved = saveSidebar(store, userId, teamId, *sidebar); !saved) {
    return std::move(saved).error();
  }
  store.afterCommit(
      events::SidebarCategoryCreated{std::string(userId), std::string(teamId), category.id});
  return sidebar->categories.front();
}

Result<std::vector<SidebarCategory>> updateSidebarCategories(
    store::Store& store, const model::User& caller, std::string_view userId,
    std::string_view teamId, const std::vector<SidebarCategory>& changes) {
  auto sidebar = loadSidebar(store, caller, userId, teamId);
  if (!sidebar) return std::move(sidebar).error();
  std::vector<std::string> changedIds;
  for (const auto& change : changes) {
    SidebarCategory* category = sidebar->find(change.id);
    if (!category) return categoryNotFound();
    const bool custom = category->type == "custom";
    if (auto valid = validateCategoryChanges(*sidebar, change, custom); !valid) {
      return std::move(valid).error();
    }
    if (custom) category->displayName = change.displayName;
    category->sorting = change.sorting;
    category->muted = change.muted;
    category->collapsed = change.collapsed;
    sidebar->takeChannels(change.channelIds, category);
    category->channelIds = change.channelIds;
    changedIds.push_back(category->id);
  }
  if (Status saved = saveSidebar(store, userId, teamId, *sidebar); !saved) {
    return std::move(saved).error();
  }
  std::vector<SidebarCategory> changed;
  for (const auto& id : changedIds) changed.push_back(*sidebar->find(id));
  store.afterCommit(
      events::SidebarCategoriesUpdated{std::string(userId), std::string(teamId), changed});
  return changed;
}

Result<std::vector<std::string>> updateSidebarCategoryOrder(store::Store& store,
                                                            const model::User& caller,
                                                            std::string_view userId,
                                                            std::string_view teamId,
                                                            const std::vector<std::string>& order) {
  auto sidebar = loadSidebar(store, caller, userId, teamId);
  if (!sidebar) return std::move(sidebar).error();
  std::vector<std::string> current;
  for (const auto& category : sidebar->categories) current.push_back(category.id);
  auto wanted = order;
  std::sort(current.begin(), current.end());
  std::sort(wanted.begin(), wanted.end());
  if (current != wanted) return invalidBodyParam("order");
  std::vector<SidebarCategory> reordered;
  for (const auto& id : order) reordered.push_back(std::move(*sidebar->find(id)));
  renumber(reordered);
  Status saved = store.transaction([&](store::Store& tx) {
    return tx.channels().saveSidebarCategories(userId, teamId, reordered);
  });
  if (!saved) return std::move(saved).error();
  store.afterCommit(
      events::SidebarCategoryOrderUpdated{std::string(userId), std::string(teamId), order});
  return order;
}

Status deleteSidebarCategory(store::Store& store, const model::User& caller,
                             std::string_view userId, std::string_view teamId,
                             std::string_view categoryId) {
  auto sidebar = loadSidebar(store, caller, userId, teamId);
  if (!sidebar) return std::move(sidebar).error();
  const SidebarCategory* category = sidebar->find(categoryId);
  if (!category) return categoryNotFound();
  if (category->type != "custom") {
    return badRequest("api.channel.delete_category.not_custom.app_error",
                      "Only custom categories can be deleted.");
  }
  std::erase_if(sidebar->categories,
                [categoryId](const SidebarCategory& c) { return c.id == categoryId; });
  renumber(sidebar->categories);
  // The deleted category's channels are in no category now: they return to the defaults the
  // next time the sidebar is read.
  Status saved = store.transaction([&](store::Store& tx) {
    return tx.channels().saveSidebarCategories(userId, teamId, sidebar->categories);
  });
  if (!saved) return saved;
  store.afterCommit(events::SidebarCategoryDeleted{std::string(userId), std::string(teamId),
                                                   std::string(categoryId)});
  return {};
}

}  // namespace parley::core::services
