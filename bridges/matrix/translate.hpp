#pragma once
// The Matrix bridge's two pure translation functions (design.md §3; the rules:
// matrix-appservice.md §4 and §6):
//   toMatrix:   a CanonicalMessage (+ the remote ids it refers to) -> the events to send
//   fromMatrix: one event of a homeserver transaction (a ClientEvent, JSON) -> the fields of
//               an InboundEvent
// No I/O, no clock, no HTTP: the caller (bridges/matrix, helper "matrixas") owns the
// homeserver client, the id map and the puppets. Both directions are unit-tested with the
// spec's wire examples and fuzzed (tests/fuzz/fuzz_matrix_translate). Text formatting:
// markup.hpp.
//
// Contract for the transport (matrix_bridge.cpp):
//   egress, per OutboundItem:
//     1. Fill OutboundRequest: txnId = OutboundItem::txnId (unique across the AS, stable across
//        retries: Synapse keys send idempotency per AS, not per puppet); postType =
//        OutboundItem::postType; targets = the post's parts on the link; rootRemoteId (+
//        threadLatestRemoteId, the latest event of the thread on the link, if known) for a
//        reply; files = the mxc URI (and w/h/duration, when known) of each of message.files
//        after the media upload, in the same order;
//        mentions = Mattermost username -> MXID of the users of mentionedUsernames(text) the
//        bridge can address (local users' puppets, Matrix users behind Parley's puppets);
//        reactionEventId = the m.reaction event to redact for kReactionDelete.
//     2. toMatrix() returns the events in order. Send each as the author's puppet, `content`
//        as the body:
//        - m.room.message, m.reaction: PUT /_matrix/client/v3/rooms/{room}/send/{type}/{txnId}
//        - m.room.redaction: PUT /_matrix/client/v3/rooms/{room}/redact/{redacts}/{txnId}
//        Each event has its own txnId (the text: request.txnId, a file: "<txnId>.<part>",
//        the n-th further event of other changes: "<txnId>-<n>"), so a retry of the whole item
//        re-sends the same txnIds and the homeserver returns the same event ids.
//     3. kPost: DeliveryResult.parts = {event.part, returned event_id} of every event (part 0
//        the text if there is text, then one part per file: 1..n). kReaction: the reaction's
//        event id is the bridge's to keep (for its later redaction); kEdit/kDelete create no
//        parts.
//   ingress, per event of a transaction (after the bridge's own checks: the room is linked,
//   the sender is not one of Parley's puppets or its bot, the event id is not an echo of a
//   send):
//     1. fromMatrix(event, options) -> InboundMatrixEvent or an error. kErrNothingToBridge
//        (state events, other event types, redacted content, an unmapped reaction key): skip
//        silently; any other error: log it and skip the event. Either way the transaction is
//        still acknowledged (a non-2xx makes the homeserver resend it forever).
//     2. InboundEvent: remoteEventId = eventId; change; sender = {bridge, roomId, sender,
//        senderDomain}; text; files (FileRef.url = the mxc:// URI, downloaded from the
//        mediaDownloadPaths() by the bridge's attachment fetcher; url "" (encrypted): a note
//        in the text instead); emoji;
//        targetRemoteId; replyToRemoteId = replyToEventId, resolved by the bridge: for
//        ReplyKind::kThread it is the thread root itself, for ReplyKind::kReply it is the
//        parent, whose thread root (the id map's post -> its root) is where Mattermost puts the
//        reply (Mattermost has no nested replies).
//     3. kDelete: Matrix has one redaction for messages and reactions. If targetRemoteId is a
//        reaction the ingress pipeline brought in (reaction_map), the pipeline removes that
//        reaction instead.
//     4. postType "me" (m.emote, InboundEvent::postType): text is "*what*", as Mattermost's
//        /me writes it; notice:
//        an m.notice (a bot's message), which the bridge may post as a bot post or drop.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bridges/matrix/markup.hpp"
#include "core/common/result.hpp"
#include "core/model/canonical_message.hpp"

