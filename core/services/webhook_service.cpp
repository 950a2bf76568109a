#include "core/services/webhook_service.hpp"

#include "core/model/id.hpp"
#include "core/model/permissions.hpp"
#include "core/services/permissions.hpp"
#include "core/services/team_service.hpp"

namespace parley::core::services {
namespace {

namespace p = model::permission;
using nlohmann::json;

Error hookInvalid(std::string_view field) {
  return makeError(ErrorCode::kInvalidArgument,
                   "model.incoming_hook." + std::string(field) + ".app_error",
                   "Invalid " + std::string(field) + " of the incoming webhook.");
}

Error parseError(std::string detail) {
  return makeError(ErrorCode::kInvalidArgument, "model.incoming_hook.parse_data.app_error",
                   "Unable to parse incoming data.", std::move(detail));
}

Error invalidParam(std::string_view name, std::string detail = {}) {
  return makeError(ErrorCode::kInvalidArgument, "api.context.invalid_param.app_error",
                   "Invalid " + std::string(name) + " parameter.", std::move(detail));
}

std::size_t runeCount(std::string_view text) {
  std::size_t runes = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++runes;
  }
  return runes;
}

// The byte offset after the first `runes` characters of `text`.
std::size_t runeOffset(std::string_view text, std::size_t runes) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (seen == runes) return i;
      ++seen;
    }
  }
  return text.size();
}

// The caller's permission in the hook's team, from their membership in its channel's team.
bool teamAllows(const model::User& caller, const model::ChannelAccess& access,
                std::string_view permission) {
  return hasTeamPermission(caller, access.teamMember ? &*access.teamMember : nullptr, permission);
}

// Mattermost's checks for reading or changing an existing hook (api4/webhook.go): the team
// permission, read_channel_content for a non-open channel, and manage_others for others' hooks.
Result<model::ChannelAccess> requireHookAccess(store::Store& store, const model::User& caller,
                                               const model::IncomingWebhook& hook,
                                               std::string_view channelId) {
  auto access = store.channels().access(caller.id, channelId);
  if (!access) return access;
  if (!teamAllows(caller, *access, p::kManageIncomingWebhooks)) {
    return permissionDenied(p::kManageIncomingWebhooks);
  }
  if (hook.userId != caller.id && !teamAllows(caller, *access, p::kManageOthersIncomingWebhooks)) {
    return permissionDenied(p::kManageOthersIncomingWebhooks);
  }
  if (access->channel.type != model::kChannelOpen &&
      !hasChannelPermission(caller, *access, p::kReadChannelContent)) {
    return permissionDenied(p::kReadChannelContent);
  }
  return access;
}

bool isString(const json& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() || it->is_null() || it->is_string();
}

// Go decodes Slack attachments into typed structs: a field of the wrong type fails the whole
// request. The same shapes are required here.
Status validateAttachments(const json& attachments) {
  if (attachments.is_null()) return {};
  if (!attachments.is_array()) return parseError("attachments must be an array");
  for (const auto& attachment : attachments) {
    if (!attachment.is_object()) return parseError("an attachment must be an object");
    for (const char* key :
         {"id", "fallback", "color", "pretext", "author_name", "author_link", "author_icon",
          "title", "title_link", "text", "image_url", "thumb_url", "footer", "footer_icon"}) {
      if (std::string_view(key) == "id") {
        const auto it = attachment.find(key);
        if (it != attachment.end() && !it->is_null() && !it->is_number_integer()) {
          return parseError("attachment id must be a number");
        }
        continue;
      }
      if (!isString(attachment, key)) return parseError(std::string("attachment ") + key);
    }
    if (const auto ts = attachment.find("ts");
        ts != attachment.end() && !ts->is_null() && !ts->is_string() && !ts->is_number()) {
      return parseError("attachment ts must be a string or a number");
    }
    if (const auto fields = attachment.find("fields");
        fields != attachment.end() && !fields->is_null()) {
      if (!fields->is_array()) return parseError("attachment fields must be an array");
      for (const auto& field : *fields) {
        if (!field.is_object() || !isString(field, "title")) {
          return parseError("an attachment field must be an object with a string title");
        }
        if (const auto s = field.find("short");
            s != field.end() && !s->is_null() && !s->is_boolean()) {
          return parseError("attachment field short must be a boolean");
        }
      }
    }
    if (const auto actions = attachment.find("actions");
        actions != attachment.end() && !actions->is_null() && !actions->is_array()) {
      return parseError("attachment actions must be an array");
    }
  }
  return {};
}

