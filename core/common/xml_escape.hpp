#pragma once
// Escaping text for XML and HTML content and double-quoted attribute values: the policy's
// label markings (XML), the Matrix bridge's formatted_body (HTML).

#include <string>
#include <string_view>

namespace parley::core {

inline void appendXmlEscaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
}

inline std::string xmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  appendXmlEscaped(out, text);
  return out;
}

}  // namespace parley::core
