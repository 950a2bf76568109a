#pragma once
// The canonical message (design.md §3): a Mattermost post, or a change to one, as a bridge sees
// it. Every bridge owns two pure functions, to and from its protocol, over this type; the outbox
// carries it out, the ingress pipeline brings it in, the boundary guard decides on it and
// applies the policy's obligations to it.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/link.hpp"

namespace parley::core::model {

enum class MessageChange { kPost, kEdit, kDelete, kReaction, kReactionDelete };

// "post", "edit", "delete", "reaction", "reaction_delete": the outbox's kind column, the
// inbox's effect and the audit detail all name a change this way.
std::string_view messageChangeName(MessageChange change);

// An attachment. Outbound: a local file (fileId set). Inbound: what the bridge fetched into the
// file store (fileId set) or what it still has to fetch (url set, fileId empty).
struct FileRef {
  std::string fileId;
  std::string name;
  std::string mimeType;  // detected from the content, never from the name
  std::int64_t size = 0;
  std::string sha256;  // lower-case hex
  std::string url;     // remote location of an inbound file not yet fetched
};

struct MessageAuthor {
  std::string userId;  // the local user or puppet
  std::string username;
  std::string displayName;
  std::optional<RemoteOrigin> remote;  // set for a puppet: who it stands for
};

struct CanonicalMessage {
  MessageChange change = MessageChange::kPost;
  std::string postId;  // local post id ("" on ingress until the post exists)
  std::string channelId;
  std::string rootId;  // thread root ("" = not a reply)
  std::string text;    // Mattermost markdown
  std::vector<FileRef> files;
  MessageAuthor author;
  std::string emoji;  // kReaction / kReactionDelete: the emoji name (Mattermost's)
  // kReaction / kReactionDelete: the author's whole set of reactions on the post as it is now
  // (Mattermost names, oldest first), for protocols that send the set (XEP-0444).
  std::vector<std::string> reactions;
  std::string label;          // security label text; "" = the channel's (policy default)
  std::int64_t createAt = 0;  // ms
  std::int64_t editAt = 0;
  // Set when the message came in over a link: it never goes back over that link, and it keeps
  // this origin when relayed to another one.
  std::optional<RemoteOrigin> origin;
  // Added by obligations (set_metadata, set_label, tag_origin): key -> value for the bridge to
  // carry in its protocol's own way; a bridge that cannot carry a key it was given must not send.
  nlohmann::json metadata = nlohmann::json::object();
};

}  // namespace parley::core::model
