#pragma once
// Persistence of file metadata (the file_infos table). Call only from inside a database job
// (see store.hpp). The bytes themselves are the file store's (core/files).

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/file_info.hpp"

namespace parley::core::store {

class FileInfoStore {
 public:
  virtual ~FileInfoStore() = default;

  // Inserts `info` as given (id, timestamps, paths); the caller fills them in.
  virtual Status create(const model::FileInfo& info) = 0;

  // kNotFound "app.file_info.get.app_error" when there is no such file or it was deleted.
  virtual Result<model::FileInfo> get(std::string_view id) = 0;

  // Attaches files to a new post, as Mattermost's attachFilesToPost: a file is attached only if
  // `userId` created it, it belongs to `channelId`, is not deleted and is not attached to a post
  // yet; the others are skipped silently. Returns the ids that were attached, in the order of
  // `fileIds` (the post's file_ids should become exactly these).
  virtual Result<std::vector<std::string>> attachToPost(const std::vector<std::string>& fileIds,
                                                        std::string_view postId,
                                                        std::string_view channelId,
                                                        std::string_view userId) = 0;

  // The live (not deleted) files of each post, oldest first; posts without files are absent
  // from the map.
  virtual Result<std::unordered_map<std::string, std::vector<model::FileInfo>>> listOfPosts(
      const std::vector<std::string>& postIds) = 0;

  // Soft-deletes the files of a deleted post (delete_at = update_at = `at`), as Mattermost's
  // DeleteForPost. Returns how many were deleted.
  virtual Result<std::int64_t> deleteForPost(std::string_view postId, std::int64_t at) = 0;
};

}  // namespace parley::core::store
