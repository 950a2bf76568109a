#pragma once
// A JSON Schema (draft 2020-12) validator for the keywords schemas/gateway.schema.json uses,
// plus its x-minimum-duration / x-maximum-duration annotations (checked with the loader's own
// duration syntax). A keyword it does not implement is reported by unsupportedKeywords(), so
// the schema cannot quietly rely on a rule this validator skips.

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace parley::testing {

class SchemaValidator {
 public:
  explicit SchemaValidator(nlohmann::json schema);

  // One line per violation ("/server/threads: 300 is above the maximum 256"); empty if valid.
  std::vector<std::string> validate(const nlohmann::json& instance) const;

  // Keywords used anywhere in the schema that validate() does not understand.
  std::vector<std::string> unsupportedKeywords() const;

  // `schema` with a local "$ref" replaced by its target merged with the sibling keywords.
  nlohmann::json resolve(const nlohmann::json& schema) const;

  const nlohmann::json& root() const { return root_; }

 private:
  void check(const nlohmann::json& schema, const nlohmann::json& instance, const std::string& where,
             std::vector<std::string>& errors) const;
  void collectUnsupported(const nlohmann::json& schema, std::vector<std::string>& out) const;

  nlohmann::json root_;
};

// YAML as a YAML-to-JSON converter sees it: plain true/false are booleans, plain integers and
// decimals are numbers, empty values are null, everything else (quoted or not) is a string.
nlohmann::json yamlToJson(const YAML::Node& node);

}  // namespace parley::testing
