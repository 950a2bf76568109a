#pragma once
// The XMPP bridge's two pure translation functions (design.md §3; rules: xmpp.md §8):
//   toXmpp:   a CanonicalMessage (+ the remote ids it refers to) -> the <message> stanzas to send
//   fromXmpp: a received <message> stanza -> the fields of an InboundEvent
// No I/O, no clock, no libstrophe: stanzas are XmlElement trees (xml_tree.hpp; expat parses,
// we serialise), so both directions are unit-tested with wire examples and fuzzed
// (tests/fuzz/fuzz_xmpp_translate).
//
// For the component (bridges/xmpp, helper "xmpp"):
//   - egress: the <message> and its <body>/<thread> are in the component stream's namespace
//     (kNsComponent), so toXml(stanza.element, kNsComponent) writes them without an xmlns, as
//     the stream expects, and the extension elements with theirs. That text goes to
//     xmpp_stanza_new_from_string() (our serialiser escapes everything, which that function
//     does not); or walk the tree into xmpp_stanza_t, setting xmlns where ns != kNsComponent. A
//     hosted room adds its own <stanza-id by='room' id='POST_ID' xmlns='urn:xmpp:sid:0'/> and sets
//     `to` per occupant when it reflects; this code sets from/to/type/id as given in
//     OutboundAddress.
//   - ingress: the received stanza's tree (Stanza::toTree() with options.limits.xml, read
//     from libstrophe's nodes), then fromXmppTree(); or its text and fromXmppText().
//
// XEPs: 0393 styling (styling.hpp), 0461 replies + 0428 fallback + RFC 6121 <thread>, 0308
// corrections, 0424 retractions (`urn:xmpp:message-retract:1`; the older fastening form
// `urn:xmpp:fasten:0` + `message-retract:0` is understood on ingress), 0444 reactions, 0066
// OOB attachments, 0359 origin-id / stanza-id, 0334 store hints, 0258 security labels (the
// message label), and Parley's own <metadata xmlns='urn:parley:metadata:0'> for obligation
// metadata (a bridge that cannot carry a key must not send; this one carries all of them).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bridges/xmpp/xml_tree.hpp"
#include "core/common/result.hpp"
#include "core/model/canonical_message.hpp"
#include "core/model/reaction_set.hpp"

