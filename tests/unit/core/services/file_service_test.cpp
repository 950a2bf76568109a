// The pure parts of the file service: names and extensions as clients send them, and the
// upload step that analyses and stores bytes (on a real temporary file store).

#include "core/services/file_service.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/common/sha256.hpp"
#include "core/files/media.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/core/files/png_writer.hpp"

namespace parley::core::services {
namespace {

TEST(SanitizeFileName, KeepsTheLastSegmentWithoutControlCharacters) {
  EXPECT_EQ(sanitizeFileName("report.pdf"), "report.pdf");
  EXPECT_EQ(sanitizeFileName("C:\\Users\\ann\\report.pdf"), "report.pdf");
  EXPECT_EQ(sanitizeFileName("../../etc/passwd"), "passwd");
  EXPECT_EQ(sanitizeFileName("a\r\nb\t.txt"), "ab.txt");
  EXPECT_EQ(sanitizeFileName("dir/"), "");
  EXPECT_EQ(sanitizeFileName(".."), "");
  EXPECT_EQ(sanitizeFileName("\xE2\x82\xAC rates.txt"), "\xE2\x82\xAC rates.txt");
  // 254 ASCII bytes then a 3-byte character: cut before the character, not inside it.
  const std::string longName = std::string(254, 'a') + "\xE2\x82\xAC";
  EXPECT_EQ(sanitizeFileName(longName), std::string(254, 'a'));
}

TEST(FileExtension, LowerCaseWithoutTheDot) {
  EXPECT_EQ(fileExtension("photo.JPG"), "jpg");
  EXPECT_EQ(fileExtension("archive.tar.gz"), "gz");
  EXPECT_EQ(fileExtension("README"), "");
  EXPECT_EQ(fileExtension("trailing."), "");
}

class StoreUploadsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = files::openLocalFileStore(dir_.path() / "files");
    ASSERT_TRUE(opened.ok());
    store_ = *opened;
  }
  std::size_t filesOnDisk() const {
    std::size_t count = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path() / "files")) {
      if (entry.is_regular_file()) ++count;
    }
    return count;
  }

  testing::TempDir dir_;
  files::FileStorePtr store_;
  ManualClock clock_{1'795'000'000'000};
};

TEST_F(StoreUploadsTest, AnalysesAndStoresImagesAndPlainFiles) {
  const std::string png = testing::makePng(300, 200);
  auto infos =
      storeUploads(*store_, clock_, "useraaaaaaaaaaaaaaaaaaaaaa", "channelaaaaaaaaaaaaaaaaaaa",
                   {{"shot.PNG", png}, {"C:\\notes\\todo.txt", "buy milk\n"}}, 1 << 20);
  ASSERT_TRUE(infos.ok()) << infos.error().detail;
  ASSERT_EQ(infos->size(), 2u);
  const auto& image = (*infos)[0];
  EXPECT_EQ(image.name, "shot.PNG");
  EXPECT_EQ(image.extension, "png");
  EXPECT_EQ(image.mimeType, "image/png");
  EXPECT_EQ(image.size, static_cast<std::int64_t>(png.size()));
  EXPECT_EQ(image.width, 300);
  EXPECT_EQ(image.height, 200);
  EXPECT_TRUE(image.hasPreviewImage);
  EXPECT_FALSE(image.miniPreview.empty());
  EXPECT_EQ(image.sha256, sha256Hex(png));
  EXPECT_EQ(image.createAt, 1'795'000'000'000);
  EXPECT_EQ(image.path.find("20261118/channels/channelaaaaaaaaaaaaaaaaaaa/users/"), 0u);
  EXPECT_EQ(*store_->read(image.path), png);
  EXPECT_TRUE(store_->read(image.thumbnailPath).ok());
  EXPECT_TRUE(store_->read(image.previewPath).ok());

  const auto& text = (*infos)[1];
  EXPECT_EQ(text.name, "todo.txt");
  EXPECT_EQ(text.mimeType, "text/plain");
  EXPECT_FALSE(text.hasPreviewImage);
  EXPECT_EQ(text.thumbnailPath, "");
  EXPECT_EQ(filesOnDisk(), 4u);

  discardUploads(*store_, *infos);
  EXPECT_EQ(filesOnDisk(), 0u);
}

TEST_F(StoreUploadsTest, OversizeFilesAreRefusedBeforeAnythingIsWritten) {
  auto infos =
      storeUploads(*store_, clock_, "useraaaaaaaaaaaaaaaaaaaaaa", "channelaaaaaaaaaaaaaaaaaaa",
                   {{"small.txt", "ok"}, {"big.bin", std::string(2048, 'x')}}, 1024);
  ASSERT_FALSE(infos.ok());
  EXPECT_EQ(infos.error().id, "api.file.upload_file.too_large_detailed.app_error");
  EXPECT_EQ(infos.error().code, ErrorCode::kTooLarge);
  EXPECT_EQ(filesOnDisk(), 0u);
}

TEST_F(StoreUploadsTest, AFailureHalfwayRemovesWhatWasWritten) {
  auto infos =
      storeUploads(*store_, clock_, "useraaaaaaaaaaaaaaaaaaaaaa", "channelaaaaaaaaaaaaaaaaaaa",
                   {{"first.txt", "one"}, {"/", "nameless"}}, 1024);
  ASSERT_FALSE(infos.ok());
  EXPECT_EQ(infos.error().id, "api.file.upload_file.read_request.app_error");
  EXPECT_EQ(filesOnDisk(), 0u);
}

}  // namespace
}  // namespace parley::core::services
