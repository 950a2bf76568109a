#include "core/config/units.hpp"

#include <gtest/gtest.h>

namespace parley::core::config {
namespace {

using namespace std::chrono_literals;

TEST(UnitsTest, ParsesDurations) {
  EXPECT_EQ(parseDuration("500ms"), std::optional(500ms));
  EXPECT_EQ(parseDuration("30s"), std::optional<std::chrono::milliseconds>(30s));
  EXPECT_EQ(parseDuration("5m"), std::optional<std::chrono::milliseconds>(5min));
  EXPECT_EQ(parseDuration("2h"), std::optional<std::chrono::milliseconds>(2h));
  EXPECT_EQ(parseDuration("30d"), std::optional<std::chrono::milliseconds>(30 * 24h));
  EXPECT_EQ(parseDuration("0ms"), std::optional(0ms));
}

TEST(UnitsTest, RefusesMalformedDurations) {
  for (const char* text : {"", "30", "s", "-5s", "+5s", "1.5s", "5 s", "5S", "1h30m", "5sec",
                           "5mss", "99999999999999999999d", "999999999999999d"}) {
    EXPECT_EQ(parseDuration(text), std::nullopt) << text;
  }
}

TEST(UnitsTest, FormatsDurationsWithTheLargestExactUnit) {
  EXPECT_EQ(formatDuration(1500ms), "1500ms");
  EXPECT_EQ(formatDuration(90s), "90s");
  EXPECT_EQ(formatDuration(120s), "2m");
  EXPECT_EQ(formatDuration(48h), "2d");
  EXPECT_EQ(formatDuration(0ms), "0ms");
}

TEST(UnitsTest, ParsesSizes) {
  EXPECT_EQ(parseSize("1234"), std::optional<std::uint64_t>(1234));
  EXPECT_EQ(parseSize("12B"), std::optional<std::uint64_t>(12));
  EXPECT_EQ(parseSize("300KB"), std::optional<std::uint64_t>(300'000));
  EXPECT_EQ(parseSize("16KiB"), std::optional<std::uint64_t>(16 * 1024));
  EXPECT_EQ(parseSize("100MiB"), std::optional<std::uint64_t>(100ull << 20));
  EXPECT_EQ(parseSize("2MB"), std::optional<std::uint64_t>(2'000'000));
  EXPECT_EQ(parseSize("1GiB"), std::optional<std::uint64_t>(1ull << 30));
  EXPECT_EQ(parseSize("1GB"), std::optional<std::uint64_t>(1'000'000'000));
  EXPECT_EQ(parseSize("1TiB"), std::optional<std::uint64_t>(1ull << 40));
  EXPECT_EQ(parseSize("3TB"), std::optional<std::uint64_t>(3'000'000'000'000));
}

TEST(UnitsTest, RefusesMalformedSizes) {
  for (const char* text : {"", "KB", "10 MB", "10mb", "10kb", "1.5MiB", "-1", "10K", "10Mi",
                           "16777216TiB", "99999999999999999999"}) {
    EXPECT_EQ(parseSize(text), std::nullopt) << text;
  }
}

TEST(UnitsTest, FormatsSizesWithTheLargestExactUnit) {
  EXPECT_EQ(formatSize(1024), "1KiB");
  EXPECT_EQ(formatSize(1ull << 30), "1GiB");
  EXPECT_EQ(formatSize(300'000), "300KB");
  EXPECT_EQ(formatSize(1500), "1500");
  EXPECT_EQ(formatSize(0), "0");
  for (const std::uint64_t bytes : {1ull, 999ull, 1000ull, 4096ull, 1ull << 40, 123'456'789ull}) {
    EXPECT_EQ(parseSize(formatSize(bytes)), std::optional(bytes)) << bytes;
  }
}

}  // namespace
}  // namespace parley::core::config