// The Slack markup of an attachment's texts, as ProcessSlackAttachments does.
json processAttachments(const json& attachments) {
  json processed = attachments;
  for (auto& attachment : processed) {
    for (const char* key : {"pretext", "text", "title"}) {
      if (const auto it = attachment.find(key); it != attachment.end() && it->is_string()) {
        *it = processSlackText(it->get<std::string>());
      }
    }
    if (const auto fields = attachment.find("fields");
        fields != attachment.end() && fields->is_array()) {
      for (auto& field : *fields) {
        if (const auto value = field.find("value"); value != field.end() && value->is_string()) {
          *value = processSlackText(value->get<std::string>());
        }
      }
    }
  }
  return processed;
}

// <url|text> → [text](url), as Mattermost's linkWithTextRegex `<([^\n<|>]+)\|([^|\n>]+)>`.
std::string markdownLinks(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '<') {
      const auto close = text.find('>', i + 1);
      if (close != std::string_view::npos) {
        const auto inner = text.substr(i + 1, close - i - 1);
        const auto bar = inner.find('|');
        const bool urlOk = bar != std::string_view::npos && bar > 0 &&
                           inner.substr(0, bar).find_first_of("\n<|") == std::string_view::npos;
        const bool textOk = urlOk && bar + 1 < inner.size() &&
                            inner.substr(bar + 1).find_first_of("\n|<") == std::string_view::npos;
        if (textOk) {
          out += '[';
          out += inner.substr(bar + 1);
          out += "](";
          out += inner.substr(0, bar);
          out += ')';
          i = close + 1;
          continue;
        }
      }
    }
    out += text[i++];
  }
  return out;
}

}  // namespace

Error incomingWebhooksDisabled() {
  return makeError(ErrorCode::kNotImplemented, "api.incoming_webhook.disabled.app_error",
                   "Incoming webhooks have been disabled by the system admin.");
}

Status validateIncomingWebhookInput(const IncomingWebhookInput& input) {
  if (!model::isValidId(input.channelId)) return hookInvalid("channel_id");
  if (runeCount(input.displayName) > kHookDisplayNameMax) return hookInvalid("display_name");
  if (runeCount(input.description) > kHookDescriptionMax) return hookInvalid("description");
  if (runeCount(input.username) > kHookUsernameMax) return hookInvalid("username");
  if (runeCount(input.iconUrl) > kHookIconUrlMax) return hookInvalid("icon_url");
  if (!input.username.empty() && !model::isValidUsername(input.username)) {
    return makeError(ErrorCode::kInvalidArgument, "api.incoming_webhook.invalid_username.app_error",
                     "Invalid username.");
  }
  return {};
}

Result<model::IncomingWebhook> createIncomingWebhook(store::Store& store, const model::User& caller,
                                                     const IncomingWebhookInput& input,
                                                     const WebhookSettings& settings) {
  if (!settings.enableIncoming) return incomingWebhooksDisabled();
  IncomingWebhookInput checked = input;
  // Overrides that are off are not stored (CreateIncomingWebhookForChannel).
  if (!settings.usernameOverride) checked.username.clear();
  if (!settings.iconOverride) checked.iconUrl.clear();
  if (auto valid = validateIncomingWebhookInput(checked); !valid) return std::move(valid).error();

  auto access = store.channels().access(caller.id, checked.channelId);
  if (!access) return std::move(access).error();
  if (access->channel.teamId.empty() || !teamAllows(caller, *access, p::kManageIncomingWebhooks)) {
    return permissionDenied(p::kManageIncomingWebhooks);
  }
  if (access->channel.type != model::kChannelOpen &&
      !hasChannelPermission(caller, *access, p::kReadChannelContent)) {
    return permissionDenied(p::kReadChannelContent);
  }
  std::string owner = caller.id;
  if (!checked.userId.empty() && checked.userId != caller.id) {
    if (!teamAllows(caller, *access, p::kManageOthersIncomingWebhooks)) {
      return permissionDenied(p::kManageOthersIncomingWebhooks);
    }
    if (!model::isValidId(checked.userId)) return hookInvalid("user_id");
    auto other = store.users().getById(checked.userId);
    if (!other) return std::move(other).error();
    owner = other->id;
  }

  model::IncomingWebhook hook;
  hook.id = model::newId();
  hook.createAt = hook.updateAt = store.clock().nowMillis();
  hook.userId = owner;
  hook.channelId = access->channel.id;
  hook.teamId = access->channel.teamId;
  hook.displayName = checked.displayName;
  hook.description = checked.description;
  hook.username = checked.username;
  hook.iconUrl = checked.iconUrl;
  hook.channelLocked = checked.channelLocked;
  if (auto created = store.incomingWebhooks().create(hook); !created) {
    return std::move(created).error();
  }
  return hook;
}

