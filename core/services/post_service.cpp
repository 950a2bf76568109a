#include "core/services/post_service.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "core/model/id.hpp"
#include "core/model/permissions.hpp"
#include "core/services/access_policy.hpp"
#include "core/services/batch_reads.hpp"
#include "core/services/live_links.hpp"
#include "core/services/message_label.hpp"
#include "core/services/outbox_writer.hpp"
#include "core/services/permissions.hpp"

namespace parley::core::services {
namespace {

namespace p = model::permission;

Error badRequest(std::string id, std::string message, std::string detail = {}) {
  return makeError(ErrorCode::kInvalidArgument, std::move(id), std::move(message),
                   std::move(detail));
}

Error invalidPost(std::string_view field, std::string message) {
  return badRequest("model.post.is_valid." + std::string(field) + ".app_error", std::move(message));
}

Error postNotFound() {
  return makeError(ErrorCode::kNotFound, "app.post.get.app_error", "Unable to get the post.");
}

Error invalidUrlParam(std::string_view name) {
  return badRequest("api.context.invalid_url_param.app_error",
                    "Invalid or missing " + std::string(name) + " parameter in request URL.");
}

// Post.IsValid's content rules that a client can break (model/post.go).
Status validateContent(const model::Post& post) {
  if (model::runeCount(post.message) > model::kPostMessageMaxRunes) {
    return invalidPost("message_length", "Invalid Message property length.");
  }
  if (!post.props.is_object()) return invalidPost("props", "Invalid Props.");
  if (model::runeCount(post.props.dump()) > model::kPostPropsMaxRunes) {
    return invalidPost("props", "Invalid Props.");
  }
  if (post.fileIds.size() > model::kPostMaxFileIds ||
      model::runeCount(nlohmann::json(post.fileIds).dump()) > model::kPostFileIdsMaxRunes) {
    return invalidPost("file_ids", "Invalid FileIds.");
  }
  return {};
}

std::vector<std::string> withoutDuplicates(const std::vector<std::string>& ids) {
  std::vector<std::string> unique;
  std::unordered_set<std::string> seen;
  for (const auto& id : ids) {
    if (seen.insert(id).second) unique.push_back(id);
  }
  return unique;
}

// The reply's root must be a live root post of the same channel (app/post.go CreatePost).
// `reads` keeps the root for the batch's other replies to it.
Status checkRoot(store::Store& store, const model::Post& draft, BatchReads& reads) {
  if (draft.rootId.empty()) return {};
  if (!model::isValidId(draft.rootId)) return invalidPost("root_id", "Invalid root ID.");
  auto root = reads.post(store, draft.rootId);
  if (!root && root.error().code != ErrorCode::kNotFound) return std::move(root).error();
  if (!root || (*root)->isDeleted() || !(*root)->isRoot()) {
    return badRequest("api.post.create_post.root_id.app_error", "Invalid RootId parameter.");
  }
  if ((*root)->channelId != draft.channelId) {
    return badRequest("api.post.create_post.channel_root_id.app_error",
                      "Invalid ChannelId for RootId parameter.");
  }
  return {};
}

// Loads the reactions and the files of the posts that have any (metadata.reactions,
// metadata.files): at most one query each, whatever the number of posts.
Status fillMetadata(store::Store& store, const std::vector<model::Post*>& posts) {
  std::vector<std::string> withReactions;
  std::vector<std::string> withFiles;
  for (const model::Post* post : posts) {
    if (post->hasReactions) withReactions.push_back(post->id);
    if (!post->fileIds.empty()) withFiles.push_back(post->id);
  }
  if (!withReactions.empty()) {
    auto reactions = store.reactions().forPosts(withReactions);
    if (!reactions) return std::move(reactions).error();
    std::unordered_map<std::string, std::vector<model::Reaction>> byPost;
    for (auto& reaction : *reactions) byPost[reaction.postId].push_back(std::move(reaction));
    for (model::Post* post : posts) {
      if (auto it = byPost.find(post->id); it != byPost.end()) {
        post->reactions = std::move(it->second);
      }
    }
  }
  if (!withFiles.empty()) {
    auto files = store.files().listOfPosts(withFiles);
    if (!files) return std::move(files).error();
    for (model::Post* post : posts) {
      if (auto it = files->find(post->id); it != files->end()) post->files = std::move(it->second);
    }
  }
  return {};
}

Status fillMetadata(store::Store& store, std::vector<model::Post>& posts) {
  std::vector<model::Post*> pointers;
  for (auto& post : posts) pointers.push_back(&post);
  return fillMetadata(store, pointers);
}

// read_channel, then the policy's channel.read.
Result<model::ChannelAccess> requireReadableChannel(store::Store& store, const model::User& user,
                                                    std::string_view channelId) {
  auto access = requirePolicedChannelPermission(store, user, channelId, p::kReadChannel);
  if (!access) return std::move(access).error();
  if (auto allowed = enforceChannelPolicy(store, kActionChannelRead, user, *access); !allowed) {
    return std::move(allowed).error();
  }
  return std::move(access->access);
}

// A post the caller may see: live (or deleted and `includeDeleted` for a system admin), in a
// channel they can read.
Result<model::Post> loadReadablePost(store::Store& store, const model::User& user,
                                     std::string_view postId, bool includeDeleted = false) {
  if (!model::isValidId(postId)) return invalidUrlParam("post_id");
  auto post = store.posts().get(postId);
  if (!post) return post;
  if (post->isDeleted() && !(includeDeleted && user.isSystemAdmin())) return postNotFound();
  auto access = requireReadableChannel(store, user, post->channelId);
  if (!access) return std::move(access).error();
  return post;
}

// Adds the roots of the replies in `list` that are not in it yet.
Status addThreadRoots(store::Store& store, model::PostList& list) {
  std::vector<std::string> missing;
  for (const auto& [id, post] : list.posts) {
    if (!post.isRoot() && !list.posts.contains(post.rootId)) missing.push_back(post.rootId);
  }
  missing = withoutDuplicates(missing);
  if (missing.empty()) return {};
  auto roots = store.posts().getMany(missing);
  if (!roots) return std::move(roots).error();
  for (auto& root : *roots) {
    if (!root.isDeleted()) list.add(std::move(root));
  }
  return {};
}

void appendToList(model::PostList& list, std::vector<model::Post>& posts) {
  for (auto& post : posts) {
    list.order.push_back(post.id);
    list.add(std::move(post));
  }
}

// next_post_id / prev_post_id: the posts just newer than the newest and just older than the
// oldest post of the page (app AddCursorIdsForPostList).
Status addCursors(store::Store& store, std::string_view channelId, model::PostList& list,
                  bool setNext, bool setPrev) {
  if (list.order.empty()) return {};
  if (setNext) {
    auto next = store.posts().nextPostId(channelId, list.posts.at(list.order.front()).createAt);
    if (!next) return std::move(next).error();
    list.nextPostId = std::move(*next);
  }
  if (setPrev) {
    auto prev = store.posts().prevPostId(channelId, list.posts.at(list.order.back()).createAt);
    if (!prev) return std::move(prev).error();
    list.prevPostId = std::move(*prev);
  }
  return {};
}

// The author's access to the channel of a post made on their behalf (no permission check, no
// policy decision).
Result<PolicedAccess> accessOfPoster(store::Store& store, const model::User& author,
                                     const std::string& channelId, BatchReads* reads) {
  if (reads == nullptr) {
    auto access = loadChannelAccess(store, author, channelId);
    if (!access) return std::move(access).error();
    return PolicedAccess{std::move(*access), std::nullopt};
  }
  auto access = reads->access(store, author.id, channelId);
  if (!access) return std::move(access).error();
  return PolicedAccess{**access, std::nullopt};
}

Result<model::Post> requireEditable(store::Store& store, const model::User& user,
                                    std::string_view postId, std::string_view ownPermission,
                                    std::string_view othersPermission) {
  if (!model::isValidId(postId)) return invalidUrlParam("post_id");
  auto post = store.posts().get(postId);
  if (!post) return post;
  auto access = requireReadableChannel(store, user, post->channelId);
  if (!access) return std::move(access).error();
  const std::string_view needed = post->userId == user.id ? ownPermission : othersPermission;
  if (!hasChannelPermission(user, *access, needed)) return permissionDenied(needed);
  return post;
}

}  // namespace

std::set<std::string> liveLinksFor(const LiveLinks& liveLinks, const model::Post& draft,
                                   const CreatePostOptions& options) {
  std::set<std::string> ids;
  if (options.origin || !options.checkChannelPermission || !draft.rootId.empty() ||
      !draft.fileIds.empty()) {
    return ids;
  }
  for (const auto& link : liveLinks.of(draft.channelId)) ids.insert(link.id);
  return ids;
}

Status loadPostMetadata(store::Store& store, model::PostList& list) {
  std::vector<model::Post*> pointers;
  for (auto& [id, post] : list.posts) pointers.push_back(&post);
  return fillMetadata(store, pointers);
}

Result<model::Post> createPost(store::Store& store, const model::User& author, model::Post draft,
                               const CreatePostOptions& options) {
  // A post written alone (a batch's posts are decided by their caller, PostLanes).
  const auto live = options.liveLinks != nullptr && options.reads == nullptr
                        ? liveLinksFor(*options.liveLinks, draft, options)
                        : std::set<std::string>{};
  if (!live.empty()) {
    // One transaction from the post's reads to its COMMIT: the audit chain's lock and head, and
    // the rows' numbers, travel with the reads, so that the decisions cost no round trip of
    // their own.
    BatchReads reads;
    reads.keepUser(author);
    CreatePostOptions inner = options;
    inner.liveLinks = nullptr;
    inner.reads = &reads;
    inner.decideLive = &live;
    inner.denialRecord = DenialRecord::kAfterRollback;  // written as without the crossing below
    Result<model::Post> created = model::Post{};
    const Status committed = store.transaction([&](store::Store& tx) -> Status {
      tx.audit().lockChainAhead(static_cast<int>(live.size()));
      tx.bridges().outboxIdsAhead(static_cast<int>(live.size()));
      created = createPost(tx, author, draft, inner);
      return created ? Status{} : created.error();
    });
    if (committed) return created;
    // The COMMIT itself failed: the post may or may not be written, so it is not written again.
    if (created) return committed.error();
    // Refused, or anything else before the COMMIT: written (or refused, with its audit record)
    // as without the live crossing, which then decides the answer.
    CreatePostOptions plain = options;
    plain.liveLinks = nullptr;
    return createPost(store, author, std::move(draft), plain);
  }
  if (!model::isValidId(draft.channelId)) {
    return invalidPost("channel_id", "Invalid channel ID.");
  }
  if (!options.allowSystemType && draft.type.starts_with("system_")) {
    return badRequest("api.context.invalid_param.app_error", "Invalid post.type parameter.");
  }
  if (!model::isValidPostType(draft.type)) return invalidPost("type", "Invalid type.");
  if (draft.pendingPostId.size() > model::kPendingPostIdMaxLength) {
    return badRequest("api.context.invalid_body_param.app_error",
                      "Invalid or missing pending_post_id in request body.");
  }
  draft.fileIds = withoutDuplicates(draft.fileIds);
  // Read under the bundle in force now, then fixed: an edit cannot change it.
  if (auto labelled = canonicalizePostLabel(bundleInForce(store).get(), draft.props); !labelled) {
    return std::move(labelled).error();
  }
  if (auto valid = validateContent(draft); !valid) return std::move(valid).error();
  const std::string label = postLabelOf(draft.props).value().value_or("");

  // The author's own post: with what the policy decides on (one round trip for both; in a
  // batch, one per author).
  auto policed = [&]() -> Result<PolicedAccess> {
    if (!options.checkChannelPermission) {
      return accessOfPoster(store, author, draft.channelId, options.reads);
    }
    if (options.reads != nullptr) {
      return requirePolicedChannelPermission(store, *options.reads, author, draft.channelId,
                                             p::kCreatePost);
    }
    return requirePolicedChannelPermission(store, author, draft.channelId, p::kCreatePost,
                                           store::WithLinks::kYes);
  }();
  if (!policed) return std::move(policed).error();
  const model::ChannelAccess* access = &policed->access;
  if (access->channel.isArchived()) {
    return badRequest("api.post.create_post.can_not_post_to_deleted.error",
                      "Can not post to deleted channel.");
  }
  // Posts the server writes for the user (system messages, webhooks) are not the user's act.
  if (options.checkChannelPermission) {
    if (auto allowed = enforceChannelPolicy(store, kActionMessagePost, author, *policed, nullptr,
                                            label, options.denialRecord);
        !allowed) {
      return std::move(allowed).error();
    }
    // A labelled post publishes its files under its label: file.upload is decided again with
    // it (the upload itself came before the label was known). Files that are not the author's
    // unattached uploads are dropped when attaching, as without a label.
    if (!label.empty()) {
      for (const auto& fileId : draft.fileIds) {
        auto file = store.files().get(fileId);
        if (!file || file->creatorId != author.id || !file->postId.empty() ||
            file->channelId != draft.channelId) {
          continue;
        }
        if (auto allowed = enforceChannelPolicy(store, kActionFileUpload, author, *policed, &*file,
                                                label, options.denialRecord);
            !allowed) {
          return std::move(allowed).error();
        }
      }
    }
  }
  // The batch's reads (or this post's own): the root, then the channel's links.
  BatchReads ownReads;
  BatchReads& reads = options.reads != nullptr ? *options.reads : ownReads;
  if (auto root = checkRoot(store, draft, reads); !root) return std::move(root).error();

  const std::int64_t now = store.clock().nowMillis();
  draft.id = model::newId();
  draft.userId = author.id;
  if (draft.createAt == 0 || !author.isSystemAdmin()) draft.createAt = now;
  if (options.afterLastPost) {
    draft.createAt = std::max(draft.createAt, access->channel.lastPostAt + 1);
  }
  draft.updateAt = draft.createAt;
  draft.editAt = 0;
  draft.deleteAt = 0;
  draft.originalId.clear();
  draft.hasReactions = false;
  draft.replyCount = 0;
  draft.lastReplyAt = 0;
  draft.hashtags = model::parseHashtags(draft.message);

  const auto mentions = model::parseMentions(draft.message);
  const bool everyone =
      mentions.channelWide && hasChannelPermission(author, *access, p::kUseChannelMentions);

  // The channel's links are read before the transaction, which then goes to the server in one
  // pipeline with its COMMIT (its writes are deferred): the channel's row, which the post's
  // insert locks, is held for no round trip while other posts to the channel wait for it.
  if (policed->policyInputs)
    reads.keepLinks(draft.channelId, std::move(policed->policyInputs->links));
  if (auto links = reads.links(store, draft.channelId); !links) return std::move(links).error();

  std::vector<std::string> mentioned;
  Status written = store.transaction([&](store::Store& tx) -> Status {
    if (auto created = tx.posts().create(draft, now); !created) return created;
    if (!draft.fileIds.empty()) {
      // Only the author's unattached uploads to this channel become the post's; the others
      // are dropped from file_ids, as Mattermost's attachFilesToPost does.
      auto attached = tx.files().attachToPost(draft.fileIds, draft.id, draft.channelId, author.id);
      if (!attached) return std::move(attached).error();
      if (*attached != draft.fileIds) {
        draft.fileIds = std::move(*attached);
        if (auto set = tx.posts().setFileIds(draft.id, draft.fileIds); !set) return set;
      }
    }
    auto counted = tx.posts().addMentions(draft.channelId, author.id, mentions.usernames, everyone,
                                          draft.isRoot());
    if (!counted) return std::move(counted).error();
    mentioned = std::move(*counted);
    if (options.decideLive != nullptr) reads.keepPost(draft);  // the message the guard decides on
    return enqueueOutbound(tx, draft, model::MessageChange::kPost, options.origin, nullptr, &reads,
                           options.decideLive);
  });
  if (!written) return std::move(written).error();
  if (options.reads != nullptr) options.reads->posted(draft.channelId, draft.createAt);
  std::vector<model::Post> one{std::move(draft)};
  if (auto filled = fillMetadata(store, one); !filled) return std::move(filled).error();
  // Committed already, or part of the caller's transaction (webhooks): then it waits for that.
  store.afterCommit(events::PostCreated{one.front(), access->channel, author.username,
                                        options.setOnline, std::move(mentioned)});
  return std::move(one.front());
}

Result<model::Post> getPost(store::Store& store, const model::User& user, std::string_view postId,
                            bool includeDeleted) {
  auto post = loadReadablePost(store, user, postId, includeDeleted);
  if (!post) return post;
  std::vector<model::Post> one{std::move(*post)};
  if (auto filled = fillMetadata(store, one); !filled) return std::move(filled).error();
  return std::move(one.front());
}

Result<std::vector<model::Post>> getPostsByIds(store::Store& store, const model::User& user,
                                               const std::vector<std::string>& ids) {
  if (ids.empty() || ids.size() > kMaxPostIds) {
    return badRequest("api.post.posts_by_ids.invalid_body.request_error",
                      "The number of post ids is out of range.");
  }
  for (const auto& id : ids) {
    if (!model::isValidId(id)) {
      return badRequest("api.context.invalid_body_param.app_error",
                        "Invalid or missing post_ids in request body.");
    }
  }
  auto posts = store.posts().getMany(withoutDuplicates(ids));
  if (!posts) return posts;
  std::unordered_map<std::string, bool> readable;
  std::vector<model::Post> visible;
  for (auto& post : *posts) {
    if (post.isDeleted()) continue;
    auto known = readable.find(post.channelId);
    if (known == readable.end()) {
      auto access = loadChannelAccess(store, user, post.channelId);
      if (!access && access.error().code != ErrorCode::kNotFound) return std::move(access).error();
      known = readable.emplace(post.channelId, access && canReadChannel(user, *access)).first;
    }
    if (known->second) visible.push_back(std::move(post));
  }
  if (auto filled = fillMetadata(store, visible); !filled) return std::move(filled).error();
  return visible;
}

Result<model::Post> patchPost(store::Store& store, const model::User& user, std::string_view postId,
                              const PostPatch& patch,
                              const std::optional<model::RemoteOrigin>& origin) {
  auto post = requireEditable(store, user, postId, p::kEditPost, p::kEditOthersPosts);
  if (!post) return post;
  if (post->isDeleted()) {
    return badRequest("api.post.update_post.permissions_details.app_error",
                      "Already deleted post.");
  }
  if (post->type.starts_with("system_")) {
    return badRequest("api.post.update_post.system_message.app_error",
                      "Unable to update system message.");
  }
  model::Post updated = *post;
  if (patch.message) updated.message = *patch.message;
  if (patch.isPinned) updated.isPinned = *patch.isPinned;
  if (patch.props) {
    updated.props = *patch.props;
    if (auto kept = keepPostLabel(bundleInForce(store).get(), post->props, updated.props); !kept) {
      return std::move(kept).error();
    }
  }
  if (patch.fileIds) {
    // Only files already attached to this post may stay: a patch cannot take over uploads.
    std::vector<std::string> kept;
    for (const auto& id : withoutDuplicates(*patch.fileIds)) {
      if (std::find(post->fileIds.begin(), post->fileIds.end(), id) != post->fileIds.end()) {
        kept.push_back(id);
      }
    }
    updated.fileIds = std::move(kept);
  }
  if (auto valid = validateContent(updated); !valid) return std::move(valid).error();
  updated.hashtags = model::parseHashtags(updated.message);
  const std::int64_t now = store.clock().nowMillis();
  // As Mattermost's UpdatePost: edit_at marks a changed message, not a pin or a props change.
  if (updated.message != post->message) updated.editAt = now;
  updated.updateAt = now;
  // A pin or a props change stays local; what a peer shows (text, files) goes out.
  const bool visibleChange = updated.message != post->message || updated.fileIds != post->fileIds;
  Status written = store.transaction([&](store::Store& tx) -> Status {
    if (auto saved = tx.posts().update(updated); !saved) return saved;
    if (!visibleChange) return {};
    return enqueueOutbound(tx, updated, model::MessageChange::kEdit, origin);
  });
  if (!written) return std::move(written).error();
  std::vector<model::Post> one{std::move(updated)};
  if (auto filled = fillMetadata(store, one); !filled) return std::move(filled).error();
  store.afterCommit(events::PostEdited{one.front()});
  return std::move(one.front());
}

Status setPinned(store::Store& store, const model::User& user, std::string_view postId,
                 bool pinned) {
  auto post = loadReadablePost(store, user, postId);
  if (!post) return std::move(post).error();
  if (post->isPinned == pinned) return {};
  post->isPinned = pinned;
  post->updateAt = store.clock().nowMillis();
  if (auto written = store.posts().update(*post); !written) return written;
  std::vector<model::Post> one{std::move(*post)};
  if (auto filled = fillMetadata(store, one); !filled) return filled;
  store.afterCommit(events::PostEdited{std::move(one.front())});
  return {};
}

Status deletePost(store::Store& store, const model::User& user, std::string_view postId,
                  const std::optional<model::RemoteOrigin>& origin) {
  auto post = requireEditable(store, user, postId, p::kDeletePost, p::kDeleteOthersPosts);
  if (!post) return std::move(post).error();
  if (post->isDeleted()) return postNotFound();
  const std::int64_t now = store.clock().nowMillis();
  return store.transaction([&](store::Store& tx) -> Status {
    if (auto deleted = tx.posts().softDelete(post->id, user.id, now); !deleted) return deleted;
    auto files = tx.files().deleteForPost(post->id, now);
    if (!files) return std::move(files).error();
    model::Post deleted = *post;
    deleted.deleteAt = now;
    deleted.updateAt = now;
    if (auto queued = enqueueOutbound(tx, deleted, model::MessageChange::kDelete, origin);
        !queued) {
      return queued;
    }
    tx.afterCommit(events::PostDeleted{std::move(deleted), user.id});
    return {};
  });
}

Result<std::vector<model::FileInfo>> getPostFiles(store::Store& store, const model::User& user,
                                                  std::string_view postId, bool includeDeleted) {
  auto post = loadReadablePost(store, user, postId, includeDeleted);
  if (!post) return std::move(post).error();
  std::vector<model::FileInfo> files;
  if (post->fileIds.empty()) return files;
  auto byPost = store.files().listOfPosts({post->id});
  if (!byPost) return std::move(byPost).error();
  if (auto it = byPost->find(post->id); it != byPost->end()) files = std::move(it->second);
  return files;
}

Result<model::PostList> getThread(store::Store& store, const model::User& user,
                                  std::string_view postId, const ThreadOptions& options) {
  auto post = loadReadablePost(store, user, postId);
  if (!post) return std::move(post).error();
  model::Post root;
  if (post->isRoot()) {
    root = std::move(*post);
  } else {
    auto found = store.posts().get(post->rootId);
    if (!found) return std::move(found).error();
    root = std::move(*found);
  }
  auto replies = store.posts().replies(root.id);
  if (!replies) return std::move(replies).error();

  model::PostList list;
  list.hasNext = false;
  std::vector<model::Post> page;
  if (options.perPage <= 0) {
    page = std::move(*replies);
  } else {
    // The cursor: replies strictly after (down) or before (up) fromCreateAt, ties broken by id.
    std::vector<model::Post> candidates;
    for (auto& reply : *replies) {
      const bool hasCursor = options.fromCreateAt != 0 || !options.fromPost.empty();
      if (hasCursor) {
        const auto key = std::pair(reply.createAt, reply.id);
        const auto cursor = std::pair(options.fromCreateAt, options.fromPost);
        if (options.up ? !(key < cursor) : !(cursor < key)) continue;
      }
      candidates.push_back(std::move(reply));
    }
    if (options.up) std::reverse(candidates.begin(), candidates.end());
    const auto count = std::min<std::size_t>(candidates.size(), options.perPage);
    list.hasNext = candidates.size() > count;
    page.assign(std::make_move_iterator(candidates.begin()),
                std::make_move_iterator(candidates.begin() + static_cast<std::ptrdiff_t>(count)));
  }
  page.push_back(std::move(root));
  std::sort(page.begin(), page.end(), [](const model::Post& a, const model::Post& b) {
    return std::pair(a.createAt, a.id) > std::pair(b.createAt, b.id);
  });
  appendToList(list, page);
  if (auto filled = loadPostMetadata(store, list); !filled) return std::move(filled).error();
  return list;
}

// The page `query` asks for, to a caller whose read access was checked.
Result<model::PostList> readChannelPosts(store::Store& store, const model::User& user,
                                         std::string_view channelId,
                                         const ChannelPostsQuery& query) {
  // Deep pages stop at a bound instead of overflowing the offset.
  const int offset = std::min(query.page, kMaxPage) * query.perPage;
  model::PostList list;
  auto& posts = store.posts();

  Result<std::vector<model::Post>> page = std::vector<model::Post>{};
  bool setNext = true;
  bool setPrev = true;
  std::optional<std::string> prevFromPage;
  if (query.since > 0) {
    page = posts.since(channelId, query.since, kSincePostsLimit);
    setNext = setPrev = false;
  } else if (!query.after.empty() || !query.before.empty()) {
    const std::string& cursorId = query.after.empty() ? query.before : query.after;
    if (!model::isValidId(cursorId))
      return invalidUrlParam(query.after.empty() ? "before" : "after");
    auto cursor = posts.get(cursorId);
    if (!cursor) return std::move(cursor).error();
    if (cursor->channelId != channelId) return postNotFound();
    if (!query.after.empty()) {
      page = posts.after(channelId, cursor->createAt, offset, query.perPage);
      if (page) std::reverse(page->begin(), page->end());
      // On the first page the cursor post itself is the previous one.
      if (query.page == 0) {
        list.prevPostId = query.after;
        setPrev = false;
      }
    } else {
      page = posts.before(channelId, cursor->createAt, offset, query.perPage);
      if (query.page == 0) {
        list.nextPostId = query.before;
        setNext = false;
      }
    }
  } else {
    const bool includeDeleted = query.includeDeleted && user.isSystemAdmin();
    // Nothing is newer than the first page. Without deleted posts in it, one more row than the
    // page holds is the previous post: no second query for it.
    setNext = offset > 0;
    page =
        posts.newest(channelId, offset, query.perPage + (includeDeleted ? 0 : 1), includeDeleted);
    if (page && !includeDeleted) {
      setPrev = false;
      prevFromPage.emplace();
      if (static_cast<int>(page->size()) > query.perPage) {
        *prevFromPage = page->back().id;
        page->pop_back();
      }
    }
  }
  if (!page) return std::move(page).error();
  appendToList(list, *page);
  if (prevFromPage) list.prevPostId = std::move(*prevFromPage);
  if (auto cursors = addCursors(store, channelId, list, setNext, setPrev); !cursors) {
    return std::move(cursors).error();
  }
  if (!query.skipFetchThreads) {
    if (auto roots = addThreadRoots(store, list); !roots) return std::move(roots).error();
  }
  if (auto filled = loadPostMetadata(store, list); !filled) return std::move(filled).error();
  return list;
}

Result<model::PostList> getChannelPosts(store::Store& store, const model::User& user,
                                        std::string_view channelId,
                                        const ChannelPostsQuery& query) {
  if (!model::isValidId(channelId)) return invalidUrlParam("channel_id");
  auto access = requireReadableChannel(store, user, channelId);
  if (!access) return std::move(access).error();
  return readChannelPosts(store, user, channelId, query);
}

Result<NewestChannelPosts> getNewestChannelPosts(
    store::Store& store, const model::User& user, std::string_view channelId,
    const ChannelPostsQuery& query, const std::function<bool(std::int64_t)>& isCurrent) {
  if (!model::isValidId(channelId)) return invalidUrlParam("channel_id");
  auto access = requireReadableChannel(store, user, channelId);
  if (!access) return std::move(access).error();
  auto last = store.posts().lastUpdateAt(channelId);
  if (!last) return std::move(last).error();
  NewestChannelPosts newest{*last, std::nullopt};
  if (isCurrent(*last)) return newest;
  auto page = readChannelPosts(store, user, channelId, query);
  if (!page) return std::move(page).error();
  newest.posts = std::move(*page);
  return newest;
}

Result<model::PostList> getPinnedPosts(store::Store& store, const model::User& user,
                                       std::string_view channelId) {
  if (!model::isValidId(channelId)) return invalidUrlParam("channel_id");
  auto access = requireReadableChannel(store, user, channelId);
  if (!access) return std::move(access).error();
  auto pinned = store.posts().pinned(channelId);
  if (!pinned) return std::move(pinned).error();
  model::PostList list;
  appendToList(list, *pinned);
  if (auto filled = loadPostMetadata(store, list); !filled) return std::move(filled).error();
  return list;
}

Result<model::PostList> getPostsAroundLastUnread(store::Store& store, const model::User& user,
                                                 std::string_view userId,
                                                 std::string_view channelId, int limitBefore,
                                                 int limitAfter) {
  if (!model::isValidId(userId)) return invalidUrlParam("user_id");
  if (!model::isValidId(channelId)) return invalidUrlParam("channel_id");
  if (userId != user.id) return permissionDenied(p::kEditOtherUsers);
  auto access = requireReadableChannel(store, user, channelId);
  if (!access) return std::move(access).error();
  if (!access->member) {
    return makeError(ErrorCode::kNotFound, "app.channel.get_member.missing.app_error",
                     "No channel member found for that user ID and channel ID.");
  }
  const std::int64_t lastViewed = access->member->lastViewedAt;
  auto read = store.posts().before(channelId, lastViewed + 1, 0, limitBefore);
  if (!read) return std::move(read).error();
  auto unread = store.posts().after(channelId, lastViewed, 0, limitAfter + 1);
  if (!unread) return std::move(unread).error();

  model::PostList list;
  list.hasNext = static_cast<int>(unread->size()) > limitAfter;
  if (*list.hasNext) unread->pop_back();
  std::reverse(unread->begin(), unread->end());
  appendToList(list, *unread);
  appendToList(list, *read);
  if (auto cursors = addCursors(store, channelId, list, true, true); !cursors) {
    return std::move(cursors).error();
  }
  if (auto roots = addThreadRoots(store, list); !roots) return std::move(roots).error();
  if (auto filled = loadPostMetadata(store, list); !filled) return std::move(filled).error();
  return list;
}

}  // namespace parley::core::services
