#pragma once
// File routes (reference/mattermost-api.md §5.7): POST /api/v4/files (multipart or raw body),
// GET (and HEAD) /api/v4/files/{file_id}, .../info, .../thumbnail, .../preview, .../link.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/asio.hpp"
#include "core/common/result.hpp"
#include "core/model/file_info.hpp"
#include "gateway/api/api_context.hpp"
#include "gateway/http/router.hpp"

namespace parley::gateway::api {

// A multipart upload may carry this much besides the file itself (part headers, the
// channel_id and client_ids fields, delimiters).
inline constexpr std::uint64_t kUploadFramingBytes = 1 << 20;
// Mattermost reads at most 10 KiB of a plain form field of an upload.
inline constexpr std::uint64_t kUploadFieldBytes = 10 * 1024;
inline constexpr std::size_t kUploadMaxParts = 64;

void registerFileRoutes(http::Router& router, ApiContextPtr api);

// How a stored file is served (Mattermost's web.setHeaders): scriptable types are sent as
// text/plain; only images, audio and video of known safe types are shown inline, everything
// else (and anything with ?download=1) is an attachment.
struct FileDelivery {
  std::string contentType;
  bool attachment = true;
};
FileDelivery fileDelivery(std::string_view mimeType, bool forceDownload);

// `inline;filename="<escaped>"; filename*=UTF-8''<escaped>` (or attachment), the name
// percent-escaped as a URL path segment so that nothing in it can break the header.
std::string contentDisposition(std::string_view filename, bool attachment);

// The bytes at `path` (the file or one of its renditions), read on the blocking pool. An
// unreadable file is logged and answered 404 api.file.file_reader.app_error; the filesystem's
// error stays in the log.
asio::awaitable<core::Result<std::string>> readStoredFile(const ApiContext& api,
                                                          const core::model::FileInfo& info,
                                                          const std::string& path);

}  // namespace parley::gateway::api
