#pragma once
// Uploading and reading files (reference/mattermost-api.md §5.7). An upload runs in three steps
// so that no thread blocks on the wrong thing: checkUpload() in a database job, storeUploads()
// on the blocking pool (content type, SHA-256, image renditions, atomic writes), then
// recordUploads() in one database transaction; when that fails the caller discards the bytes
// with discardUploads(), so that nothing is left behind. Reads check readFile() in a database
// job and fetch the bytes on the blocking pool.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "core/files/file_store.hpp"
#include "core/model/channel.hpp"
#include "core/model/file_info.hpp"
#include "core/model/user.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

// Longest stored file name in bytes (the file_infos.name column holds 256 characters).
inline constexpr std::size_t kMaxFileNameBytes = 255;

struct IncomingFile {
  std::string name;   // as the client sent it
  std::string bytes;  // the whole content
};

// The last segment of a client's file name (browsers on Windows may send a full path), control
// characters removed, cut to kMaxFileNameBytes on a UTF-8 character boundary. "" when nothing
// is left.
std::string sanitizeFileName(std::string_view name);

// Lower-case extension without the dot ("tar.gz" → "gz"); "" when there is none.
std::string fileExtension(std::string_view name);

// 413 "api.file.upload_file.too_large_detailed.app_error".
Error fileTooLarge(std::uint64_t size, std::uint64_t limit);

// The caller may upload to the channel: it exists (404), the caller can read it and holds
// upload_file there (403), and it is not archived (400
// "api.file.upload_file.archived_channel.app_error" — Parley refuses what would only be
// orphaned). Then the policy's file.upload for each of `uploads` (type sniffed from the content,
// size), before anything is stored: 403 "api.parley.policy.denied.app_error" on a denial.
Result<model::ChannelAccess> checkUpload(store::Store& store, const model::User& user,
                                         std::string_view channelId,
                                         const std::vector<IncomingFile>& uploads);

// Analyses and stores each file; returns their FileInfos, not yet recorded. Fails without
// leaving any bytes behind: 413 when a file is over `maxFileSize`, 400
// "api.file.upload_file.large_image_detailed.app_error" for an image over the pixel limit,
// 400 "api.file.upload_file.read_request.app_error" for a file without a usable name, or the
// file store's error. Blocks: run on the blocking pool.
Result<std::vector<model::FileInfo>> storeUploads(files::FileStore& files, const Clock& clock,
                                                  std::string_view userId,
                                                  std::string_view channelId,
                                                  const std::vector<IncomingFile>& uploads,
                                                  std::uint64_t maxFileSize);

// Inserts the FileInfos in one transaction.
Status recordUploads(store::Store& store, const std::vector<model::FileInfo>& infos);

// Removes the bytes (original, thumbnail, preview) of FileInfos that were not recorded.
// Blocks: run on the blocking pool.
void discardUploads(files::FileStore& files, const std::vector<model::FileInfo>& infos);

// The file, if the caller may read it: its creator always; anyone else only once it is attached
// to a post in a channel they can read (403 "api.context.permissions.app_error" otherwise).
// 404 "app.file_info.get.app_error" for an unknown or deleted file.
Result<model::FileInfo> readFile(store::Store& store, const model::User& user,
                                 std::string_view fileId);

}  // namespace parley::core::services
