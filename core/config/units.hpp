#pragma once
// The value syntaxes of gateway.yaml that are more than a YAML scalar: durations ("500ms",
// "30s", "5m", "2h", "30d") and sizes (a number of bytes, or "300KB", "100MiB", "1GiB").
// Pure functions, so other YAML readers (policy files) can share the same syntax.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::core::config {

// An unsigned decimal integer followed by one unit: ms, s, m, h or d. No spaces, no fractions,
// no compound forms: a duration in a config file should read one way only.
// nullopt when the text is not of that form or does not fit in milliseconds.
std::optional<std::chrono::milliseconds> parseDuration(std::string_view text);

// The shortest exact spelling: 90000ms -> "90s", 7200000ms -> "2h", 1500ms -> "1500ms".
std::string formatDuration(std::chrono::milliseconds value);

// An unsigned decimal integer, optionally followed by a unit: B, KB/MB/GB/TB (powers of 1000)
// or KiB/MiB/GiB/TiB (powers of 1024). nullopt when malformed or above 2^64-1.
std::optional<std::uint64_t> parseSize(std::string_view text);

// The shortest exact spelling, preferring binary units: 1048576 -> "1MiB", 300000 -> "300KB",
// 1000 -> "1KB", 1500 -> "1500".
std::string formatSize(std::uint64_t bytes);

}  // namespace parley::core::config
