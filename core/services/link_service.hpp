#pragma once
// Channel links (issue 6): the admin API's use cases and the links of gateway.yaml. A link joins
// a local channel to a room on a named bridge; only system admins (manage_system) see or change
// links, and creating one asks the boundary guard (channel.link) first. Call from inside a
// database job.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/config/config.hpp"
#include "core/model/link.hpp"
#include "core/model/user.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

inline constexpr std::size_t kLinkRemoteRoomMaxLength = 512;  // links.remote_room
inline constexpr std::size_t kLinkPeerMaxLength = 64;         // links.peer

struct NewLink {
  std::string channelId;
  std::string bridge;
  std::string remoteRoom;
  std::string peer;
  model::LinkDirection direction = model::LinkDirection::kBoth;
  bool readOnly = false;
};

// "both" / "inbound" / "outbound" (and gateway.yaml's "in" / "out").
std::optional<model::LinkDirection> linkDirectionFromName(std::string_view name);

// A peer name as the policy bundle's `bridges:` keys are written: 1-64 of a-z 0-9 . - _, or "".
bool isValidPeerName(std::string_view peer);

Result<std::vector<model::Link>> listLinks(store::Store& store, const model::User& caller);

// Validates (400 api.context.invalid_body_param.app_error naming the field: channel_id, bridge
// (must be one of `bridges`, the bridges gateway.yaml configures), remote_room, peer), checks
// the channel (404 app.channel.get.existing.app_error; archived, direct and group channels are
// 400 api.parley.link.channel.app_error), asks the guard (403 api.parley.policy.denied.app_error
// on deny, audited either way) and creates the link (409 app.parley.link.exists.app_error for a
// room already linked on that bridge).
Result<model::Link> createLink(store::Store& store, const model::User& caller, const NewLink& input,
                               const std::vector<std::string>& bridges);

// 404 app.parley.link.not_found.app_error when there is no such link. Its pending outbox rows go
// with it.
Status deleteLink(store::Store& store, const model::User& caller, std::string_view linkId);

// gateway.yaml's links, written into the table at start-up: a link of a (bridge, remote room)
// is created or has its direction, read-only flag and peer updated; a link that came from the
// configuration before (created_by "") and is no longer in it is removed. A channel that does
// not exist is reported and its link skipped. Returns one line per problem.
Result<std::vector<std::string>> syncConfiguredLinks(store::Store& store,
                                                     const std::vector<config::LinkConfig>& links);

}  // namespace parley::core::services
