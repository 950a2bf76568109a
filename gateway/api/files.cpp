#include "gateway/api/files.hpp"

#include <array>
#include <memory>

#include "core/common/blocking.hpp"
#include "core/common/log.hpp"
#include "core/model/id.hpp"
#include "core/services/file_service.hpp"
#include "core/services/team_service.hpp"
#include "gateway/api/json/file_json.hpp"
#include "gateway/api/session_context.hpp"
#include "gateway/http/multipart.hpp"

namespace parley::gateway::api {
namespace {

namespace services = core::services;
using core::model::FileInfo;

// Mattermost's web.UnsafeContentTypes and MediaContentTypes (prefix matches).
constexpr std::array<std::string_view, 6> kUnsafeTypes = {
    "application/javascript", "application/ecmascript",   "text/javascript",
    "text/ecmascript",        "application/x-javascript", "text/html"};
constexpr std::array<std::string_view, 11> kMediaTypes = {
    "image/jpeg", "image/png",  "image/bmp", "image/gif",  "image/tiff", "image/webp",
    "video/avi",  "video/mpeg", "video/mp4", "audio/mpeg", "audio/wav"};

core::Error readRequestError(std::string detail) {
  return core::makeError(
      core::ErrorCode::kInvalidArgument, "api.file.upload_file.read_request.app_error",
      "Unable to upload file(s). Error reading or parsing request data.", std::move(detail));
}

// Go's strconv.ParseBool, which Mattermost uses for ?download=.
bool parseBool(std::optional<std::string_view> value) {
  if (!value) return false;
  for (const std::string_view yes : {"1", "t", "T", "true", "TRUE", "True"}) {
    if (*value == yes) return true;
  }
  return false;
}

struct UploadRequest {
  std::string channelId;
  std::vector<std::string> clientIds;
  std::vector<services::IncomingFile> files;
};

// The multipart form of POST /files: a channel_id field, client_ids fields (none, or one per
// file, in order) and file parts; any other plain field is an error, as in Mattermost.
core::Result<UploadRequest> parseMultipartUpload(const http::Request& request,
                                                 const std::string& boundary,
                                                 std::uint64_t maxFileSize) {
  UploadRequest upload;
  if (auto fromQuery = request.query().get("channel_id")) upload.channelId = *fromQuery;
  http::MultipartLimits limits;
  limits.maxParts = kUploadMaxParts;
  limits.maxFileBytes = maxFileSize;
  limits.maxFieldBytes = kUploadFieldBytes;

  std::string field;
  std::string fieldName;
  bool inFile = false;
  http::MultipartParser parser(
      boundary, limits,
      {[&](const http::PartHeaders& part) -> core::Status {
         // A part without a form name is skipped; an empty filename makes a plain field.
         inFile = part.isFile() && !part.filename->empty();
         fieldName = part.name;
         field.clear();
         if (inFile) upload.files.push_back({*part.filename, {}});
         return {};
       },
       [&](std::string_view data) -> core::Status {
         if (inFile) {
           upload.files.back().bytes.append(data);
         } else {
           field.append(data);
         }
         return {};
       },
       [&]() -> core::Status {
         if (inFile || fieldName.empty()) return {};
         if (fieldName == "channel_id") {
           if (!upload.channelId.empty() && upload.channelId != field) {
             return core::makeError(core::ErrorCode::kInvalidArgument,
                                    "api.file.upload_file.multiple_channel_ids.app_error",
                                    "Unable to upload files. Multiple conflicting channel_ids.");
           }
           upload.channelId = field;
         } else if (fieldName == "client_ids") {
           // Client ids come before the files they name (Mattermost's streaming order).
           if (upload.clientIds.size() < upload.files.size())
             return services::invalidBodyParam("client_ids");
           upload.clientIds.push_back(field);
         } else {
           return services::invalidBodyParam(fieldName);
         }
         return {};
       }});
  auto status = parser.feed(request.body());
  if (status) status = parser.finish();
  if (!status) {
    const core::Error& error = status.error();
    if (error.id == http::kMultipartPartTooLarge) {
      return services::fileTooLarge(maxFileSize + 1, maxFileSize);
    }
    if (error.id.rfind("multipart.", 0) == 0) return readRequestError(error.detail);
    return std::move(status).error();
  }
  if (!upload.clientIds.empty() && upload.clientIds.size() != upload.files.size()) {
    return core::makeError(core::ErrorCode::kInvalidArgument,
                           "api.file.upload_file.incorrect_number_of_client_ids.app_error",
                           "Unable to upload files. Number of client ids does not match the "
                           "number of files.");
  }
  return upload;
}

// POST /api/v4/files.
asio::awaitable<http::Response> upload(const ApiContext& api, http::Request& request,
                                       const AuthenticatedUser& caller) {
  if (request.body().empty()) {
    co_return http::Response::error(readRequestError("Content-Length should not be 0"));
  }
  const std::uint64_t maxFileSize = api.config->files.maxFileSize;
  auto boundary = http::multipartBoundary(request.header("Content-Type"));
  if (!boundary) co_return http::Response::error(readRequestError(boundary.error().detail));

  UploadRequest input;
  if (boundary->has_value()) {
    auto parsed = parseMultipartUpload(request, **boundary, maxFileSize);
    if (!parsed) co_return http::Response::error(std::move(parsed).error());
    input = std::move(*parsed);
  } else {
    // uploadFileSimple: the body is the file, its name and channel in the query string.
    input.channelId = std::string(request.query().get("channel_id").value_or(""));
    const auto filename = request.query().get("filename");
    if (core::model::isValidId(input.channelId) && (!filename || filename->empty())) {
      co_return http::Response::error(services::invalidUrlParam("filename"));
    }
    if (request.body().size() > maxFileSize) {
      co_return http::Response::error(services::fileTooLarge(request.body().size(), maxFileSize));
    }
    if (const auto clientId = request.query().get("client_id"); clientId && !clientId->empty()) {
      input.clientIds.emplace_back(*clientId);
    }
    input.files.push_back({std::string(filename.value_or("")), request.body()});
  }
  if (!core::model::isValidId(input.channelId)) {
    co_return http::Response::error(services::invalidUrlParam("channel_id"));
  }

  const core::model::User& user = caller.user;
  const std::string& channelId = input.channelId;
  const auto& files = input.files;
  auto allowed = co_await api.database->run([&user, &channelId, &files](core::store::Store& s) {
    return services::checkUpload(s, user, channelId, files);
  });
  if (!allowed) co_return http::Response::error(std::move(allowed).error());

  auto stored = co_await core::runBlocking(*api.blocking, [&api, &user, &channelId, &files,
                                                           maxFileSize] {
    return services::storeUploads(*api.files, *api.clock, user.id, channelId, files, maxFileSize);
  });
  if (!stored) co_return http::Response::error(std::move(stored).error());
  const auto& infos = *stored;

  auto recorded = co_await api.database->run(
      [&infos](core::store::Store& s) { return services::recordUploads(s, infos); });
  if (!recorded) {
    co_await core::runBlocking(*api.blocking, [&api, &infos] {
      services::discardUploads(*api.files, infos);
      return true;
    });
    co_return http::Response::error(std::move(recorded).error());
  }

  nlohmann::json fileInfos = nlohmann::json::array();
  for (const auto& info : infos) fileInfos.push_back(json::fileInfoToJson(info));
  co_return http::Response::json(
      201, nlohmann::json{{"file_infos", std::move(fileInfos)}, {"client_ids", input.clientIds}});
}

// The caller's readable file named by the route's {file_id}.
asio::awaitable<core::Result<FileInfo>> loadReadableFile(const ApiContext& api,
                                                         const http::Request& request,
                                                         const AuthenticatedUser& caller) {
  const std::string fileId(request.param("file_id"));
  if (!core::model::isValidId(fileId)) co_return services::invalidUrlParam("file_id");
  const core::model::User& user = caller.user;
  co_return co_await api.database->run(
      [&user, &fileId](core::store::Store& s) { return services::readFile(s, user, fileId); });
}

enum class Rendition { kOriginal, kThumbnail, kPreview };

// GET /api/v4/files/{file_id}, .../thumbnail, .../preview (HEAD too).
asio::awaitable<http::Response> download(const ApiContext& api, http::Request& request,
                                         const AuthenticatedUser& caller, Rendition rendition) {
  auto info = co_await loadReadableFile(api, request, caller);
  if (!info) co_return http::Response::error(std::move(info).error());
  std::string path = info->path;
  std::string mimeType = info->mimeType;
  if (rendition != Rendition::kOriginal) {
    path = rendition == Rendition::kThumbnail ? info->thumbnailPath : info->previewPath;
    mimeType = "image/jpeg";
    if (path.empty()) {
      co_return http::Response::error(
          rendition == Rendition::kThumbnail
              ? core::makeError(core::ErrorCode::kInvalidArgument,
                                "api.file.get_file_thumbnail.no_thumbnail.app_error",
                                "File doesn't have a thumbnail image.", "file_id=" + info->id)
              : core::makeError(core::ErrorCode::kInvalidArgument,
                                "api.file.get_file_preview.no_preview.app_error",
                                "File doesn't have a preview image.", "file_id=" + info->id));
    }
  }
  auto bytes = co_await readStoredFile(api, *info, path);
  if (!bytes) co_return http::Response::error(std::move(bytes).error(), 404);
  const FileDelivery delivery = fileDelivery(mimeType, parseBool(request.query().get("download")));
  http::Response response = http::Response::text(200, std::move(*bytes), delivery.contentType);
  response.header("Content-Disposition", contentDisposition(info->name, delivery.attachment))
      .header("Cache-Control", "private, max-age=86400")
      .header("X-Frame-Options", "DENY")
      .header("Content-Security-Policy", "Frame-ancestors 'none'");
  co_return response;
}

// GET /api/v4/files/{file_id}/info.
asio::awaitable<http::Response> getInfo(const ApiContext& api, http::Request& request,
                                        const AuthenticatedUser& caller) {
  auto info = co_await loadReadableFile(api, request, caller);
  if (!info) co_return http::Response::error(std::move(info).error());
  http::Response response = http::Response::json(200, json::fileInfoToJson(*info));
  response.header("Cache-Control", "max-age=2592000, private");
  co_return response;
}

// GET /api/v4/files/{file_id}/link: Parley has no public links (FileSettings.EnablePublicLink
// off), which Mattermost answers before looking at the file.
asio::awaitable<http::Response> getLink(http::Request&, const AuthenticatedUser&) {
  co_return http::Response::error(core::makeError(core::ErrorCode::kPermissionDenied,
                                                  "api.file.get_public_link.disabled.app_error",
                                                  "Public links have been disabled."));
}

}  // namespace

FileDelivery fileDelivery(std::string_view mimeType, bool forceDownload) {
  FileDelivery delivery;
  delivery.contentType = mimeType.empty() ? "application/octet-stream" : std::string(mimeType);
  for (const auto unsafe : kUnsafeTypes) {
    if (delivery.contentType.starts_with(unsafe)) {
      delivery.contentType = "text/plain";
      break;
    }
  }
  bool media = false;
  for (const auto type : kMediaTypes) {
    if (delivery.contentType.starts_with(type)) media = true;
  }
  delivery.attachment = forceDownload || !media;
  return delivery;
}

asio::awaitable<core::Result<std::string>> readStoredFile(const ApiContext& api,
                                                          const core::model::FileInfo& info,
                                                          const std::string& path) {
  auto bytes =
      co_await core::runBlocking(*api.blocking, [&api, &path] { return api.files->read(path); });
  if (bytes) co_return std::move(*bytes);
  core::log::error("files", "stored file unreadable",
                   {{"file_id", info.id}, {"error", bytes.error().detail}});
  co_return core::makeError(core::ErrorCode::kNotFound, "api.file.file_reader.app_error",
                            "Unable to read the file.");
}

std::string contentDisposition(std::string_view filename, bool attachment) {
  // Go's url.PathEscape: unreserved characters and the sub-delimiters a path segment allows
  // stay, everything else (quotes, spaces, ';', ',', non-ASCII bytes, controls) is escaped.
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string escaped;
  for (const char c : filename) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 ||
        std::string_view("-_.~$&+:=@").find(c) != std::string_view::npos) {
      escaped.push_back(c);
    } else {
      escaped.push_back('%');
      escaped.push_back(kHex[byte >> 4]);
      escaped.push_back(kHex[byte & 0x0f]);
    }
  }
  return std::string(attachment ? "attachment" : "inline") + ";filename=\"" + escaped +
         "\"; filename*=UTF-8''" + escaped;
}

