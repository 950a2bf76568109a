#include "core/services/file_service.hpp"

#include <chrono>
#include <ctime>

#include "core/common/sha256.hpp"
#include "core/files/media.hpp"
#include "core/model/id.hpp"
#include "core/model/permissions.hpp"
#include "core/services/access_policy.hpp"
#include "core/services/permissions.hpp"

namespace parley::core::services {
namespace {

namespace p = model::permission;

Error badUpload(std::string detail) {
  return makeError(ErrorCode::kInvalidArgument, "api.file.upload_file.read_request.app_error",
                   "Unable to upload file(s). Error reading or parsing request data.",
                   std::move(detail));
}

// "20261122": uploads are grouped by UTC day, as Mattermost lays out its data directory.
std::string dayDirectory(std::int64_t millis) {
  const std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[16];
  std::strftime(text, sizeof text, "%Y%m%d", &utc);
  return text;
}

// Built from ids only: nothing a client sends ends up in a path.
std::string fileDirectory(const model::FileInfo& info) {
  return dayDirectory(info.createAt) + "/channels/" + info.channelId + "/users/" + info.creatorId +
         "/" + info.id + "/";
}

// Removes `written` paths after a failure; errors are ignored, the caller reports the first.
void removeAll(files::FileStore& files, const std::vector<std::string>& written) {
  for (const auto& path : written) (void)files.remove(path);
}

}  // namespace

std::string sanitizeFileName(std::string_view name) {
  const auto slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::string clean;
  clean.reserve(name.size());
  for (const char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) continue;
    clean.push_back(c);
  }
  if (clean == "." || clean == "..") return "";
  if (clean.size() > kMaxFileNameBytes) {
    std::size_t cut = kMaxFileNameBytes;
    // Back up over UTF-8 continuation bytes (10xxxxxx) so that no character is split.
    while (cut > 0 && (static_cast<unsigned char>(clean[cut]) & 0xC0) == 0x80) --cut;
    clean.resize(cut);
  }
  return clean;
}

std::string fileExtension(std::string_view name) {
  const auto dot = name.find_last_of('.');
  if (dot == std::string_view::npos || dot + 1 == name.size()) return "";
  std::string extension;
  for (const char c : name.substr(dot + 1)) {
    extension.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  // The column holds 64 characters; a longer "extension" is no extension.
  if (extension.size() > 64) return "";
  return extension;
}

Error fileTooLarge(std::uint64_t size, std::uint64_t limit) {
  return makeError(ErrorCode::kTooLarge, "api.file.upload_file.too_large_detailed.app_error",
                   "Unable to upload file. File is too large.",
                   "length " + std::to_string(size) + ", limit " + std::to_string(limit));
}

Result<model::ChannelAccess> checkUpload(store::Store& store, const model::User& user,
                                         std::string_view channelId,
                                         const std::vector<IncomingFile>& uploads) {
  auto access = requireChannelPermission(store, user, channelId, p::kUploadFile);
  if (!access) return access;
  if (access->channel.isArchived()) {
    return makeError(ErrorCode::kInvalidArgument, "api.file.upload_file.archived_channel.app_error",
                     "Files cannot be uploaded to an archived channel.");
  }
  if (store.policyHolder() == nullptr) return access;
  for (const auto& upload : uploads) {
    model::FileInfo file;  // no id yet: the denial is audited against the channel
    file.name = sanitizeFileName(upload.name);
    file.size = static_cast<std::int64_t>(upload.bytes.size());
    file.mimeType = files::detectMimeType(upload.bytes);
    if (auto allowed = enforceChannelPolicy(store, kActionFileUpload, user, *access, &file);
        !allowed) {
      return std::move(allowed).error();
    }
  }
  return access;
}

Result<std::vector<model::FileInfo>> storeUploads(files::FileStore& files, const Clock& clock,
                                                  std::string_view userId,
                                                  std::string_view channelId,
                                                  const std::vector<IncomingFile>& uploads,
                                                  std::uint64_t maxFileSize) {
  std::vector<model::FileInfo> infos;
  std::vector<std::string> written;
  const auto fail = [&](Error error) -> Result<std::vector<model::FileInfo>> {
    removeAll(files, written);
    return error;
  };
  // Every size is checked before anything is written.
  for (const auto& upload : uploads) {
    if (upload.bytes.size() > maxFileSize) return fileTooLarge(upload.bytes.size(), maxFileSize);
  }
  const std::int64_t now = clock.nowMillis();
  for (const auto& upload : uploads) {
    model::FileInfo info;
    info.id = model::newId();
    info.creatorId = std::string(userId);
    info.channelId = std::string(channelId);
    info.createAt = info.updateAt = now;
    info.name = sanitizeFileName(upload.name);
    if (info.name.empty()) return fail(badUpload("a file has no usable name"));
    info.extension = fileExtension(info.name);
    info.size = static_cast<std::int64_t>(upload.bytes.size());
    info.mimeType = files::detectMimeType(upload.bytes);
    info.sha256 = sha256Hex(upload.bytes);

    const std::string directory = fileDirectory(info);
    info.path = directory + "data";
    if (files::isRenderableImage(info.mimeType)) {
      auto rendered = files::renderImage(upload.bytes);
      if (!rendered) return fail(std::move(rendered).error());
      if (rendered->has_value()) {
        auto& images = **rendered;
        info.width = images.width;
        info.height = images.height;
        info.hasPreviewImage = true;
        info.miniPreview = std::move(images.miniPreview);
        info.thumbnailPath = directory + "thumb.jpg";
        info.previewPath = directory + "preview.jpg";
        for (const auto& [path, bytes] : {std::pair{&info.thumbnailPath, &images.thumbnail},
                                          std::pair{&info.previewPath, &images.preview}}) {
          if (auto stored = files.write(*path, *bytes); !stored) {
            return fail(std::move(stored).error());
          }
          written.push_back(*path);
        }
      }
    }
    if (auto stored = files.write(info.path, upload.bytes); !stored) {
      return fail(std::move(stored).error());
    }
    written.push_back(info.path);
    infos.push_back(std::move(info));
  }
  return infos;
}

Status recordUploads(store::Store& store, const std::vector<model::FileInfo>& infos) {
  return store.transaction([&infos](store::Store& s) -> Status {
    for (const auto& info : infos) {
      if (auto created = s.files().create(info); !created) return created;
    }
    return {};
  });
}

void discardUploads(files::FileStore& files, const std::vector<model::FileInfo>& infos) {
  for (const auto& info : infos) {
    for (const auto* path : {&info.path, &info.thumbnailPath, &info.previewPath}) {
      if (!path->empty()) (void)files.remove(*path);
    }
  }
}

Result<model::FileInfo> readFile(store::Store& store, const model::User& user,
                                 std::string_view fileId) {
  auto info = store.files().get(fileId);
  if (!info) return info;
  const bool creator = info->creatorId == user.id;
  if (creator && store.policyHolder() == nullptr) return info;
  if (!creator && !info->isAttached()) return permissionDenied(p::kReadChannel);
  auto access = loadChannelAccess(store, user, info->channelId);
  if (!access) {
    if (access.error().code == ErrorCode::kNotFound) return permissionDenied(p::kReadChannel);
    return std::move(access).error();
  }
  if (!creator && !canReadChannel(user, *access)) return permissionDenied(p::kReadChannel);
  // The policy decides for the creator too: an attribute change can take a file back.
  if (auto allowed = enforceChannelPolicy(store, kActionFileDownload, user, *access, &*info);
      !allowed) {
    return std::move(allowed).error();
  }
  return info;
}

}  // namespace parley::core::services
