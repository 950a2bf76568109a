#pragma once
// An uploaded file's metadata as Mattermost models it (reference/mattermost-api.md §7
// "FileInfo"). The bytes live in the file store (core/files) under `path`; the JSON never shows
// the paths or the SHA-256, which stay inside Parley (the SHA-256 travels with the canonical
// message across bridges).

#include <cstdint>
#include <string>

namespace parley::core::model {

struct FileInfo {
  std::string id;
  std::string creatorId;  // "user_id" in the JSON
  std::string postId;     // "" while the file is not attached to a post
  std::string channelId;
  std::int64_t createAt = 0;
  std::int64_t updateAt = 0;
  std::int64_t deleteAt = 0;
  // Relative to the file store's root; thumbnail and preview are "" when there are none.
  std::string path;
  std::string thumbnailPath;
  std::string previewPath;
  std::string name;
  std::string extension;  // lower case, without the dot
  std::int64_t size = 0;
  std::string mimeType;
  int width = 0;
  int height = 0;
  bool hasPreviewImage = false;
  std::string miniPreview;  // raw bytes (a tiny JPEG); "" when there is none
  std::string sha256;       // lower-case hex of the content
  std::string remoteId;
  bool archived = false;

  bool isAttached() const { return !postId.empty(); }
  bool isDeleted() const { return deleteAt != 0; }
};

}  // namespace parley::core::model