namespace parley::bridges::matrix {

inline constexpr std::string_view kEventMessage = "m.room.message";
inline constexpr std::string_view kEventReaction = "m.reaction";
inline constexpr std::string_view kEventRedaction = "m.room.redaction";
inline constexpr std::string_view kEventSticker = "m.sticker";
// Parley's own content keys: the security label (display marking) and the obligation metadata
// (set_metadata, tag_origin), carried on every content event. Namespaced as the spec asks.
inline constexpr std::string_view kKeyLabel = "org.parley.label";
inline constexpr std::string_view kKeyMetadata = "org.parley.metadata";

// Error ids (Error::id) of this translation.
inline constexpr std::string_view kErrMalformed = "matrix.translate.malformed";  // kInvalidArgument
inline constexpr std::string_view kErrUnsupported =
    "matrix.translate.unsupported";                                             // kNotImplemented
inline constexpr std::string_view kErrTooLarge = "matrix.translate.too_large";  // kTooLarge
inline constexpr std::string_view kErrBadUrl = "matrix.translate.bad_url";      // kInvalidArgument
// A well-formed event with nothing to bridge (state and ephemeral events, unknown types, a
// redacted event's empty content, a reaction key without a Mattermost name): kNotFound. The
// bridge drops it silently; every other error is worth a log line.
inline constexpr std::string_view kErrNothingToBridge = "matrix.translate.nothing_to_bridge";

// Matrix limits this translation keeps to (spec: 65 536 bytes of canonical JSON per event).
inline constexpr std::size_t kMaxEventBytes = 65536;

// ----------------------------------------------------------------------------------- egress

// A part of a post already in the room (OutboundItem::parts): part 0 the text, then files.
struct TargetPart {
  int part = 0;
  std::string eventId;
};

// The media of one of message.files after the upload (POST /_matrix/media/v3/upload).
struct UploadedFile {
  std::string mxcUri;  // "mxc://server/mediaId"
  int width = 0;       // images and videos, 0 = unknown
  int height = 0;
  std::int64_t durationMs = 0;  // audio and video, 0 = unknown
  // A file larger than the homeserver takes (its m.upload.size, or a 413 M_TOO_LARGE) is not
  // uploaded: its part is an m.text with a link to it instead (Parley's signed URL of the file,
  // bridge_file_url.hpp), mxcUri "".
  std::string linkUrl;
};

struct OutboundRequest {
  // OutboundItem::txnId; the n-th further event of the item gets "<txnId>-<n>".
  std::string txnId;
  // kEdit / kDelete / kReaction / kReactionDelete: the post's parts in the room. An edit
  // replaces the text part (the lowest), a deletion redacts every part, a reaction annotates
  // the lowest part.
  std::vector<TargetPart> targets;
  // A reply (message.rootId set): the event id of the root's first part in the room ("" =
  // unknown: sent as a plain message), and the latest event of the thread in the room for the
  // m.in_reply_to fallback ("" = the root).
  std::string rootRemoteId;
  std::string threadLatestRemoteId;
  // kPost with files: one per message.files, same order.
  std::vector<UploadedFile> files;
  // Mattermost username -> MXID, for pills and m.mentions (see mentionedUsernames()).
  std::map<std::string, std::string> mentions;
  // kReactionDelete: the m.reaction event the bridge sent for this reaction.
  std::string reactionEventId;
  // OutboundItem::postType: "me" sends m.emote (without the "*...*" of Mattermost's /me),
  // "system_*" m.notice, anything else m.text.
  std::string postType;
  // Overrides postType: "m.notice" for the bridge's own notices, "m.text" / "m.emote".
  std::string msgtype;
  // The post's permalink on this server (content `external_url`), "" = none.
  std::string externalUrl;
  // kDelete / kReactionDelete: the redaction's reason, "" = none.
  std::string redactionReason;
  MarkupLimits markup;
};

struct OutboundEvent {
  int part = 0;         // the DeliveryResult part this event creates (kPost) or refers to
  std::string txnId;    // the {txnId} of the send / redact call
  std::string type;     // kEventMessage, kEventReaction or kEventRedaction
  std::string redacts;  // kEventRedaction: the event to redact ({eventId} of the call)
  nlohmann::json content = nlohmann::json::object();
};

// kPost: the text (part 0, if any; m.text/m.emote/m.notice with body + formatted_body) then
// one event per file (parts 1..n, txnId "<txnId>.<part>": m.image/m.video/m.audio/m.file by
// mime type, body and filename the file's name, url its mxc URI, info {mimetype, size, w, h,
// duration}; a file with a linkUrl instead: an m.text "name (size): url" with the link in its
// formatted_body); a reply puts on each the m.thread relation (is_falling_back,
// m.in_reply_to). kEdit: one m.replace
// of the lowest part ("* " fallback body, m.new_content). kDelete: one redaction per part.
// kReaction: one m.annotation whose key is the Unicode emoji (a name outside the emoji table,
// such as a custom emoji, as ":name:"). kReactionDelete: one redaction of reactionEventId.
// Every content event carries m.mentions (empty when nobody is mentioned, so that clients do
// not fall back to matching the body), and the label and metadata keys when set. A text event
// over the event size limit (kMaxEventBytes less room for the envelope) loses its
// formatted_body, then has its body shortened (ending in "…").
// Errors (kErrMalformed): no txnId, nothing to send for a kPost, a missing target or reaction
// event id, files not matching message.files, a bad mxc URI (kErrBadUrl); an event too large
// with an empty body, i.e. label and metadata alone (kErrTooLarge).
core::Result<std::vector<OutboundEvent>> toMatrix(const core::model::CanonicalMessage& message,
                                                  const OutboundRequest& request);

// "m.image", "m.video", "m.audio" or "m.file" for a mime type.
std::string_view msgtypeForMime(std::string_view mimeType);

// ---------------------------------------------------------------------------------- ingress

struct InboundLimits {
  std::size_t maxBodyChars = 16383;                // Mattermost's post size (code points)
  std::size_t maxEventBytes = kMaxEventBytes * 4;  // a larger event (as JSON text) is refused
  std::size_t maxIdBytes = 255;  // event ids, room ids, user ids (the spec's limit)
  std::size_t maxKeyBytes = 64;  // a reaction key
  std::size_t maxFileNameBytes = 255;
  std::size_t maxLabelBytes = 256;
  MarkupLimits markup;
};

struct InboundOptions {
  InboundLimits limits;
  // Pills of these users become @mentions of their Mattermost usernames (markup.hpp).
  MentionResolver mentionResolver;
};

enum class ReplyKind {
  kNone,
  kThread,  // m.thread: replyToEventId is the thread root
  kReply,   // m.in_reply_to only: replyToEventId is the parent (the bridge finds its root)
};

struct InboundMatrixEvent {
  core::model::MessageChange change = core::model::MessageChange::kPost;
  std::string eventId;       // the inbox key (InboundEvent::remoteEventId)
  std::string roomId;        // "" when the event does not say (a transaction's events always do)
  std::string sender;        // "@user:server"
  std::string senderDomain;  // "server" (the server name of `sender`)
  std::int64_t originServerTs = 0;
  std::string msgtype;   // m.text, m.emote, m.notice, m.image, ... ("" for non-messages)
  std::string postType;  // "me" for m.emote, "" otherwise
  bool notice = false;   // m.notice: a bot's message (the bridge decides what to do)
  std::string text;      // Mattermost markdown; reply fallbacks removed
  ReplyKind replyKind = ReplyKind::kNone;
  std::string replyToEventId;
  // kEdit: the replaced event; kDelete: the redacted event; kReaction: the annotated event.
  std::string targetRemoteId;
  std::string emoji;        // kReaction: the Mattermost name
  std::string reactionKey;  // kReaction: the key as sent
  // Media: url = the mxc:// URI (not fetchable as it is: mediaDownloadPaths()), name,
  // mimeType and size as the sender declared them (the pipeline detects the real type). An
  // encrypted file (content `file` instead of `url`, which Parley cannot decrypt): url "".
  std::vector<core::model::FileRef> files;
  std::vector<std::string> mentionedUserIds;  // m.mentions.user_ids and pills, unique
  bool mentionsRoom = false;                  // m.mentions.room
  std::string label;  // org.parley.label of a Parley peer, "" = none (the bridge maps it)
  bool textTruncated = false;
};

// The change kind: m.room.redaction -> kDelete; m.reaction (m.annotation) -> kReaction;
// m.room.message with m.relates_to rel_type m.replace -> kEdit (the text of m.new_content,
// never the "* " fallback); other m.room.message and m.sticker -> kPost. Errors: see the
// kErr* ids above; wrong JSON types are kErrMalformed, never a crash.
core::Result<InboundMatrixEvent> fromMatrix(const nlohmann::json& event,
                                            const InboundOptions& options);
// The same from JSON text (a fuzz entry point; the transport parses whole transactions).
core::Result<InboundMatrixEvent> fromMatrixText(std::string_view json,
                                                const InboundOptions& options);

// ------------------------------------------------------------------------------------ media

struct MxcUri {
  std::string serverName;
  std::string mediaId;
};

// "mxc://server/mediaId" -> its parts; nullopt when it is not a valid mxc URI (the server
// name a hostname/IP with an optional port, the media id of [A-Za-z0-9_-]).
std::optional<MxcUri> parseMxc(std::string_view uri);

// The download paths of a media, in the order to try (matrix-appservice.md §3.3): the
// authenticated v1 path (with the as_token) first, then the legacy v3 path; both without the
// host, percent-encoding nothing since parseMxc() admits only safe characters.
std::vector<std::string> mediaDownloadPaths(const MxcUri& mxc);

}  // namespace parley::bridges::matrix
