// Content types from bytes, SHA-256 and image renditions on real encoded images.

#include "core/files/media.hpp"

#include <gtest/gtest.h>

#include "tests/unit/core/files/png_writer.hpp"

namespace parley::core::files {
namespace {

// Width and height of a baseline or progressive JPEG, from its SOF marker.
std::pair<int, int> jpegSize(const std::string& jpeg) {
  for (std::size_t i = 2; i + 9 < jpeg.size();) {
    if (static_cast<unsigned char>(jpeg[i]) != 0xFF) return {0, 0};
    const auto marker = static_cast<unsigned char>(jpeg[i + 1]);
    const auto length =
        (static_cast<unsigned char>(jpeg[i + 2]) << 8) | static_cast<unsigned char>(jpeg[i + 3]);
    if (marker == 0xC0 || marker == 0xC2) {
      const int height =
          (static_cast<unsigned char>(jpeg[i + 5]) << 8) | static_cast<unsigned char>(jpeg[i + 6]);
      const int width =
          (static_cast<unsigned char>(jpeg[i + 7]) << 8) | static_cast<unsigned char>(jpeg[i + 8]);
      return {width, height};
    }
    i += 2 + static_cast<std::size_t>(length);
  }
  return {0, 0};
}

TEST(DetectMimeType, LooksAtTheBytesNotTheName) {
  EXPECT_EQ(detectMimeType(testing::makePng(4, 4)), "image/png");
  EXPECT_EQ(detectMimeType("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"),
            "application/pdf");
  EXPECT_EQ(detectMimeType("<!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>"),
            "text/html");
  EXPECT_EQ(detectMimeType("just a few words of plain text\n"), "text/plain");
  EXPECT_EQ(detectMimeType(std::string("\x00\x01\x02\x03\xfe\xff", 6)), "application/octet-stream");
  EXPECT_EQ(detectMimeType(""), "application/octet-stream");
}

TEST(RenderImage, ThumbnailFitsTheBoxAndPreviewKeepsSmallImages) {
  auto rendered = renderImage(testing::makePng(600, 300));
  ASSERT_TRUE(rendered.ok()) << rendered.error().detail;
  ASSERT_TRUE(rendered->has_value());
  const auto& images = **rendered;
  EXPECT_EQ(images.width, 600);
  EXPECT_EQ(images.height, 300);
  EXPECT_EQ(detectMimeType(images.thumbnail), "image/jpeg");
  EXPECT_EQ(jpegSize(images.thumbnail), std::make_pair(120, 60));
  EXPECT_EQ(jpegSize(images.preview), std::make_pair(600, 300));  // never enlarged
  EXPECT_EQ(jpegSize(images.miniPreview), std::make_pair(16, 16));
}

TEST(RenderImage, TallImagesAreBoundByTheThumbnailHeight) {
  auto rendered = renderImage(testing::makePng(50, 400));
  ASSERT_TRUE(rendered.ok());
  ASSERT_TRUE(rendered->has_value());
  const auto [width, height] = jpegSize((*rendered)->thumbnail);
  EXPECT_LE(width, kThumbnailWidth);
  EXPECT_EQ(height, kThumbnailHeight);
}

TEST(RenderImage, WidePreviewsAreScaledTo1920) {
  auto rendered = renderImage(testing::makePng(2400, 100));
  ASSERT_TRUE(rendered.ok());
  ASSERT_TRUE(rendered->has_value());
  EXPECT_EQ(jpegSize((*rendered)->preview), std::make_pair(1920, 80));
}

TEST(RenderImage, RefusesImagesOverThePixelLimitFromTheHeaderAlone) {
  // The header claims 20000 x 20000; the pixel data is only one row: nothing gets decoded.
  std::string png = testing::makePng(1, 1);
  png[16] = 0;
  png[17] = 0;
  png[18] = static_cast<char>(20000 >> 8);
  png[19] = static_cast<char>(20000 & 0xFF);
  png[20] = 0;
  png[21] = 0;
  png[22] = static_cast<char>(20000 >> 8);
  png[23] = static_cast<char>(20000 & 0xFF);
  // Fix the IHDR CRC so that the header itself is valid.
  const std::string ihdr = png.substr(12, 17);
  const auto crc = testing::crc32(ihdr);
  for (int k = 0; k < 4; ++k) png[29 + k] = static_cast<char>(crc >> (24 - 8 * k));
  auto rendered = renderImage(png);
  ASSERT_FALSE(rendered.ok());
  EXPECT_EQ(rendered.error().id, "api.file.upload_file.large_image_detailed.app_error");
}

TEST(RenderImage, BytesThatAreNoImageGiveNoRenditions) {
  auto rendered = renderImage("not an image at all");
  ASSERT_TRUE(rendered.ok());
  EXPECT_FALSE(rendered->has_value());
  std::string truncated = testing::makePng(64, 64).substr(0, 60);
  auto broken = renderImage(truncated);
  ASSERT_TRUE(broken.ok());
  EXPECT_FALSE(broken->has_value());
}

TEST(IsRenderableImage, OnlyRasterFormats) {
  EXPECT_TRUE(isRenderableImage("image/png"));
  EXPECT_TRUE(isRenderableImage("image/jpeg"));
  EXPECT_FALSE(isRenderableImage("image/svg+xml"));
  EXPECT_FALSE(isRenderableImage("text/html"));
}

}  // namespace
}  // namespace parley::core::files
