#include "gateway/api/avatar.hpp"

#include <zlib.h>

#include <array>
#include <cstdint>
#include <vector>

namespace parley::gateway::api {
namespace {

// Mattermost's palette for generated avatars is a set of saturated colours; any stable pick
// works for clients, which only display the image.
constexpr std::array<std::array<std::uint8_t, 3>, 8> kPalette = {{{0x1e, 0x88, 0xe5},
                                                                  {0x43, 0xa0, 0x47},
                                                                  {0xe5, 0x39, 0x35},
                                                                  {0x8e, 0x24, 0xaa},
                                                                  {0xfb, 0x8c, 0x00},
                                                                  {0x00, 0x89, 0x7b},
                                                                  {0x6d, 0x4c, 0x41},
                                                                  {0x39, 0x49, 0xab}}};

void putBigEndian(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xFF));
  }
}

// One PNG chunk: length, type, data, CRC-32 of type and data.
void putChunk(std::string& out, const char* type, const std::string& data) {
  putBigEndian(out, static_cast<std::uint32_t>(data.size()));
  const std::string typed = std::string(type, 4) + data;
  out += typed;
  const auto crc =
      crc32(0L, reinterpret_cast<const Bytef*>(typed.data()), static_cast<uInt>(typed.size()));
  putBigEndian(out, static_cast<std::uint32_t>(crc));
}

}  // namespace

std::string defaultAvatarPng(std::string_view userId) {
  std::uint32_t hash = 2166136261u;  // FNV-1a
  for (const char c : userId) hash = (hash ^ static_cast<std::uint8_t>(c)) * 16777619u;
  const auto& colour = kPalette[hash % kPalette.size()];

  // Raw scanlines: filter byte 0, then RGB per pixel.
  std::vector<std::uint8_t> raw;
  raw.reserve(kAvatarSize * (1 + 3 * kAvatarSize));
  for (unsigned y = 0; y < kAvatarSize; ++y) {
    raw.push_back(0);
    for (unsigned x = 0; x < kAvatarSize; ++x) raw.insert(raw.end(), colour.begin(), colour.end());
  }
  uLongf compressedSize = compressBound(static_cast<uLong>(raw.size()));
  std::string compressed(compressedSize, '\0');
  if (compress2(reinterpret_cast<Bytef*>(compressed.data()), &compressedSize, raw.data(),
                static_cast<uLong>(raw.size()), Z_BEST_COMPRESSION) != Z_OK) {
    return {};
  }
  compressed.resize(compressedSize);

  std::string header;
  putBigEndian(header, kAvatarSize);
  putBigEndian(header, kAvatarSize);
  header +=
      std::string{8, 2, 0, 0, 0};  // bit depth 8, colour type RGB, deflate, no filter/interlace

  std::string png = "\x89PNG\r\n\x1a\n";
  putChunk(png, "IHDR", header);
  putChunk(png, "IDAT", compressed);
  putChunk(png, "IEND", {});
  return png;
}

}  // namespace parley::gateway::api
