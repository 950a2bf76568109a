#pragma once
// A local channel linked to a room on another network, and the puppet user that stands for a
// remote sender (tables links and remote_users, schemas/sql/0003_bridges.sql). Plain data: the
// bridge store reads and writes it, core/services decide, bridges/ use it.

#include <cstdint>
#include <string>
#include <string_view>

namespace parley::core::model {

enum class LinkDirection { kBoth, kInbound, kOutbound };

std::string_view linkDirectionName(LinkDirection direction);  // "both", "inbound", "outbound"

struct Link {
  std::string id;
  std::string channelId;
  std::string bridge;      // the gateway.yaml bridge: "xmpp", "matrix", "workspaces"
  std::string remoteRoom;  // MUC JID, Matrix room id/alias, remote channel id
  // The policy bundle's peer (its `bridges:` key, e.g. "xmpp-usa"): `bridge.*` attributes of
  // every boundary decision on this link. "" = the bridge name.
  std::string peer;
  LinkDirection direction = LinkDirection::kBoth;
  bool readOnly = false;  // nothing is accepted from the room (in addition to direction)
  std::string createdBy;  // user id; "" when the link comes from gateway.yaml
  std::int64_t createAt = 0;
  std::int64_t updateAt = 0;

  const std::string& policyPeer() const { return peer.empty() ? bridge : peer; }
  bool sendsOut() const { return direction != LinkDirection::kInbound; }
  bool takesIn() const { return direction != LinkDirection::kOutbound && !readOnly; }
};

// The implicit link of a direct message between a local user and a bridge's remote user:
// remoteRoom "dm:<local user id>:<remote id>" (the bridge addresses the remote user by it). It is
// made with the direct channel, whichever side writes first.
std::string directRoom(std::string_view localUserId, std::string_view remoteId);
// The remote id of a direct room, or "" when `remoteRoom` is not one.
std::string_view directRoomRemoteId(std::string_view remoteRoom);
// The local user id of a direct room, or "" when `remoteRoom` is not one.
std::string_view directRoomLocalId(std::string_view remoteRoom);

// Where a remote user or message comes from.
struct RemoteOrigin {
  std::string bridge;      // "xmpp", ...
  std::string remoteRoom;  // the room it was said in ("" for a user)
  std::string remoteId;    // JID / MXID / remote user id of the sender
  std::string domain;      // the sender's server ("chat.mil.usa.example")

  bool operator==(const RemoteOrigin&) const = default;
};

// A local user (users.id) that is the puppet of a remote user: no password, no login, no
// access beyond the channels linked to its bridge.
struct RemoteUser {
  std::string bridge;
  std::string remoteId;
  std::string domain;
  std::string displayName;
  std::string userId;
  std::int64_t createAt = 0;
  std::int64_t updateAt = 0;
};

}  // namespace parley::core::model
