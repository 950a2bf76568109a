#include "bridges/xmpp/translate.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "bridges/common/emoji.hpp"
#include "bridges/common/utf8.hpp"
#include "bridges/xmpp/styling.hpp"

namespace parley::bridges::xmpp {

namespace {

using core::ErrorCode;
using core::makeError;
using core::model::CanonicalMessage;
using core::model::MessageChange;

// What a client that understands none of XEP-0424 shows (XEP-0424's own wording, from the
// puppet's nick: "* nick retracted ...").
constexpr std::string_view kRetractionFallback =
    "/me retracted a previous message, but it's unsupported by your client.";
// The reply quote (XEP-0461 §3.1) is kept short: the capable clients hide it anyway.
constexpr std::size_t kQuoteMaxLines = 3;
constexpr std::size_t kQuoteMaxChars = 150;

core::Error malformed(std::string message) {
  return makeError(ErrorCode::kInvalidArgument, std::string(kErrMalformed), std::move(message));
}

// --------------------------------------------------------------------------------- egress

std::string stanzaId(const OutboundRequest& request, std::size_t index) {
  return index == 0 ? request.txnId : request.txnId + "-" + std::to_string(index);
}

XmlElement newMessage(const OutboundRequest& request, const std::string& id) {
  XmlElement message("message", std::string(kNsComponent));
  if (!request.address.from.empty()) message.setAttribute("from", request.address.from);
  message.setAttribute("to", request.address.to);
  message.setAttribute("type", request.address.type == ChatType::kGroupchat ? "groupchat" : "chat");
  message.setAttribute("id", id);
  return message;
}

void addOriginId(XmlElement& message, const std::string& id) {
  XmlElement origin("origin-id", std::string(kNsStanzaId));
  origin.setAttribute("id", id);
  message.add(std::move(origin));
}

void addStoreHint(XmlElement& message) { message.add(XmlElement("store", std::string(kNsHints))); }

// The label (XEP-0258 display marking) and obligation metadata travel with every stanza that
// carries content, so the peer sees them on the text and on each file.
void addLabelAndMetadata(XmlElement& stanza, const CanonicalMessage& message) {
  if (!message.label.empty()) {
    XmlElement label("securitylabel", std::string(kNsSecurityLabel));
    label.addText("displaymarking", std::string(kNsSecurityLabel), message.label);
    stanza.add(std::move(label));
  }
  if (message.metadata.is_object() && !message.metadata.empty()) {
    XmlElement metadata("metadata", std::string(kNsParleyMetadata));
    for (const auto& [key, value] : message.metadata.items()) {
      auto& entry = metadata.addText("entry", std::string(kNsParleyMetadata),
                                     value.is_string() ? value.get<std::string>() : value.dump());
      entry.setAttribute("key", key);
    }
    stanza.add(std::move(metadata));
  }
}

std::string trimNewlines(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  std::size_t start = 0;
  while (start < text.size() && text[start] == '\n') ++start;
  return text.substr(start);
}

// "> author: first line\n> second line\n" — the root quoted, at most kQuoteMaxLines lines and
// kQuoteMaxChars characters, cut at a code point.
std::string replyQuote(const OutboundRequest& request) {
  const std::string root = xmlSafeText(trimNewlines(markdownToStyling(request.rootText)));
  if (root.empty()) return {};
  // the name on one line, with only characters the serialiser keeps (the range counts them)
  std::string author = xmlSafeText(request.rootAuthorName);
  std::replace_if(
      author.begin(), author.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; },
      ' ');
  std::string quote;
  std::size_t lines = 0;
  std::size_t chars = 0;
  std::size_t start = 0;
  bool cut = false;
  while (start <= root.size()) {
    auto end = root.find('\n', start);
    if (end == std::string::npos) end = root.size();
    std::string_view line = std::string_view(root).substr(start, end - start);
    if (lines == kQuoteMaxLines) {
      cut = true;
      break;
    }
    const std::size_t room = kQuoteMaxChars - std::min(chars, kQuoteMaxChars);
    if (utf8::length(line) > room) {
      line = line.substr(0, utf8::byteOffset(line, room));
      cut = true;
    }
    quote += "> ";
    if (lines == 0 && !author.empty()) quote += author + ": ";
    quote += line;
    chars += utf8::length(line);
    ++lines;
    if (cut) break;
    quote += '\n';
    start = end + 1;
  }
  if (cut) {
    if (quote.back() == '\n') quote.pop_back();
    quote += "\u2026\n";
  }
  if (quote.back() != '\n') quote += '\n';
  return quote;
}

void addReplyReference(XmlElement& stanza, const CanonicalMessage& message,
                       const OutboundRequest& request) {
  if (message.rootId.empty() || request.rootRemoteId.empty()) return;
  XmlElement reply("reply", std::string(kNsReply));
  if (!request.rootAuthorJid.empty()) reply.setAttribute("to", request.rootAuthorJid);
  reply.setAttribute("id", request.rootRemoteId);
  stanza.add(std::move(reply));
  stanza.addText("thread", std::string(kNsComponent), request.rootRemoteId);
}

const TargetPart* lowestPart(const OutboundRequest& request) {
  const TargetPart* lowest = nullptr;
  for (const auto& target : request.targets) {
    if (target.remoteId.empty()) continue;
    if (lowest == nullptr || target.part < lowest->part) lowest = &target;
  }
  return lowest;
}

core::Result<std::vector<OutboundStanza>> postStanzas(const CanonicalMessage& message,
                                                      const OutboundRequest& request) {
  if (request.fileUrls.size() != message.files.size()) {
    return malformed("Each file needs its re-hosted URL (" + std::to_string(message.files.size()) +
                     " files, " + std::to_string(request.fileUrls.size()) + " URLs).");
  }
  std::vector<OutboundStanza> stanzas;
  const std::string text = trimNewlines(markdownToStyling(message.text));
  if (!text.empty()) {
    const std::string id = stanzaId(request, 0);
    XmlElement stanza = newMessage(request, id);
    const bool reply = !message.rootId.empty() && !request.rootRemoteId.empty();
    const std::string quote = reply ? replyQuote(request) : std::string();
    stanza.addText("body", std::string(kNsComponent), quote + text);
    addReplyReference(stanza, message, request);
    if (!quote.empty()) {
      XmlElement fallback("fallback", std::string(kNsFallback));
      fallback.setAttribute("for", std::string(kNsReply));
      XmlElement range("body", std::string(kNsFallback));
      range.setAttribute("start", "0");
      range.setAttribute("end", std::to_string(utf8::length(quote)));
      fallback.add(std::move(range));
      stanza.add(std::move(fallback));
    }
    addOriginId(stanza, id);
    addLabelAndMetadata(stanza, message);
    stanzas.push_back({0, id, std::move(stanza)});
  }
  for (std::size_t i = 0; i < request.fileUrls.size(); ++i) {
    const std::string& url = request.fileUrls[i];
    if (url.empty()) return malformed("File " + std::to_string(i + 1) + " has no URL.");
    const std::string id = stanzaId(request, stanzas.size());
    XmlElement stanza = newMessage(request, id);
    // body == URL: Conversations and Dino show the file inline only then (xmpp.md §8.1)
    stanza.addText("body", std::string(kNsComponent), url);
    XmlElement oob("x", std::string(kNsOob));
    oob.addText("url", std::string(kNsOob), url);
    stanza.add(std::move(oob));
    addReplyReference(stanza, message, request);
    addOriginId(stanza, id);
    addLabelAndMetadata(stanza, message);
    stanzas.push_back({static_cast<int>(i) + 1, id, std::move(stanza)});
  }
  if (stanzas.empty()) return malformed("The post has neither text nor files.");
  return stanzas;
}

core::Result<std::vector<OutboundStanza>> editStanzas(const CanonicalMessage& message,
                                                      const OutboundRequest& request) {
  const TargetPart* target = lowestPart(request);
  if (target == nullptr) return malformed("An edit needs the remote id of the post.");
  const std::string id = stanzaId(request, 0);
  XmlElement stanza = newMessage(request, id);
  stanza.addText("body", std::string(kNsComponent), trimNewlines(markdownToStyling(message.text)));
  XmlElement replace("replace", std::string(kNsCorrection));
  replace.setAttribute("id", target->messageId.empty() ? target->remoteId : target->messageId);
  stanza.add(std::move(replace));
  addOriginId(stanza, id);
  addLabelAndMetadata(stanza, message);
  std::vector<OutboundStanza> stanzas;
  stanzas.push_back({target->part, id, std::move(stanza)});
  return stanzas;
}

core::Result<std::vector<OutboundStanza>> deleteStanzas(const OutboundRequest& request) {
  std::vector<const TargetPart*> targets;
  for (const auto& target : request.targets) {
    if (!target.remoteId.empty()) targets.push_back(&target);
  }
  if (targets.empty()) return malformed("A deletion needs the remote ids of the post.");
  std::sort(targets.begin(), targets.end(),
            [](const TargetPart* a, const TargetPart* b) { return a->part < b->part; });
  std::vector<OutboundStanza> stanzas;
  for (const TargetPart* target : targets) {
    const std::string id = stanzaId(request, stanzas.size());
    XmlElement stanza = newMessage(request, id);
    XmlElement retract("retract", std::string(kNsRetract));
    retract.setAttribute("id", target->remoteId);
    stanza.add(std::move(retract));
    XmlElement fallback("fallback", std::string(kNsFallback));
    fallback.setAttribute("for", std::string(kNsRetract));
    stanza.add(std::move(fallback));
    stanza.addText("body", std::string(kNsComponent), std::string(kRetractionFallback));
    addStoreHint(stanza);
    addOriginId(stanza, id);
    stanzas.push_back({target->part, id, std::move(stanza)});
  }
  return stanzas;
}

core::Result<std::vector<OutboundStanza>> reactionStanzas(const CanonicalMessage& message,
                                                          const OutboundRequest& request) {
  const TargetPart* target = lowestPart(request);
  if (target == nullptr) return malformed("A reaction needs the remote id of the post.");
  if (message.emoji.empty()) return malformed("A reaction needs an emoji name.");
  std::vector<OutboundStanza> stanzas;
  // a custom emoji (or a name outside the table) changes nothing an XMPP client can see
  if (!emojiForName(message.emoji)) return stanzas;
  std::vector<std::string> names;
  for (const auto& name : request.reactions) {
    if (name == message.emoji && message.change == MessageChange::kReactionDelete) continue;
    names.push_back(name);
  }
  if (message.change == MessageChange::kReaction &&
      std::find(names.begin(), names.end(), message.emoji) == names.end()) {
    names.push_back(message.emoji);
  }
  const std::string id = stanzaId(request, 0);
  XmlElement stanza = newMessage(request, id);
  XmlElement reactions("reactions", std::string(kNsReactions));
  reactions.setAttribute("id", target->remoteId);
  std::vector<std::string> sent;
  for (const auto& name : names) {
    const auto emoji = emojiForName(name);
    if (!emoji || std::find(sent.begin(), sent.end(), *emoji) != sent.end()) continue;
    sent.push_back(*emoji);
    reactions.addText("reaction", std::string(kNsReactions), *emoji);
  }
  stanza.add(std::move(reactions));
  addStoreHint(stanza);
  addOriginId(stanza, id);
  stanzas.push_back({target->part, id, std::move(stanza)});
  return stanzas;
}

// -------------------------------------------------------------------------------- ingress

core::Error tooLarge(std::string message) {
  return makeError(ErrorCode::kTooLarge, std::string(kErrTooLarge), std::move(message));
}

std::string trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

bool isContentNamespace(std::string_view ns) {
  return ns.empty() || ns == kNsClient || ns == kNsComponent || ns == "jabber:server";
}

// The URL of an attachment: https (http only when allowed), a host, no spaces or controls.
core::Result<std::string> checkedUrl(std::string_view raw, const InboundLimits& limits) {
  const std::string url = trimmed(raw);
  if (url.size() > limits.maxUrlBytes) {
    return tooLarge("An attachment URL is longer than " + std::to_string(limits.maxUrlBytes) +
                    " bytes.");
  }
  std::string scheme;
  const auto colon = url.find("://");
  if (colon != std::string::npos) scheme = url.substr(0, colon);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const bool allowedScheme = scheme == "https" || (limits.allowHttpUrls && scheme == "http");
  const std::size_t hostStart = colon == std::string::npos ? 0 : colon + 3;
  const bool hasHost = colon != std::string::npos && hostStart < url.size() &&
                       url[hostStart] != '/' && url[hostStart] != '?' && url[hostStart] != '#';
  const bool clean = std::none_of(url.begin(), url.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7F || c == '<' || c == '>' || c == '"' || c == '\\';
  });
  if (!allowedScheme || !hasHost || !clean) {
    return makeError(ErrorCode::kInvalidArgument, std::string(kErrBadUrl),
                     limits.allowHttpUrls ? "An attachment URL must be an http(s) URL."
                                          : "An attachment URL must be an https URL.");
  }
  return url;
}

