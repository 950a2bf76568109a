#include "bridges/matrix/translate.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <utility>

#include "bridges/common/emoji.hpp"
#include "bridges/common/utf8.hpp"
#include "core/common/json_text.hpp"
#include "core/common/xml_escape.hpp"

namespace parley::bridges::matrix {

namespace {

using core::ErrorCode;
using core::makeError;
using core::model::CanonicalMessage;
using core::model::FileRef;
using core::model::MessageChange;
using nlohmann::json;

// The rest of an event around its content (event_id, sender, room_id, origin_server_ts,
// unsigned, hashes, signatures) stays well under this; content is kept below the spec's limit
// minus it.
constexpr std::size_t kEnvelopeBytes = 2048;
constexpr std::size_t kMaxMentions = 100;

// The size of `content` as JSON text; invalid UTF-8 (which the callers never put in) counts as
// replaced instead of throwing.
std::size_t dumpedSize(const json& content) { return core::dumpJson(content).size(); }

core::Error malformed(std::string message) {
  return makeError(ErrorCode::kInvalidArgument, std::string(kErrMalformed), std::move(message));
}

core::Error tooLarge(std::string message) {
  return makeError(ErrorCode::kTooLarge, std::string(kErrTooLarge), std::move(message));
}

core::Error nothingToBridge(std::string message) {
  return makeError(ErrorCode::kNotFound, std::string(kErrNothingToBridge), std::move(message));
}

core::Error unsupported(std::string message) {
  return makeError(ErrorCode::kNotImplemented, std::string(kErrUnsupported), std::move(message));
}

core::Error badUrl(std::string message) {
  return makeError(ErrorCode::kInvalidArgument, std::string(kErrBadUrl), std::move(message));
}

std::string trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

// --------------------------------------------------------------------------------- egress

std::string eventTxnId(const OutboundRequest& request, std::size_t index) {
  return index == 0 ? request.txnId : request.txnId + "-" + std::to_string(index);
}

std::string_view msgtypeOf(const OutboundRequest& request) {
  if (!request.msgtype.empty()) return request.msgtype;
  if (request.postType == "me") return "m.emote";
  if (request.postType.rfind("system_", 0) == 0) return "m.notice";
  return "m.text";
}

// Mattermost's /me writes "*what*"; m.emote carries "what" (clients show "* sender what").
std::string emoteText(const std::string& text) {
  const std::string t = trimmed(text);
  if (t.size() >= 3 && t.front() == '*' && t.back() == '*' && t[1] != '*' &&
      t[t.size() - 2] != '*' && t.find('\n') == std::string::npos) {
    return t.substr(1, t.size() - 2);
  }
  return t;
}

json mentionsJson(const MatrixText& text) {
  json mentions = json::object();
  if (!text.mentionedUserIds.empty()) {
    json ids = json::array();
    for (const auto& id : text.mentionedUserIds) ids.push_back(utf8::sanitized(id));
    mentions["user_ids"] = std::move(ids);
  }
  if (text.mentionsRoom) mentions["room"] = true;
  return mentions;
}

json textContent(std::string_view msgtype, const MatrixText& text) {
  json content = {{"msgtype", msgtype}, {"body", text.body}};
  if (!text.formattedBody.empty()) {
    content["format"] = kFormatHtml;
    content["formatted_body"] = text.formattedBody;
  }
  content["m.mentions"] = mentionsJson(text);
  return content;
}

void addLabelAndMetadata(json& content, const CanonicalMessage& message) {
  if (!message.label.empty()) content[std::string(kKeyLabel)] = utf8::sanitized(message.label);
  if (message.metadata.is_object() && !message.metadata.empty()) {
    content[std::string(kKeyMetadata)] = message.metadata;
  }
}

void addThread(json& content, const CanonicalMessage& message, const OutboundRequest& request) {
  if (message.rootId.empty() || request.rootRemoteId.empty()) return;
  const std::string& latest =
      request.threadLatestRemoteId.empty() ? request.rootRemoteId : request.threadLatestRemoteId;
  content["m.relates_to"] = {{"rel_type", "m.thread"},
                             {"event_id", request.rootRemoteId},
                             {"is_falling_back", true},
                             {"m.in_reply_to", {{"event_id", latest}}}};
}

// `text` cut to at most `maxBytes` (at a code point) with an ellipsis.
std::string shortened(const std::string& text, std::size_t maxBytes) {
  if (text.size() <= maxBytes) return text;
  std::size_t cut = maxBytes > 3 ? maxBytes - 3 : 0;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "\u2026";
}

// Keeps a text event under the event size limit (matrix-appservice.md §3.3): without its HTML
// if need be, then with its body shortened (a Mattermost post of 16 383 characters can exceed
// 64 KiB of JSON; the homeserver would refuse the whole event). Refused only when what is
// left besides the body (label, metadata) is itself too large.
core::Status fitText(json& content) {
  const std::size_t limit = kMaxEventBytes - kEnvelopeBytes;
  if (dumpedSize(content) <= limit) return {};
  json* newContent = content.contains("m.new_content") ? &content["m.new_content"] : nullptr;
  for (json* part : {&content, newContent}) {
    if (part == nullptr) continue;
    part->erase("format");
    part->erase("formatted_body");
  }
  std::size_t size = dumpedSize(content);
  if (size <= limit) return {};
  // Each round takes out of each body at least the excess (one byte of text is one or more of
  // JSON), so one round is the rule; the bound is for bodies of escaped characters.
  for (int round = 0; round < 16 && size > limit; ++round) {
    const std::size_t over = size - limit;
    for (json* part : {&content, newContent}) {
      if (part == nullptr || !part->contains("body") || !(*part)["body"].is_string()) continue;
      const std::string body = (*part)["body"].get<std::string>();
      (*part)["body"] = shortened(body, body.size() > over ? body.size() - over : 0);
    }
    size = dumpedSize(content);
  }
  if (size <= limit) return {};
  return tooLarge("The message is larger than a Matrix event may be.");
}

const TargetPart* lowestPart(const OutboundRequest& request) {
  const TargetPart* lowest = nullptr;
  for (const auto& target : request.targets) {
    if (target.eventId.empty()) continue;
    if (lowest == nullptr || target.part < lowest->part) lowest = &target;
  }
  return lowest;
}

MatrixText renderText(const CanonicalMessage& message, const OutboundRequest& request,
                      std::string_view msgtype) {
  const std::string source = msgtype == "m.emote" ? emoteText(message.text) : message.text;
  return markdownToMatrix(source, request.mentions, request.markup);
}

// "3.2 MB", "12 KB", "900 bytes": a size for people.
std::string readableSize(std::int64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " bytes";
  const bool mega = bytes >= std::int64_t{1024} * 1024;
  char text[32];
  std::snprintf(text, sizeof text, "%.1f",
                static_cast<double>(bytes) / (mega ? 1048576.0 : 1024.0));
  std::string out(text);
  if (out.ends_with(".0")) out.resize(out.size() - 2);
  return out + (mega ? " MB" : " KB");
}

// A file the homeserver does not take: a message with the link to it.
json linkContent(const std::string& name, const FileRef& file, const std::string& url) {
  const std::string size = file.size > 0 ? " (" + readableSize(file.size) + ")" : "";
  const std::string link = utf8::sanitized(url);
  return {{"msgtype", "m.text"},
          {"body", name + size + ": " + link},
          {"format", kFormatHtml},
          {"formatted_body",
           "<a href=\"" + core::xmlEscape(link) + "\">" + core::xmlEscape(name) + "</a>" + size},
          {"m.mentions", json::object()}};
}

json fileContent(const FileRef& file, const UploadedFile& upload) {
  const std::string name = file.name.empty() ? std::string("file") : utf8::sanitized(file.name);
  if (!upload.linkUrl.empty()) return linkContent(name, file, upload.linkUrl);
  const std::string_view msgtype = msgtypeForMime(file.mimeType);
  json info = json::object();
  if (!file.mimeType.empty()) info["mimetype"] = utf8::sanitized(file.mimeType);
  if (file.size > 0) info["size"] = file.size;
  if ((msgtype == "m.image" || msgtype == "m.video") && upload.width > 0 && upload.height > 0) {
    info["w"] = upload.width;
    info["h"] = upload.height;
  }
  if ((msgtype == "m.audio" || msgtype == "m.video") && upload.durationMs > 0) {
    info["duration"] = upload.durationMs;
  }
  return {{"msgtype", msgtype},      {"body", name},
          {"filename", name},        {"url", upload.mxcUri},
          {"info", std::move(info)}, {"m.mentions", json::object()}};
}

core::Result<std::vector<OutboundEvent>> postEvents(const CanonicalMessage& message,
                                                    const OutboundRequest& request) {
  if (request.files.size() != message.files.size()) {
    return malformed("Each file needs its uploaded mxc URI (" +
                     std::to_string(message.files.size()) + " files, " +
                     std::to_string(request.files.size()) + " uploads).");
  }
  std::vector<OutboundEvent> events;
  const std::string_view msgtype = msgtypeOf(request);
  const MatrixText text = renderText(message, request, msgtype);
  if (!text.body.empty()) {
    json content = textContent(msgtype, text);
    addThread(content, message, request);
    addLabelAndMetadata(content, message);
    if (!request.externalUrl.empty())
      content["external_url"] = utf8::sanitized(request.externalUrl);
    if (auto fits = fitText(content); !fits.ok()) return std::move(fits).error();
    events.push_back(
        {0, eventTxnId(request, 0), std::string(kEventMessage), "", std::move(content)});
  }
  for (std::size_t i = 0; i < message.files.size(); ++i) {
    const UploadedFile& upload = request.files[i];
    const bool linked =
        upload.linkUrl.starts_with("https://") || upload.linkUrl.starts_with("http://");
    if (upload.linkUrl.empty() ? !parseMxc(upload.mxcUri) : !linked) {
      return badUrl("File " + std::to_string(i + 1) +
                    " has neither a valid mxc:// URI nor a link.");
    }
    json content = fileContent(message.files[i], upload);
    addThread(content, message, request);
    addLabelAndMetadata(content, message);
    if (!request.externalUrl.empty())
      content["external_url"] = utf8::sanitized(request.externalUrl);
    if (dumpedSize(content) > kMaxEventBytes - kEnvelopeBytes) {
      return tooLarge("A file event is larger than a Matrix event may be.");
    }
    // By part, not by position: the same file is the same send whatever else the post has.
    const int part = static_cast<int>(i) + 1;
    events.push_back({part, request.txnId + "." + std::to_string(part), std::string(kEventMessage),
                      "", std::move(content)});
  }
  if (events.empty()) return malformed("The post has neither text nor files.");
  return events;
}

core::Result<std::vector<OutboundEvent>> editEvents(const CanonicalMessage& message,
                                                    const OutboundRequest& request) {
  const TargetPart* target = lowestPart(request);
  if (target == nullptr) return malformed("An edit needs the event id of the post.");
  const std::string_view msgtype = msgtypeOf(request);
  const MatrixText text = renderText(message, request, msgtype);
  json newContent = textContent(msgtype, text);
  addLabelAndMetadata(newContent, message);
  // The fallback for clients without edits: "* new text" (spec: event replacements).
  json content = {{"msgtype", msgtype}, {"body", "* " + text.body}};
  if (!text.formattedBody.empty()) {
    content["format"] = kFormatHtml;
    content["formatted_body"] = "* " + text.formattedBody;
  }
  // Who is newly mentioned is unknown here: nobody is notified again by an edit.
  content["m.mentions"] = json::object();
  content["m.new_content"] = std::move(newContent);
  content["m.relates_to"] = {{"rel_type", "m.replace"}, {"event_id", target->eventId}};
  addLabelAndMetadata(content, message);
  if (auto fits = fitText(content); !fits.ok()) return std::move(fits).error();
  std::vector<OutboundEvent> events;
  events.push_back(
      {target->part, eventTxnId(request, 0), std::string(kEventMessage), "", std::move(content)});
  return events;
}

json redactionContent(const OutboundRequest& request) {
  json content = json::object();
  if (!request.redactionReason.empty())
    content["reason"] = utf8::sanitized(request.redactionReason);
  return content;
}

core::Result<std::vector<OutboundEvent>> deleteEvents(const OutboundRequest& request) {
  std::vector<const TargetPart*> targets;
  for (const auto& target : request.targets) {
    if (!target.eventId.empty()) targets.push_back(&target);
  }
  if (targets.empty()) return malformed("A deletion needs the event ids of the post.");
  std::stable_sort(targets.begin(), targets.end(),
                   [](const TargetPart* a, const TargetPart* b) { return a->part < b->part; });
  std::vector<OutboundEvent> events;
  for (const TargetPart* target : targets) {
    events.push_back({target->part, eventTxnId(request, events.size()),
                      std::string(kEventRedaction), target->eventId, redactionContent(request)});
  }
  return events;
}

core::Result<std::vector<OutboundEvent>> reactionEvents(const CanonicalMessage& message,
                                                        const OutboundRequest& request) {
  const TargetPart* target = lowestPart(request);
  if (message.emoji.empty()) return malformed("A reaction needs an emoji name.");
  std::vector<OutboundEvent> events;
  if (message.change == MessageChange::kReactionDelete) {
    if (request.reactionEventId.empty()) {
      return malformed("Removing a reaction needs the event id of the reaction.");
    }
    events.push_back({target != nullptr ? target->part : 0, eventTxnId(request, 0),
                      std::string(kEventRedaction), request.reactionEventId,
                      redactionContent(request)});
    return events;
  }
  if (target == nullptr) return malformed("A reaction needs the event id of the post.");
  const auto emoji = emojiForName(message.emoji);
  // A custom emoji has no Unicode form: its name, as Mattermost writes it in text.
  const std::string key = emoji ? *emoji : ":" + utf8::sanitized(message.emoji) + ":";
  json content = {{"m.relates_to",
                   {{"rel_type", "m.annotation"}, {"event_id", target->eventId}, {"key", key}}}};
  events.push_back(
      {target->part, eventTxnId(request, 0), std::string(kEventReaction), "", std::move(content)});
  return events;
}

// -------------------------------------------------------------------------------- ingress

// The value of `key` in `object` when it is a string; absent -> nullptr; another type -> error.
core::Result<const std::string*> stringField(const json& object, std::string_view key,
                                             std::size_t maxBytes, std::string_view what) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return static_cast<const std::string*>(nullptr);
  if (!it->is_string()) return malformed(std::string(what) + " must be a string.");
  const std::string* value = it->get_ptr<const std::string*>();
  if (value->size() > maxBytes) return tooLarge(std::string(what) + " is too long.");
  return value;
}

const json* objectField(const json& object, std::string_view key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_object() ? &*it : nullptr;
}

// An event id as the spec has them: '$' then at least one character, no whitespace.
bool validEventId(const std::string& id) {
  return id.size() >= 2 && id[0] == '$' && std::none_of(id.begin(), id.end(), [](char c) {
           return static_cast<unsigned char>(c) <= 0x20;
         });
}

core::Result<std::string> requiredEventId(const json& object, std::string_view key,
                                          const InboundLimits& limits, std::string_view what) {
  auto field = stringField(object, key, limits.maxIdBytes, what);
  if (!field.ok()) return std::move(field).error();
  if (*field == nullptr || !validEventId(**field)) {
    return malformed(std::string(what) + " must be an event id.");
  }
  return **field;
}

// "@local:server" -> "server"; "" when `sender` is not a user id.
std::string serverOfUserId(const std::string& sender) {
  if (sender.size() < 4 || sender[0] != '@') return {};
  const auto colon = sender.find(':');
  if (colon == std::string::npos || colon == 1 || colon + 1 == sender.size()) return {};
  const bool clean = std::none_of(sender.begin(), sender.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F;
  });
  return clean ? sender.substr(colon + 1) : std::string();
}

