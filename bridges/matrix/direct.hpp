#pragma once
// Direct messages over the Matrix bridge (issue 7), the pure parts. A Matrix DM is a room of its
// own, made with is_direct (Client-Server API: createRoom, m.room.member's is_direct): a Matrix
// user invites the puppet of a Mattermost user (@<user_prefix><username>:<server_name>) with
// is_direct true, or a Mattermost user writes first and the puppet makes the room, inviting the
// Matrix user. Either way the room carries the implicit link of the pair
// ("dm:<local user id>:<MXID>", core/model/link.hpp), kept in direct_rooms.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace parley::bridges::matrix {

// An invitation of one of Parley's users into a direct room by a Matrix user.
struct DirectInvite {
  std::string roomId;
  std::string inviter;  // the Matrix user (the sender)
  std::string invitee;  // the puppet of a Mattermost user
};

// The direct invitation `event` is: an m.room.member event with membership "invite" and
// content.is_direct true, whose state_key is a user of Parley's namespace
// (`isParleyUser`) and whose sender is not. nullopt for anything else (an invitation to an
// ordinary room, a join, an invitation sent by Parley itself).
std::optional<DirectInvite> directInviteOf(
    const nlohmann::json& event, const std::function<bool(std::string_view)>& isParleyUser);

// The body of the createRoom call a puppet makes for a DM with `invitee` (an MXID): is_direct,
// the Matrix user invited, preset trusted_private_chat (both members are equal, as in a DM a
// Matrix client makes).
nlohmann::json directRoomRequest(std::string_view invitee);

}  // namespace parley::bridges::matrix
