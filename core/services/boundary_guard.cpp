#include "core/services/boundary_guard.hpp"

#include <algorithm>
#include <array>

#include "core/common/json_fields.hpp"
#include "core/common/log.hpp"
#include "core/policy/audit_log.hpp"
#include "core/policy/engine.hpp"
#include "core/policy/policy_holder.hpp"
#include "core/services/message_label.hpp"

namespace parley::core::services {
namespace {

constexpr auto kComponent = "boundary";
constexpr std::string_view kDefaultPlaceholder = "[attachment withheld by gateway policy]";
constexpr std::string_view kReasonAuditFailed = "policy.denied.audit";
// Not a label of any policy (label words are letters, digits and hyphens).
constexpr std::string_view kUnreadableThreadLabel = "(thread labels unavailable)";

enum class Direction { kEgress, kIngress, kLink };

std::string_view directionName(Direction direction) {
  switch (direction) {
    case Direction::kIngress: return "ingress";
    case Direction::kLink: return "link";
    case Direction::kEgress: break;
  }
  return "egress";
}

// What a decision is taken about, loaded once per guard call: the link's channel and the
// subject's stored attributes, read through the caller's batch (batch_reads.hpp) when it has
// one. `policy.channel` points at `channel`: not movable.
struct GuardContext {
  GuardContext(const model::Link& l, Direction d, BatchReads* batch = nullptr)
      : link(l), direction(d), reads(batch != nullptr ? *batch : ownReads) {}
  GuardContext(const GuardContext&) = delete;
  GuardContext& operator=(const GuardContext&) = delete;

  const model::Link& link;
  Direction direction;
  BatchReads ownReads;  // a guard call on its own: its reads are its own
  BatchReads& reads;
  std::optional<model::Channel> channel;
  PolicyChannel policy;
  const model::User* localSubject = nullptr;
  model::User loadedSubject;  // when the local subject is the message's author
  model::AttributeMap subjectAttributes;
  std::string auditSubject;
  std::optional<std::vector<std::string>> threadLabels;  // egress of a reply

