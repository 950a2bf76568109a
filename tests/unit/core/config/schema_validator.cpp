#include "tests/unit/core/config/schema_validator.hpp"

#include <algorithm>
#include <array>
#include <regex>
#include <string_view>

#include "core/config/units.hpp"

namespace parley::testing {
namespace {

constexpr std::array<std::string_view, 8> kAnnotations = {
    "$schema", "$id", "$comment", "$defs", "title", "description", "default", "examples"};
constexpr std::array<std::string_view, 15> kAssertions = {"$ref",
                                                          "type",
                                                          "properties",
                                                          "additionalProperties",
                                                          "required",
                                                          "enum",
                                                          "minimum",
                                                          "maximum",
                                                          "minLength",
                                                          "pattern",
                                                          "items",
                                                          "anyOf",
                                                          "oneOf",
                                                          "x-minimum-duration",
                                                          "x-maximum-duration"};

bool isKnownKeyword(std::string_view key) {
  return std::find(kAnnotations.begin(), kAnnotations.end(), key) != kAnnotations.end() ||
         std::find(kAssertions.begin(), kAssertions.end(), key) != kAssertions.end();
}

bool hasType(const nlohmann::json& instance, const std::string& type) {
  if (type == "object") return instance.is_object();
  if (type == "array") return instance.is_array();
  if (type == "string") return instance.is_string();
  if (type == "boolean") return instance.is_boolean();
  if (type == "null") return instance.is_null();
  if (type == "number") return instance.is_number();
  if (type == "integer") {
    return instance.is_number_integer() ||
           (instance.is_number_float() &&
            instance.get<double>() ==
                static_cast<double>(static_cast<long long>(instance.get<double>())));
  }
  return false;
}

}  // namespace

SchemaValidator::SchemaValidator(nlohmann::json schema) : root_(std::move(schema)) {}

nlohmann::json SchemaValidator::resolve(const nlohmann::json& schema) const {
  if (!schema.is_object() || !schema.contains("$ref")) return schema;
  const std::string ref = schema["$ref"];
  const nlohmann::json target = resolve(root_.at(nlohmann::json::json_pointer(ref.substr(1))));
  nlohmann::json merged = target;
  for (const auto& [key, value] : schema.items()) {
    if (key != "$ref") merged[key] = value;
  }
  return merged;
}

std::vector<std::string> SchemaValidator::validate(const nlohmann::json& instance) const {
  std::vector<std::string> errors;
  check(root_, instance, "", errors);
  return errors;
}

void SchemaValidator::check(const nlohmann::json& rawSchema, const nlohmann::json& instance,
                            const std::string& where, std::vector<std::string>& errors) const {
  const nlohmann::json schema = resolve(rawSchema);
  const std::string at = where.empty() ? "/" : where;
  if (schema.contains("type")) {
    const auto& type = schema["type"];
    const bool ok = type.is_string()
                        ? hasType(instance, type.get<std::string>())
                        : std::any_of(type.begin(), type.end(), [&](const nlohmann::json& t) {
                            return hasType(instance, t.get<std::string>());
                          });
    if (!ok) {
      errors.push_back(at + ": " + instance.dump() + " is not of type " + type.dump());
      return;
    }
  }
  if (schema.contains("enum")) {
    const auto& choices = schema["enum"];
    if (std::find(choices.begin(), choices.end(), instance) == choices.end()) {
      errors.push_back(at + ": " + instance.dump() + " is not one of " + choices.dump());
    }
  }
  if (instance.is_number()) {
    const double value = instance.get<double>();
    if (schema.contains("minimum") && value < schema["minimum"].get<double>()) {
      errors.push_back(at + ": " + instance.dump() + " is below the minimum " +
                       schema["minimum"].dump());
    }
    if (schema.contains("maximum") && value > schema["maximum"].get<double>()) {
      errors.push_back(at + ": " + instance.dump() + " is above the maximum " +
                       schema["maximum"].dump());
    }
  }
  if (instance.is_string()) {
    const std::string text = instance.get<std::string>();
    if (schema.contains("minLength") && text.size() < schema["minLength"].get<std::size_t>()) {
      errors.push_back(at + ": " + instance.dump() + " is too short");
    }
    if (schema.contains("pattern") &&
        !std::regex_search(text, std::regex(schema["pattern"].get<std::string>()))) {
      errors.push_back(at + ": " + instance.dump() + " does not match " + schema["pattern"].dump());
    }
    const auto duration = core::config::parseDuration(text);
    if (duration && schema.contains("x-minimum-duration") &&
        *duration < *core::config::parseDuration(schema["x-minimum-duration"].get<std::string>())) {
      errors.push_back(at + ": " + instance.dump() + " is shorter than " +
                       schema["x-minimum-duration"].dump());
    }
    if (duration && schema.contains("x-maximum-duration") &&
        *duration > *core::config::parseDuration(schema["x-maximum-duration"].get<std::string>())) {
      errors.push_back(at + ": " + instance.dump() + " is longer than " +
                       schema["x-maximum-duration"].dump());
    }
  }
  if (instance.is_object()) {
    if (schema.contains("required")) {
      for (const auto& key : schema["required"]) {
        if (!instance.contains(key.get<std::string>())) {
          errors.push_back(at + ": missing required property " + key.dump());
        }
      }
    }
    const nlohmann::json properties = schema.value("properties", nlohmann::json::object());
    for (const auto& [key, value] : instance.items()) {
      if (properties.contains(key)) {
        std::string child = where;
        child.append("/").append(key);
        check(properties[key], value, child, errors);
      } else if (schema.contains("additionalProperties") &&
                 schema["additionalProperties"] == false) {
        errors.push_back(at + ": additional property " + nlohmann::json(key).dump() +
                         " is not allowed");
      }
    }
  }
  if (instance.is_array() && schema.contains("items")) {
    for (std::size_t i = 0; i < instance.size(); ++i) {
      check(schema["items"], instance[i], where + "/" + std::to_string(i), errors);
    }
  }
  const auto countMatches = [&](const nlohmann::json& alternatives) {
    std::size_t matches = 0;
    for (const auto& alternative : alternatives) {
      std::vector<std::string> sub;
      check(alternative, instance, where, sub);
      if (sub.empty()) ++matches;
    }
    return matches;
  };
  if (schema.contains("anyOf") && countMatches(schema["anyOf"]) == 0) {
    errors.push_back(at + ": " + instance.dump() + " matches none of anyOf");
  }
  if (schema.contains("oneOf") && countMatches(schema["oneOf"]) != 1) {
    errors.push_back(at + ": " + instance.dump() + " does not match exactly one of oneOf");
  }
}

std::vector<std::string> SchemaValidator::unsupportedKeywords() const {
  std::vector<std::string> out;
  collectUnsupported(root_, out);
  return out;
}

void SchemaValidator::collectUnsupported(const nlohmann::json& schema,
                                         std::vector<std::string>& out) const {
  if (!schema.is_object()) return;
  for (const auto& [key, value] : schema.items()) {
    if (!isKnownKeyword(key)) out.push_back(key);
    if (key == "properties" || key == "$defs") {
      for (const auto& [name, sub] : value.items()) collectUnsupported(sub, out);
    } else if (key == "items" || key == "additionalProperties") {
      collectUnsupported(value, out);
    } else if (key == "anyOf" || key == "oneOf") {
      for (const auto& sub : value) collectUnsupported(sub, out);
    }
  }
}

nlohmann::json yamlToJson(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return nullptr;
  if (node.IsMap()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& pair : node) out[pair.first.Scalar()] = yamlToJson(pair.second);
    return out;
  }
  if (node.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : node) out.push_back(yamlToJson(item));
    return out;
  }
  const std::string& text = node.Scalar();
  if (node.Tag() != "?") return text;
  if (text == "true") return true;
  if (text == "false") return false;
  static const std::regex kInteger("^-?[0-9]+$");
  static const std::regex kDecimal("^-?([0-9]+\\.[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?$");
  if (std::regex_match(text, kInteger)) return std::stoll(text);
  if (std::regex_match(text, kDecimal)) return std::stod(text);
  return text;
}

}  // namespace parley::testing