// The body without the rich-reply fallback, which clients before spec v1.13 put in front of a
// reply (and of a reply inside a thread): "> <@user:server> quoted" ("> * <@user:server> ..."
// for an emote), more "> " lines, then a blank line. A quote the sender wrote starts otherwise
// and stays.
std::string withoutReplyFallback(const std::string& body) {
  if (body.rfind("> <@", 0) != 0 && body.rfind("> * <@", 0) != 0) return body;
  std::size_t pos = 0;
  while (pos < body.size() && body[pos] == '>') {
    const auto end = body.find('\n', pos);
    if (end == std::string::npos) return {};
    pos = end + 1;
  }
  if (pos < body.size() && body[pos] == '\n') ++pos;
  return body.substr(pos);
}

bool isMediaType(std::string_view msgtype) {
  return msgtype == "m.image" || msgtype == "m.file" || msgtype == "m.video" ||
         msgtype == "m.audio";
}

// A reaction key -> the Mattermost emoji name: the table's, or ":name:" (the form Parley and
// other bridges give a custom emoji) with Mattermost's name characters.
std::optional<std::string> emojiNameForKey(const std::string& key) {
  if (auto name = nameForEmoji(key)) return name;
  if (key.size() >= 3 && key.size() <= 66 && key.front() == ':' && key.back() == ':') {
    const std::string name = key.substr(1, key.size() - 2);
    const bool valid = std::all_of(name.begin(), name.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '+';
    });
    if (valid) return name;
  }
  return std::nullopt;
}

