#pragma once
// Incoming webhooks (reference/mattermost-api.md §5.9): managing hooks (manage_incoming_webhooks
// in the channel's team; others' hooks need manage_others_incoming_webhooks), reading the
// request a script POSTs to /hooks/{id}, and turning it into posts through the post service,
// as Mattermost's app/webhook.go does. Functions taking a Store run inside a database job.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/incoming_webhook.hpp"
#include "core/model/user.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

class PostLanes;

// Mattermost's limits: the message of one post (runes), the props a webhook may send with
// each post (PostPropsMaxUserRunes), and the hook's own fields.
inline constexpr std::size_t kWebhookPostMaxRunes = 16383;
inline constexpr std::size_t kWebhookPropsMaxRunes = 400000;
inline constexpr std::size_t kHookDisplayNameMax = 64;
inline constexpr std::size_t kHookDescriptionMax = 500;
inline constexpr std::size_t kHookUsernameMax = 255;
inline constexpr std::size_t kHookIconUrlMax = 1024;
// The username a webhook post shows when overrides are on and nobody chose one.
inline constexpr std::string_view kDefaultWebhookUsername = "webhook";

struct WebhookSettings {
  bool enableIncoming = true;
  bool usernameOverride = false;
  bool iconOverride = false;
};

// 501 "api.incoming_webhook.disabled.app_error" (management) when hooks are off.
Error incomingWebhooksDisabled();

// The fields of IncomingWebhook JSON a client may set (create and update).
struct IncomingWebhookInput {
  std::string id;  // update only: must match the URL
  std::string channelId;
  std::string userId;  // create only: another user to own the hook (manage_others)
  std::string displayName;
  std::string description;
  std::string username;
  std::string iconUrl;
  bool channelLocked = false;
};

// Checks lengths and ids: 400 model.incoming_hook.{channel_id,display_name,description,
// username,icon_url}.app_error, api.incoming_webhook.invalid_username.app_error.
Status validateIncomingWebhookInput(const IncomingWebhookInput& input);

Result<model::IncomingWebhook> createIncomingWebhook(store::Store& store, const model::User& caller,
                                                     const IncomingWebhookInput& input,
                                                     const WebhookSettings& settings);
Result<model::IncomingWebhook> getIncomingWebhook(store::Store& store, const model::User& caller,
                                                  std::string_view hookId);
Result<model::IncomingWebhook> updateIncomingWebhook(store::Store& store, const model::User& caller,
                                                     std::string_view hookId,
                                                     const IncomingWebhookInput& input,
                                                     const WebhookSettings& settings);
Status deleteIncomingWebhook(store::Store& store, const model::User& caller,
                             std::string_view hookId);

struct IncomingWebhookPage {
  std::vector<model::IncomingWebhook> hooks;
  std::int64_t totalCount = 0;  // set when asked for
};
// A team's hooks (or, with teamId "", every team's: system permission needed); only the
// caller's own unless they may manage others'.
Result<IncomingWebhookPage> listIncomingWebhooks(store::Store& store, const model::User& caller,
                                                 std::string_view teamId, int page, int perPage,
                                                 bool withTotalCount);

// The JSON body of POST /hooks/{id}: 400 "model.incoming_hook.parse_data.app_error" when it is
// not an object or a field has the wrong type (Slack attachments and their fields included).
Result<model::IncomingWebhookRequest> parseIncomingWebhookRequest(std::string_view json);
// The same check for a request assembled from form fields.
Status validateIncomingWebhookRequest(const model::IncomingWebhookRequest& request);

// Slack markup Mattermost understands: <!channel>, <!here>, <!all> become @-mentions and
// <url|text> a Markdown link.
std::string processSlackText(std::string_view text);

// One post to create: the hook's posts differ only in message and attachments.
struct WebhookPostDraft {
  std::string message;
  std::string type;
  nlohmann::json props;
};

// The posts a request becomes (Mattermost's CreateWebhookPost and splitWebhookPost): text over
// kWebhookPostMaxRunes is split on character boundaries, the attachments go with the last
// post; props.from_webhook = "true", webhook_display_name, override_* when the settings allow.
// 400 web.incoming_webhook.text.app_error (no text and no attachments),
// api.context.invalid_param.app_error (type not custom_*; priority without a priority),
// web.incoming_webhook.split_props_length.app_error (props too large).
Result<std::vector<WebhookPostDraft>> buildWebhookPosts(
    const model::IncomingWebhookRequest& request, const model::IncomingWebhook& hook,
    const WebhookSettings& settings);

// POST /hooks/{id}, inside a database job: finds the hook and the channel (the hook's, or the
// request's channel name in the hook's team, or a direct channel with "@username"), checks that
// a locked hook stays in its channel (403 web.incoming_webhook.channel_locked.app_error) and that
// the creator may read a non-open channel (403 web.incoming_webhook.permissions.app_error), and
// creates the posts as the hook's creator, all or none, through the channel's lane (they may
// share a transaction with other posts queued there). `done` gets the outcome once they are
// written, perhaps after the job. 400 web.incoming_webhook.invalid.app_error for an unknown
// hook, 404 web.incoming_webhook.channel.app_error for an unknown channel name.
void executeIncomingWebhook(store::Store& store, PostLanes& lanes, std::string_view hookId,
                            const model::IncomingWebhookRequest& request,
                            const WebhookSettings& settings, std::function<void(Status)> done);

}  // namespace parley::core::services
