#pragma once
// Posts and threads (reference/mattermost-api.md §5.5): every use case checks the caller's
// channel permissions (core/services/permissions.hpp), validates with Mattermost's error ids,
// and writes in one transaction. Call from inside a database job; `store` is that job's Store.
// API handlers, webhooks and bridges all create posts through createPost(), so permissions,
// counters and read state behave the same whatever the origin.

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/link.hpp"
#include "core/model/post.hpp"
#include "core/model/user.hpp"
#include "core/services/access_policy.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

class BatchReads;
class LiveLinks;

struct CreatePostOptions {
  // false for posts made on someone's behalf after their own authorisation (an incoming
  // webhook posts as its creator into its channel): the channel is still loaded and must not
  // be archived, but the author's create_post permission there is not required.
  bool checkChannelPermission = true;
  // Whether `draft.type` may be a system_* type (posts the server itself writes). User posts
  // with a system type are rejected, as Mattermost does.
  bool allowSystemType = false;
  // Whether the post marks its author online (Mattermost's set_online): false for posts made
  // for someone who is not at their client.
  bool setOnline = true;
  // Set by the bridges' ingress pipeline: where the post came from. No outbox row is written
  // toward that link (no echo), and the origin travels with the rows toward the other links.
  std::optional<model::RemoteOrigin> origin;
  // Set by the ingress pipeline: create_at is later than the channel's last post, so that a
  // remote room's messages, applied in the order they came (several in one millisecond when
  // they come fast), are also listed in that order (posts sort by create_at).
  bool afterLastPost = false;
  // Set for the posts of one batch, by the ingress pipeline and the post lanes
  // (batch_reads.hpp): the author's access to the channel, the policy decision's inputs and
  // the channel's links are read from it, and the post moves the channel's last_post_at in it.
  BatchReads* reads = nullptr;
  // Set by the post lanes for a post written alone (not inside a caller's transaction): the
  // links the drainer here is caught up on (live_links.hpp). A root post without files to a
  // channel with such a link is decided for it as it is written (the live crossing,
  // outbox_writer.hpp), in one transaction with the post's reads; should that transaction fail
  // for any reason, the post is written as without it (its error, if any, is then the post's).
  const LiveLinks* liveLinks = nullptr;
  // The links decided as the post is written: the live crossing's inner call, and every post
  // of a lane's batch that liveLinksFor() found them for (the caller's transaction then took
  // the audit chain's lock and the rows' numbers ahead, and `reads` holds the author).
  const std::set<std::string>* decideLive = nullptr;
  // kAfterRollback where a policy denial ends a transaction that is then rolled back and the
  // post written again on its own, which records the denial (a lane's batch, the live
  // crossing's inner call): a record appended in that transaction would be rolled back with it,
  // and would take the audit chain's lock after the channel's row, the other way round from
  // the transactions that decide as they write (which take it first: a deadlock).
  DenialRecord denialRecord = DenialRecord::kNow;
};

// The live crossing: the links of `draft`'s channel that `liveLinks` says the drainer is caught
// up on, when the post may be decided for them as it is written: a root post without files,
// the author's own (options.checkChannelPermission), that did not come in over a link. Empty
// otherwise: replies (their roots' remote ids and quotes), files (each with a decision of its
// own) and changes that came in over a link are drained as usual.
std::set<std::string> liveLinksFor(const LiveLinks& liveLinks, const model::Post& draft,
                                   const CreatePostOptions& options);

// Creates a post in `draft.channelId` as `author`. From the draft are taken: channel_id,
// message, root_id, type, props, file_ids, pending_post_id, remote_id, is_pinned, and
// create_at for system admins only; the id, user_id, timestamps and hashtags are set here.
// In one transaction: the post, the channel's counters, the author's read state, mention counts
// of mentioned members (@username; @channel/@all/@here with use_channel_mentions), and the
// attachment of file_ids (files the author uploaded to that channel; others are dropped).
// Errors (400 unless noted): model.post.is_valid.{channel_id,root_id,message_length,props,
// file_ids,type}.app_error, api.context.invalid_param.app_error (system type),
// api.post.create_post.can_not_post_to_deleted.error (archived channel),
// api.post.create_post.root_id.app_error (missing/deleted root, or a reply as root),
// api.post.create_post.channel_root_id.app_error (root in another channel), 403
// api.context.permissions.app_error, 404 app.channel.get.existing.app_error.
Result<model::Post> createPost(store::Store& store, const model::User& author, model::Post draft,
                               const CreatePostOptions& options = {});

// Fills post.reactions and post.files (metadata) of every post in `list`.
Status loadPostMetadata(store::Store& store, model::PostList& list);