struct TextParts {
  std::string text;
  bool truncated = false;
};

// The markdown of a text content (or a media caption): formatted_body through the sanitiser
// when it is HTML, else the body as typed.
core::Result<TextParts> contentText(const json& content, bool reply, const InboundOptions& options,
                                    InboundMatrixEvent& out) {
  const InboundLimits& limits = options.limits;
  const std::size_t maxBytes = limits.maxBodyChars * 4;
  auto body = stringField(content, "body", maxBytes, "body");
  if (!body.ok()) return std::move(body).error();
  auto format = stringField(content, "format", 256, "format");
  if (!format.ok()) return std::move(format).error();
  auto html = stringField(content, "formatted_body", limits.markup.maxInputBytes, "formatted_body");
  if (!html.ok()) return std::move(html).error();
  TextParts parts;
  if (*html != nullptr && *format != nullptr && **format == kFormatHtml) {
    if (auto markdown = htmlToMarkdown(**html, options.mentionResolver, limits.markup)) {
      parts.text = std::move(markdown->markdown);
      parts.truncated = markdown->truncated;
      for (auto& id : markdown->mentionedUserIds) {
        if (out.mentionedUserIds.size() < kMaxMentions &&
            std::find(out.mentionedUserIds.begin(), out.mentionedUserIds.end(), id) ==
                out.mentionedUserIds.end()) {
          out.mentionedUserIds.push_back(std::move(id));
        }
      }
      return parts;
    }
  }
  if (*body != nullptr) {
    const std::string plain = reply ? withoutReplyFallback(**body) : **body;
    parts.text = trimmed(escapeMarkdown(plain));
  }
  return parts;
}

