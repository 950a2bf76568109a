#pragma once
// Lenient reads of JSON that Parley wrote itself or only consults (outbox payloads, policy
// obligations, event data, a Matrix event's membership and relations): a missing or mistyped
// field reads as the fallback. Input a user or peer sends for Parley to act on is validated
// instead, with an error naming the field.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace parley::core {

inline std::string stringField(const nlohmann::json& object, const char* key,
                               std::string_view fallback = {}) {
  if (!object.is_object()) return std::string(fallback);
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>()
                                                     : std::string(fallback);
}

inline const nlohmann::json& objectField(const nlohmann::json& object, const char* key) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  if (!object.is_object()) return kEmpty;
  const auto found = object.find(key);
  return found != object.end() && found->is_object() ? *found : kEmpty;
}

}  // namespace parley::core
