#pragma once
// Incoming webhooks as Mattermost models them (reference/mattermost-api.md §5.9): the hook a
// user creates for a channel, and the request a script POSTs to /hooks/{id}.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace parley::core::model {

struct IncomingWebhook {
  std::string id;
  std::int64_t createAt = 0;
  std::int64_t updateAt = 0;
  std::int64_t deleteAt = 0;
  std::string userId;  // the creator; posts are made as this user
  std::string channelId;
  std::string teamId;
  std::string displayName;
  std::string description;
  std::string username;        // default override_username of its posts
  std::string iconUrl;         // default override_icon_url of its posts
  bool channelLocked = false;  // posts only to channelId, whatever the request says
};

// The body of POST /hooks/{id} (Mattermost's IncomingWebhookRequest), already shape-checked.
struct IncomingWebhookRequest {
  std::string text;
  std::string channel;  // a channel name ("town-square", "#town-square") or "@username"
  std::string username;
  std::string iconUrl;
  std::string iconEmoji;
  std::string type;            // "" or custom_*
  nlohmann::json attachments;  // null, or an array of Slack attachment objects
  nlohmann::json props = nlohmann::json::object();
  nlohmann::json priority;  // null or {priority, requested_ack}
};

}  // namespace parley::core::model