core::Status readMentions(const json& content, InboundMatrixEvent& out) {
  const json* mentions = objectField(content, "m.mentions");
  if (mentions == nullptr) return {};
  if (const auto it = mentions->find("user_ids"); it != mentions->end()) {
    if (!it->is_array()) return malformed("m.mentions.user_ids must be an array.");
    for (const auto& id : *it) {
      if (!id.is_string()) return malformed("m.mentions.user_ids must hold strings.");
      const auto& value = id.get_ref<const std::string&>();
      if (serverOfUserId(value).empty() || value.size() > 255) continue;
      if (out.mentionedUserIds.size() >= kMaxMentions) break;
      if (std::find(out.mentionedUserIds.begin(), out.mentionedUserIds.end(), value) ==
          out.mentionedUserIds.end()) {
        out.mentionedUserIds.push_back(value);
      }
    }
  }
  if (const auto it = mentions->find("room"); it != mentions->end() && it->is_boolean()) {
    out.mentionsRoom = it->get<bool>();
  }
  return {};
}

core::Result<FileRef> mediaFile(const json& content, std::string_view msgtype,
                                const InboundLimits& limits) {
  // Encrypted media (`file`, an EncryptedFile, instead of `url`): named, not fetched.
  const bool encrypted = content.contains("file") && !content.contains("url");
  FileRef file;
  if (!encrypted) {
    auto url = stringField(content, "url", 1024, "url");
    if (!url.ok()) return std::move(url).error();
    if (*url == nullptr || !parseMxc(**url)) return badUrl("A media event needs an mxc:// URL.");
    file.url = **url;
  }
  auto filename = stringField(content, "filename", limits.maxFileNameBytes * 4, "filename");
  if (!filename.ok()) return std::move(filename).error();
  auto body = stringField(content, "body", limits.maxBodyChars * 4, "body");
  if (!body.ok()) return std::move(body).error();
  std::string name = *filename != nullptr ? **filename : (*body != nullptr ? **body : "");
  name = trimmed(name);
  std::replace_if(
      name.begin(), name.end(),
      [](char c) { return c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20; }, '_');
  if (name.size() > limits.maxFileNameBytes) {
    std::size_t cut = limits.maxFileNameBytes;
    while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
    name.resize(cut);
  }
  if (name.empty() || name == "." || name == "..") {
    name = msgtype == "m.image"   ? "image"
           : msgtype == "m.video" ? "video"
           : msgtype == "m.audio" ? "audio"
                                  : "file";
  }
  file.name = std::move(name);
  if (const json* info = objectField(content, "info")) {
    if (auto mime = stringField(*info, "mimetype", 255, "info.mimetype"); mime.ok() && *mime) {
      file.mimeType = **mime;
    }
    if (const auto size = info->find("size"); size != info->end()) {
      if (size->is_number_unsigned()) {
        const auto value = size->get<std::uint64_t>();
        file.size = value > static_cast<std::uint64_t>(INT64_MAX)
                        ? INT64_MAX
                        : static_cast<std::int64_t>(value);
      } else if (size->is_number_integer() && size->get<std::int64_t>() >= 0) {
        file.size = size->get<std::int64_t>();
      }
    }
  }
  return file;
}