  const PolicyChannel* policyChannel() const { return channel ? &policy : nullptr; }
};

// The link's channel with its policy attributes, read in one statement with the attributes of
// the local subject `subjectId` (none for ""), which loadSubjectAttributes() then finds read. A
// channel that cannot be loaded leaves the request without channel attributes: every rule
// reading them fails closed.
void loadChannel(store::Store& store, const std::string& channelId, GuardContext& context,
                 const std::string& subjectId = {}) {
  // Every decision that reads these ends with its audit record.
  store.audit().lockChainAhead();
  context.reads.readPolicyInputs(store, subjectId, channelId);
  auto channel = context.reads.channel(store, channelId);
  if (!channel) {
    log::warn(kComponent, "boundary decision without the link's channel",
              {{"channel_id", channelId}, {"error", channel.error().message}});
    return;
  }
  context.channel = **channel;
  context.policy = PolicyChannel{&*context.channel, nullptr, {}, {}};
  if (auto policy = context.reads.channelPolicy(store, **channel); policy) {
    context.policy.teamName = (*policy)->teamName;
    context.policy.attributes = (*policy)->attributes;
  }
}

void loadSubjectAttributes(store::Store& store, const model::User& subject, GuardContext& context) {
  context.localSubject = &subject;
  context.auditSubject = subject.id;
  auto attributes = context.reads.userAttributes(store, subject.id);
  if (attributes) context.subjectAttributes = **attributes;
}

// The local author of an outgoing message, as stored (roles decide subject.role).
void loadAuthor(store::Store& store, const model::CanonicalMessage& message,
                GuardContext& context) {
  auto user = context.reads.user(store, message.author.userId);
  if (user) {
    context.loadedSubject = **user;
  } else {
    context.loadedSubject.id = message.author.userId;
    context.loadedSubject.username = message.author.username;
  }
  loadSubjectAttributes(store, context.loadedSubject, context);
}

std::string remoteSubjectName(const model::Link& link, const model::CanonicalMessage& message) {
  if (!message.author.userId.empty()) return message.author.userId;
  const auto sender = remoteSenderOf(message);
  return "remote:" + link.policyPeer() + "/" + (sender ? sender->remoteId : std::string());
}

policy::Decision noBundleDecision() {
  policy::Decision decision;
  decision.reasonCode = policy::kReasonNoBundle;
  decision.reason = "no policy bundle is loaded: nothing crosses the boundary";
  decision.errors.emplace_back("no_bundle");
  return decision;
}

struct Decided {
  policy::Decision decision;
  std::optional<std::string> messageLabel;  // as the engine saw it (mapped, defaulted)
};

Decided decideBoundary(store::Store& store, const BoundaryRequestInput& input) {
  const policy::PolicyHolder* holder = store.policyHolder();
  // One snapshot for the whole decision: a reload in between cannot mix two bundles.
  const policy::BundlePtr bundle = holder != nullptr ? holder->current() : nullptr;
  if (!bundle) return {noBundleDecision(), std::nullopt};
  const policy::Request request = buildBoundaryRequest(input, bundle.get());
  const policy::PreparedRequest prepared = policy::prepare(*bundle, request);
  Decided out{policy::decide(*bundle, prepared),
              policy::preparedLabel(*bundle, prepared, "message.label")};
  return out;
}

nlohmann::json detailOf(const GuardContext& context) {
  const model::Link& link = context.link;
  return {{"bridge", link.bridge},        {"peer", link.policyPeer()},
          {"link_id", link.id},           {"remote_room", link.remoteRoom},
          {"channel_id", link.channelId}, {"direction", directionName(context.direction)}};
}

nlohmann::json messageDetail(const GuardContext& context, const model::CanonicalMessage& message) {
  nlohmann::json detail = detailOf(context);
  detail["post_id"] = message.postId;
  detail["change"] = model::messageChangeName(message.change);
  if (!message.rootId.empty()) detail["root_id"] = message.rootId;
  if (!message.label.empty()) detail["label"] = message.label;
  if (const auto sender = remoteSenderOf(message);
      sender && context.direction == Direction::kIngress) {
    detail["remote_user"] = sender->remoteId;
    detail["remote_server"] = sender->domain;
  }
  return detail;
}

std::string messageResource(const model::CanonicalMessage& message) {
  if (!message.postId.empty()) return "post:" + message.postId;
  return "channel:" + message.channelId;
}

std::string fileResource(const model::FileRef& file) {
  if (!file.fileId.empty()) return "file:" + file.fileId;
  if (!file.sha256.empty()) return "file:sha256:" + file.sha256;
  return "file:" + file.name;
}

// The deny obligations, audit record and audit id of a decision taken.
void finish(store::Store& store, const GuardContext& context, std::string_view action,
            std::string resource, nlohmann::json detail, BoundaryVerdict& verdict) {
  policy::Decision& decision = verdict.decision;
  if (!decision.permitted()) {
    for (const auto& obligation : decision.obligations) {
      if (obligation.type == "notify_sender") {
        verdict.notifySender = stringField(obligation.params, "text");
      }
      if (obligation.type == "quarantine") {
        verdict.quarantine = stringField(obligation.params, "queue");
      }
    }
  }
  verdict.auditId = recordAudit(
      store, policy::auditRecordOf(decision, store.clock().nowMillis(), context.auditSubject,
                                   std::move(resource), std::string(action), std::move(detail)));
  if (verdict.auditId == 0 && decision.permitted()) {
    // Nothing crosses the boundary without its record (AU-10).
    decision.effect = policy::Effect::kDeny;
    decision.determiningRules.clear();
    decision.obligations.clear();
    decision.reasonCode = std::string(kReasonAuditFailed);
    decision.reason = "permitted, but the decision could not be audited";
    decision.errors.emplace_back("audit_failed");
  }
}

BoundaryRequestInput inputFor(std::string_view action, const GuardContext& context,
                              const model::CanonicalMessage* message, const model::FileRef* file,
                              std::int64_t now) {
  BoundaryRequestInput input;
  input.action = action;
  input.link = &context.link;
  input.channel = context.policyChannel();
  input.localSubject = context.localSubject;
  input.subjectAttributes = &context.subjectAttributes;
  input.message = message;
  input.file = file;
  input.nowMillis = now;
  if (context.threadLabels) input.threadLabels = &*context.threadLabels;
  return input;
}

BoundaryVerdict decideFile(store::Store& store, const GuardContext& context,
                           std::string_view action, const model::CanonicalMessage& message,
                           const model::FileRef& file) {
  BoundaryVerdict verdict;
  verdict.message = message;
  verdict.message.files = {file};
  Decided decided =
      decideBoundary(store, inputFor(action, context, &message, &file, store.clock().nowMillis()));
  verdict.decision = std::move(decided.decision);
  if (verdict.permitted()) {
    if (decided.messageLabel) verdict.message.label = *decided.messageLabel;
    if (auto failure =
            applyMessageObligations(verdict.decision.obligations, {false}, verdict.message))
      denyForObligation(verdict.decision, *failure);
  }
  nlohmann::json detail = messageDetail(context, message);
  detail["file"] = {{"name", file.name}, {"type", file.mimeType}, {"size", file.size}};
  finish(store, context, action, fileResource(file), std::move(detail), verdict);
  return verdict;
}

BoundaryVerdict guardMessage(store::Store& store, const GuardContext& context,
                             std::string_view action, std::string_view fileAction,
                             const model::CanonicalMessage& message) {
  // Each attachment is its own decision; the message's obligations say what to do with the
  // denied ones.
  std::vector<bool> deniedFiles;
  deniedFiles.reserve(message.files.size());
  for (const auto& file : message.files)
    deniedFiles.push_back(!decideFile(store, context, fileAction, message, file).permitted());
  BoundaryVerdict verdict;
  verdict.message = message;
  Decided decided = decideBoundary(
      store, inputFor(action, context, &message, nullptr, store.clock().nowMillis()));
  verdict.decision = std::move(decided.decision);
  if (verdict.permitted()) {
    if (decided.messageLabel) verdict.message.label = *decided.messageLabel;
    if (auto failure =
            applyMessageObligations(verdict.decision.obligations, deniedFiles, verdict.message))
      denyForObligation(verdict.decision, *failure);
  }
  finish(store, context, action, messageResource(message), messageDetail(context, message),
         verdict);
  if (!verdict.permitted()) verdict.message = message;
  return verdict;
}

void prepareEgress(store::Store& store, const model::Link& link,
                   const model::CanonicalMessage& message, GuardContext& context) {
  loadChannel(store, link.channelId, context, message.author.userId);
  loadAuthor(store, message, context);
  if (!message.rootId.empty()) {
    auto labels = store.posts().threadLabels(message.rootId, message.postId);
    if (labels) {
      context.threadLabels = std::move(*labels);
    } else {
      // Without the thread's labels its high-water mark is unknown: a label that does not
      // parse makes every rule reading message.label fail closed.
      log::warn(kComponent, "thread labels unavailable; the reply is decided as unreadable",
                {{"root_id", message.rootId}, {"error", labels.error().message}});
      context.threadLabels = std::vector<std::string>{std::string(kUnreadableThreadLabel)};
    }
  }
}

void prepareIngress(store::Store& store, const model::Link& link,
                    const model::CanonicalMessage& message, GuardContext& context) {
  // Read with the puppet's access to the channel, which the post it becomes reads next (through
  // the same BatchReads). The decision itself uses the bridge's remote_users attributes.
  loadChannel(store, link.channelId, context, message.author.userId);
  context.auditSubject = remoteSubjectName(link, message);
}

bool carriesText(const model::CanonicalMessage& message) {
  return message.change == model::MessageChange::kPost ||
         message.change == model::MessageChange::kEdit;
}

}  // namespace

std::optional<model::RemoteOrigin> remoteSenderOf(const model::CanonicalMessage& message) {
  if (message.author.remote) return message.author.remote;
  return message.origin;
}

std::string displayNameOf(const model::User& user) {
  std::string name = user.firstName;
  if (!user.lastName.empty()) name += (name.empty() ? "" : " ") + user.lastName;
  if (!name.empty()) return name;
  if (!user.nickname.empty()) return user.nickname;
  return user.username;
}

namespace {

// message.label of a reply's egress: the thread's high-water mark.
void addThreadHighWaterMark(const policy::CompiledBundle& bundle,
                            const std::vector<std::string>& threadLabels,
                            const model::CanonicalMessage* message, policy::Request& request) {
  const policy::LabelPolicy* labels = messageLabelPolicy(bundle);
  if (labels == nullptr) return;
  std::string channelLabel;
  if (const auto it = request.attributes.find("channel.label"); it != request.attributes.end()) {
    if (const auto* text = std::get_if<std::string>(&it->second)) channelLabel = *text;
  }
  std::vector<std::string> all = threadLabels;
  if (message != nullptr) all.push_back(message->label);
  auto mark = threadHighWaterMark(*labels, channelLabel, all);
  if (!mark) {
    // Unreadable: handed on as it is, so that the engine's label error decides (fail closed).
    for (const auto& text : all) {
      if (!text.empty() && !labels->parse(text)) request.attributes["message.label"] = text;
    }
    return;
  }
  if (*mark) request.attributes["message.label"] = **mark;
}

}  // namespace

policy::Request buildBoundaryRequest(const BoundaryRequestInput& input,
                                     const policy::CompiledBundle* bundle) {
  const bool ingress = policy::isIngressAction(input.action);
  const model::CanonicalMessage* message = input.message;
  policy::Request request;
  if (!ingress && input.localSubject != nullptr) {
    static const model::AttributeMap kNone;
    request = buildPolicyRequest(input.action, *input.localSubject,
                                 input.subjectAttributes ? *input.subjectAttributes : kNone,
                                 input.channel, nullptr, input.nowMillis);
    request.attributes["subject.display"] =
        message != nullptr && !message->author.displayName.empty()
            ? message->author.displayName
            : displayNameOf(*input.localSubject);
  } else {
    request.action = std::string(input.action);
    if (input.channel != nullptr) addChannelPolicyAttributes(*input.channel, request);
    request.attributes["env.now"] = static_cast<std::int64_t>(input.nowMillis / 1000);
  }
  auto& attributes = request.attributes;
  const std::string peer = input.link != nullptr ? input.link->policyPeer() : std::string();
  if (input.link != nullptr) attributes["bridge.id"] = peer;
  if (ingress && message != nullptr) {
    // The puppet: only what the peer and the bundle say about it.
    if (!message->author.userId.empty()) attributes["subject.id"] = message->author.userId;
    if (!message->author.displayName.empty())
      attributes["subject.display"] = message->author.displayName;
    attributes["subject.remote"] = peer;
    const auto sender = remoteSenderOf(*message);
    if (sender) {
      attributes["remote.user"] = sender->remoteId;
      if (!sender->domain.empty()) attributes["remote.server"] = sender->domain;
    }
    if (!message->label.empty()) attributes["remote.label"] = message->label;
    if (bundle != nullptr)
      policy::addRemoteSubjectAttributes(*bundle, peer, sender ? sender->domain : "", request);
  } else if (message != nullptr && !message->label.empty()) {
    attributes["message.label"] = message->label;
  }
  if (input.file != nullptr) {
    attributes["file.type"] = input.file->mimeType;
    attributes["file.size"] = input.file->size;
  }
  if (bundle != nullptr && input.channel != nullptr)
    addBundleChannelAttributes(*bundle, *input.channel, request);
  if (!ingress && input.threadLabels != nullptr && bundle != nullptr) {
    addThreadHighWaterMark(*bundle, *input.threadLabels, message, request);
  }
  return request;
}

nlohmann::json peerProfileOf(const model::User& user, const model::AttributeMap& attributes) {
  nlohmann::json profile = {{"id", user.id},
                            {"username", user.username},
                            {"first_name", user.firstName},
                            {"last_name", user.lastName},
                            {"nickname", user.nickname},
                            {"position", user.position},
                            {"email", user.email},
                            {"locale", user.locale},
                            {"display_name", displayNameOf(user)}};
  for (const auto& [name, value] : attributes) {
    if (profile.contains(name)) continue;
    std::visit([&, &key = name](const auto& v) { profile[key] = v; }, value);
  }
  return profile;
}

bool mayCarryEmbeddedMetadata(std::string_view mimeType) {
  static constexpr std::array<std::string_view, 3> kPlain = {"text/plain", "text/csv",
                                                             "text/markdown"};
  const auto base = mimeType.substr(0, mimeType.find(';'));
  return std::find(kPlain.begin(), kPlain.end(), base) == kPlain.end();
}

std::optional<std::string> applyMessageObligations(
    const std::vector<policy::Obligation>& obligations, const std::vector<bool>& deniedFiles,
    model::CanonicalMessage& message) {
  // Denied attachments first: strip_file_metadata then looks only at what is still sent.
  std::vector<bool> denied = deniedFiles;
  denied.resize(message.files.size(), false);
  for (const auto& obligation : obligations) {
    if (obligation.type != "strip_denied_attachments") continue;
    const std::string placeholder =
        stringField(obligation.params, "placeholder", kDefaultPlaceholder);
    std::vector<model::FileRef> kept;
    for (std::size_t i = 0; i < message.files.size(); ++i) {
      if (!denied[i]) {
        kept.push_back(std::move(message.files[i]));
        continue;
      }
      message.text += (message.text.empty() ? "" : "\n") + placeholder;
    }
    message.files = std::move(kept);
    denied.assign(message.files.size(), false);
  }
  for (std::size_t i = 0; i < message.files.size(); ++i) {
    if (denied[i])
      return "attachments: " + message.files[i].name +
             " is denied and no strip_denied_attachments obligation removes it";
  }
  for (const auto& obligation : obligations) {
    const auto& type = obligation.type;
    const auto& params = obligation.params;
    if (type == "strip_denied_attachments") continue;
    if (type == "add_banner") {
      if (!carriesText(message)) continue;
      const std::string banner = stringField(params, "text", "");
      if (stringField(params, "position", "top") == "bottom") {
        message.text += (message.text.empty() ? "" : "\n") + banner;
      } else {
        message.text = banner + (message.text.empty() ? "" : "\n") + message.text;
      }
    } else if (type == "set_metadata") {
      const std::string key = stringField(params, "key", "");
      if (key.empty()) return "set_metadata: no key";
      message.metadata[key] = params.contains("value") ? params["value"] : nlohmann::json();
    } else if (type == "set_label") {
      const std::string label = stringField(params, "label", "");
      if (label.empty()) return "set_label: no label";
      if (params.contains("map") && !params.contains("equivalent"))
        return "set_label: " + label + " has no equivalent in " + stringField(params, "map", "");
      nlohmann::json carried = params;
      carried.erase("map");
      message.metadata[std::string(kMetadataLabel)] = std::move(carried);
      message.label = label;
    } else if (type == "rewrite_sender") {
      message.author.displayName = stringField(params, "display", message.author.displayName);
    } else if (type == "strip_file_metadata") {
      for (const auto& file : message.files)
        if (mayCarryEmbeddedMetadata(file.mimeType))
          return "strip_file_metadata: cannot remove embedded metadata from " + file.mimeType;
    } else if (type == "tag_origin") {
      message.metadata[std::string(kMetadataOrigin)] = params;
    } else {
      return type + ": does not apply to a message";
    }
  }
  return std::nullopt;
}

std::optional<std::string> applyProfileObligations(
    const std::vector<policy::Obligation>& obligations, nlohmann::json& profile) {
  for (const auto& obligation : obligations) {
    if (obligation.type != "redact_fields")
      return obligation.type + ": does not apply to a profile";
    const auto fields = obligation.params.find("fields");
    if (fields == obligation.params.end() || !fields->is_array()) return "redact_fields: no fields";
    for (const auto& field : *fields)
      if (field.is_string()) profile.erase(field.get<std::string>());
  }
  return std::nullopt;
}

void denyForObligation(policy::Decision& decision, const std::string& failure) {
  std::string permits;
  for (const auto& rule : decision.determiningRules)
    permits += (permits.empty() ? "" : ", ") + rule;
  decision.effect = policy::Effect::kDeny;
  decision.reasonCode = policy::kReasonObligation;
  decision.reason =
      "permitted by " + permits + " but the gateway cannot fulfil an obligation: " + failure;
  decision.errors.push_back("obligation_unfulfillable:" + failure.substr(0, failure.find(':')));
  decision.determiningRules.clear();
  decision.obligations.clear();
}

BoundaryVerdict guardMessageEgress(store::Store& store, const model::Link& link,
                                   const model::CanonicalMessage& message, BatchReads* reads) {
  GuardContext context(link, Direction::kEgress, reads);
  prepareEgress(store, link, message, context);
  return guardMessage(store, context,
                      message.rootId.empty() ? kActionMessageEgress : kActionThreadEgress,
                      kActionFileEgress, message);
}

BoundaryVerdict guardMessageIngress(store::Store& store, const model::Link& link,
                                    const model::CanonicalMessage& message, BatchReads* reads) {
  GuardContext context(link, Direction::kIngress, reads);
  prepareIngress(store, link, message, context);
  return guardMessage(store, context, kActionMessageIngress, kActionFileIngress, message);
}

BoundaryVerdict guardFileEgress(store::Store& store, const model::Link& link,
                                const model::CanonicalMessage& message,
                                const model::FileRef& file) {
  GuardContext context(link, Direction::kEgress);
  prepareEgress(store, link, message, context);
  return decideFile(store, context, kActionFileEgress, message, file);
}

BoundaryVerdict guardFileIngress(store::Store& store, const model::Link& link,
                                 const model::CanonicalMessage& message,
                                 const model::FileRef& file) {
  GuardContext context(link, Direction::kIngress);
  prepareIngress(store, link, message, context);
  return decideFile(store, context, kActionFileIngress, message, file);
}

std::optional<nlohmann::json> guardUserEgress(store::Store& store, const model::Link& link,
                                              const model::User& user) {
  GuardContext context(link, Direction::kEgress);
  loadChannel(store, link.channelId, context, user.id);
  loadSubjectAttributes(store, user, context);
  BoundaryVerdict verdict;
  Decided decided = decideBoundary(
      store, inputFor(kActionUserEgress, context, nullptr, nullptr, store.clock().nowMillis()));
  verdict.decision = std::move(decided.decision);
  nlohmann::json profile = peerProfileOf(user, context.subjectAttributes);
  if (verdict.permitted()) {
    if (auto failure = applyProfileObligations(verdict.decision.obligations, profile))
      denyForObligation(verdict.decision, *failure);
  }
  finish(store, context, kActionUserEgress, "user:" + user.id, detailOf(context), verdict);
  if (!verdict.permitted()) return std::nullopt;
  return profile;
}

Status guardChannelLink(store::Store& store, const model::User& admin,
                        const model::Channel& channel, const model::Link& link) {
  GuardContext context(link, Direction::kLink);
  context.channel = channel;
  auto loaded = loadPolicyChannel(store, *context.channel, nullptr);
  if (!loaded) return std::move(loaded).error();
  context.policy = std::move(*loaded);
  loadSubjectAttributes(store, admin, context);
  BoundaryVerdict verdict;
  verdict.decision = decideBoundary(store, inputFor(kActionChannelLink, context, nullptr, nullptr,
                                                    store.clock().nowMillis()))
                         .decision;
  // channel.link has no obligations of its own to fulfil: any the bundle attaches is refused.
  if (verdict.permitted() && !verdict.decision.obligations.empty())
    denyForObligation(verdict.decision,
                      verdict.decision.obligations.front().type + ": does not apply to a link");
  nlohmann::json detail = detailOf(context);
  detail["channel_id"] = channel.id;
  finish(store, context, kActionChannelLink, "channel:" + channel.id, std::move(detail), verdict);
  if (!verdict.permitted()) return policyDenied(verdict.decision);
  return {};
}

}  // namespace parley::core::services