// The last path segment of a URL, as the file's name until the download names it better.
std::string nameFromUrl(std::string_view url) {
  const auto hostStart = url.find("://");
  std::string_view path = url.substr(hostStart == std::string_view::npos ? 0 : hostStart + 3);
  path = path.substr(0, path.find_first_of("?#"));
  const auto slash = path.rfind('/');
  std::string name(slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1));
  if (name.size() > 255) name.resize(utf8::byteOffset(name, 64));
  return name.empty() ? std::string("file") : name;
}

// Parses a non-negative decimal attribute; false when absent or not a number.
bool parseIndex(const std::string* text, std::size_t& value) {
  if (text == nullptr || text->empty() || text->size() > 9) return false;
  value = 0;
  for (const char c : *text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::size_t>(c - '0');
  }
  return true;
}

bool handledFallback(std::string_view forNs) {
  return forNs == kNsReply || forNs == kNsRetract || forNs == kNsRetractV0 || forNs == kNsReactions;
}

// The body without the parts XEP-0428 marks as fallback for what we understand (a reply
// quote, a retraction or reaction notice). A fallback for a feature we do not implement stays:
// it is the text meant for clients like us.
core::Result<std::string> withoutFallbacks(const XmlElement& stanza, const std::string& body) {
  std::vector<std::pair<std::size_t, std::size_t>> ranges;  // code points [start, end)
  const std::size_t length = utf8::length(body);
  for (const auto& element : stanza.children) {
    if (element.name != "fallback" ||
        (element.ns != kNsFallback && element.ns != kNsFeatureFallback)) {
      continue;
    }
    if (!handledFallback(element.attributeOr("for"))) continue;
    const auto bodies = element.childrenNamed("body", element.ns);
    if (bodies.empty()) {
      if (element.child("subject", element.ns) == nullptr) ranges.emplace_back(0, length);
      continue;
    }
    for (const XmlElement* range : bodies) {
      std::size_t start = 0;
      std::size_t end = 0;
      if (!parseIndex(range->attribute("start"), start) ||
          !parseIndex(range->attribute("end"), end) || start > end || end > length) {
        return malformed("A fallback range does not fit the body (XEP-0428).");
      }
      ranges.emplace_back(start, end);
    }
  }
  if (ranges.empty()) return body;
  std::sort(ranges.begin(), ranges.end());
  std::string out;
  std::size_t cursor = 0;  // code points
  for (const auto& [start, end] : ranges) {
    if (start > cursor) {
      const std::size_t from = utf8::byteOffset(body, cursor);
      out += body.substr(from, utf8::byteOffset(body, start) - from);
    }
    cursor = std::max(cursor, end);
  }
  if (cursor < length) out += body.substr(utf8::byteOffset(body, cursor));
  return out;
}

