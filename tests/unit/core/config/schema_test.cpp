// Keeps schemas/gateway.schema.json, the loader and config/gateway.example.yaml in step: every
// key the schema describes is in the example, type-checked by the loader, range-checked the
// same way by both, and an unknown key anywhere is refused by both.

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "core/config/config_loader.hpp"
#include "core/config/units.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/core/config/schema_validator.hpp"

namespace parley::core::config {
namespace {

using nlohmann::json;

std::filesystem::path sourceDir() { return PARLEY_SOURCE_DIR; }
constexpr std::string_view kDsn = "dbname=parley";

std::string readText(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string join(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

// "links[0].channel" -> /links/0/channel
json::json_pointer pointerOf(const std::string& path) {
  std::string pointer = "/" + std::regex_replace(path, std::regex("\\[0\\]"), "/0");
  std::replace(pointer.begin(), pointer.end(), '.', '/');
  return json::json_pointer(pointer);
}

// What the schema says about one key.
struct SchemaKey {
  std::string path;  // "server.tls.cert_file", "links[0].bridge"; "" for the root
  json schema;       // $ref resolved
  bool isObject = false;
};

// Commented-out settings in the example are "# key: value" with the "#" where the key's first
// character goes, so removing "# " restores the YAML. Prose comments never start "word:".
std::string uncomment(const std::string& text) {
  static const std::regex kCommentedKey(R"(^(\s*)# (\s*(- )?[a-z_]+:( .*)?)$)");
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    std::smatch match;
    out += std::regex_match(line, match, kCommentedKey) ? match[1].str() + match[2].str() : line;
    out += "\n";
  }
  return out;
}

void collectYamlKeys(const YAML::Node& node, const std::string& path, std::set<std::string>& out) {
  if (node.IsMap()) {
    for (const auto& pair : node)
      collectYamlKeys(pair.second, join(path, pair.first.Scalar()), out);
  } else if (node.IsSequence() && node.size() > 0 && node[0].IsMap()) {
    for (const auto& item : node) collectYamlKeys(item, path + "[0]", out);
  } else {
    out.insert(path);
  }
}

class SchemaTest : public ::testing::Test {
 protected:
  SchemaTest() : validator_(json::parse(readText(sourceDir() / "schemas/gateway.schema.json"))) {
    walk(validator_.root(), "");
    dir_.write("tls/cert.pem", "certificate\n");
    dir_.write("tls/key.pem", "key\n");
    dir_.write("policy.yaml", "rules: []\n");
    dir_.write("database.dsn", std::string(kDsn) + "\n");
    dir_.write("xmpp.secret", "component-secret\n");
  }

  void walk(const json& raw, const std::string& path) {
    const json schema = validator_.resolve(raw);
    if (schema.contains("properties")) {
      keys_.push_back(SchemaKey{path, schema, true});
      if (schema.contains("oneOf")) {
        // Alternatives such as dsn | dsn_file | dsn_env: generated documents use the first.
        std::vector<std::string> alternatives;
        for (const auto& alternative : schema["oneOf"]) {
          if (!alternative.contains("required")) continue;  // e.g. {"type": "null"}
          for (const auto& key : alternative.at("required"))
            alternatives.push_back(join(path, key));
        }
        alternatives_[path] = alternatives;
      }
      for (const auto& [key, sub] : schema["properties"].items()) walk(sub, join(path, key));
      return;
    }
    if (schema.contains("items") && validator_.resolve(schema["items"]).contains("properties")) {
      walk(schema["items"], path + "[0]");
      return;
    }
    keys_.push_back(SchemaKey{path, schema, false});
  }

  std::vector<SchemaKey> leaves() const {
    std::vector<SchemaKey> out;
    std::copy_if(keys_.begin(), keys_.end(), std::back_inserter(out),
                 [](const SchemaKey& k) { return !k.isObject; });
    return out;
  }

  // The parent path of a leaf and, when it is one of several alternatives, the others.
  std::vector<std::string> otherAlternatives(const std::string& path) const {
    for (const auto& [parent, alternatives] : alternatives_) {
      if (std::find(alternatives.begin(), alternatives.end(), path) == alternatives.end()) continue;
      std::vector<std::string> others;
      for (const auto& other : alternatives) {
        if (other != path) others.push_back(other);
      }
      return others;
    }
    return {};
  }

  // Every key set to its first schema example (or its default), one alternative of each oneOf.
  json examplesDocument() const {
    json doc = json::object();
    for (const auto& leaf : leaves()) {
      const auto others = otherAlternatives(leaf.path);
      if (!others.empty() && alternativeIndex(leaf.path) != 0) continue;
      if (leaf.schema.contains("examples")) {
        doc[pointerOf(leaf.path)] = leaf.schema["examples"][0];
      } else {
        doc[pointerOf(leaf.path)] = leaf.schema.at("default");
      }
    }
    return doc;
  }

  std::size_t alternativeIndex(const std::string& path) const {
    for (const auto& [parent, alternatives] : alternatives_) {
      const auto it = std::find(alternatives.begin(), alternatives.end(), path);
      if (it != alternatives.end()) return static_cast<std::size_t>(it - alternatives.begin());
    }
    return 0;
  }

  // The examples document with one key replaced (its rival alternatives removed).
  json documentWith(const std::string& path, const json& value) const {
    json doc = examplesDocument();
    for (const auto& other : otherAlternatives(path)) {
      const auto pointer = pointerOf(other);
      if (doc.contains(pointer)) doc[pointer.parent_pointer()].erase(pointer.back());
    }
    doc[pointerOf(path)] = value;
    return doc;
  }

  // JSON is YAML: the loader reads the document as written.
  LoadResult load(const json& doc) const {
    const auto file = dir_.write("gateway.yaml", doc.dump(2));
    return loadConfigFile(file, [](std::string_view name) -> std::optional<std::string> {
      if (name == "PARLEY_DATABASE_DSN") return std::string(kDsn);
      return std::nullopt;
    });
  }

  static std::string problemsText(const LoadResult& result) {
    std::string out;
    for (const auto& problem : result.problems) out += "\n  " + problem.toString();
    return out;
  }

  static bool hasProblemAt(const LoadResult& result, const std::string& path) {
    return std::any_of(result.problems.begin(), result.problems.end(),
                       [&](const Problem& p) { return p.message.starts_with(path + ": "); });
  }

  void expectAcceptedByBoth(const std::string& path, const json& value) const {
    const json doc = documentWith(path, value);
    const auto result = load(doc);
    EXPECT_TRUE(result.ok()) << path << " = " << value.dump() << problemsText(result);
    const auto errors = validator_.validate(doc);
    EXPECT_TRUE(errors.empty()) << path << " = " << value.dump() << ": "
                                << (errors.empty() ? "" : errors[0]);
  }

  void expectRefusedByBoth(const std::string& path, const json& value) const {
    const json doc = documentWith(path, value);
    const auto result = load(doc);
    EXPECT_TRUE(hasProblemAt(result, path))
        << path << " = " << value.dump() << " was not refused by the loader at that key"
        << problemsText(result);
    EXPECT_FALSE(validator_.validate(doc).empty())
        << path << " = " << value.dump() << " was not refused by the schema";
  }

  testing::TempDir dir_;
  testing::SchemaValidator validator_;
  std::vector<SchemaKey> keys_;
  std::map<std::string, std::vector<std::string>> alternatives_;
};

TEST_F(SchemaTest, UsesOnlyKeywordsTheTestValidatorChecks) {
  EXPECT_EQ(validator_.unsupportedKeywords(), std::vector<std::string>{});
  EXPECT_EQ(validator_.root().value("$schema", ""), "https://json-schema.org/draft/2020-12/schema");
}

TEST_F(SchemaTest, EveryObjectRefusesUnknownKeys) {
  for (const auto& key : keys_) {
    if (!key.isObject) continue;
    EXPECT_EQ(key.schema.value("additionalProperties", json(true)), json(false)) << key.path;
  }
}

TEST_F(SchemaTest, TheExampleFileShowsEverySchemaKeyAndNoOther) {
  const std::string example = readText(sourceDir() / "config/gateway.example.yaml");
  std::set<std::string> exampleKeys;
  collectYamlKeys(YAML::Load(uncomment(example)), "", exampleKeys);
  std::set<std::string> schemaKeys;
  for (const auto& leaf : leaves()) schemaKeys.insert(leaf.path);
  std::vector<std::string> missing;
  std::set_difference(schemaKeys.begin(), schemaKeys.end(), exampleKeys.begin(), exampleKeys.end(),
                      std::back_inserter(missing));
  std::vector<std::string> extra;
  std::set_difference(exampleKeys.begin(), exampleKeys.end(), schemaKeys.begin(), schemaKeys.end(),
                      std::back_inserter(extra));
  EXPECT_EQ(missing, std::vector<std::string>{}) << "schema keys the example does not show";
  EXPECT_EQ(extra, std::vector<std::string>{}) << "example keys the schema does not describe";
}

TEST_F(SchemaTest, TheExampleAndDevFilesPassTheSchema) {
  for (const char* name : {"config/gateway.example.yaml", "config/gateway.dev.yaml"}) {
    const auto errors =
        validator_.validate(testing::yamlToJson(YAML::LoadFile(sourceDir() / name)));
    EXPECT_EQ(errors, std::vector<std::string>{}) << name;
  }
}

// A key directly in a section ("server.threads"), as opposed to one inside an optional
// sub-object (server.tls, bridges.matrix, a link) whose mere presence changes the Config.
bool isSectionKey(const std::string& path) {
  return std::count(path.begin(), path.end(), '.') == 1 && path.find('[') == std::string::npos;
}

TEST_F(SchemaTest, SchemaDefaultsAreTheLoaderDefaults) {
  json doc = json::object();
  doc["database"]["dsn"] = kDsn;
  for (const auto& leaf : leaves()) {
    if (!isSectionKey(leaf.path)) continue;
    if (leaf.schema.contains("default")) {
      doc[pointerOf(leaf.path)] = leaf.schema["default"];
    } else {
      EXPECT_TRUE(leaf.path.starts_with("database.dsn"))
          << leaf.path << " has no default in the schema";
    }
  }
  EXPECT_EQ(validator_.validate(doc), std::vector<std::string>{});
  const auto result = load(doc);
  ASSERT_TRUE(result.ok()) << problemsText(result);
  Config expected;
  expected.database.dsn = kDsn;
  expected.sourceFile = result.config->sourceFile;
  const Config& actual = *result.config;
  EXPECT_TRUE(actual.server == expected.server);
  EXPECT_TRUE(actual.database == expected.database);
  EXPECT_TRUE(actual.files == expected.files);
  EXPECT_TRUE(actual.security == expected.security);
  EXPECT_TRUE(actual.limits == expected.limits);
  EXPECT_TRUE(actual.logging == expected.logging);
  EXPECT_TRUE(actual == expected);
}

TEST_F(SchemaTest, TheSchemaExamplesAreAcceptedByBoth) {
  const json doc = examplesDocument();
  EXPECT_EQ(validator_.validate(doc), std::vector<std::string>{});
  const auto result = load(doc);
  ASSERT_TRUE(result.ok()) << problemsText(result);
  // Spot checks that the examples really reached the Config.
  EXPECT_EQ(result.config->server.tls->keyFile, dir_.path() / "tls/key.pem");
  EXPECT_EQ(result.config->links.size(), 1u);
  EXPECT_EQ(result.config->policy.files,
            std::vector<std::filesystem::path>{dir_.path() / "policy.yaml"});
}

TEST_F(SchemaTest, EveryKeyIsTypeCheckedByBoth) {
  for (const auto& leaf : leaves()) {
    expectRefusedByBoth(leaf.path, json{{"wrong", "type"}});
  }
}

TEST_F(SchemaTest, AnUnknownKeyIsRefusedByBothAtEveryLevel) {
  for (const auto& key : keys_) {
    if (!key.isObject) continue;
    const std::string path = key.path.empty() ? "" : key.path + ".";
    const json doc = documentWith(path + "zz_unknown", 1);
    const auto result = load(doc);
    const std::string expected =
        "unknown key \"zz_unknown\" " +
        (key.path.empty() ? std::string("at the top level") : "in " + key.path);
    EXPECT_TRUE(std::any_of(result.problems.begin(), result.problems.end(),
                            [&](const Problem& p) { return p.message.starts_with(expected); }))
        << expected << problemsText(result);
    EXPECT_FALSE(validator_.validate(doc).empty())
        << "the schema accepts zz_unknown in " << key.path;
  }
}

TEST_F(SchemaTest, RangesAgree) {
  std::size_t checked = 0;
  for (const auto& leaf : leaves()) {
    const json& s = leaf.schema;
    const bool integral = s.value("type", json()) == "integer" || s.contains("anyOf");
    if (integral && s.contains("minimum")) {
      const auto min = s["minimum"].get<std::int64_t>();
      expectAcceptedByBoth(leaf.path, min);
      expectRefusedByBoth(leaf.path, min - 1);
      ++checked;
    }
    if (integral && s.contains("maximum")) {
      const auto max = s["maximum"].get<std::int64_t>();
      expectAcceptedByBoth(leaf.path, max);
      expectRefusedByBoth(leaf.path, max + 1);
      ++checked;
    }
    if (s.value("type", json()) == "number") {
      const auto min = s.at("minimum").get<double>();
      expectAcceptedByBoth(leaf.path, min + 0.5);
      expectRefusedByBoth(leaf.path, min - 0.5);
      ++checked;
    }
    if (s.contains("x-minimum-duration")) {
      const auto min = *parseDuration(s["x-minimum-duration"].get<std::string>());
      expectAcceptedByBoth(leaf.path, formatDuration(min));
      if (min.count() > 0)
        expectRefusedByBoth(leaf.path, formatDuration(min - std::chrono::milliseconds(1)));
      const auto max = *parseDuration(s.at("x-maximum-duration").get<std::string>());
      expectAcceptedByBoth(leaf.path, formatDuration(max));
      expectRefusedByBoth(leaf.path, formatDuration(max + std::chrono::milliseconds(1)));
      expectRefusedByBoth(leaf.path, "30");  // no unit
      ++checked;
    }
  }
  EXPECT_GE(checked, 20u);
}

TEST_F(SchemaTest, EnumsAndBooleansAgree) {
  std::size_t checked = 0;
  for (const auto& leaf : leaves()) {
    if (leaf.schema.contains("enum")) {
      for (const auto& choice : leaf.schema["enum"]) expectAcceptedByBoth(leaf.path, choice);
      expectRefusedByBoth(leaf.path, "zz-not-a-choice");
      ++checked;
    }
    if (leaf.schema.value("type", json()) == "boolean") {
      expectRefusedByBoth(leaf.path, "yes");
      expectRefusedByBoth(leaf.path, "true");  // a quoted true is a string
      ++checked;
    }
  }
  EXPECT_GE(checked, 10u);
}

}  // namespace
}  // namespace parley::core::config