// The text (and, for media, the file) of a message content: the event's own or m.new_content.
core::Status readMessageContent(const json& content, std::string_view eventType, bool reply,
                                const InboundOptions& options, InboundMatrixEvent& out) {
  auto msgtypeField = stringField(content, "msgtype", 255, "msgtype");
  if (!msgtypeField.ok()) return std::move(msgtypeField).error();
  std::string msgtype = *msgtypeField != nullptr ? **msgtypeField : "";
  if (eventType == kEventSticker) msgtype = "m.image";
  if (msgtype.empty()) return malformed("A message needs a msgtype.");
  out.msgtype = msgtype;
  if (auto mentions = readMentions(content, out); !mentions.ok()) return mentions;
  if (auto label = stringField(content, kKeyLabel, options.limits.maxLabelBytes, "The label");
      label.ok() && *label != nullptr) {
    out.label = trimmed(**label);
  } else if (!label.ok()) {
    return std::move(label).error();
  }

  if (isMediaType(msgtype)) {
    auto file = mediaFile(content, msgtype, options.limits);
    if (!file.ok()) return std::move(file).error();
    // spec v1.10 captions: a body that differs from the file name is a caption
    const auto filename = content.find("filename");
    const auto body = content.find("body");
    const bool caption = filename != content.end() && filename->is_string() &&
                         body != content.end() && body->is_string() && *filename != *body;
    if (caption) {
      auto text = contentText(content, reply, options, out);
      if (!text.ok()) return std::move(text).error();
      out.text = std::move(text->text);
      out.textTruncated = text->truncated;
    }
    out.files.push_back(std::move(file.value()));
    return {};
  }
  if (msgtype == "m.location" || msgtype.rfind("m.key.", 0) == 0) {
    return unsupported("Messages of type " + msgtype.substr(0, 32) + " are not bridged.");
  }
  // m.text, m.emote, m.notice, and any other msgtype by its body (spec: the fallback)
  auto text = contentText(content, reply, options, out);
  if (!text.ok()) return std::move(text).error();
  out.text = std::move(text->text);
  out.textTruncated = text->truncated;
  if (msgtype == "m.emote") {
    out.postType = "me";
    if (!out.text.empty() && out.text.find('\n') == std::string::npos) {
      out.text = "*" + out.text + "*";
    }
  }
  out.notice = msgtype == "m.notice";
  return {};
}

