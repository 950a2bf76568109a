#pragma once
// An event as the Mattermost WebSocket API delivers it (reference/mattermost-api.md §8.3): a
// name, a data object and the audience it is meant for. Services publish events after their
// transaction committed; the WebSocket hub (and, across nodes, the PostgreSQL relay) decides
// per connection whether the audience includes it.

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace parley::core::events {

// Mattermost's `broadcast` object. Who receives the event: userId if set (a teamId beside it only
// names the team the event is about, as for sidebar events), else channelId, else teamId; none
// set means every connected user (new_user, user_updated).
struct Audience {
  std::string userId;     // only this user's connections
  std::string channelId;  // the users who may read this channel
  std::string teamId;     // the members of this team
  std::vector<std::string> omitUsers;
  std::string omitConnectionId;  // e.g. the connection a typing notice came from

  bool everyone() const { return userId.empty() && channelId.empty() && teamId.empty(); }
};

struct Event {
  std::string name;  // "posted", "post_edited", ...
  // As sent: objects Mattermost double-encodes (post, reaction, channel, ...) are already JSON
  // strings here, so every connection sends the same bytes.
  nlohmann::json data = nlohmann::json::object();
  Audience audience;
};

// An event for the gateway nodes, never sent to a client (no Mattermost event has this name): the
// relay carries it to every node like any other, and each node's hub closes the WebSocket
// connections of the revoked sessions named in it. Data: {"session_ids": [...], "all": bool};
// the audience is the sessions' user.
inline constexpr std::string_view kSessionsRevokedEvent = "parley_sessions_revoked";

// Events are immutable once published and shared by every connection that sends them.
using EventPtr = std::shared_ptr<const Event>;

}  // namespace parley::core::events
