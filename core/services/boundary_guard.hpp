#pragma once
// The boundary guard (issue 5, abac-and-security.md §6.4 points 2-4): the one policy
// enforcement point for everything that crosses a link — messages, replies, files and profiles
// going out (egress) or coming in (ingress) — and for an admin linking a channel. Each guard
// builds the policy request, decides with the bundle in force, fulfils the decision's
// obligations on the canonical message (or turns the permit into a deny when it cannot),
// appends one audit record in the caller's store (its transaction, when it has one) and
// returns the verdict. Unlike local enforcement (access_policy.hpp), the boundary fails closed:
// with no bundle loaded every crossing is denied.
//
// Subjects: on egress and channel.link the local user (stored policy attributes, as
// access_policy builds them); on ingress the remote author, a puppet: `subject.remote` is the
// link's peer, `remote.user`/`remote.server` its remote id and domain, and its other subject
// attributes come only from the bundle (`bridges.<peer>.remote_users`, docs/policy.md), with a
// clearance the engine caps at the peer's own.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/canonical_message.hpp"
#include "core/model/channel.hpp"
#include "core/model/link.hpp"
#include "core/model/policy_attributes.hpp"
#include "core/model/user.hpp"
#include "core/policy/bundle.hpp"
#include "core/policy/decision.hpp"
#include "core/services/access_policy.hpp"
#include "core/services/batch_reads.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

// The boundary actions (the bundle's action names).
inline constexpr std::string_view kActionMessageEgress = "message.egress";
inline constexpr std::string_view kActionThreadEgress = "thread.egress";
inline constexpr std::string_view kActionMessageIngress = "message.ingress";
inline constexpr std::string_view kActionFileEgress = "file.egress";
inline constexpr std::string_view kActionFileIngress = "file.ingress";
inline constexpr std::string_view kActionUserEgress = "user.egress";
inline constexpr std::string_view kActionChannelLink = "channel.link";

// Keys of CanonicalMessage::metadata the guard's obligations set (set_metadata sets its own
// key). A bridge that cannot carry a key it was given must not send the message.
// set_label: {"format", "label" (local text), "marking", "equivalent" (the peer's label, when
// the rule named a label_map), "xml" (format adatp4774)}.
inline constexpr std::string_view kMetadataLabel = "parley.label";
// tag_origin: {"bridge", "remote_user"}.
inline constexpr std::string_view kMetadataOrigin = "parley.origin";

struct BoundaryVerdict {
  policy::Decision decision;
  std::int64_t auditId = 0;                 // the audit_log row written for this decision
  model::CanonicalMessage message;          // on permit: the message with obligations applied
  std::optional<std::string> notifySender;  // deny with notify_sender: text for the local author
  std::optional<std::string> quarantine;    // deny with quarantine: the review queue to hold it in
  bool permitted() const { return decision.permitted(); }
};

// message.egress, or thread.egress for a reply (rootId set). Each attachment gets its own
// file.egress decision (audited); a denied one is replaced by the permit's
// strip_denied_attachments placeholder, and without that obligation the whole message is
// denied. Callers need not call guardFileEgress for the files of a message they guard here.
// `reads`: the caller's batch (batch_reads.hpp), through which the link's channel with its
// policy attributes and team, and the author with theirs, are read once for all its decisions.
BoundaryVerdict guardMessageEgress(store::Store& store, const model::Link& link,
                                   const model::CanonicalMessage& message,
                                   BatchReads* reads = nullptr);
// message.ingress: the message's label (`label`) is the peer's own text, mapped through the
// peer's label_map (or parsed in the bundle's label policy when it has none); on permit the
// returned message carries the local label. The author's `remote` (else the message's
// `origin`) names the remote sender. Attachments: file.ingress each, as for egress.
BoundaryVerdict guardMessageIngress(store::Store& store, const model::Link& link,
                                    const model::CanonicalMessage& message,
                                    BatchReads* reads = nullptr);
