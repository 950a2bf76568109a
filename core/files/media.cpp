#include "core/files/media.hpp"

#include <magic.h>
#include <vips/vips.h>

#include <array>
#include <memory>
#include <mutex>

#include "core/common/hex.hpp"
#include "core/common/log.hpp"

namespace parley::core::files {
namespace {

// libmagic reads at most this much of a file; types are decided by the first bytes.
constexpr std::size_t kMagicBytes = 1 << 20;

struct MagicDeleter {
  void operator()(magic_set* cookie) const noexcept { magic_close(cookie); }
};

// A magic cookie is not thread-safe: one per thread, loaded on first use.
magic_set* magicCookie() {
  thread_local std::unique_ptr<magic_set, MagicDeleter> cookie = [] {
    // No decompression: a compressed upload is reported as what it is, and a bomb costs nothing.
    std::unique_ptr<magic_set, MagicDeleter> opened(
        magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR));
    if (opened && magic_load(opened.get(), nullptr) != 0) {
      log::error("files", "cannot load the libmagic database",
                 {{"error", magic_error(opened.get()) ? magic_error(opened.get()) : ""}});
      opened.reset();
    }
    return opened;
  }();
  return cookie.get();
}

bool initVips() {
  static const bool ready = [] {
    if (VIPS_INIT("parleyd") != 0) {
      log::error("files", "cannot initialise libvips", {{"error", vips_error_buffer()}});
      vips_error_clear();
      return false;
    }
    // Uploads are untrusted: only the loaders libvips marks safe for untrusted input, no
    // operation cache (every upload is new), one worker thread per call (we run on the
    // blocking pool and want its size to bound CPU use).
    vips_block_untrusted_set(TRUE);
    vips_cache_set_max(0);
    vips_concurrency_set(1);
    return true;
  }();
  return ready;
}

// Truncated or corrupt pixel data fails the rendering instead of being padded out.
constexpr const char* kLoadOptions = "fail_on=error";

struct VipsImageDeleter {
  void operator()(VipsImage* image) const noexcept { g_object_unref(image); }
};
using VipsImagePtr = std::unique_ptr<VipsImage, VipsImageDeleter>;

std::string takeVipsError() {
  std::string message = vips_error_buffer();
  vips_error_clear();
  return message;
}

// JPEG of `image`, transparency flattened onto white (JPEG has no alpha).
std::optional<std::string> toJpeg(VipsImage* image, int quality) {
  VipsImagePtr flat;
  if (vips_image_hasalpha(image)) {
    VipsImage* out = nullptr;
    VipsArrayDouble* white = vips_array_double_newv(3, 255.0, 255.0, 255.0);
    const int failed = vips_flatten(image, &out, "background", white, nullptr);
    vips_area_unref(VIPS_AREA(white));
    if (failed != 0) return std::nullopt;
    flat.reset(out);
    image = out;
  }
  void* buffer = nullptr;
  std::size_t length = 0;
  if (vips_jpegsave_buffer(image, &buffer, &length, "Q", quality, "strip", TRUE, nullptr) != 0) {
    return std::nullopt;
  }
  std::string jpeg(static_cast<const char*>(buffer), length);
  g_free(buffer);
  return jpeg;
}

// `bytes` scaled down (never up) to fit width x height, EXIF orientation applied; with `crop`
// it fills the box exactly, cutting the centre out.
std::optional<std::string> thumbnail(std::string_view bytes, int width, int height, bool crop,
                                     int quality) {
  VipsImage* out = nullptr;
  // libvips does not write to the buffer; its C signature just lacks the const.
  void* data = const_cast<char*>(bytes.data());
  const int failed =
      crop ? vips_thumbnail_buffer(data, bytes.size(), &out, width, "height", height, "size",
                                   VIPS_SIZE_DOWN, "crop", VIPS_INTERESTING_CENTRE, "option_string",
                                   kLoadOptions, nullptr)
           : vips_thumbnail_buffer(data, bytes.size(), &out, width, "height", height, "size",
                                   VIPS_SIZE_DOWN, "option_string", kLoadOptions, nullptr);
  if (failed != 0) return std::nullopt;
  VipsImagePtr image(out);
  return toJpeg(image.get(), quality);
}

}  // namespace

std::string detectMimeType(std::string_view bytes) {
  magic_set* cookie = magicCookie();
  if (cookie == nullptr) return "application/octet-stream";
  const char* type = magic_buffer(cookie, bytes.data(), std::min(bytes.size(), kMagicBytes));
  if (type == nullptr || *type == '\0') return "application/octet-stream";
  // libmagic's name for an empty input.
  if (std::string_view(type) == "application/x-empty") return "application/octet-stream";
  return type;
}

bool isRenderableImage(std::string_view mimeType) {
  return mimeType == "image/jpeg" || mimeType == "image/png" || mimeType == "image/gif" ||
         mimeType == "image/webp" || mimeType == "image/tiff";
}

Result<std::optional<ImageRenditions>> renderImage(std::string_view bytes) {
  if (!initVips()) return std::optional<ImageRenditions>{};
  // The header only: dimensions are known before a single pixel is decoded, so an image bomb
  // is refused without the memory it would take.
  VipsImagePtr header(vips_image_new_from_buffer(bytes.data(), bytes.size(), "", "access",
                                                 VIPS_ACCESS_SEQUENTIAL, nullptr));
  if (!header) {
    log::debug("files", "not a decodable image", {{"error", takeVipsError()}});
    return std::optional<ImageRenditions>{};
  }
  ImageRenditions renditions;
  renditions.width = vips_image_get_width(header.get());
  renditions.height = vips_image_get_height(header.get());
  if (vips_image_get_orientation_swap(header.get())) {
    std::swap(renditions.width, renditions.height);
  }
  header.reset();
  const auto pixels =
      static_cast<std::int64_t>(renditions.width) * static_cast<std::int64_t>(renditions.height);
  if (pixels > kMaxImagePixels) {
    return makeError(ErrorCode::kInvalidArgument,
                     "api.file.upload_file.large_image_detailed.app_error",
                     "The image is too large to process.",
                     std::to_string(renditions.width) + "x" + std::to_string(renditions.height) +
                         " pixels, limit " + std::to_string(kMaxImagePixels));
  }
  auto thumb = thumbnail(bytes, kThumbnailWidth, kThumbnailHeight, false, 85);
  auto preview = thumbnail(bytes, kPreviewWidth, VIPS_MAX_COORD, false, 90);
  auto mini = thumbnail(bytes, kMiniPreviewSize, kMiniPreviewSize, true, 60);
  if (!thumb || !preview || !mini) {
    // A header that parses over pixels that do not (truncated, corrupt): a plain file.
    log::debug("files", "image could not be rendered", {{"error", takeVipsError()}});
    return std::optional<ImageRenditions>{};
  }
  renditions.thumbnail = std::move(*thumb);
  renditions.preview = std::move(*preview);
  renditions.miniPreview = std::move(*mini);
  return std::optional<ImageRenditions>(std::move(renditions));
}

}  // namespace parley::core::files
