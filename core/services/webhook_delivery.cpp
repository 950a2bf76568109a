#include <functional>
#include <utility>
#include <vector>

#include "core/model/permissions.hpp"
#include "core/services/channel_service.hpp"
#include "core/services/permissions.hpp"
#include "core/services/post_lanes.hpp"
#include "core/services/post_service.hpp"
#include "core/services/webhook_service.hpp"

// POST /hooks/{id}: the part of incoming webhooks that writes posts, through the post service
// like every other origin of posts.

namespace parley::core::services {

namespace p = model::permission;

namespace {

// The hook's creator and the posts a call makes, checked, or why it makes none.
struct WebhookDelivery {
  model::User creator;
  std::vector<model::Post> posts;
};

Result<WebhookDelivery> prepareDelivery(store::Store& store, std::string_view hookId,
                                        const model::IncomingWebhookRequest& request,
                                        const WebhookSettings& settings) {
  if (!settings.enableIncoming) {
    return makeError(ErrorCode::kNotImplemented, "web.incoming_webhook.disabled.app_error",
                     "Incoming webhooks have been disabled by the system admin.");
  }
  auto hook = store.incomingWebhooks().get(hookId);
  if (!hook) {
    if (hook.error().code != ErrorCode::kNotFound) return std::move(hook).error();
    return makeError(ErrorCode::kInvalidArgument, "web.incoming_webhook.invalid.app_error",
                     "Invalid webhook.");
  }
  // The posts are checked before anything is looked up or written.
  auto drafts = buildWebhookPosts(request, *hook, settings);
  if (!drafts) return std::move(drafts).error();

  auto creator = store.users().getById(hook->userId);
  if (!creator || creator->deleteAt != 0) {
    return makeError(ErrorCode::kPermissionDenied, "web.incoming_webhook.user.app_error",
                     "Couldn't find the user.", "user=" + hook->userId);
  }

  std::string channelId = hook->channelId;
  const std::string_view target = request.channel;
  if (!target.empty() && target.front() == '@') {
    auto other = store.users().getByUsername(target.substr(1));
    if (!other) {
      if (other.error().code != ErrorCode::kNotFound) return std::move(other).error();
      return makeError(ErrorCode::kInvalidArgument, "web.incoming_webhook.user.app_error",
                       "Couldn't find the user.", "user=" + std::string(target.substr(1)));
    }
    if (hook->channelLocked) {
      return makeError(ErrorCode::kPermissionDenied,
                       "web.incoming_webhook.channel_locked.app_error",
                       "This webhook is not permitted to post to the requested channel.");
    }
    auto direct = getOrCreateDirectChannel(store, *creator, other->id);
    if (!direct) return std::move(direct).error();
    channelId = direct->id;
  } else if (!target.empty()) {
    const std::string_view name = target.front() == '#' ? target.substr(1) : target;
    auto channel = store.channels().getByName(hook->teamId, name);
    if (!channel) {
      if (channel.error().code != ErrorCode::kNotFound) return std::move(channel).error();
      return makeError(ErrorCode::kNotFound, "web.incoming_webhook.channel.app_error",
                       "Couldn't find the channel.", "channel=" + std::string(name));
    }
    channelId = channel->id;
  }
  if (hook->channelLocked && channelId != hook->channelId) {
    return makeError(ErrorCode::kPermissionDenied, "web.incoming_webhook.channel_locked.app_error",
                     "This webhook is not permitted to post to the requested channel.");
  }
  auto access = store.channels().access(creator->id, channelId);
  if (!access) return std::move(access).error();
  if (access->channel.type != model::kChannelOpen &&
      !hasChannelPermission(*creator, *access, p::kReadChannelContent)) {
    return makeError(ErrorCode::kPermissionDenied, "web.incoming_webhook.permissions.app_error",
                     "Inappropriate channel permissions.", "channel=" + channelId);
  }

  WebhookDelivery delivery{std::move(*creator), {}};
  for (auto& draft : *drafts) {
    model::Post& post = delivery.posts.emplace_back();
    post.channelId = channelId;
    post.message = std::move(draft.message);
    post.type = std::move(draft.type);
    post.props = std::move(draft.props);
  }
  return delivery;
}

}  // namespace

void executeIncomingWebhook(store::Store& store, PostLanes& lanes, std::string_view hookId,
                            const model::IncomingWebhookRequest& request,
                            const WebhookSettings& settings, std::function<void(Status)> done) {
  auto delivery = prepareDelivery(store, hookId, request, settings);
  if (!delivery) return done(std::move(delivery).error());
  lanes.createOnBehalf(store, std::move(delivery->creator), std::move(delivery->posts),
                       [done = std::move(done)](Result<std::vector<model::Post>> written) {
                         done(written ? Status() : std::move(written).error());
                       });
}

}  // namespace parley::core::services
