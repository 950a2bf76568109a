#include "core/config/yaml_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <system_error>

#include "core/config/units.hpp"

namespace parley::core::config {
namespace {

constexpr std::size_t kMaxQuotedLength = 60;

// The 1-based line of a value. yaml-cpp gives an empty value the position of the token after
// it (often the next key), so empty values borrow the line of their key instead.
int lineOf(const YAML::Node& node, int fallback) {
  if (!node.IsDefined() || node.IsNull()) return fallback;
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? fallback : mark.line + 1;
}

// Edits (insertion, deletion, substitution, swap of neighbours) turning `a` into `b`: the
// optimal-string-alignment distance, so "levle" is one edit from "level".
std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// The known key closest to a misspelt one, if it is close enough to be a plausible typo.
std::optional<std::string_view> closestKey(std::string_view key,
                                           const std::vector<std::string_view>& known) {
  std::optional<std::string_view> best;
  std::size_t bestDistance = 0;
  for (const auto candidate : known) {
    const std::size_t distance = editDistance(key, candidate);
    if (!best || distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const std::size_t tolerance = std::max<std::size_t>(1, std::min<std::size_t>(3, key.size() / 3));
  if (best && bestDistance <= tolerance) return best;
  return std::nullopt;
}

std::string joinKeys(const std::vector<std::string_view>& keys) {
  std::string out;
  for (const auto key : keys) {
    if (!out.empty()) out += ", ";
    out += key;
  }
  return out;
}

std::string formatRangeBound(std::int64_t value) {
  // Large bounds read better with digit groups: 1,000,000.
  std::string digits = std::to_string(value < 0 ? -value : value);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) {
    digits.insert(static_cast<std::size_t>(i), ",");
  }
  return value < 0 ? "-" + digits : digits;
}

std::string errnoText(int error) {
  return std::error_code(error, std::generic_category()).message();
}

}  // namespace

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          std::array<char, 8> escaped{};
          std::snprintf(escaped.data(), escaped.size(), "\\x%02x", static_cast<unsigned char>(c));
          out += escaped.data();
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "an empty value";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  const std::string& text = node.Scalar();
  if (text.size() > kMaxQuotedLength) return quote(text.substr(0, kMaxQuotedLength)) + "...";
  return quote(text);
}

std::string childPath(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return std::string(parent) + "." + std::string(key);
}

std::optional<std::string> readWholeFile(const std::filesystem::path& file, std::string& error) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = errnoText(errno);
    return std::nullopt;
  }
  std::string content;
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    error = errnoText(errno);
  } else if (S_ISDIR(info.st_mode)) {
    error = "it is a directory";
  } else if (!S_ISREG(info.st_mode)) {
    error = "it is not a regular file";
  } else {
    std::array<char, 8192> buffer{};
    while (true) {
      const ssize_t n = ::read(fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        error = errnoText(errno);
        break;
      }
      if (n == 0) {
        ::close(fd);
        return content;
      }
      content.append(buffer.data(), static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return std::nullopt;
}

YamlReader::YamlReader(std::string file, std::vector<Problem>& problems)
    : file_(std::move(file)), problems_(problems) {}

void YamlReader::report(int line, std::string message) {
  problems_.push_back(Problem{file_, line, std::move(message)});
}

void YamlReader::report(const Field& field, std::string_view message) {
  report(field.line,
         field.path.empty() ? std::string(message) : field.path + ": " + std::string(message));
}

void YamlReader::reportAtKey(const Field& field, std::string_view message) {
  report(field.keyLine,
         field.path.empty() ? std::string(message) : field.path + ": " + std::string(message));
}

void YamlReader::expected(const Field& field, std::string_view what) {
  report(field, "expected " + std::string(what) + ", got " + describe(field.node));
}

std::optional<std::string> YamlReader::plainScalar(const YAML::Node& node) {
  if (!node.IsScalar() || node.Tag() != "?") return std::nullopt;
  return node.Scalar();
}

std::optional<MapFields> YamlReader::map(const Field& field,
                                         const std::vector<std::string_view>& known,
                                         std::string_view what) {
  MapFields fields;
  fields.self_ = field;
  if (field.node.IsNull()) return fields;
  if (!field.node.IsMap()) {
    expected(field, what);
    return std::nullopt;
  }
  const std::string where = field.path.empty() ? "at the top level" : "in " + field.path;
  for (const auto& pair : field.node) {
    const int keyLine = lineOf(pair.first, field.line);
    if (!pair.first.IsScalar()) {
      report(keyLine, "a key " + where + " must be a name, got " + describe(pair.first));
      continue;
    }
    const std::string& key = pair.first.Scalar();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      const auto suggestion = closestKey(key, known);
      report(keyLine, "unknown key " + quote(key) + " " + where +
                          (suggestion ? " (did you mean " + quote(*suggestion) + "?)"
                                      : " (expected one of: " + joinKeys(known) + ")"));
      continue;
    }
    const auto previous = std::find_if(fields.entries_.begin(), fields.entries_.end(),
                                       [&](const MapFields::Entry& e) { return e.key == key; });
    if (previous != fields.entries_.end()) {
      report(keyLine, "duplicate key " + quote(key) + " " + where + " (first set on line " +
                          std::to_string(previous->keyLine) + ")");
      continue;
    }
    fields.entries_.push_back(MapFields::Entry{
        key, keyLine,
        Field{childPath(field.path, key), pair.second, lineOf(pair.second, keyLine), keyLine}});
  }
  return fields;
}

std::optional<std::vector<Field>> YamlReader::list(const Field& field, std::string_view what) {
  std::vector<Field> items;
  if (field.node.IsNull()) return items;
  if (!field.node.IsSequence()) {
    expected(field, what);
    return std::nullopt;
  }
  items.reserve(field.node.size());
  for (std::size_t index = 0; index < field.node.size(); ++index) {
    const YAML::Node item = field.node[index];
    const int line = lineOf(item, field.line);
    items.push_back(Field{field.path + "[" + std::to_string(index) + "]", item, line, line});
  }
  return items;
}

std::optional<bool> YamlReader::boolean(const std::optional<Field>& field) {
  if (!field) return std::nullopt;
  const auto text = plainScalar(field->node);
  if (text == "true") return true;
  if (text == "false") return false;
  if (field->node.IsScalar() &&
      (field->node.Scalar() == "true" || field->node.Scalar() == "false")) {
    expected(*field, "true or false without quotes");
  } else {
    expected(*field, "true or false");
  }
  return std::nullopt;
}

std::optional<std::int64_t> YamlReader::integer(const std::optional<Field>& field, std::int64_t min,
                                                std::int64_t max) {
  if (!field) return std::nullopt;
  const auto text = plainScalar(field->node);
  if (text && !text->empty()) {
    std::int64_t value = 0;
    const char* end = text->data() + text->size();
    const auto [rest, error] = std::from_chars(text->data(), end, value);
    if (error == std::errc() && rest == end && value >= min && value <= max) return value;
  }
  expected(*field, "an integer from " + formatRangeBound(min) + " to " + formatRangeBound(max));
  return std::nullopt;
}

std::optional<double> YamlReader::number(const std::optional<Field>& field, double min) {
  if (!field) return std::nullopt;
  const auto text = plainScalar(field->node);
  if (text && !text->empty()) {
    double value = 0;
    const char* end = text->data() + text->size();
    const auto [rest, error] = std::from_chars(text->data(), end, value);
    if (error == std::errc() && rest == end && std::isfinite(value) && value >= min) return value;
  }
  std::array<char, 32> bound{};
  std::snprintf(bound.data(), bound.size(), "%g", min);
  expected(*field, std::string("a number of at least ") + bound.data());
  return std::nullopt;
}

std::optional<std::string> YamlReader::string(const std::optional<Field>& field) {
  if (!field) return std::nullopt;
  if (!field->node.IsScalar()) {
    expected(*field, "a string");
    return std::nullopt;
  }
  if (field->node.Scalar().empty()) {
    report(*field, "must not be empty");
    return std::nullopt;
  }
  return field->node.Scalar();
}

std::optional<std::string> YamlReader::oneOf(const std::optional<Field>& field,
                                             const std::vector<std::string_view>& choices) {
  if (!field) return std::nullopt;
  if (field->node.IsScalar() &&
      std::find(choices.begin(), choices.end(), field->node.Scalar()) != choices.end()) {
    return field->node.Scalar();
  }
  expected(*field, "one of " + joinKeys(choices));
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> YamlReader::duration(const std::optional<Field>& field,
                                                              std::chrono::milliseconds min,
                                                              std::chrono::milliseconds max) {
  if (!field) return std::nullopt;
  const auto value = field->node.IsScalar() ? parseDuration(field->node.Scalar()) : std::nullopt;
  if (!value) {
    expected(*field, "a duration with a unit (ms, s, m, h or d) such as \"30s\"");
    return std::nullopt;
  }
  if (*value < min || *value > max) {
    expected(*field, "a duration from " + formatDuration(min) + " to " + formatDuration(max));
    return std::nullopt;
  }
  return value;
}

std::optional<std::uint64_t> YamlReader::size(const std::optional<Field>& field, std::uint64_t min,
                                              std::uint64_t max) {
  if (!field) return std::nullopt;
  const auto value = field->node.IsScalar() ? parseSize(field->node.Scalar()) : std::nullopt;
  if (!value) {
    expected(*field,
             "a number of bytes or a size with a unit (KB, MB, GB, KiB, MiB, GiB, ...) such as "
             "\"100MiB\"");
    return std::nullopt;
  }
  if (*value < min || *value > max) {
    expected(*field, "a size from " + formatSize(min) + " to " + formatSize(max));
    return std::nullopt;
  }
  return value;
}

std::optional<std::filesystem::path> YamlReader::path(const std::optional<Field>& field,
                                                      const std::filesystem::path& baseDir) {
  const auto text = string(field);
  if (!text) return std::nullopt;
  const std::filesystem::path written(*text);
  return (written.is_absolute() ? written : baseDir / written).lexically_normal();
}

bool YamlReader::requireReadableFile(const Field& field, const std::filesystem::path& resolved) {
  std::string error;
  if (readWholeFile(resolved, error)) return true;
  const std::string written = field.node.IsScalar() ? field.node.Scalar() : resolved.string();
  std::string where = quote(written);
  if (resolved.string() != written) where += " (" + resolved.string() + ")";
  report(field, "cannot read " + where + ": " + error);
  return false;
}

std::optional<Field> MapFields::get(std::string_view key) const {
  for (const auto& entry : entries_) {
    if (entry.key == key) return entry.value;
  }
  return std::nullopt;
}

int MapFields::keyLine(std::string_view key) const {
  for (const auto& entry : entries_) {
    if (entry.key == key) return entry.keyLine;
  }
  return self_.line;
}

std::vector<std::string> MapFields::keys() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& entry : entries_) out.push_back(entry.key);
  return out;
}

}  // namespace parley::core::config
