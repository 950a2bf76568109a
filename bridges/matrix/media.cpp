#include "bridges/matrix/media.hpp"

#include "core/common/log.hpp"
#include "core/services/bridge_file_url.hpp"
#include "core/store/store.hpp"

namespace parley::bridges::matrix {
namespace {

constexpr std::string_view kLog = "matrix";

HsReply problem(HsReply::Kind kind, std::string error) {
  HsReply reply;
  reply.kind = kind;
  reply.error = std::move(error);
  return reply;
}

}  // namespace

std::optional<std::uint64_t> uploadLimitOf(const nlohmann::json& config) {
  if (!config.is_object()) return std::nullopt;
  const auto size = config.find("m.upload.size");
  if (size == config.end()) return std::nullopt;
  if (size->is_number_unsigned() && size->get<std::uint64_t>() > 0) {
    return size->get<std::uint64_t>();
  }
  if (size->is_number_integer() && size->get<std::int64_t>() > 0) {
    return static_cast<std::uint64_t>(size->get<std::int64_t>());
  }
  return std::nullopt;
}

UploadLimitCache::UploadLimitCache(std::chrono::milliseconds ttl, std::chrono::milliseconds retry)
    : ttl_(ttl), retry_(retry) {}

bool UploadLimitCache::due(std::int64_t nowMs) const {
  if (failedAt_ >= 0 && failedAt_ > readAt_) return nowMs - failedAt_ >= retry_.count();
  return readAt_ < 0 || nowMs - readAt_ >= ttl_.count();
}

void UploadLimitCache::remember(std::optional<std::uint64_t> limit, std::int64_t nowMs) {
  limit_ = limit;
  readAt_ = nowMs;
  failedAt_ = -1;
}

void UploadLimitCache::failed(std::int64_t nowMs) { failedAt_ = nowMs; }

void UploadLimitCache::refused(std::uint64_t size) {
  if (size == 0) return;
  if (!limit_ || *limit_ >= size) limit_ = size - 1;
}

FetchResult fetchResultOf(HsReply reply) {
  FetchResult result;
  if (reply.ok()) {
    result.outcome = FetchResult::Outcome::kFetched;
    result.size = reply.bytes.size();
    result.bytes = std::move(reply.bytes);
    return result;
  }
  if (reply.status == 413 || reply.errcode == "M_TOO_LARGE") {
    result.outcome = FetchResult::Outcome::kTooLarge;
    result.size = reply.announcedSize;
    return result;
  }
  result.outcome = FetchResult::Outcome::kFailed;
  result.error = reply.error.empty() ? std::string("the download failed") : reply.error;
  return result;
}

MatrixMedia::MatrixMedia(std::shared_ptr<HomeserverClient> client, core::files::FileStorePtr files,
                         core::store::DatabasePtr database, std::string siteUrl,
                         core::ClockPtr clock)
    : client_(std::move(client)),
      files_(std::move(files)),
      database_(std::move(database)),
      siteUrl_(std::move(siteUrl)),
      clock_(std::move(clock)) {}

AttachmentFetcher MatrixMedia::fetcher(std::shared_ptr<HomeserverClient> client) {
  return [client = std::move(client)](const core::model::FileRef& file, const FetchLimits& limits) {
    return fetchResultOf(client->download(file.url, limits.maxBytes));
  };
}

std::optional<std::uint64_t> MatrixMedia::uploadLimit() {
  const std::int64_t now = clock_->nowMillis();
  {
    std::lock_guard lock(mutex_);
    if (!limits_.due(now)) return limits_.limit();
  }
  auto reply = client_->call("GET", "/_matrix/client/v1/media/config");
  if (HomeserverClient::legacyMediaFallback(reply)) {
    reply = client_->call("GET", "/_matrix/media/v3/config");
  }
  std::lock_guard lock(mutex_);
  if (reply.ok()) {
    limits_.remember(uploadLimitOf(reply.body), now);
  } else {
    // Uploads are still tried: a 413 then says what the limit would have.
    limits_.failed(now);
    core::log::warn(kLog, "cannot read the homeserver's media config", {{"error", reply.error}});
  }
  return limits_.limit();
}

std::string MatrixMedia::fileLink(const std::string& linkId, const core::model::FileRef& file,
                                  HsReply& error) {
  std::string key;
  {
    std::lock_guard lock(mutex_);
    key = fileKey_;
  }
  if (key.empty()) {
    auto loaded = database_->runAndWait(
        [](core::store::Store& store) { return core::services::bridgeFileKey(store); });
    if (!loaded) {
      error = problem(HsReply::Kind::kRetry, "cannot read the file URL signing key");
      return {};
    }
    key = std::move(loaded).value();
    std::lock_guard lock(mutex_);
    fileKey_ = key;
  }
  const std::int64_t expires =
      clock_->nowMillis() / 1000 +
      std::chrono::duration_cast<std::chrono::seconds>(core::services::kBridgeFileUrlLifetime)
          .count();
  return core::services::bridgeFileUrl(
      siteUrl_, key, core::services::BridgeFileGrant{linkId, file.fileId, expires}, file.name);
}

std::optional<std::vector<UploadedFile>> MatrixMedia::prepare(const OutboundItem& item,
                                                              const std::string& userId,
                                                              HsReply& error) {
  const auto& files = item.message.files;
  // The stored files: where their bytes are, and an image's size.
  auto infos = database_->runAndWait(
      [&files](core::store::Store& store) -> core::Result<std::vector<core::model::FileInfo>> {
        std::vector<core::model::FileInfo> out;
        for (const auto& file : files) {
          auto info = store.files().get(file.fileId);
          if (!info) return std::move(info).error();
          out.push_back(std::move(info).value());
        }
        return out;
      });
  if (!infos) {
    error = infos.error().code == core::ErrorCode::kNotFound
                ? problem(HsReply::Kind::kRejected, "a file of the post is gone")
                : problem(HsReply::Kind::kRetry, "cannot read the post's files");
    return std::nullopt;
  }
  uploadLimit();
  std::vector<UploadedFile> uploads;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const core::model::FileInfo& info = infos.value()[i];
    const auto size = static_cast<std::uint64_t>(std::max<std::int64_t>(info.size, 0));
    UploadedFile upload;
    upload.width = info.width;
    upload.height = info.height;
    bool link = false;
    {
      std::lock_guard lock(mutex_);
      link = limits_.overLimit(size);
    }
    if (!link) {
      auto bytes = files_->read(info.path);
      if (!bytes) {
        error = problem(HsReply::Kind::kRetry, "cannot read a stored file");
        core::log::error(kLog, "a stored file is unreadable",
                         {{"file_id", info.id}, {"error", bytes.error().detail}});
        return std::nullopt;
      }
      auto reply = client_->upload(userId, info.name, info.mimeType, *bytes);
      const std::string uri = reply.body.is_object() && reply.body.contains("content_uri") &&
                                      reply.body["content_uri"].is_string()
                                  ? reply.body["content_uri"].get<std::string>()
                                  : std::string();
      if (reply.ok() && parseMxc(uri)) {
        upload.mxcUri = uri;
      } else if (reply.ok()) {
        error =
            problem(HsReply::Kind::kRetry, "the homeserver answered an upload without an mxc URI");
        return std::nullopt;
      } else if (reply.status == 413 || reply.errcode == "M_TOO_LARGE") {
        std::lock_guard lock(mutex_);
        limits_.refused(size);
        link = true;
      } else {
        error = std::move(reply);
        return std::nullopt;
      }
    }
    if (link) {
      upload.linkUrl = fileLink(item.link.id, files[i], error);
      if (upload.linkUrl.empty()) return std::nullopt;
    }
    uploads.push_back(std::move(upload));
  }
  return uploads;
}

}  // namespace parley::bridges::matrix