const XmlElement* pickBody(const XmlElement& stanza) {
  const XmlElement* chosen = nullptr;
  for (const auto& element : stanza.children) {
    if (element.name != "body" || element.ns != stanza.ns) continue;
    if (element.attribute("xml:lang") == nullptr) return &element;
    if (chosen == nullptr) chosen = &element;
  }
  return chosen;
}

core::Status readReactions(const XmlElement& stanza, const InboundLimits& limits,
                           InboundMessage& out, bool& present) {
  const auto all = stanza.childrenNamed("reactions", kNsReactions);
  present = !all.empty();
  if (!present) return {};
  if (all.size() > 1) return malformed("A message may carry one <reactions> (XEP-0444).");
  const XmlElement& reactions = *all.front();
  out.targetRemoteId = reactions.attributeOr("id");
  if (out.targetRemoteId.empty()) return malformed("<reactions> needs an id (XEP-0444).");
  const auto items = reactions.childrenNamed("reaction", kNsReactions);
  if (items.size() > limits.maxReactions) {
    return tooLarge("More than " + std::to_string(limits.maxReactions) + " reactions.");
  }
  for (const XmlElement* item : items) {
    const std::string emoji = trimmed(item->text);
    const auto name = emoji.size() <= limits.maxReactionBytes ? nameForEmoji(emoji) : std::nullopt;
    if (!name) {
      ++out.unmappedReactions;
      continue;
    }
    if (std::find(out.reactions.begin(), out.reactions.end(), *name) == out.reactions.end()) {
      out.reactions.push_back(*name);
    }
  }
  return {};
}