// One file on its own (the verdict's message carries that file only).
BoundaryVerdict guardFileEgress(store::Store& store, const model::Link& link,
                                const model::CanonicalMessage& message, const model::FileRef& file);
BoundaryVerdict guardFileIngress(store::Store& store, const model::Link& link,
                                 const model::CanonicalMessage& message,
                                 const model::FileRef& file);
// user.egress: the profile a peer may see (peerProfileOf with redact_fields applied), decided
// with the user as subject on the link's channel; deny => nullopt.
std::optional<nlohmann::json> guardUserEgress(store::Store& store, const model::Link& link,
                                              const model::User& user);
// channel.link, asked by the admin API before a link is created: 403
// api.parley.policy.denied.app_error (policyDenied) on deny; audited either way.
Status guardChannelLink(store::Store& store, const model::User& admin,
                        const model::Channel& channel, const model::Link& link);

// ---- The pure parts, unit-tested. ----

struct BoundaryRequestInput {
  std::string_view action;
  const model::Link* link = nullptr;
  const PolicyChannel* channel = nullptr;
  const model::User* localSubject = nullptr;  // egress, user.egress, channel.link
  const model::AttributeMap* subjectAttributes = nullptr;
  const model::CanonicalMessage* message = nullptr;
  const model::FileRef* file = nullptr;
  std::int64_t nowMillis = 0;
  // Egress of a reply: the labels of its thread (root first, up to and including the reply;
  // "" = the channel's). message.label is then their lub with the message's own label, the
  // thread's high-water mark: a thread never crosses below its highest-labelled message.
  const std::vector<std::string>* threadLabels = nullptr;
};

// The request: subject (the local user as buildPolicyRequest makes it, plus subject.display;
// on ingress the puppet: subject.id, subject.display, subject.remote = the peer, remote.user,
// remote.server, and the bundle's remote_users attributes), channel attributes (stored, then
// the bundle's channels section), message.label (egress: the message's own when set, else the
// bundle's default, the channel's; a reply: the thread's high-water mark; ingress:
// remote.label), file.type and file.size, bridge.id
// = link.policyPeer(), env.now. `bundle` may be null (nothing is added from it).
policy::Request buildBoundaryRequest(const BoundaryRequestInput& input,
                                     const policy::CompiledBundle* bundle);

// The remote sender of an inbound message: the author's remote origin, else the message's.
std::optional<model::RemoteOrigin> remoteSenderOf(const model::CanonicalMessage& message);

// "First Last", else the nickname, else the username.
std::string displayNameOf(const model::User& user);

// The profile fields user.egress decides on: id, username, first_name, last_name, nickname,
// position, email, locale, display_name, and the user's policy attributes by name (never
// replacing those).
nlohmann::json peerProfileOf(const model::User& user, const model::AttributeMap& attributes);

// Applies a permit's obligations to `message` (add_banner, set_metadata, set_label,
// rewrite_sender, strip_denied_attachments, strip_file_metadata, tag_origin). `deniedFiles[i]`
// is whether attachment i's own decision denied it. Returns nullopt when every obligation was
// fulfilled, else "<type>: <why>" for the first that cannot be (the caller denies).
std::optional<std::string> applyMessageObligations(
    const std::vector<policy::Obligation>& obligations, const std::vector<bool>& deniedFiles,
    model::CanonicalMessage& message);

// Applies redact_fields to a profile; any other obligation cannot be fulfilled on a profile.
std::optional<std::string> applyProfileObligations(
    const std::vector<policy::Obligation>& obligations, nlohmann::json& profile);

// Whether a file of this (sniffed) type can carry embedded metadata (EXIF, document
// properties) the guard cannot remove: strip_file_metadata is unfulfillable for it.
bool mayCarryEmbeddedMetadata(std::string_view mimeType);

// Turns a permit into the deny of an unfulfillable obligation ("<type>: <why>"), as the engine
// does for one it cannot render: reason code policy.denied.obligation.
void denyForObligation(policy::Decision& decision, const std::string& failure);

}  // namespace parley::core::services
