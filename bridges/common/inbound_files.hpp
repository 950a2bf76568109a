#pragma once
// The attachments of an inbound post (InboundEvent::files with a url): fetched with the
// bridge's limits (file_fetcher.hpp) BEFORE the ingress pipeline opens its transaction, so no
// transaction is held over the network; then, inside it, stored through the file service as
// files of the puppet in the link's channel (type from the content, SHA-256), decided by the
// guard's file.ingress with the message, and attached to the post.
//
// What a user sees when a file does not come: the post still arrives with its text, plus one
// note per missing file ("[photo.jpg: file too large (12.5 MB)]", "[photo.jpg: could not be
// fetched]"). The sender's words are intact and the partner's upload service may be down only
// for a while, so losing the whole message over its attachment would be worse than a post that
// says what is missing (the XMPP message is not redelivered, so refusing it would lose it).

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bridges/common/bridge.hpp"
#include "bridges/common/file_fetcher.hpp"
#include "core/common/clock.hpp"
#include "core/files/file_store.hpp"
#include "core/model/file_info.hpp"
#include "core/model/user.hpp"
#include "core/store/store.hpp"

namespace parley::bridges {

struct InboundFileSettings {
  core::files::FileStorePtr files;
  core::ClockPtr clock;
  std::uint64_t maxFileSize = 0;  // files.max_file_size: no stored file is larger
  // The fetch limits of each bridge (by name); a bridge without an entry fetches nothing (its
  // URLs become notes).
  std::map<std::string, FetchLimits, std::less<>> limits;
  // The bridges that fetch their own way (Bridge::attachmentFetcher()); the others' URLs are
  // fetched over HTTP(S) by fetchFile().
  std::map<std::string, AttachmentFetcher, std::less<>> fetchers;
};

// The settings of gateway.yaml: files.max_file_size, and each bridge's attachment limits
// (bridges.xmpp: max_file_size capped by files.max_file_size, fetch_timeout, allow_http_urls,
// allow_private_addresses; bridges.matrix: max_file_size likewise, within its
// request_timeout), and the fetchers of `bridges` that have one.
InboundFileSettings inboundFileSettings(const core::config::Config& config,
                                        core::files::FileStorePtr files, core::ClockPtr clock,
                                        const std::vector<BridgePtr>& bridges = {});

// One url of InboundEvent::files, in order.
struct FetchedAttachment {
  std::string name;   // the URL's last path segment, percent-decoded and sanitised
  std::string bytes;  // when fetched
  std::string note;   // when not: what the post says instead
};

// Whether the event has attachments to fetch (a post with files that have a url).
bool hasAttachmentsToFetch(const InboundEvent& event);

// Fetches each file of `event` that has a url (blocking: network), with `fetcher` when the
// bridge has one (the file then keeps the name the sender gave it, FileRef::name), else with
// fetchFile(). `limits` null: nothing is fetched, each file gets a note. Logs failures without
// the URL's query string.
std::vector<FetchedAttachment> fetchAttachments(const InboundEvent& event,
                                                const FetchLimits* limits,
                                                const AttachmentFetcher& fetcher = nullptr);

// "photo one.png" from ".../photo%20one.png?x=1": the file's name as the sender's client named
// it; "file" when nothing usable is left.
std::string attachmentName(std::string_view url);

// "file too large (12.5 MB)" / "file too large (more than 10 MB)".
std::string tooLargeNote(std::uint64_t size, std::uint64_t limit);

// Adds "[note]" on a line of its own to a post's text: how a post says which of its files did
// not come ("[photo.jpg: could not be fetched]"). Bridges that know before the pipeline that a
// file cannot come (an encrypted Matrix file) write their note with it too.
void appendAttachmentNote(std::string& text, std::string_view note);

// Inside the pipeline's transaction: stores the fetched bytes as files of `author` in
// `channelId` (not yet recorded), puts them in message.files and appends the notes to
// message.text. The stored files are returned (record the permitted ones with
// recordAttachments, discard the rest with discardAttachments).
core::Result<std::vector<core::model::FileInfo>> storeAttachments(
    const InboundFileSettings& settings, const core::model::User& author,
    const std::string& channelId, const std::vector<FetchedAttachment>& fetched,
    core::model::CanonicalMessage& message);

// Records the stored files that `permitted` (the guard's message files) kept; the others stay
// unrecorded and are moved to `dropped`.
core::Status recordAttachments(core::store::Store& store,
                               std::vector<core::model::FileInfo>& stored,
                               const std::vector<core::model::FileRef>& permitted,
                               std::vector<core::model::FileInfo>& dropped);

// Removes the bytes of stored files that were not recorded (blocking: disk).
void discardAttachments(const InboundFileSettings& settings,
                        const std::vector<core::model::FileInfo>& infos);

}  // namespace parley::bridges