Result<model::IncomingWebhook> getIncomingWebhook(store::Store& store, const model::User& caller,
                                                  std::string_view hookId) {
  auto hook = store.incomingWebhooks().get(hookId);
  if (!hook) return hook;
  if (auto access = requireHookAccess(store, caller, *hook, hook->channelId); !access) {
    return std::move(access).error();
  }
  return hook;
}

Result<model::IncomingWebhook> updateIncomingWebhook(store::Store& store, const model::User& caller,
                                                     std::string_view hookId,
                                                     const IncomingWebhookInput& input,
                                                     const WebhookSettings& settings) {
  if (!settings.enableIncoming) return incomingWebhooksDisabled();
  if (input.id != hookId) {
    return invalidBodyParam("hook_id");
  }
  auto old = store.incomingWebhooks().get(hookId);
  if (!old) return old;
  IncomingWebhookInput checked = input;
  if (checked.channelId.empty()) checked.channelId = old->channelId;
  if (!settings.usernameOverride) checked.username = old->username;
  if (!settings.iconOverride) checked.iconUrl = old->iconUrl;
  if (auto valid = validateIncomingWebhookInput(checked); !valid) return std::move(valid).error();

  auto access = requireHookAccess(store, caller, *old, checked.channelId);
  if (!access) return std::move(access).error();
  if (access->channel.teamId != old->teamId) {
    return invalidBodyParam("channel_id");
  }
  model::IncomingWebhook hook = *old;
  hook.channelId = checked.channelId;
  hook.displayName = checked.displayName;
  hook.description = checked.description;
  hook.username = checked.username;
  hook.iconUrl = checked.iconUrl;
  hook.channelLocked = checked.channelLocked;
  hook.updateAt = store.clock().nowMillis();
  if (auto updated = store.incomingWebhooks().update(hook); !updated) {
    return std::move(updated).error();
  }
  return hook;
}

Status deleteIncomingWebhook(store::Store& store, const model::User& caller,
                             std::string_view hookId) {
  auto hook = getIncomingWebhook(store, caller, hookId);
  if (!hook) return std::move(hook).error();
  return store.incomingWebhooks().remove(hookId, store.clock().nowMillis());
}

Result<IncomingWebhookPage> listIncomingWebhooks(store::Store& store, const model::User& caller,
                                                 std::string_view teamId, int page, int perPage,
                                                 bool withTotalCount) {
  store::IncomingWebhookFilter filter;
  filter.userId = caller.id;
  if (!teamId.empty()) {
    auto member = store.teams().member(teamId, caller.id);
    if (!member) return std::move(member).error();
    const model::TeamMember* membership = member->has_value() ? &**member : nullptr;
    if (!hasTeamPermission(caller, membership, p::kManageIncomingWebhooks)) {
      return permissionDenied(p::kManageIncomingWebhooks);
    }
    if (hasTeamPermission(caller, membership, p::kManageOthersIncomingWebhooks)) {
      filter.userId.clear();
    }
    filter.teamId = std::string(teamId);
  } else {
    if (!hasSystemPermission(caller, p::kManageIncomingWebhooks)) {
      return permissionDenied(p::kManageIncomingWebhooks);
    }
    if (hasSystemPermission(caller, p::kManageOthersIncomingWebhooks)) filter.userId.clear();
  }
  IncomingWebhookPage result;
  auto hooks = store.incomingWebhooks().list(filter, page * perPage, perPage);
  if (!hooks) return std::move(hooks).error();
  result.hooks = std::move(*hooks);
  if (withTotalCount) {
    auto count = store.incomingWebhooks().count(filter);
    if (!count) return std::move(count).error();
    result.totalCount = *count;
  }
  return result;
}

