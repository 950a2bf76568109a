#pragma once
// The policy enforcement point for local actions (issue 5, abac-and-security.md §6): the
// services ask it before a user joins or reads a channel, posts, uploads or downloads a file.
// It builds the policy request from stored attributes, decides with the bundle in force and,
// on a denial, audits the decision and returns a 403 whose message carries only the reason
// code. With no bundle configured (Store::policyHolder() is null) it allows everything: only
// Mattermost's permissions apply.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/channel.hpp"
#include "core/model/file_info.hpp"
#include "core/model/policy_attributes.hpp"
#include "core/model/user.hpp"
#include "core/policy/audit_log.hpp"
#include "core/policy/bundle.hpp"
#include "core/policy/decision.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

class BatchReads;

// The local actions (the bundle's action names).
inline constexpr std::string_view kActionChannelJoin = "channel.join";
inline constexpr std::string_view kActionChannelRead = "channel.read";
inline constexpr std::string_view kActionMessagePost = "message.post";
inline constexpr std::string_view kActionFileUpload = "file.upload";
inline constexpr std::string_view kActionFileDownload = "file.download";

// The error id of every local policy denial (403).
inline constexpr std::string_view kPolicyDeniedId = "api.parley.policy.denied.app_error";

// `subject.role` from Mattermost's roles: "guest" for a system guest, "channel_admin" for a
// channel admin of the channel concerned, "member" otherwise.
std::string policySubjectRole(const model::User& user, const model::ChannelMember* member);

// What a request is about, as the service knows it.
struct PolicyChannel {
  const model::Channel* channel = nullptr;
  const model::ChannelMember* member = nullptr;  // the subject's membership, if any
  std::string teamName;                          // for the bundle's "team/channel" names
  model::AttributeMap attributes;                // PolicyAttributeStore::channelAttributes
};

// Builds the request: `subject.<field>` for each of the user's attributes, `subject.id`,
// `subject.role`, the origin of the subject's connection (addConnectionOriginAttributes);
// `channel.<name>` for the channel's attributes and `channel.name`
// ("team-name/channel-name"); `file.type` and `file.size`; `env.now` (seconds). Pure.
policy::Request buildPolicyRequest(std::string_view action, const model::User& subject,
                                   const model::AttributeMap& subjectAttributes,
                                   const PolicyChannel* channel, const model::FileInfo* file,
                                   std::int64_t nowMillis);

// `subject.via_vpn` (bool) and `env.origin` ("vpn" or "direct") for a request that came in over a
// client connection; nothing for kUnknown (no connection: has() is false). Pure.
void addConnectionOriginAttributes(model::ConnectionOrigin origin, policy::Request& request);

// `channel.<name>` for each of the channel's stored attributes and `channel.name`. Pure.
void addChannelPolicyAttributes(const PolicyChannel& channel, policy::Request& request);
// The bundle's channels section for this channel ("team/channel"), where the request has no
// stored value of its own.
void addBundleChannelAttributes(const policy::CompiledBundle& bundle, const PolicyChannel& channel,
                                policy::Request& request);
// The channel's stored policy attributes and its team's name.
Result<PolicyChannel> loadPolicyChannel(store::Store& store, const model::Channel& channel,
                                        const model::ChannelMember* member);

// The bundle in force (null without a policy or a bundle).
policy::BundlePtr bundleInForce(store::Store& store);

// Appends `record` to the audit log (in the caller's transaction, if any); its id, or 0 when it
// could not be written (logged).
std::int64_t recordAudit(store::Store& store, const policy::AuditRecord& record);

// 403 kPolicyDeniedId with policy::userMessage(decision): no label, no attribute value.
Error policyDenied(const policy::Decision& decision);

// Decides `action` for `subject` on the channel (and file); ok when the policy permits or no
// bundle is configured. A denial is appended to the audit log (resource "file:<id>" when a
// file is given, else "channel:<id>"; the subject's connection origin in detail.origin) and
// returned as policyDenied().
// `messageLabel`: the post's own label (message.label), "" for the bundle's default.
Status enforceChannelPolicy(store::Store& store, std::string_view action,
                            const model::User& subject, const model::ChannelAccess& access,
                            const model::FileInfo* file = nullptr,
                            std::string_view messageLabel = {});

// A channel access read together with what a policy decision on it reads (with a bundle
// configured; without one a decision reads nothing): one round trip for both.
struct PolicedAccess {
  model::ChannelAccess access;
  std::optional<store::PolicyInputs> policyInputs;  // of the user who asked, on this channel
};

// requireChannelPermission() (the same errors), reading the decision's inputs with the access
// (and the channel's links, for a caller that posts to it next).
Result<PolicedAccess> requirePolicedChannelPermission(
    store::Store& store, const model::User& user, std::string_view channelId,
    std::string_view permission, store::WithLinks withLinks = store::WithLinks::kNo);

// The same for a batch of changes to one channel (the API's post lanes): the access and the
// decision's inputs, with the channel's links, are read once per user for the whole batch and
// kept in `reads`; the permission is checked for every call. Anything the batch cannot read is
// read as above, so the errors are the same.
Result<PolicedAccess> requirePolicedChannelPermission(store::Store& store, BatchReads& reads,
                                                      const model::User& user,
                                                      const std::string& channelId,
                                                      std::string_view permission);

// Who appends a denial's audit record: enforceChannelPolicy() as it decides, or its caller, by
// deciding again with kNow once the transaction the denial ends has been rolled back.
enum class DenialRecord { kNow, kAfterRollback };

// enforceChannelPolicy() with the inputs read with the access: those of the user who asked,
// used when `subject` is that user, read afresh for anyone else.
Status enforceChannelPolicy(store::Store& store, std::string_view action,
                            const model::User& subject, const PolicedAccess& access,
                            const model::FileInfo* file = nullptr,
                            std::string_view messageLabel = {},
                            DenialRecord record = DenialRecord::kNow);

// The same without side effects: true when permitted (or no bundle). For filtering lists
// (search results), where a left-out channel is not a denial the user asked for.
bool policyPermitsChannel(store::Store& store, std::string_view action, const model::User& subject,
                          const model::ChannelAccess& access);

// Policy attributes of users and channels changed (call after the change committed): decisions
// cached under an older epoch (the WebSocket hub's) are stale. One counter per process; other
// nodes notice through their caches' maximum age.
void notePolicyAttributesChanged();
std::uint64_t policyAttributeEpoch();

// Of `channelIds`, those the policy denies `subject` channel.read (none without a bundle); a
// channel that cannot be loaded counts as denied.
std::set<std::string> channelsUnreadableByPolicy(store::Store& store, const model::User& subject,
                                                 const std::vector<std::string>& channelIds);

}  // namespace parley::core::services
