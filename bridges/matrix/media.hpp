#pragma once
// The Matrix bridge's media (matrix-appservice.md §2.9, §3.3 "Media", §6 "large files").
//
// Outward, a post's files (file.egress already decided by the drainer's guard): each is read
// from Parley's file store and uploaded as the author's puppet (POST /_matrix/media/v3/upload
// ?user_id=), then sent as its own event (translate.hpp: m.image/m.video/m.audio/m.file by
// mime type). A file larger than the homeserver takes (m.upload.size of GET
// /_matrix/client/v1/media/config, legacy /_matrix/media/v3/config; read again every
// kUploadLimitTtl) or refused with 413 M_TOO_LARGE goes as a link to Parley's signed URL of
// the file instead (bridge_file_url.hpp, as the XMPP bridge sends files). A retried delivery
// may upload a file again (the media repository has no idempotency key), but its event keeps
// its transaction id, so the room shows it once.
//
// Inward, the ingress pipeline's fetcher (Bridge::attachmentFetcher): an mxc:// URI is
// downloaded with the as_token from the authenticated v1 route, or from the legacy v3 route
// on a server without it, reading at most the bridge's max_file_size; it runs on the
// pipeline's fetch threads, outside any transaction.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bridges/common/bridge.hpp"
#include "bridges/matrix/homeserver_client.hpp"
#include "bridges/matrix/translate.hpp"

namespace parley::bridges::matrix {

// How long a homeserver's upload limit is used before it is read again, and how soon a
// config that could not be read is asked for again.
inline constexpr std::chrono::milliseconds kUploadLimitTtl = std::chrono::hours(1);
inline constexpr std::chrono::milliseconds kUploadLimitRetry = std::chrono::minutes(1);

// m.upload.size of a media config answer: the largest upload in bytes; nullopt when the
// server names none (the spec: the limit is then unknown) or names something that is not a
// positive integer.
std::optional<std::uint64_t> uploadLimitOf(const nlohmann::json& config);

// The homeserver's upload limit as last read. Not thread-safe (MatrixMedia locks it).
class UploadLimitCache {
 public:
  UploadLimitCache(std::chrono::milliseconds ttl = kUploadLimitTtl,
                   std::chrono::milliseconds retry = kUploadLimitRetry);

  // Whether the limit should be read (again) at `nowMs`: never read, or read longer than ttl
  // ago, or the last attempt failed longer than retry ago.
  bool due(std::int64_t nowMs) const;
  // An answer: the limit (nullopt: none named).
  void remember(std::optional<std::uint64_t> limit, std::int64_t nowMs);
  // No answer: the last limit stays in use; asked again after `retry`.
  void failed(std::int64_t nowMs);
  // The homeserver refused an upload of `size` bytes as too large: until the next reading,
  // files of that size and more go as links without an attempt.
  void refused(std::uint64_t size);

  std::optional<std::uint64_t> limit() const { return limit_; }
  // A file of `size` bytes is over the known limit (an unknown limit: never).
  bool overLimit(std::uint64_t size) const { return limit_ && size > *limit_; }

 private:
  std::chrono::milliseconds ttl_;
  std::chrono::milliseconds retry_;
  std::optional<std::uint64_t> limit_;
  std::int64_t readAt_ = -1;  // the last answer, -1: none
  std::int64_t failedAt_ = -1;
};

// What the pipeline makes of a download: the bytes, too large (413: more than maxBytes, or the
// server's M_TOO_LARGE), or failed.
FetchResult fetchResultOf(HsReply reply);

class MatrixMedia {
 public:
  // `siteUrl`: where partners' clients reach Parley (server.site_url) for the links of files
  // the homeserver does not take.
  MatrixMedia(std::shared_ptr<HomeserverClient> client, core::files::FileStorePtr files,
              core::store::DatabasePtr database, std::string siteUrl, core::ClockPtr clock);

  // The UploadedFile of each of item.message.files, in order: uploaded as `userId`, or a link.
  // nullopt when that cannot be done now; `error` then says why (kRetry: the homeserver or the
  // database is unavailable; kRejected: a file that is gone).
  std::optional<std::vector<UploadedFile>> prepare(const OutboundItem& item,
                                                   const std::string& userId, HsReply& error);

  // The ingress pipeline's fetcher of this homeserver's mxc:// URIs.
  static AttachmentFetcher fetcher(std::shared_ptr<HomeserverClient> client);

 private:
  // The limit in force, read from the homeserver when due (a failed read keeps the last one).
  std::optional<std::uint64_t> uploadLimit();
  // Parley's signed URL of a file for this link ("" with `error` when the key cannot be read).
  std::string fileLink(const std::string& linkId, const core::model::FileRef& file, HsReply& error);

  std::shared_ptr<HomeserverClient> client_;
  core::files::FileStorePtr files_;
  core::store::DatabasePtr database_;
  std::string siteUrl_;
  core::ClockPtr clock_;
  std::mutex mutex_;
  UploadLimitCache limits_;
  std::string fileKey_;  // the signing key of file URLs, read once
};

}  // namespace parley::bridges::matrix
