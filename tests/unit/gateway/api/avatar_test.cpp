#include "gateway/api/avatar.hpp"

#include <gtest/gtest.h>

#include <zlib.h>

#include <cstdint>

namespace parley::gateway::api {
namespace {

std::uint32_t readBigEndian(const std::string& bytes, std::size_t at) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i)
    value = (value << 8) | static_cast<std::uint8_t>(bytes[at + i]);
  return value;
}

TEST(DefaultAvatar, IsAValidPngOfTheAdvertisedSize) {
  const std::string png = defaultAvatarPng("dri87zigoc4rywfs66z98fudqo");
  ASSERT_GT(png.size(), 33u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  EXPECT_EQ(readBigEndian(png, 16), kAvatarSize);
  EXPECT_EQ(readBigEndian(png, 20), kAvatarSize);
  // Every chunk's CRC covers its type and data.
  std::size_t at = 8;
  int chunks = 0;
  while (at + 12 <= png.size()) {
    const auto length = readBigEndian(png, at);
    const auto crc = crc32(0L, reinterpret_cast<const Bytef*>(png.data() + at + 4), length + 4);
    EXPECT_EQ(readBigEndian(png, at + 8 + length), crc) << "chunk " << png.substr(at + 4, 4);
    at += 12 + length;
    ++chunks;
  }
  EXPECT_EQ(at, png.size());
  EXPECT_EQ(chunks, 3);
  EXPECT_EQ(png.substr(png.size() - 8, 4), "IEND");
}

TEST(DefaultAvatar, IsStablePerUser) { EXPECT_EQ(defaultAvatarPng("a"), defaultAvatarPng("a")); }

}  // namespace
}  // namespace parley::gateway::api