// The post with its metadata (reactions, files). 404 app.post.get.app_error when missing, or
// deleted unless `includeDeleted` and the caller is a system admin; 403 when the caller cannot
// read its channel.
Result<model::Post> getPost(store::Store& store, const model::User& user, std::string_view postId,
                            bool includeDeleted = false);

// The live posts among `ids` in channels the caller can read, newest first (at most
// kMaxPostIds ids, else 400 api.post.posts_by_ids.invalid_body.request_error).
inline constexpr std::size_t kMaxPostIds = 1000;
Result<std::vector<model::Post>> getPostsByIds(store::Store& store, const model::User& user,
                                               const std::vector<std::string>& ids);

// PostPatch: absent fields stay unchanged.
struct PostPatch {
  std::optional<std::string> message;
  std::optional<bool> isPinned;
  std::optional<nlohmann::json> props;
  std::optional<std::vector<std::string>> fileIds;
  std::optional<bool> hasReactions;  // accepted and ignored: derived from the reactions
};

// Edits a post: the author needs edit_post, anyone else edit_others_posts. Sets edit_at when
// the message changes. 400 api.post.update_post.permissions_details.app_error for a deleted
// post, api.post.update_post.system_message.app_error for a system message.
// A change of the message or the files goes out over the channel's links (outbox, same
// transaction), except toward `origin` (a change that came in over a link).
Result<model::Post> patchPost(store::Store& store, const model::User& user, std::string_view postId,
                              const PostPatch& patch,
                              const std::optional<model::RemoteOrigin>& origin = std::nullopt);

// Pins or unpins (read_channel is enough, as in Mattermost); does not set edit_at.
Status setPinned(store::Store& store, const model::User& user, std::string_view postId,
                 bool pinned);

// Soft-deletes a post (and a root's replies) and the post's files: delete_post for one's own,
// delete_others_posts for others'. 404 app.post.get.app_error when it is missing or already
// deleted. The deletion goes out over the channel's links except toward `origin`.
Status deletePost(store::Store& store, const model::User& user, std::string_view postId,
                  const std::optional<model::RemoteOrigin>& origin = std::nullopt);

// GET /posts/{post_id}/files/info: the live files of a post the caller can read (deleted posts
// for system admins with `includeDeleted`), oldest first.
Result<std::vector<model::FileInfo>> getPostFiles(store::Store& store, const model::User& user,
                                                  std::string_view postId,
                                                  bool includeDeleted = false);

struct ThreadOptions {
  int perPage = 0;  // 0: the whole thread
  std::string fromPost;
  std::int64_t fromCreateAt = 0;
  bool up = false;  // direction=up: older replies first from the cursor
};
// The thread of `postId` (its root when it is a reply): the root and its replies.
Result<model::PostList> getThread(store::Store& store, const model::User& user,
                                  std::string_view postId, const ThreadOptions& options);

// GET /channels/{id}/posts, first match wins: since, after, before, newest page.
struct ChannelPostsQuery {
  int page = 0;
  int perPage = 60;
  std::int64_t since = 0;
  std::string before;
  std::string after;
  bool skipFetchThreads = false;
  bool includeDeleted = false;  // honoured for system admins only
};
inline constexpr int kSincePostsLimit = 1000;
inline constexpr int kMaxPage = 1'000'000;  // page * per_page (<= 200) stays within an int
Result<model::PostList> getChannelPosts(store::Store& store, const model::User& user,
                                        std::string_view channelId, const ChannelPostsQuery& query);

// The newest page as GET /channels/{id}/posts serves it with an ETag, in one access check: the
// channel's last post write time (it changes whenever a post of the channel is written), and the
// page unless `isCurrent` says the client's cached copy is of that version.
struct NewestChannelPosts {
  std::int64_t lastUpdateAt = 0;
  std::optional<model::PostList> posts;  // empty when the client's copy is current
};
Result<NewestChannelPosts> getNewestChannelPosts(
    store::Store& store, const model::User& user, std::string_view channelId,
    const ChannelPostsQuery& query, const std::function<bool(std::int64_t)>& isCurrent);

Result<model::PostList> getPinnedPosts(store::Store& store, const model::User& user,
                                       std::string_view channelId);

// The posts around `userId`'s last viewed time in the channel: up to `limitBefore` read ones
// and `limitAfter` unread ones. Only for oneself (403 otherwise); 404
// app.channel.get_member.missing.app_error for a non-member.
Result<model::PostList> getPostsAroundLastUnread(store::Store& store, const model::User& user,
                                                 std::string_view userId,
                                                 std::string_view channelId, int limitBefore,
                                                 int limitAfter);

}  // namespace parley::core::services
