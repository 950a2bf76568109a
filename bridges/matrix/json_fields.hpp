#pragma once
// Lenient reads of a Matrix event's JSON for the bridge's own decisions (membership, relations,
// room ids): a missing or mistyped field reads as empty. The translation of content into posts
// validates instead (translate.cpp: malformed events are refused with a reason).

#include <string>

#include <nlohmann/json.hpp>

namespace parley::bridges::matrix {

inline std::string stringField(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return {};
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

inline const nlohmann::json& objectField(const nlohmann::json& object, const char* key) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  if (!object.is_object()) return kEmpty;
  const auto found = object.find(key);
  return found != object.end() && found->is_object() ? *found : kEmpty;
}

}  // namespace parley::bridges::matrix
