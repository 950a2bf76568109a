// The local file store on a real temporary directory.

#include <gtest/gtest.h>

#include <filesystem>

#include "core/files/file_store.hpp"
#include "tests/support/temp_dir.hpp"

namespace parley::core::files {
namespace {

TEST(LocalFileStore, WritesReadsAndRemovesWithoutLeavingDirectoriesBehind) {
  testing::TempDir dir;
  auto store = openLocalFileStore(dir.path() / "files");
  ASSERT_TRUE(store.ok());
  const std::string bytes("binary\0content", 14);
  ASSERT_TRUE((*store)->write("20261122/channels/c/users/u/f/data", bytes).ok());
  auto read = (*store)->read("20261122/channels/c/users/u/f/data");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, bytes);

  // Overwrite is atomic and leaves no temporary file next to the target.
  ASSERT_TRUE((*store)->write("20261122/channels/c/users/u/f/data", "second").ok());
  EXPECT_EQ(*(*store)->read("20261122/channels/c/users/u/f/data"), "second");
  std::size_t entries = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(dir.path() / "files/20261122/channels/c/users/u/f")) {
    (void)entry;
    ++entries;
  }
  EXPECT_EQ(entries, 1u);

  ASSERT_TRUE((*store)->remove("20261122/channels/c/users/u/f/data").ok());
  EXPECT_EQ((*store)->read("20261122/channels/c/users/u/f/data").error().code,
            ErrorCode::kNotFound);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() / "files"));
  EXPECT_TRUE((*store)->remove("20261122/never/written").ok());
}

TEST(LocalFileStore, RefusesPathsOutsideItsRoot) {
  testing::TempDir dir;
  auto store = openLocalFileStore(dir.path() / "files");
  ASSERT_TRUE(store.ok());
  for (const char* path : {"../escape", "/etc/passwd", "a/../../b", "a//b", "a/./b", "", "a/"}) {
    SCOPED_TRACE(path);
    EXPECT_FALSE(isValidStorePath(path));
    EXPECT_EQ((*store)->write(path, "x").error().id, "files.invalid_path");
  }
  EXPECT_TRUE(isValidStorePath("20261122/f/data"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "escape"));
}

}  // namespace
}  // namespace parley::core::files
