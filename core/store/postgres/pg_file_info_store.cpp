#include "core/store/postgres/pg_file_info_store.hpp"

#include <algorithm>
#include <unordered_set>

#include "core/common/hex.hpp"
#include "core/store/postgres/pg_store.hpp"
#include "core/store/postgres/pg_support.hpp"

namespace parley::core::store::postgres {
namespace {

#define PARLEY_FILE_INFO_COLUMNS                                                               \
  "id, creator_id, COALESCE(post_id, ''), channel_id, create_at, update_at, delete_at, path, " \
  "thumbnail_path, preview_path, name, extension, size, mime_type, width, height, "            \
  "has_preview_image, COALESCE(encode(mini_preview, 'hex'), ''), sha256, "                     \
  "COALESCE(remote_id, ''), archived"

enum FileInfoColumn : int {
  kId,
  kCreatorId,
  kPostId,
  kChannelId,
  kCreateAt,
  kUpdateAt,
  kDeleteAt,
  kPath,
  kThumbnailPath,
  kPreviewPath,
  kName,
  kExtension,
  kSize,
  kMimeType,
  kWidth,
  kHeight,
  kHasPreviewImage,
  kMiniPreviewHex,
  kSha256,
  kRemoteId,
  kArchived,
};

constexpr Statement kFileInfoInsert{
    "file_info_insert",
    "INSERT INTO file_infos (id, creator_id, post_id, channel_id, create_at, update_at, "
    "delete_at, path, thumbnail_path, preview_path, name, extension, size, mime_type, width, "
    "height, has_preview_image, mini_preview, sha256, remote_id, archived) VALUES ($1, $2, $3, "
    "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, decode($18, 'hex'), $19, "
    "$20, $21)"};
constexpr Statement kFileInfoGet{"file_info_get",
                                 "SELECT " PARLEY_FILE_INFO_COLUMNS
                                 " FROM file_infos WHERE id = $1 AND delete_at = 0"};
constexpr Statement kFileInfoAttach{
    "file_info_attach",
    "UPDATE file_infos SET post_id = $2, update_at = $5 WHERE id = ANY($1::varchar[]) "
    "AND channel_id = $3 AND creator_id = $4 AND post_id IS NULL AND delete_at = 0 RETURNING id"};
constexpr Statement kFileInfoOfPosts{
    "file_info_of_posts", "SELECT " PARLEY_FILE_INFO_COLUMNS
                          " FROM file_infos WHERE post_id = ANY($1::varchar[]) AND delete_at = 0"
                          " ORDER BY create_at, id"};
constexpr Statement kFileInfoDeleteForPost{
    "file_info_delete_for_post",
    "UPDATE file_infos SET delete_at = $2, update_at = $2 WHERE post_id = $1 AND delete_at = 0"};
#undef PARLEY_FILE_INFO_COLUMNS

model::FileInfo fileInfoFromRow(const Rows& rows, int row) {
  model::FileInfo info;
  info.id = rows.string(row, kId);
  info.creatorId = rows.string(row, kCreatorId);
  info.postId = rows.string(row, kPostId);
  info.channelId = rows.string(row, kChannelId);
  info.createAt = rows.int64(row, kCreateAt);
  info.updateAt = rows.int64(row, kUpdateAt);
  info.deleteAt = rows.int64(row, kDeleteAt);
  info.path = rows.string(row, kPath);
  info.thumbnailPath = rows.string(row, kThumbnailPath);
  info.previewPath = rows.string(row, kPreviewPath);
  info.name = rows.string(row, kName);
  info.extension = rows.string(row, kExtension);
  info.size = rows.int64(row, kSize);
  info.mimeType = rows.string(row, kMimeType);
  info.width = static_cast<int>(rows.int64(row, kWidth));
  info.height = static_cast<int>(rows.int64(row, kHeight));
  info.hasPreviewImage = rows.boolean(row, kHasPreviewImage);
  info.miniPreview = hexDecode(rows.text(row, kMiniPreviewHex));
  info.sha256 = rows.string(row, kSha256);
  info.remoteId = rows.string(row, kRemoteId);
  info.archived = rows.boolean(row, kArchived);
  return info;
}

}  // namespace

std::string textArrayLiteral(const std::vector<std::string>& values) {
  std::string literal = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) literal += ',';
    literal += '"';
    for (const char c : values[i]) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  return literal;
}

Status PgFileInfoStore::create(const model::FileInfo& info) {
  Params params;
  params.add(info.id)
      .add(info.creatorId)
      .addOrNull(info.postId)
      .add(info.channelId)
      .add(info.createAt)
      .add(info.updateAt)
      .add(info.deleteAt)
      .add(info.path)
      .add(info.thumbnailPath)
      .add(info.previewPath)
      .add(info.name)
      .add(info.extension)
      .add(info.size)
      .add(info.mimeType)
      .add(info.width)
      .add(info.height)
      .add(info.hasPreviewImage);
  if (info.miniPreview.empty()) {
    params.addNull();
  } else {
    params.add(hexEncode(info.miniPreview));
  }
  params.add(info.sha256).addOrNull(info.remoteId).add(info.archived);
  return done(store_.exec(kFileInfoInsert, params));
}

Result<model::FileInfo> PgFileInfoStore::get(std::string_view id) {
  auto rows = store_.exec(kFileInfoGet, Params().add(id));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) {
    return makeError(ErrorCode::kNotFound, "app.file_info.get.app_error",
                     "Unable to get the file info.", "file_id=" + std::string(id));
  }
  return fileInfoFromRow(*rows, 0);
}

Result<std::vector<std::string>> PgFileInfoStore::attachToPost(
    const std::vector<std::string>& fileIds, std::string_view postId, std::string_view channelId,
    std::string_view userId) {
  if (fileIds.empty()) return std::vector<std::string>{};
  auto rows = store_.exec(kFileInfoAttach, Params()
                                               .add(textArrayLiteral(fileIds))
                                               .add(postId)
                                               .add(channelId)
                                               .add(userId)
                                               .add(store_.clock().nowMillis()));
  if (!rows) return std::move(rows).error();
  std::unordered_set<std::string> attached;
  for (int row = 0; row < rows->size(); ++row) attached.insert(rows->string(row, 0));
  std::vector<std::string> ordered;
  for (const auto& id : fileIds) {
    // A duplicate id in the request is attached once.
    if (attached.erase(id) > 0) ordered.push_back(id);
  }
  return ordered;
}

Result<std::unordered_map<std::string, std::vector<model::FileInfo>>> PgFileInfoStore::listOfPosts(
    const std::vector<std::string>& postIds) {
  std::unordered_map<std::string, std::vector<model::FileInfo>> byPost;
  if (postIds.empty()) return byPost;
  auto rows = store_.exec(kFileInfoOfPosts, Params().add(textArrayLiteral(postIds)));
  if (!rows) return std::move(rows).error();
  for (int row = 0; row < rows->size(); ++row) {
    auto info = fileInfoFromRow(*rows, row);
    byPost[info.postId].push_back(std::move(info));
  }
  return byPost;
}

Result<std::int64_t> PgFileInfoStore::deleteForPost(std::string_view postId, std::int64_t at) {
  auto rows = store_.exec(kFileInfoDeleteForPost, Params().add(postId).add(at));
  if (!rows) return std::move(rows).error();
  return rows->affected();
}

}  // namespace parley::core::store::postgres