namespace parley::bridges::xmpp {

inline constexpr std::string_view kNsClient = "jabber:client";
inline constexpr std::string_view kNsComponent = "jabber:component:accept";
inline constexpr std::string_view kNsStanzaId = "urn:xmpp:sid:0";
inline constexpr std::string_view kNsReply = "urn:xmpp:reply:0";
inline constexpr std::string_view kNsFallback = "urn:xmpp:fallback:0";
inline constexpr std::string_view kNsFeatureFallback = "urn:xmpp:feature-fallback:0";  // 0461 0.1
inline constexpr std::string_view kNsCorrection = "urn:xmpp:message-correct:0";
inline constexpr std::string_view kNsRetract = "urn:xmpp:message-retract:1";
inline constexpr std::string_view kNsRetractV0 = "urn:xmpp:message-retract:0";
inline constexpr std::string_view kNsFasten = "urn:xmpp:fasten:0";
inline constexpr std::string_view kNsReactions = "urn:xmpp:reactions:0";
inline constexpr std::string_view kNsOob = "jabber:x:oob";
inline constexpr std::string_view kNsHints = "urn:xmpp:hints";
inline constexpr std::string_view kNsSecurityLabel = "urn:xmpp:sec-label:0";
inline constexpr std::string_view kNsParleyMetadata = "urn:parley:metadata:0";

// Error ids (Error::id) of this translation.
inline constexpr std::string_view kErrMalformed = "xmpp.translate.malformed";  // kInvalidArgument
inline constexpr std::string_view kErrUnsupported =
    "xmpp.translate.unsupported";                                             // kNotImplemented
inline constexpr std::string_view kErrTooLarge = "xmpp.translate.too_large";  // kTooLarge
inline constexpr std::string_view kErrBadUrl = "xmpp.translate.bad_url";      // kInvalidArgument
inline constexpr std::string_view kErrErrorStanza = "xmpp.translate.error_stanza";  // kUnavailable
// A well-formed message with nothing to bridge (chat states, receipts, markers, an empty
// body): kNotFound. The component drops it silently; every other error is worth a log line
// (and, for a client's own message, a stanza error back).
inline constexpr std::string_view kErrNothingToBridge = "xmpp.translate.nothing_to_bridge";

enum class ChatType { kGroupchat, kChat };

// ----------------------------------------------------------------------------------- egress

struct OutboundAddress {
  std::string from;  // the sender: room@domain/nick (groupchat) or user@domain (a DM)
  std::string to;    // room JID / occupant JID / the remote user's JID
  ChatType type = ChatType::kGroupchat;
};

// A part of a post already on the peer (OutboundItem::parts): part 0 the text, then files.
struct TargetPart {
  int part = 0;
  // What replies, retractions and reactions reference: the stanza-id in a room (in a hosted
  // room Parley's own), the message id in a DM.
  std::string remoteId;
  // What a correction (XEP-0308) references: the message's id attribute (for a part Parley
  // sent, OutboundStanza::id). "" = the same as remoteId.
  std::string messageId;
};

struct OutboundRequest {
  OutboundAddress address;
  // OutboundItem::txnId: stable across retries, so it is the stanza id and origin-id of the
  // first stanza (the peer de-duplicates with it); the n-th further stanza gets "<txnId>-<n>".
  std::string txnId;
  // kEdit / kDelete / kReaction / kReactionDelete: the post's parts on this link. An edit
  // replaces the text part (the lowest part), a deletion retracts every part, a reaction goes
  // to the lowest part.
  std::vector<TargetPart> targets;
  // A reply (message.rootId set): the root's remote id ("" = unknown: sent as a plain message)
  // and, for the XEP-0428 fallback quote, who wrote it and what (markdown; "" = no quote).
  std::string rootRemoteId;
  std::string rootAuthorJid;  // <reply to=...>: occupant JID of the root's author; optional
  std::string rootAuthorName;
  std::string rootText;
  // kReaction / kReactionDelete: the author's reactions on the post AFTER this change
  // (Mattermost names). XEP-0444 sends the whole set each time; message.emoji is added for
  // kReaction and removed for kReactionDelete whether or not the caller included it.
  std::vector<std::string> reactions;
  // kPost with files: the GET URL of each re-hosted file (XEP-0363), in message.files order.
  std::vector<std::string> fileUrls;
};

struct OutboundStanza {
  int part = 0;        // the DeliveryResult part this stanza creates (kPost) or refers to
  std::string id;      // the stanza's id attribute (= origin-id)
  XmlElement element;  // the <message> (namespace kNsComponent)
};

// kPost: the text (part 0, if any) then one message per file (parts 1..n: body == URL plus
// OOB, the reply reference but no fallback, so clients show the file inline). kEdit: one
// correction. kDelete: one retraction per part. kReaction/kReactionDelete: one <reactions>
// with the whole set; a Mattermost emoji without a Unicode form (a custom emoji, a name
// outside emoji.hpp's table) is left out of the set, and when the changed emoji is such a
// name nothing is sent at all (an empty vector: nothing changed for XMPP).
// Errors (kInvalidArgument, kErrMalformed): nothing to send for a kPost, a missing target,
// fileUrls not matching message.files.
core::Result<std::vector<OutboundStanza>> toXmpp(const core::model::CanonicalMessage& message,
                                                 const OutboundRequest& request);

// ---------------------------------------------------------------------------------- ingress

struct InboundLimits {
  std::size_t maxBodyChars = 16383;  // Mattermost's post size (code points)
  std::size_t maxReactions = 50;     // <reaction> elements in one set
  std::size_t maxReactionBytes = 64;
  std::size_t maxFiles = 10;  // OOB URLs (Mattermost: 10 files per post)
  std::size_t maxUrlBytes = 2048;
  std::size_t maxIdBytes = 256;  // id attributes (they become inbox keys)
  bool allowHttpUrls = false;    // https only; the loopback Prosody of the tests serves http
  XmlLimits xml;
};

struct InboundOptions {
  InboundLimits limits;
  // The entity whose <stanza-id by=...> is trusted (the server MUC in puppet mode, or the
  // user's own server for a DM); "" = trust none: in a hosted room Parley assigns stanza-ids
  // itself and a client could forge one.
  std::string trustedStanzaIdBy;
};

struct InboundMessage {
  core::model::MessageChange change = core::model::MessageChange::kPost;
  ChatType type = ChatType::kGroupchat;
  std::string from;  // as received (full JID)
  std::string to;
  std::string senderBareJid;  // `from` without its resource
  std::string messageId;      // id attribute ("" if absent)
  std::string originId;       // XEP-0359 origin-id ("" if absent)
  std::string stanzaId;       // XEP-0359 stanza-id by options.trustedStanzaIdBy ("" if none)
  // The inbox key (InboundEvent::remoteEventId): the trusted stanza-id; otherwise
  // "<sender bare JID> <id>" (the id attribute, else origin-id), scoped by sender so one user
  // cannot claim another's ids. Never empty: a message with neither id is malformed.
  std::string remoteEventId;
  std::string text;  // Mattermost markdown from XEP-0393, fallbacks removed
  // XEP-0461 <reply id>: in a room the stanza-id (for a hosted room: the post id), in a DM the
  // message id. As sent, not resolved or scoped: the id store resolves it.
  std::string replyToRemoteId;
  std::string replyToJid;  // <reply to>
  std::string thread;      // <thread>, which Cheogram uses for replies (maps like a reply when
                           // it names a known root)
  // kEdit: "<senderBareJid> <replace id>" (the original's id attribute, scoped by sender as
  // remoteEventId is); kDelete: <retract id>; kReaction: <reactions id>. Not resolved.
  std::string targetRemoteId;
  // kReaction: the sender's whole new set (XEP-0444), as Mattermost names in the order sent,
  // without duplicates; reactionDelta() against the stored set gives the events. An empty set
  // removes every reaction.
  std::vector<std::string> reactions;
  std::size_t unmappedReactions = 0;        // <reaction>s without a Mattermost name, skipped
  std::vector<core::model::FileRef> files;  // XEP-0066 OOB: url (and a name from its path)
  std::string label;                        // XEP-0258 display marking, "" = none
};

// The change kind is decided in this order: retraction (kDelete), reactions (kReaction; the
// caller turns the set into kReaction/kReactionDelete events), correction (kEdit), body or
// OOB (kPost). Errors: see the kErr* ids above.
core::Result<InboundMessage> fromXmpp(const XmlElement& stanza, const InboundOptions& options);
// fromXmpp() of the tree parseXml() or Stanza::toTree() read, within options.limits.xml: a
// stanza that could not be read is kErrTooLarge (over those limits) or kErrMalformed.
core::Result<InboundMessage> fromXmppTree(const core::Result<XmlElement>& read,
                                          const InboundOptions& options);
// fromXmppTree(parseXml(xml, options.limits.xml)).
core::Result<InboundMessage> fromXmppText(std::string_view xml, const InboundOptions& options);

using ReactionDelta = core::model::ReactionSetDelta;
// What a new XEP-0444 set means for Mattermost, given the sender's previous set on the message.
ReactionDelta reactionDelta(const std::vector<std::string>& previous,
                            const std::vector<std::string>& current);

// The bare JID ("user@domain" of "user@domain/resource").
std::string bareJid(std::string_view jid);

}  // namespace parley::bridges::xmpp
