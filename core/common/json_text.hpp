#pragma once
// JSON text written straight from values, byte for byte what nlohmann's
//   dump(-1, ' ', false, error_handler_t::replace)
// writes for the same object: for the JSON every post's reply and event carries, where building
// a json tree (a std::map node and a string copy per member) and then walking it cost more than
// the writing. Header-only: parley_policy (which links no parley_core) uses it too.

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace parley::core {

// nlohmann's dump of any value, with invalid UTF-8 replaced (U+FFFD) instead of thrown.
inline std::string dumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Appends `text` as a JSON string. ASCII is escaped here as nlohmann escapes it (\b \t \n \f \r,
// \" \\, other controls as \u00xx); text with any other byte goes through nlohmann, which
// validates its UTF-8.
inline void appendJsonString(std::string& out, std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      out += dumpJson(nlohmann::json(text));
      return;
    }
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[(c >> 4) & 0xF];
          out += kHex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// Appends `[item,item,...]`, each item written by append(out, item).
template <typename Items, typename Append>
void appendJsonArray(std::string& out, const Items& items, Append append) {
  out += '[';
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ',';
    first = false;
    append(out, item);
  }
  out += ']';
}

// An object's members appended in the order they are given: for nlohmann's text, give them in
// ascending byte order of their keys (its objects are std::map-backed).
class JsonObjectText {
 public:
  explicit JsonObjectText(std::string& out) : out_(out) { out_ += '{'; }
  JsonObjectText(const JsonObjectText&) = delete;
  JsonObjectText& operator=(const JsonObjectText&) = delete;

  JsonObjectText& string(std::string_view key, std::string_view value) {
    appendJsonString(member(key), value);
    return *this;
  }
  JsonObjectText& integer(std::string_view key, std::int64_t value) {
    member(key) += std::to_string(value);
    return *this;
  }
  JsonObjectText& boolean(std::string_view key, bool value) {
    member(key) += value ? "true" : "false";
    return *this;
  }
  JsonObjectText& null(std::string_view key) {
    member(key) += "null";
    return *this;
  }
  // `text` is already JSON (an object or array written elsewhere).
  JsonObjectText& raw(std::string_view key, std::string_view text) {
    member(key) += text;
    return *this;
  }
  JsonObjectText& value(std::string_view key, const nlohmann::json& json) {
    member(key) += dumpJson(json);
    return *this;
  }
  // Writes the key and returns the text for the caller to append the member's value to.
  std::string& member(std::string_view key) {
    if (!first_) out_ += ',';
    first_ = false;
    appendJsonString(out_, key);
    out_ += ':';
    return out_;
  }
  void close() { out_ += '}'; }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace parley::core
