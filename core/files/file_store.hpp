#pragma once
// Where uploaded files live. The local-directory implementation is the only one today; the
// interface keeps services free of paths so another backend can follow.
//
// Paths are relative to the store's root, '/'-separated, without "." or ".." segments (the
// services build them from ids only). Calls block on the filesystem: run them through
// core::runBlocking, never on an I/O thread. Implementations are thread-safe.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace parley::core::files {

class FileStore {
 public:
  virtual ~FileStore() = default;
  // Proves the store is usable now by writing, reading back and removing a probe file
  // (Mattermost's TestFileStoreConnection).
  virtual Status check() = 0;

  // Stores `bytes` at `path` atomically: readers see the old content or the whole new one,
  // never a part (a temporary file in the same directory, flushed, then renamed over).
  // Creates the parent directories.
  virtual Status write(std::string_view path, std::string_view bytes) = 0;

  // The whole content; kNotFound "files.not_found" when there is no such file.
  virtual Result<std::string> read(std::string_view path) = 0;

  // Removes the file and then its parent directories while they are empty; a missing file is
  // not an error.
  virtual Status remove(std::string_view path) = 0;
};

using FileStorePtr = std::shared_ptr<FileStore>;

// Creates `directory` (mode 0750) if needed. Fails when it cannot be created.
Result<FileStorePtr> openLocalFileStore(const std::filesystem::path& directory);

// Whether `path` is a relative path the store accepts (see above).
bool isValidStorePath(std::string_view path);

}  // namespace parley::core::files
