#pragma once
// What a user may do, as Mattermost decides it (app/authorization.go): the union of what their
// system roles, their membership in the team and their membership in the channel grant
// (core/model/permissions.hpp lists the grants). Every service checks here before it writes or
// reveals anything; the gateway never decides permissions itself.

#include <optional>
#include <string_view>

#include "core/common/result.hpp"
#include "core/model/channel.hpp"
#include "core/model/team.hpp"
#include "core/model/user.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

using model::ChannelAccess;

// 403 "api.context.permissions.app_error", naming the missing permission in the detail.
Error permissionDenied(std::string_view permission);

bool hasSystemPermission(const model::User& user, std::string_view permission);

// `member` is the user's active membership in the team, or null.
bool hasTeamPermission(const model::User& user, const model::TeamMember* member,
                       std::string_view permission);

bool hasChannelPermission(const model::User& user, const ChannelAccess& access,
                          std::string_view permission);

// Whether the user may see the channel and read its posts: a member with read_channel, or, for
// an open channel, anyone whose team membership grants read_public_channel (guests have no such
// grant: they read only the channels they were added to). System admins read everything.
bool canReadChannel(const model::User& user, const ChannelAccess& access);

// The channel and the user's memberships, in one query. kNotFound
// "app.channel.get.existing.app_error" when there is no such channel; invalid ids are the
// caller's to reject (400) before coming here.
Result<ChannelAccess> loadChannelAccess(store::Store& store, const model::User& user,
                                        std::string_view channelId);

// The checks of requireChannelPermission() on an access read already.
Status checkChannelPermission(const model::User& user, const ChannelAccess& access,
                              std::string_view permission);

// loadChannelAccess(), then: a channel the user cannot read is 403 (as Mattermost answers for
// private channels of others: their existence is not confirmed beyond that), and a readable
// channel without `permission` is 403 too. Pass permission::kReadChannel to require reading
// only.
Result<ChannelAccess> requireChannelPermission(store::Store& store, const model::User& user,
                                               std::string_view channelId,
                                               std::string_view permission);

}  // namespace parley::core::services
