#pragma once
// A directory under $TMPDIR that is removed with everything in it when the object dies.

#include <filesystem>
#include <string_view>

namespace parley::testing {

class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "parley-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `content` to `name` inside the directory and returns the full path.
  std::filesystem::path write(std::string_view name, std::string_view content) const;

 private:
  std::filesystem::path path_;
};

}  // namespace parley::testing
