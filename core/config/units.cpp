#include "core/config/units.hpp"

#include <array>
#include <charconv>
#include <limits>

namespace parley::core::config {
namespace {

struct Unit {
  std::string_view suffix;
  std::uint64_t factor;
};

// Largest first, which is the order formatting tries them in; parsing matches suffixes exactly.
constexpr std::array<Unit, 5> kDurationUnits = {{
    {"d", 24ull * 60 * 60 * 1000},
    {"h", 60ull * 60 * 1000},
    {"m", 60ull * 1000},
    {"s", 1000},
    {"ms", 1},
}};

// Formatting walks this list from the largest unit down; parsing accepts any of them.
constexpr std::array<Unit, 9> kSizeUnits = {{
    {"TiB", 1ull << 40},
    {"GiB", 1ull << 30},
    {"MiB", 1ull << 20},
    {"KiB", 1ull << 10},
    {"TB", 1'000'000'000'000ull},
    {"GB", 1'000'000'000ull},
    {"MB", 1'000'000ull},
    {"KB", 1'000ull},
    {"B", 1},
}};

// Splits "123abc" into 123 and "abc"; nullopt when there is no leading digit or it overflows.
std::optional<std::pair<std::uint64_t, std::string_view>> splitNumber(std::string_view text) {
  std::uint64_t number = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  const auto [rest, error] = std::from_chars(begin, end, number);
  if (error != std::errc() || rest == begin) return std::nullopt;
  // from_chars accepts a leading '-' for unsigned types on some libraries; refuse it plainly.
  if (text.front() < '0' || text.front() > '9') return std::nullopt;
  return std::make_pair(number, text.substr(static_cast<std::size_t>(rest - begin)));
}

std::optional<std::uint64_t> multiply(std::uint64_t number, std::uint64_t factor) {
  if (factor != 0 && number > std::numeric_limits<std::uint64_t>::max() / factor) {
    return std::nullopt;
  }
  return number * factor;
}

}  // namespace

std::optional<std::chrono::milliseconds> parseDuration(std::string_view text) {
  const auto split = splitNumber(text);
  if (!split) return std::nullopt;
  const auto [number, suffix] = *split;
  for (const Unit& unit : kDurationUnits) {
    if (suffix != unit.suffix) continue;
    const auto millis = multiply(number, unit.factor);
    using Rep = std::chrono::milliseconds::rep;
    if (!millis || *millis > static_cast<std::uint64_t>(std::numeric_limits<Rep>::max())) {
      return std::nullopt;
    }
    return std::chrono::milliseconds(static_cast<Rep>(*millis));
  }
  return std::nullopt;
}

std::string formatDuration(std::chrono::milliseconds value) {
  const auto millis = value.count();
  if (millis <= 0) return std::to_string(millis) + "ms";
  const auto count = static_cast<std::uint64_t>(millis);
  for (const Unit& unit : kDurationUnits) {
    if (count % unit.factor == 0)
      return std::to_string(count / unit.factor) + std::string(unit.suffix);
  }
  return std::to_string(count) + "ms";
}

std::optional<std::uint64_t> parseSize(std::string_view text) {
  const auto split = splitNumber(text);
  if (!split) return std::nullopt;
  const auto [number, suffix] = *split;
  if (suffix.empty()) return number;
  for (const Unit& unit : kSizeUnits) {
    if (suffix == unit.suffix) return multiply(number, unit.factor);
  }
  return std::nullopt;
}

std::string formatSize(std::uint64_t bytes) {
  if (bytes == 0) return "0";
  for (const Unit& unit : kSizeUnits) {
    if (unit.factor > 1 && bytes % unit.factor == 0) {
      return std::to_string(bytes / unit.factor) + std::string(unit.suffix);
    }
  }
  return std::to_string(bytes);
}

}  // namespace parley::core::config
