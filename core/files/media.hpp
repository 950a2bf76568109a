#pragma once
// What Parley learns from an uploaded file's bytes: its MIME type (libmagic, from the content,
// never from the name or the client's claim), its SHA-256, and for images their size and the
// JPEG renditions Mattermost clients ask for (thumbnail, preview, mini preview).
//
// Everything here is CPU-bound and blocks: call it on the blocking pool (core::runBlocking),
// never on an I/O thread. All functions are thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace parley::core::files {

// Mattermost's sizes (app/file.go): thumbnails fit 120x100, previews are at most 1920 wide,
// the mini preview is 16x16; images above MaxImageResolution (7680x4320) are refused.
inline constexpr int kThumbnailWidth = 120;
inline constexpr int kThumbnailHeight = 100;
inline constexpr int kPreviewWidth = 1920;
inline constexpr int kMiniPreviewSize = 16;
inline constexpr std::int64_t kMaxImagePixels = 7680LL * 4320LL;

// "image/png", "text/plain", ...; "application/octet-stream" when libmagic cannot tell.
std::string detectMimeType(std::string_view bytes);

// Whether Parley renders previews for this MIME type (raster formats libvips decodes safely;
// SVG and other vector or scriptable formats are never rendered).
bool isRenderableImage(std::string_view mimeType);

struct ImageRenditions {
  int width = 0;  // as displayed, after EXIF orientation
  int height = 0;
  std::string thumbnail;    // JPEG, fits kThumbnailWidth x kThumbnailHeight
  std::string preview;      // JPEG, at most kPreviewWidth wide, never enlarged
  std::string miniPreview;  // JPEG, kMiniPreviewSize square
};

// Renders an image. nullopt when the bytes do not decode as an image (it is then stored as a
// plain file); kInvalidArgument "api.file.upload_file.large_image_detailed.app_error" when it
// has more than kMaxImagePixels pixels (checked from the header, before decoding).
Result<std::optional<ImageRenditions>> renderImage(std::string_view bytes);

}  // namespace parley::core::files