core::Status checkTextSize(const InboundMatrixEvent& out, const InboundLimits& limits) {
  if (utf8::length(out.text) > limits.maxBodyChars) {
    return tooLarge("The message is longer than " + std::to_string(limits.maxBodyChars) +
                    " characters.");
  }
  return {};
}

core::Result<InboundMatrixEvent> messageEvent(const json& event, std::string_view type,
                                              const InboundOptions& options,
                                              InboundMatrixEvent out) {
  const json* content = objectField(event, "content");
  if (content == nullptr) return malformed("A message needs a content object.");
  if (content->empty()) return nothingToBridge("A redacted message has no content.");
  const json* relates = objectField(*content, "m.relates_to");
  std::string relType;
  if (relates != nullptr) {
    auto rel = stringField(*relates, "rel_type", 255, "rel_type");
    if (!rel.ok()) return std::move(rel).error();
    if (*rel != nullptr) relType = **rel;
  }

  if (relType == "m.replace") {
    auto target = requiredEventId(*relates, "event_id", options.limits, "m.relates_to.event_id");
    if (!target.ok()) return std::move(target).error();
    const json* newContent = objectField(*content, "m.new_content");
    if (newContent == nullptr) return malformed("An edit needs m.new_content.");
    out.change = MessageChange::kEdit;
    out.targetRemoteId = std::move(target.value());
    if (auto read = readMessageContent(*newContent, type, false, options, out); !read.ok()) {
      return std::move(read).error();
    }
    out.files.clear();  // Mattermost edits change the text; the files stay as they were
    if (trimmed(out.text).empty()) return nothingToBridge("The edit carries no text.");
    if (auto size = checkTextSize(out, options.limits); !size.ok()) return std::move(size).error();
    return out;
  }

  if (relates != nullptr) {
    const json* inReplyTo = objectField(*relates, "m.in_reply_to");
    if (relType == "m.thread") {
      auto root = requiredEventId(*relates, "event_id", options.limits, "m.relates_to.event_id");
      if (!root.ok()) return std::move(root).error();
      out.replyKind = ReplyKind::kThread;
      out.replyToEventId = std::move(root.value());
    } else if (inReplyTo != nullptr) {
      auto parent =
          requiredEventId(*inReplyTo, "event_id", options.limits, "m.in_reply_to.event_id");
      if (!parent.ok()) return std::move(parent).error();
      out.replyKind = ReplyKind::kReply;
      out.replyToEventId = std::move(parent.value());
    }
  }
  // m.in_reply_to, alone or inside a thread (a reply to a thread event): a fallback may be
  // in front of the body
  const bool fallbackQuote =
      relates != nullptr && objectField(*relates, "m.in_reply_to") != nullptr;
  if (auto read = readMessageContent(*content, type, fallbackQuote, options, out); !read.ok()) {
    return std::move(read).error();
  }
  out.change = MessageChange::kPost;
  if (trimmed(out.text).empty() && out.files.empty()) {
    return nothingToBridge("The message carries nothing to bridge.");
  }
  if (auto size = checkTextSize(out, options.limits); !size.ok()) return std::move(size).error();
  return out;
}

