#pragma once
// Where uploaded files live. The local-directory implementation is the only one today; the
// interface keeps services free of paths so another backend can follow.
//
// Calls block on the filesystem: run them through core::runBlocking, never on an I/O thread.

#include <filesystem>
#include <memory>

#include "core/common/result.hpp"

namespace parley::core::files {

class FileStore {
 public:
  virtual ~FileStore() = default;
  // Proves the store is usable now by writing, reading back and removing a probe file
  // (Mattermost's TestFileStoreConnection).
  virtual Status check() = 0;
};

using FileStorePtr = std::shared_ptr<FileStore>;

// Creates `directory` (mode 0750) if needed. Fails when it cannot be created.
Result<FileStorePtr> openLocalFileStore(const std::filesystem::path& directory);

}  // namespace parley::core::files
