#include "core/services/access_policy.hpp"

#include <atomic>

#include "core/common/log.hpp"
#include "core/policy/audit_log.hpp"
#include "core/policy/engine.hpp"
#include "core/policy/policy_holder.hpp"
#include "core/services/batch_reads.hpp"
#include "core/services/permissions.hpp"

namespace parley::core::services {
namespace {

constexpr auto kComponent = "policy";

std::atomic<std::uint64_t> gAttributeEpoch{0};

policy::Value toPolicyValue(const model::AttributeValue& value) {
  return std::visit([](const auto& v) -> policy::Value { return v; }, value);
}

std::string channelPolicyName(const PolicyChannel& channel) {
  return channel.teamName + "/" + channel.channel->name;
}

// The decision for `action`, or nullopt when no bundle is configured (enforcement off).
// `inputs`: read with the access already, or null to read them here (as they are when they
// describe another subject than `subject`).
Result<std::optional<policy::Decision>> decide(store::Store& store, std::string_view action,
                                               const model::User& subject,
                                               const model::ChannelAccess& access,
                                               const store::PolicyInputs* inputs,
                                               const model::FileInfo* file,
                                               std::string_view messageLabel) {
  const policy::PolicyHolder* holder = store.policyHolder();
  if (holder == nullptr) return std::optional<policy::Decision>{};
  Result<store::PolicyInputs> read = store::PolicyInputs{};
  if (inputs == nullptr || inputs->subjectId != subject.id) {
    read =
        store.policyAttributes().policyInputs(subject.id, access.channel.id, store::WithLinks::kNo);
    if (!read) return std::move(read).error();
    inputs = &*read;
  }
  // The channel itself is the caller's (as read with the membership): only its attributes and
  // the subject's are used.
  const PolicyChannel channel{&access.channel, access.member ? &*access.member : nullptr,
                              inputs->channelPolicy.teamName, inputs->channelPolicy.attributes};
  policy::Request request = buildPolicyRequest(action, subject, inputs->subject, &channel, file,
                                               store.clock().nowMillis());
  // Absent: the bundle's default (the channel's label).
  if (!messageLabel.empty()) request.attributes["message.label"] = std::string(messageLabel);
  // One snapshot for the whole decision: a reload in between cannot mix two bundles.
  const policy::BundlePtr bundle = holder->current();
  if (!bundle) return std::optional<policy::Decision>{holder->decide(request)};
  addBundleChannelAttributes(*bundle, channel, request);
  return std::optional<policy::Decision>{policy::decide(*bundle, request)};
}

}  // namespace

std::string policySubjectRole(const model::User& user, const model::ChannelMember* member) {
  if (user.isGuest()) return "guest";
  if (member != nullptr && member->schemeAdmin) return "channel_admin";
  return "member";
}

policy::Request buildPolicyRequest(std::string_view action, const model::User& subject,
                                   const model::AttributeMap& subjectAttributes,
                                   const PolicyChannel* channel, const model::FileInfo* file,
                                   std::int64_t nowMillis) {
  policy::Request request;
  request.action = std::string(action);
  auto& attributes = request.attributes;
  for (const auto& [name, value] : subjectAttributes) {
    attributes["subject." + name] = toPolicyValue(value);
  }
  // Set by the gateway, after the admin's fields: a stored field cannot impersonate them.
  attributes["subject.id"] = subject.id;
  attributes["subject.role"] =
      policySubjectRole(subject, channel != nullptr ? channel->member : nullptr);
  if (channel != nullptr) addChannelPolicyAttributes(*channel, request);
  addConnectionOriginAttributes(subject.connectionOrigin, request);
  if (file != nullptr) {
    attributes["file.type"] = file->mimeType;
    attributes["file.size"] = static_cast<std::int64_t>(file->size);
  }
  attributes["env.now"] = static_cast<std::int64_t>(nowMillis / 1000);
  return request;
}

void addConnectionOriginAttributes(model::ConnectionOrigin origin, policy::Request& request) {
  // After the stored fields: a profile field named via_vpn never stands in for the connection.
  if (origin == model::ConnectionOrigin::kUnknown) {
    request.attributes.erase("subject.via_vpn");
    request.attributes.erase("env.origin");
    return;
  }
  request.attributes["subject.via_vpn"] = origin == model::ConnectionOrigin::kVpn;
  request.attributes["env.origin"] = std::string(model::connectionOriginName(origin));
}

void addChannelPolicyAttributes(const PolicyChannel& channel, policy::Request& request) {
  if (channel.channel == nullptr) return;
  for (const auto& [name, value] : channel.attributes) {
    request.attributes["channel." + name] = toPolicyValue(value);
  }
  if (!channel.teamName.empty()) request.attributes["channel.name"] = channelPolicyName(channel);
}

void addBundleChannelAttributes(const policy::CompiledBundle& bundle, const PolicyChannel& channel,
                                policy::Request& request) {
  if (channel.channel == nullptr || channel.teamName.empty()) return;
  policy::addChannelAttributes(bundle, channelPolicyName(channel), request);
}

Result<PolicyChannel> loadPolicyChannel(store::Store& store, const model::Channel& channel,
                                        const model::ChannelMember* member) {
  // Direct and group channels have no team, so no bundle name either.
  auto inputs = store.policyAttributes().channelPolicyInputs(channel.id, channel.teamId);
  if (!inputs) return std::move(inputs).error();
  return PolicyChannel{&channel, member, std::move(inputs->teamName),
                       std::move(inputs->attributes)};
}

policy::BundlePtr bundleInForce(store::Store& store) {
  const policy::PolicyHolder* holder = store.policyHolder();
  return holder != nullptr ? holder->current() : nullptr;
}

std::int64_t recordAudit(store::Store& store, const policy::AuditRecord& record) {
  auto appended = store.audit().append(record);
  if (appended) return appended->id;
  log::error(kComponent, "could not audit a policy decision",
             {{"error", appended.error().message},
              {"action", record.action},
              {"subject", policy::auditText(record.subject)},
              {"resource", policy::auditText(record.resource)}});
  return 0;
}

Error policyDenied(const policy::Decision& decision) {
  return makeError(ErrorCode::kPermissionDenied, std::string(kPolicyDeniedId),
                   policy::userMessage(decision));
}

namespace {

Status enforce(store::Store& store, std::string_view action, const model::User& subject,
               const model::ChannelAccess& access, const store::PolicyInputs* inputs,
               const model::FileInfo* file, std::string_view messageLabel, DenialRecord record) {
  auto decision = decide(store, action, subject, access, inputs, file, messageLabel);
  if (!decision) return std::move(decision).error();
  if (!decision->has_value() || (*decision)->permitted()) return {};
  if (record == DenialRecord::kAfterRollback) return policyDenied(**decision);
  nlohmann::json detail = {{"channel_id", access.channel.id}};
  if (const auto origin = model::connectionOriginName(subject.connectionOrigin); !origin.empty()) {
    detail["origin"] = origin;
  }
  if (!messageLabel.empty()) detail["label"] = messageLabel;
  if (file != nullptr) {
    detail["file"] = {{"name", file->name}, {"type", file->mimeType}, {"size", file->size}};
  }
  // The denial stands whether or not the record could be written (appendAudit logs a loss).
  recordAudit(store, policy::auditRecordOf(**decision, store.clock().nowMillis(), subject.id,
                                           file != nullptr && !file->id.empty()
                                               ? "file:" + file->id
                                               : "channel:" + access.channel.id,
                                           std::string(action), std::move(detail)));
  return policyDenied(**decision);
}

}  // namespace

Status enforceChannelPolicy(store::Store& store, std::string_view action,
                            const model::User& subject, const model::ChannelAccess& access,
                            const model::FileInfo* file, std::string_view messageLabel) {
  return enforce(store, action, subject, access, nullptr, file, messageLabel, DenialRecord::kNow);
}

Status enforceChannelPolicy(store::Store& store, std::string_view action,
                            const model::User& subject, const PolicedAccess& access,
                            const model::FileInfo* file, std::string_view messageLabel,
                            DenialRecord record) {
  const store::PolicyInputs* inputs = access.policyInputs ? &*access.policyInputs : nullptr;
  return enforce(store, action, subject, access.access, inputs, file, messageLabel, record);
}

Result<PolicedAccess> requirePolicedChannelPermission(store::Store& store, const model::User& user,
                                                      std::string_view channelId,
                                                      std::string_view permission,
                                                      store::WithLinks withLinks) {
  std::optional<store::PolicyInputs> inputs;
  if (store.policyHolder() != nullptr) {
    auto read = store.policyAttributes().policyInputs(user.id, channelId, withLinks);
    if (!read) return std::move(read).error();
    inputs = std::move(*read);
  }
  if (!inputs || !inputs->access) {
    // No decision to make, or no such channel: the access alone (its own error).
    auto access = requireChannelPermission(store, user, channelId, permission);
    if (!access) return std::move(access).error();
    return PolicedAccess{std::move(*access), std::nullopt};
  }
  if (auto allowed = checkChannelPermission(user, *inputs->access, permission); !allowed) {
    return std::move(allowed).error();
  }
  model::ChannelAccess access = std::move(*inputs->access);
  inputs->access.reset();  // kept once, in PolicedAccess::access
  return PolicedAccess{std::move(access), std::move(inputs)};
}

Result<PolicedAccess> requirePolicedChannelPermission(store::Store& store, BatchReads& reads,
                                                      const model::User& user,
                                                      const std::string& channelId,
                                                      std::string_view permission) {
  const auto alone = [&] {
    return requirePolicedChannelPermission(store, user, channelId, permission,
                                           store::WithLinks::kYes);
  };
  if (store.policyHolder() == nullptr) {
    // No decision to make: the access alone, read once per author.
    auto access = reads.access(store, user.id, channelId);
    if (!access) return alone();  // its own error
    if (auto allowed = checkChannelPermission(user, **access, permission); !allowed) {
      return std::move(allowed).error();
    }
    return PolicedAccess{**access, std::nullopt};
  }
  reads.readPolicyInputs(store, user.id, channelId, store::WithLinks::kYes);
  auto access = reads.access(store, user.id, channelId);
  if (!access) return alone();
  if (auto allowed = checkChannelPermission(user, **access, permission); !allowed) {
    return std::move(allowed).error();
  }
  auto channelPolicy = reads.channelPolicy(store, (*access)->channel);
  auto subject = reads.userAttributes(store, user.id);
  auto links = reads.links(store, channelId);
  if (!channelPolicy || !subject || !links) return alone();
  store::PolicyInputs inputs;
  inputs.channelPolicy = **channelPolicy;
  inputs.subject = **subject;
  inputs.subjectId = user.id;
  inputs.links = **links;
  return PolicedAccess{**access, std::move(inputs)};
}

bool policyPermitsChannel(store::Store& store, std::string_view action, const model::User& subject,
                          const model::ChannelAccess& access) {
  auto decision = decide(store, action, subject, access, nullptr, nullptr, {});
  return decision && (!decision->has_value() || (*decision)->permitted());
}

void notePolicyAttributesChanged() { gAttributeEpoch.fetch_add(1); }

std::uint64_t policyAttributeEpoch() { return gAttributeEpoch.load(); }

std::set<std::string> channelsUnreadableByPolicy(store::Store& store, const model::User& subject,
                                                 const std::vector<std::string>& channelIds) {
  std::set<std::string> denied;
  if (store.policyHolder() == nullptr) return denied;
  const std::set<std::string> distinct(channelIds.begin(), channelIds.end());
  for (const auto& channelId : distinct) {
    auto access = store.channels().access(subject.id, channelId);
    if (!access || !policyPermitsChannel(store, kActionChannelRead, subject, *access)) {
      denied.insert(channelId);
    }
  }
  return denied;
}

}  // namespace parley::core::services
