#pragma once
// PostgreSQL implementation of FileInfoStore (file_infos table).

#include "core/store/file_info_store.hpp"
#include "core/store/postgres/connection.hpp"

namespace parley::core::store::postgres {

class PgStore;

class PgFileInfoStore final : public FileInfoStore {
 public:
  explicit PgFileInfoStore(PgStore& store) : store_(store) {}

  Status create(const model::FileInfo& info) override;
  Result<model::FileInfo> get(std::string_view id) override;
  Result<std::vector<std::string>> attachToPost(const std::vector<std::string>& fileIds,
                                                std::string_view postId, std::string_view channelId,
                                                std::string_view userId) override;
  Result<std::unordered_map<std::string, std::vector<model::FileInfo>>> listOfPosts(
      const std::vector<std::string>& postIds) override;
  Result<std::int64_t> deleteForPost(std::string_view postId, std::int64_t at) override;

 private:
  PgStore& store_;
};

// A PostgreSQL array literal ({"a","b"}) of `values`, for `= ANY($n::varchar[])`.
std::string textArrayLiteral(const std::vector<std::string>& values);

}  // namespace parley::core::store::postgres