core::Result<InboundMatrixEvent> reactionEvent(const json& event, const InboundOptions& options,
                                               InboundMatrixEvent out) {
  const json* content = objectField(event, "content");
  const json* relates = content != nullptr ? objectField(*content, "m.relates_to") : nullptr;
  if (relates == nullptr) return nothingToBridge("A reaction without a relation.");
  auto rel = stringField(*relates, "rel_type", 255, "rel_type");
  if (!rel.ok()) return std::move(rel).error();
  if (*rel == nullptr || **rel != "m.annotation") {
    return nothingToBridge("A reaction that is not an annotation.");
  }
  auto target = requiredEventId(*relates, "event_id", options.limits, "m.relates_to.event_id");
  if (!target.ok()) return std::move(target).error();
  auto key = stringField(*relates, "key", options.limits.maxKeyBytes, "The reaction key");
  if (!key.ok()) return std::move(key).error();
  if (*key == nullptr || (*key)->empty()) return malformed("A reaction needs a key.");
  const auto name = emojiNameForKey(**key);
  if (!name) return nothingToBridge("The reaction has no Mattermost emoji.");
  out.change = MessageChange::kReaction;
  out.targetRemoteId = std::move(target.value());
  out.reactionKey = **key;
  out.emoji = *name;
  return out;
}

core::Result<InboundMatrixEvent> redactionEvent(const json& event, const InboundOptions& options,
                                                InboundMatrixEvent out) {
  // Room v11 moved `redacts` into the content; servers keep the top-level copy.
  const json* content = objectField(event, "content");
  core::Result<std::string> target = std::string();
  if (content != nullptr && content->contains("redacts")) {
    target = requiredEventId(*content, "redacts", options.limits, "content.redacts");
  } else {
    target = requiredEventId(event, "redacts", options.limits, "redacts");
  }
  if (!target.ok()) return std::move(target).error();
  out.change = MessageChange::kDelete;
  out.targetRemoteId = std::move(target.value());
  return out;
}

bool mxcServerChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == ':' ||
         c == '[' || c == ']';
}

bool mxcMediaChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

}  // namespace

