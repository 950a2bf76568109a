#include "core/services/reaction_service.hpp"

#include "core/model/id.hpp"
#include "core/model/permissions.hpp"
#include "core/services/outbox_writer.hpp"
#include "core/services/permissions.hpp"
#include "core/services/post_service.hpp"

namespace parley::core::services {
namespace {

namespace p = model::permission;

Error badRequest(std::string id, std::string message) {
  return makeError(ErrorCode::kInvalidArgument, std::move(id), std::move(message));
}

Error invalidUrlParam(std::string_view name) {
  return badRequest("api.context.invalid_url_param.app_error",
                    "Invalid or missing " + std::string(name) + " parameter in request URL.");
}

struct PostInChannel {
  model::Post post;
  model::ChannelAccess access;
};

// The live post and the caller's access to its channel, which they must be able to read and
// hold `permission` in.
Result<PostInChannel> postWithPermission(store::Store& store, const model::User& user,
                                         std::string_view postId, std::string_view permission) {
  auto post = store.posts().get(postId);
  if (!post) return std::move(post).error();
  if (post->isDeleted()) {
    return makeError(ErrorCode::kNotFound, "app.post.get.app_error", "Unable to get the post.");
  }
  auto access = requireChannelPermission(store, user, post->channelId, permission);
  if (!access) return std::move(access).error();
  return PostInChannel{std::move(*post), std::move(*access)};
}

}  // namespace

Result<model::Reaction> addReaction(store::Store& store, const model::User& user,
                                    model::Reaction reaction,
                                    const std::optional<model::RemoteOrigin>& origin) {
  if (!model::isValidId(reaction.userId) || !model::isValidId(reaction.postId) ||
      reaction.emojiName.empty() || reaction.emojiName.size() > model::kEmojiNameMaxLength) {
    return badRequest("api.reaction.save_reaction.invalid.app_error", "Reaction is not valid.");
  }
  if (reaction.userId != user.id) {
    return makeError(ErrorCode::kPermissionDenied, "api.reaction.save_reaction.user_id.app_error",
                     "You cannot save reaction for the other user.");
  }
  if (!model::isValidEmojiName(reaction.emojiName)) {
    return badRequest("model.reaction.is_valid.emoji_name.app_error", "Invalid emoji name.");
  }
  auto target = postWithPermission(store, user, reaction.postId, p::kAddReaction);
  if (!target) return std::move(target).error();
  if (target->access.channel.isArchived()) {
    return makeError(ErrorCode::kPermissionDenied, "api.reaction.save.archived_channel.app_error",
                     "You cannot react to posts in an archived channel.");
  }
  reaction.channelId = target->post.channelId;
  if (reaction.createAt <= 0) reaction.createAt = store.clock().nowMillis();
  reaction.updateAt = reaction.createAt;
  reaction.deleteAt = 0;
  reaction.remoteId.clear();
  Result<model::Reaction> saved = reaction;
  Status written = store.transaction([&](store::Store& tx) -> Status {
    saved = tx.reactions().save(reaction);
    if (!saved) return saved.error();
    return enqueueOutbound(tx, target->post, model::MessageChange::kReaction, origin, &*saved);
  });
  if (!written) return std::move(written).error();
  store.afterCommit(events::ReactionAdded{*saved});
  return saved;
}

Status removeReaction(store::Store& store, const model::User& user, std::string_view userId,
                      std::string_view postId, std::string_view emojiName,
                      const std::optional<model::RemoteOrigin>& origin) {
  if (!model::isValidId(userId)) return invalidUrlParam("user_id");
  if (!model::isValidId(postId)) return invalidUrlParam("post_id");
  if (!model::isValidEmojiName(emojiName)) return invalidUrlParam("emoji_name");
  auto target = postWithPermission(store, user, postId, p::kRemoveReaction);
  if (!target) return std::move(target).error();
  if (userId != user.id && !hasChannelPermission(user, target->access, p::kRemoveOthersReactions)) {
    return permissionDenied(p::kRemoveOthersReactions);
  }
  if (target->access.channel.isArchived()) {
    return makeError(ErrorCode::kPermissionDenied, "api.reaction.delete.archived_channel.app_error",
                     "You cannot remove a reaction in an archived channel.");
  }
  const std::int64_t now = store.clock().nowMillis();
  model::Reaction reaction;
  reaction.userId = std::string(userId);
  reaction.postId = std::string(postId);
  reaction.emojiName = std::string(emojiName);
  reaction.channelId = target->post.channelId;
  reaction.updateAt = now;
  reaction.deleteAt = now;
  return store.transaction([&](store::Store& tx) -> Status {
    auto removed = tx.reactions().remove(userId, postId, emojiName, now);
    if (!removed) return std::move(removed).error();
    if (!*removed) return {};
    if (auto queued = enqueueOutbound(tx, target->post, model::MessageChange::kReactionDelete,
                                      origin, &reaction);
        !queued) {
      return queued;
    }
    tx.afterCommit(events::ReactionRemoved{std::move(reaction)});
    return {};
  });
}

Result<std::vector<model::Reaction>> reactionsOfPost(store::Store& store, const model::User& user,
                                                     std::string_view postId) {
  if (!model::isValidId(postId)) return invalidUrlParam("post_id");
  auto target = postWithPermission(store, user, postId, p::kReadChannel);
  if (!target) return std::move(target).error();
  return store.reactions().forPosts({std::string(postId)});
}

Result<std::map<std::string, std::vector<model::Reaction>>> reactionsOfPosts(
    store::Store& store, const model::User& user, const std::vector<std::string>& postIds) {
  auto posts = getPostsByIds(store, user, postIds);
  if (!posts) return std::move(posts).error();
  std::map<std::string, std::vector<model::Reaction>> byPost;
  for (auto& post : *posts) byPost[post.id] = std::move(post.reactions);
  return byPost;
}

}  // namespace parley::core::services