// XEP-0424 :1, or the fastening form of :0 that older Gajim/Conversations sent.
std::string retractionTarget(const XmlElement& stanza, bool& present) {
  if (const XmlElement* retract = stanza.child("retract", kNsRetract)) {
    present = true;
    return retract->attributeOr("id");
  }
  if (const XmlElement* applyTo = stanza.child("apply-to", kNsFasten)) {
    if (applyTo->child("retract", kNsRetractV0) != nullptr) {
      present = true;
      return applyTo->attributeOr("id");
    }
  }
  present = false;
  return {};
}

}  // namespace

std::string bareJid(std::string_view jid) { return std::string(jid.substr(0, jid.find('/'))); }

core::Result<std::vector<OutboundStanza>> toXmpp(const CanonicalMessage& message,
                                                 const OutboundRequest& request) {
  if (request.txnId.empty()) return malformed("A stanza needs the outbox transaction id.");
  if (request.address.to.empty()) return malformed("A stanza needs an addressee.");
  switch (message.change) {
    case MessageChange::kPost: return postStanzas(message, request);
    case MessageChange::kEdit: return editStanzas(message, request);
    case MessageChange::kDelete: return deleteStanzas(request);
    case MessageChange::kReaction:
    case MessageChange::kReactionDelete: return reactionStanzas(message, request);
  }
  return malformed("Unknown change.");
}