std::string_view msgtypeForMime(std::string_view mimeType) {
  const std::string mime = [&] {
    std::string lowered(mimeType);
    std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lowered;
  }();
  if (mime.rfind("image/", 0) == 0) return "m.image";
  if (mime.rfind("video/", 0) == 0) return "m.video";
  if (mime.rfind("audio/", 0) == 0) return "m.audio";
  return "m.file";
}

core::Result<std::vector<OutboundEvent>> toMatrix(const CanonicalMessage& message,
                                                  const OutboundRequest& request) {
  if (request.txnId.empty()) return malformed("An event needs the outbox transaction id.");
  switch (message.change) {
    case MessageChange::kPost: return postEvents(message, request);
    case MessageChange::kEdit: return editEvents(message, request);
    case MessageChange::kDelete: return deleteEvents(request);
    case MessageChange::kReaction:
    case MessageChange::kReactionDelete: return reactionEvents(message, request);
  }
  return malformed("Unknown change.");
}

core::Result<InboundMatrixEvent> fromMatrix(const json& event, const InboundOptions& options) {
  const InboundLimits& limits = options.limits;
  if (!event.is_object()) return malformed("An event must be a JSON object.");
  auto type = stringField(event, "type", 255, "type");
  if (!type.ok()) return std::move(type).error();
  if (*type == nullptr) return malformed("An event needs a type.");
  InboundMatrixEvent out;
  auto eventId = requiredEventId(event, "event_id", limits, "event_id");
  if (!eventId.ok()) return std::move(eventId).error();
  out.eventId = std::move(eventId.value());
  auto sender = stringField(event, "sender", limits.maxIdBytes, "sender");
  if (!sender.ok()) return std::move(sender).error();
  if (*sender == nullptr || serverOfUserId(**sender).empty()) {
    return malformed("An event needs a sender user id.");
  }
  out.sender = **sender;
  out.senderDomain = serverOfUserId(out.sender);
  auto room = stringField(event, "room_id", limits.maxIdBytes, "room_id");
  if (!room.ok()) return std::move(room).error();
  if (*room != nullptr) out.roomId = **room;
  if (const auto ts = event.find("origin_server_ts");
      ts != event.end() && ts->is_number_integer()) {
    out.originServerTs = ts->get<std::int64_t>();
  }
  // State events are told apart by their state_key, not their type (spec).
  if (event.contains("state_key")) return nothingToBridge("State events are not bridged.");

  const std::string& eventType = **type;
  if (eventType == kEventMessage || eventType == kEventSticker) {
    return messageEvent(event, eventType, options, std::move(out));
  }
  if (eventType == kEventReaction) return reactionEvent(event, options, std::move(out));
  if (eventType == kEventRedaction) return redactionEvent(event, options, std::move(out));
  if (eventType == "m.room.encrypted") {
    return unsupported("Encrypted rooms are not bridged.");
  }
  return nothingToBridge("Events of this type are not bridged.");
}

core::Result<InboundMatrixEvent> fromMatrixText(std::string_view text,
                                                const InboundOptions& options) {
  if (text.size() > options.limits.maxEventBytes) return tooLarge("The event is too large.");
  json event = json::parse(text, nullptr, false);
  if (event.is_discarded()) return malformed("The event is not JSON.");
  return fromMatrix(event, options);
}

std::optional<MxcUri> parseMxc(std::string_view uri) {
  constexpr std::string_view kScheme = "mxc://";
  if (uri.size() > 1024 || uri.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  const std::string_view rest = uri.substr(kScheme.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size()) {
    return std::nullopt;
  }
  const std::string_view server = rest.substr(0, slash);
  const std::string_view media = rest.substr(slash + 1);
  if (server.size() > 255 || media.size() > 255) return std::nullopt;
  if (!std::all_of(server.begin(), server.end(), mxcServerChar) ||
      !std::all_of(media.begin(), media.end(), mxcMediaChar)) {
    return std::nullopt;
  }
  return MxcUri{std::string(server), std::string(media)};
}

std::vector<std::string> mediaDownloadPaths(const MxcUri& mxc) {
  const std::string tail = mxc.serverName + "/" + mxc.mediaId;
  return {"/_matrix/client/v1/media/download/" + tail, "/_matrix/media/v3/download/" + tail};
}

}  // namespace parley::bridges::matrix
