#pragma once
// Structured logs: one JSON object per line on stderr, for journald (design brief §6).
// Every line has "time", "level", "component" and "msg"; a request's lines carry its
// "request_id". Tokens and passwords must never be passed in; as a safety net any field whose
// name looks like a secret ("password", "token", "secret", "dsn", ...) is written as "[redacted]".
//
// Thread-safe: each line is formatted off-lock and written with a single write(2).

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace parley::core::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Parses "debug", "info", "warn", "error"; false when the text is none of them.
bool parseLevel(std::string_view text, Level& out);
std::string_view levelName(Level level);

// Lines below `level` are dropped before they are formatted.
void setLevel(Level level);
Level level();
inline bool enabled(Level l) { return static_cast<int>(l) >= static_cast<int>(level()); }

// Where lines go; default writes to stderr. Tests install a capturing sink.
using Sink = std::function<void(std::string_view line)>;
void setSink(Sink sink);
void resetSink();

using Fields = nlohmann::json;  // an object; may be empty

void write(Level level, std::string_view component, std::string_view message,
           const Fields& fields = Fields::object());

inline void debug(std::string_view component, std::string_view message,
                  const Fields& fields = Fields::object()) {
  if (enabled(Level::kDebug)) write(Level::kDebug, component, message, fields);
}
inline void info(std::string_view component, std::string_view message,
                 const Fields& fields = Fields::object()) {
  if (enabled(Level::kInfo)) write(Level::kInfo, component, message, fields);
}
inline void warn(std::string_view component, std::string_view message,
                 const Fields& fields = Fields::object()) {
  if (enabled(Level::kWarn)) write(Level::kWarn, component, message, fields);
}
inline void error(std::string_view component, std::string_view message,
                  const Fields& fields = Fields::object()) {
  if (enabled(Level::kError)) write(Level::kError, component, message, fields);
}

// True when a field of this name must never reach a log.
bool isSecretFieldName(std::string_view name);

}  // namespace parley::core::log