core::Result<InboundMessage> fromXmpp(const XmlElement& stanza, const InboundOptions& options) {
  const InboundLimits& limits = options.limits;
  if (stanza.name != "message" || !isContentNamespace(stanza.ns)) {
    return malformed("Not a <message> stanza.");
  }
  InboundMessage out;
  const std::string type = stanza.attributeOr("type", "normal");
  if (type == "error") {
    return makeError(ErrorCode::kUnavailable, std::string(kErrErrorStanza),
                     "The peer returned an error for a message.");
  }
  if (type == "groupchat") {
    out.type = ChatType::kGroupchat;
  } else if (type == "chat" || type == "normal") {
    out.type = ChatType::kChat;
  } else {
    return makeError(ErrorCode::kNotImplemented, std::string(kErrUnsupported),
                     "Messages of type '" + type.substr(0, 32) + "' are not bridged.");
  }
  out.from = stanza.attributeOr("from");
  out.to = stanza.attributeOr("to");
  if (out.from.empty()) return malformed("The message has no sender.");
  out.senderBareJid = bareJid(out.from);

  out.messageId = stanza.attributeOr("id");
  if (const XmlElement* origin = stanza.child("origin-id", kNsStanzaId)) {
    out.originId = origin->attributeOr("id");
  }
  if (!options.trustedStanzaIdBy.empty()) {
    for (const XmlElement* sid : stanza.childrenNamed("stanza-id", kNsStanzaId)) {
      if (sid->attributeOr("by") == options.trustedStanzaIdBy)
        out.stanzaId = sid->attributeOr("id");
    }
  }
  for (const std::string* id : {&out.messageId, &out.originId, &out.stanzaId}) {
    if (id->size() > limits.maxIdBytes) return tooLarge("A message id is too long.");
  }
  if (!out.stanzaId.empty()) {
    out.remoteEventId = out.stanzaId;
  } else if (!out.messageId.empty() || !out.originId.empty()) {
    out.remoteEventId =
        out.senderBareJid + " " + (out.messageId.empty() ? out.originId : out.messageId);
  } else {
    return malformed("The message has no id, so it cannot be de-duplicated.");
  }

  if (const XmlElement* label = stanza.child("securitylabel", kNsSecurityLabel)) {
    if (const XmlElement* marking = label->child("displaymarking", kNsSecurityLabel)) {
      out.label = trimmed(marking->text);
      if (out.label.size() > 256) return tooLarge("The security label is too long.");
    }
  }
  if (const XmlElement* reply = stanza.child("reply", kNsReply)) {
    out.replyToRemoteId = reply->attributeOr("id");
    out.replyToJid = reply->attributeOr("to");
    if (out.replyToRemoteId.empty()) return malformed("<reply> needs an id (XEP-0461).");
  }
  if (const XmlElement* thread = stanza.child("thread", stanza.ns))
    out.thread = trimmed(thread->text);
  for (const std::string* id : {&out.replyToRemoteId, &out.thread}) {
    if (id->size() > limits.maxIdBytes) return tooLarge("A referenced id is too long.");
  }

  bool retracted = false;
  const std::string retractId = retractionTarget(stanza, retracted);
  if (retracted) {
    if (retractId.empty()) return malformed("<retract> needs an id (XEP-0424).");
    if (retractId.size() > limits.maxIdBytes) return tooLarge("A referenced id is too long.");
    out.change = MessageChange::kDelete;
    out.targetRemoteId = retractId;
    return out;
  }

  bool reacted = false;
  if (auto status = readReactions(stanza, limits, out, reacted); !status.ok()) {
    return std::move(status).error();
  }
  if (reacted) {
    if (out.targetRemoteId.size() > limits.maxIdBytes) {
      return tooLarge("A referenced id is too long.");
    }
    out.change = MessageChange::kReaction;
    return out;
  }

  const XmlElement* body = pickBody(stanza);
  std::string text;
  if (body != nullptr) {
    if (utf8::length(body->text) > limits.maxBodyChars * 2) {
      return tooLarge("The message is longer than " + std::to_string(limits.maxBodyChars) +
                      " characters.");
    }
    auto stripped = withoutFallbacks(stanza, body->text);
    if (!stripped.ok()) return std::move(stripped).error();
    text = trimNewlines(std::move(stripped.value()));
  }

  const auto oobs = stanza.childrenNamed("x", kNsOob);
  if (oobs.size() > limits.maxFiles) {
    return tooLarge("More than " + std::to_string(limits.maxFiles) + " attachments.");
  }
  for (const XmlElement* oob : oobs) {
    const XmlElement* url = oob->child("url", kNsOob);
    if (url == nullptr) return malformed("An OOB attachment has no <url> (XEP-0066).");
    auto checked = checkedUrl(url->text, limits);
    if (!checked.ok()) return std::move(checked).error();
    core::model::FileRef file;
    file.url = std::move(checked.value());
    file.name = nameFromUrl(file.url);
    // body == URL marks the attachment message (xmpp.md §8.1): no text besides the file
    if (trimmed(text) == file.url) text.clear();
    out.files.push_back(std::move(file));
  }

  if (const XmlElement* replace = stanza.child("replace", kNsCorrection)) {
    const std::string corrected = replace->attributeOr("id");
    if (corrected.empty()) return malformed("<replace> needs an id (XEP-0308).");
    if (corrected.size() > limits.maxIdBytes) return tooLarge("A referenced id is too long.");
    // A correction names the sender's own message by its id attribute, which only that sender
    // chose: scoped by the sender as the inbox key of that message was, so nobody reaches
    // another's message by reusing its id.
    out.targetRemoteId = out.senderBareJid + " " + corrected;
    if (trimmed(text).empty()) return malformed("A correction without text (XEP-0308).");
    out.change = MessageChange::kEdit;
    out.files.clear();  // a correction replaces the text; Mattermost edits keep the files
  } else {
    out.change = MessageChange::kPost;
    if (trimmed(text).empty() && out.files.empty()) {
      return makeError(ErrorCode::kNotFound, std::string(kErrNothingToBridge),
                       "The message carries nothing to bridge.");
    }
  }
  out.text = stylingToMarkdown(text);
  if (utf8::length(out.text) > limits.maxBodyChars) {
    return tooLarge("The message is longer than " + std::to_string(limits.maxBodyChars) +
                    " characters.");
  }
  return out;
}

core::Result<InboundMessage> fromXmppTree(const core::Result<XmlElement>& read,
                                          const InboundOptions& options) {
  if (!read.ok()) {
    const core::Error& error = read.error();
    return makeError(error.code,
                     std::string(error.code == ErrorCode::kTooLarge ? kErrTooLarge : kErrMalformed),
                     error.message);
  }
  return fromXmpp(read.value(), options);
}

core::Result<InboundMessage> fromXmppText(std::string_view xml, const InboundOptions& options) {
  return fromXmppTree(parseXml(xml, options.limits.xml), options);
}

ReactionDelta reactionDelta(const std::vector<std::string>& previous,
                            const std::vector<std::string>& current) {
  return core::model::reactionSetDelta(previous, current);
}

}  // namespace parley::bridges::xmpp
