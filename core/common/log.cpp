#include "core/common/log.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <ctime>
#include <mutex>

#include "core/common/json_text.hpp"

namespace parley::core::log {
namespace {

std::atomic<Level> gLevel{Level::kInfo};
std::mutex gSinkMutex;
Sink gSink;  // empty = stderr

constexpr std::array<std::string_view, 8> kSecretMarkers = {
    "password", "passwd", "token", "secret", "dsn", "cookie", "authorization", "private_key"};

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string isoTimeNow() {
  const auto now = std::chrono::system_clock::now();
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 32> text{};
  const std::size_t n = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S", &utc);
  std::array<char, 8> fraction{};
  std::snprintf(fraction.data(), fraction.size(), ".%03dZ", static_cast<int>(millis));
  return std::string(text.data(), n) + fraction.data();
}

void writeToStderr(std::string_view line) {
  const char* data = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, data, left);
    if (n <= 0) return;  // nowhere to report a failing log stream
    data += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace

bool parseLevel(std::string_view text, Level& out) {
  if (text == "debug") out = Level::kDebug;
  else if (text == "info") out = Level::kInfo;
  else if (text == "warn") out = Level::kWarn;
  else if (text == "error") out = Level::kError;
  else return false;
  return true;
}

std::string_view levelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

void setLevel(Level level) { gLevel.store(level); }
Level level() { return gLevel.load(std::memory_order_relaxed); }

void setSink(Sink sink) {
  std::lock_guard lock(gSinkMutex);
  gSink = std::move(sink);
}

void resetSink() { setSink(nullptr); }

bool isSecretFieldName(std::string_view name) {
  const std::string lower = lowercase(name);
  return std::any_of(kSecretMarkers.begin(), kSecretMarkers.end(), [&](std::string_view marker) {
    return lower.find(marker) != std::string::npos;
  });
}

void write(Level level, std::string_view component, std::string_view message,
           const Fields& fields) {
  nlohmann::json line = nlohmann::json::object();
  line["time"] = isoTimeNow();
  line["level"] = levelName(level);
  line["component"] = component;
  line["msg"] = message;
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) {
      if (line.contains(key)) continue;  // the fixed keys cannot be overridden
      line[key] = isSecretFieldName(key) ? nlohmann::json("[redacted]") : value;
    }
  }
  // Invalid UTF-8 from the network must not throw out of a log call.
  std::string text = dumpJson(line);
  text.push_back('\n');

  std::lock_guard lock(gSinkMutex);
  if (gSink) gSink(text);
  else writeToStderr(text);
}

}  // namespace parley::core::log