void registerFileRoutes(http::Router& router, ApiContextPtr api) {
  using http_proto::verb;
  const ApiContext* context = api.get();
  const auto session = [&api](SessionHandler handler) {
    return withSession(api, std::move(handler));
  };

  http::BodyLimit uploadLimit;
  uploadLimit.bytes = api->config->files.maxFileSize + kUploadFramingBytes;
  uploadLimit.tooLarge =
      core::services::fileTooLarge(uploadLimit.bytes + 1, api->config->files.maxFileSize);
  router.add(verb::post, "/api/v4/files",
             session([context](http::Request& r, const AuthenticatedUser& u) {
               return upload(*context, r, u);
             }),
             std::move(uploadLimit));
  for (const auto& [suffix, rendition] :
       {std::pair{"", Rendition::kOriginal}, std::pair{"/thumbnail", Rendition::kThumbnail},
        std::pair{"/preview", Rendition::kPreview}}) {
    router.add(
        verb::get, std::string("/api/v4/files/{file_id}") + suffix,
        session([context, rendition = rendition](http::Request& r, const AuthenticatedUser& u) {
          return download(*context, r, u, rendition);
        }));
  }
  router.add(verb::get, "/api/v4/files/{file_id}/info",
             session([context](http::Request& r, const AuthenticatedUser& u) {
               return getInfo(*context, r, u);
             }));
  router.add(verb::get, "/api/v4/files/{file_id}/link", session(getLink));
}

}  // namespace parley::gateway::api
