#pragma once
// Walks a yaml-cpp document and turns every mistake into a Problem with a line, so loaders
// (gateway.yaml today, other YAML files later) report all problems in one pass instead of
// throwing at the first. Internal to core: it exposes yaml-cpp types, which parley_core links
// privately.
//
// Conventions for messages: each starts with the dotted path of the key ("server.listen",
// "links[0].bridge"), then says what was expected and what was found; values are quoted.

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config_loader.hpp"

namespace parley::core::config {

// One value in the document and where it is.
struct Field {
  std::string path;  // "" for the document root
  YAML::Node node;
  int line = 1;     // 1-based: the value's line, or its key's when the value is empty
  int keyLine = 1;  // the line of the key holding the value (of the item, in a list)
};

// How a value is shown in a message: "\"abc\"" for a scalar (escaped, shortened past 60
// characters), "a map", "a list" or "an empty value".
std::string describe(const YAML::Node& node);

// "\"text\"" with quotes, backslashes and control characters escaped.
std::string quote(std::string_view text);

class MapFields;

class YamlReader {
 public:
  YamlReader(std::string file, std::vector<Problem>& problems);

  void report(int line, std::string message);
  // Problems reported so far (by this reader and any other on the same list).
  std::size_t problemCount() const { return problems_.size(); }
  // "path: message" (just "message" at the root), at the value's line.
  void report(const Field& field, std::string_view message);
  // The same at the key's line: for what is wrong with the map as a whole ("missing key").
  void reportAtKey(const Field& field, std::string_view message);
  // "path: expected <what>, got <describe(value)>".
  void expected(const Field& field, std::string_view what);

  // A map, or an empty value standing for an empty map. Unknown and duplicate keys are
  // reported here; `what` names the map in the wrong-type message ("a map").
  std::optional<MapFields> map(const Field& field, const std::vector<std::string_view>& known,
                               std::string_view what = "a map");
  // A list, or an empty value standing for an empty list; items are named "path[i]".
  std::optional<std::vector<Field>> list(const Field& field, std::string_view what = "a list");

  // The typed readers return nullopt when the key is absent (field is nullopt) or the value is
  // wrong; in the second case they have reported the problem.
  std::optional<bool> boolean(const std::optional<Field>& field);
  std::optional<std::int64_t> integer(const std::optional<Field>& field, std::int64_t min,
                                      std::int64_t max);
  std::optional<double> number(const std::optional<Field>& field, double min);
  // A non-empty scalar string.
  std::optional<std::string> string(const std::optional<Field>& field);
  std::optional<std::string> oneOf(const std::optional<Field>& field,
                                   const std::vector<std::string_view>& choices);
  std::optional<std::chrono::milliseconds> duration(const std::optional<Field>& field,
                                                    std::chrono::milliseconds min,
                                                    std::chrono::milliseconds max);
  std::optional<std::uint64_t> size(const std::optional<Field>& field, std::uint64_t min,
                                    std::uint64_t max);
  // A non-empty path; a relative one is joined to `baseDir`. The result is lexically normal.
  std::optional<std::filesystem::path> path(const std::optional<Field>& field,
                                            const std::filesystem::path& baseDir);
  // Reports "path: cannot read "<as written>" (<resolved>): <reason>" unless `resolved` is a
  // readable regular file. Returns whether it is.
  bool requireReadableFile(const Field& field, const std::filesystem::path& resolved);

 private:
  // The scalar text of a plain (unquoted, untagged) scalar; nullopt for anything else.
  static std::optional<std::string> plainScalar(const YAML::Node& node);

  std::string file_;
  std::vector<Problem>& problems_;
};

// The keys of one map, checked against the known set.
class MapFields {
 public:
  // The value of `key`, or nullopt when the map does not have it.
  std::optional<Field> get(std::string_view key) const;
  // The line of `key` itself; the map's line when absent.
  int keyLine(std::string_view key) const;
  // The keys present, in file order.
  std::vector<std::string> keys() const;
  const Field& self() const { return self_; }

 private:
  friend class YamlReader;
  struct Entry {
    std::string key;
    int keyLine;
    Field value;
  };
  Field self_;
  std::vector<Entry> entries_;
};

// The "path.key" of a child of `parent` ("key" at the root).
std::string childPath(std::string_view parent, std::string_view key);

// Reads a whole file as bytes. On failure, returns nullopt and sets `error` to the reason
// ("No such file or directory", "is a directory", ...).
std::optional<std::string> readWholeFile(const std::filesystem::path& file, std::string& error);

}  // namespace parley::core::config
