#pragma once
// Posts, reactions and post lists as Mattermost models them (reference/mattermost-api.md §7
// "Post", "PostList", "Reaction"), and the pure rules about their content: message length in
// runes, hashtags, mentions, emoji names (server/public/model/post.go, reaction.go). Plain data
// plus validators; the store reads and writes it, services decide, the gateway serialises.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/file_info.hpp"

namespace parley::core::model {

// Mattermost's limits (model/post.go): PostMessageMaxRunesV2 = 65535 bytes / 4 (the worst-case
// UTF-8 width), PostPropsMaxRunes for the props JSON, PostFileidsMaxRunes for the file_ids JSON
// (10 ids of 26 characters fit, 11 do not), PostHashtagsMaxRunes.
inline constexpr std::size_t kPostMessageMaxRunes = 65535 / 4;
inline constexpr std::size_t kPostPropsMaxRunes = 800000;
inline constexpr std::size_t kPostFileIdsMaxRunes = 300;
inline constexpr std::size_t kPostMaxFileIds = 10;
inline constexpr std::size_t kPostHashtagsMaxRunes = 1000;
inline constexpr std::size_t kPendingPostIdMaxLength = 64;
// model/reaction.go: emoji names are at most 64 characters of [a-zA-Z0-9-+_].
inline constexpr std::size_t kEmojiNameMaxLength = 64;
// The prop that records who deleted a post (PostPropsDeleteBy).
inline constexpr std::string_view kPostPropDeleteBy = "deleteBy";

struct Reaction {
  std::string userId;
  std::string postId;
  std::string emojiName;
  std::string channelId;
  std::int64_t createAt = 0;
  std::int64_t updateAt = 0;
  std::int64_t deleteAt = 0;
  std::string remoteId;  // "" for local reactions (JSON null)
};

struct Post {
  std::string id;
  std::int64_t createAt = 0;
  std::int64_t updateAt = 0;
  std::int64_t editAt = 0;
  std::int64_t deleteAt = 0;
  bool isPinned = false;
  std::string userId;
  std::string channelId;
  std::string rootId;  // "" for thread roots
  std::string originalId;
  std::string message;
  std::string type;  // "" for normal posts, system_*, slack_attachment, me, custom_*
  nlohmann::json props = nlohmann::json::object();
  std::string hashtags;  // space-separated, as Mattermost stores them
  std::vector<std::string> fileIds;
  std::string pendingPostId;
  bool hasReactions = false;
  std::string remoteId;  // origin connection of a bridged post; "" for local ones
  // Maintained by the database (posts_thread_counters trigger): live replies of a root.
  std::int64_t replyCount = 0;
  std::int64_t lastReplyAt = 0;

  // Filled by the services before a post leaves the core (post.metadata).
  std::vector<Reaction> reactions;
  std::vector<FileInfo> files;  // the live files of file_ids

  bool isRoot() const { return rootId.empty(); }
  bool isDeleted() const { return deleteAt != 0; }
};

// Mattermost's PostList: `order` are post ids newest first; `posts` holds those posts and any
// thread roots they reference.
struct PostList {
  std::vector<std::string> order;
  std::map<std::string, Post> posts;
  std::string nextPostId;
  std::string prevPostId;
  std::optional<bool> hasNext;  // only thread and around-unread lists carry it

  // Adds `post` to `posts` (not to `order`).
  void add(Post post) { posts.insert_or_assign(post.id, std::move(post)); }
};

// Unicode code points in valid UTF-8 (Go's utf8.RuneCountInString): Mattermost's message and
// props limits count runes, not bytes.
std::size_t runeCount(std::string_view utf8);

// Mattermost's ParseHashtags: the words of `message` that are hashtags (#, a letter, then
// letters, digits, '-', '_' or '.', ending on a letter or digit), surrounding punctuation
// trimmed, space-separated and cut to kPostHashtagsMaxRunes at a word boundary.
std::string parseHashtags(std::string_view message);

// What a message mentions: @username (lower-cased, trailing dots trimmed) and whether it holds a
// channel-wide mention (@channel, @all, @here).
struct Mentions {
  std::vector<std::string> usernames;
  bool channelWide = false;
};
Mentions parseMentions(std::string_view message);

// ^[a-zA-Z0-9\-\+_]+$ and at most kEmojiNameMaxLength characters (model/reaction.go).
bool isValidEmojiName(std::string_view name);

// Mattermost's Post.IsValid type rule: "", a known system type, slack_attachment, me, or
// custom_*.
bool isValidPostType(std::string_view type);

}  // namespace parley::core::model