Result<model::IncomingWebhookRequest> parseIncomingWebhookRequest(std::string_view text) {
  const json body = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return parseError("the body is not JSON");
  if (!body.is_object()) return parseError("the body is not a JSON object");
  model::IncomingWebhookRequest request;
  for (const auto& [key, field] :
       {std::pair{"text", &request.text}, std::pair{"channel", &request.channel},
        std::pair{"username", &request.username}, std::pair{"icon_url", &request.iconUrl},
        std::pair{"icon_emoji", &request.iconEmoji}, std::pair{"type", &request.type}}) {
    const auto it = body.find(key);
    if (it == body.end() || it->is_null()) continue;
    if (!it->is_string()) return parseError(std::string(key) + " must be a string");
    *field = it->get<std::string>();
  }
  if (const auto it = body.find("attachments"); it != body.end()) request.attachments = *it;
  if (const auto it = body.find("props"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return parseError("props must be an object");
    request.props = *it;
  }
  if (const auto it = body.find("priority"); it != body.end()) request.priority = *it;
  if (auto valid = validateIncomingWebhookRequest(request); !valid) return std::move(valid).error();
  return request;
}

Status validateIncomingWebhookRequest(const model::IncomingWebhookRequest& request) {
  if (auto valid = validateAttachments(request.attachments); !valid) return valid;
  if (!request.props.is_object()) return parseError("props must be an object");
  if (!request.priority.is_null() && !request.priority.is_object()) {
    return parseError("priority must be an object");
  }
  return {};
}

std::string processSlackText(std::string_view text) {
  std::string out(text);
  for (const auto& [from, to] : {std::pair{"<!channel>", "@channel"}, std::pair{"<!here>", "@here"},
                                 std::pair{"<!all>", "@all"}}) {
    for (auto pos = out.find(from); pos != std::string::npos; pos = out.find(from, pos)) {
      out.replace(pos, std::string_view(from).size(), to);
      pos += std::string_view(to).size();
    }
  }
  return out;
}

Result<std::vector<WebhookPostDraft>> buildWebhookPosts(
    const model::IncomingWebhookRequest& request, const model::IncomingWebhook& hook,
    const WebhookSettings& settings) {
  const bool hasAttachments = request.attachments.is_array() && !request.attachments.empty();
  if (request.text.empty() && request.attachments.is_null()) {
    return makeError(ErrorCode::kInvalidArgument, "web.incoming_webhook.text.app_error",
                     "No text specified.");
  }
  if (!request.type.empty() && request.type.rfind("custom_", 0) != 0) {
    return invalidParam("post.type", "a webhook post's type must start with custom_");
  }
  if (request.priority.is_object()) {
    const auto it = request.priority.find("priority");
    if (it == request.priority.end() || !it->is_string()) {
      return invalidParam("webhook.priority.priority",
                          "Setting the priority of a post is required to use priority.");
    }
  }

  json base = json::object();
  for (const auto& [key, value] : request.props.items()) {
    if (key == "attachments" || key == "from_webhook" || key == "override_username" ||
        key == "override_icon_url" || key == "override_icon_emoji") {
      continue;
    }
    base[key] = value;
  }
  base["webhook_display_name"] = hook.displayName;
  base["from_webhook"] = "true";
  if (settings.usernameOverride) {
    const std::string& name = !request.username.empty() ? request.username : hook.username;
    base["override_username"] = name.empty() ? std::string(kDefaultWebhookUsername) : name;
  }
  if (settings.iconOverride) {
    const std::string& icon = !request.iconUrl.empty() ? request.iconUrl : hook.iconUrl;
    if (!icon.empty()) base["override_icon_url"] = icon;
    if (!request.iconEmoji.empty()) base["override_icon_emoji"] = request.iconEmoji;
  }
  if (runeCount(base.dump()) > kWebhookPropsMaxRunes) {
    return makeError(ErrorCode::kInvalidArgument,
                     "web.incoming_webhook.split_props_length.app_error",
                     "Unable to split webhook props into " + std::to_string(kWebhookPropsMaxRunes) +
                         " character parts.");
  }
  const std::string type = hasAttachments ? "slack_attachment" : request.type;

  std::vector<WebhookPostDraft> posts;
  std::string_view remaining;
  const std::string message = markdownLinks(processSlackText(request.text));
  remaining = message;
  while (runeCount(remaining) > kWebhookPostMaxRunes) {
    const std::size_t cut = runeOffset(remaining, kWebhookPostMaxRunes);
    posts.push_back({std::string(remaining.substr(0, cut)), type, base});
    remaining.remove_prefix(cut);
  }
  posts.push_back({std::string(remaining), type, base});
  if (hasAttachments) {
    json& last = posts.back().props;
    last["attachments"] = processAttachments(request.attachments);
    if (runeCount(last.dump()) > kWebhookPropsMaxRunes) {
      return makeError(ErrorCode::kInvalidArgument,
                       "web.incoming_webhook.split_props_length.app_error",
                       "Unable to split webhook props into " +
                           std::to_string(kWebhookPropsMaxRunes) + " character parts.");
    }
  }
  return posts;
}

}  // namespace parley::core::services
