#pragma once
// Reads and validates gateway.yaml. Every problem in a file is reported at once, each with the
// file, the 1-based line of the offending key or value and one sentence; a file with any
// problem yields no Config. Secrets (the database DSN) never appear in a problem message.
//
// The keys, types and ranges are documented in config/gateway.example.yaml and
// schemas/gateway.schema.json; tests/unit/core/config keeps the three in step.
//
// Thread-safety: the functions are reentrant; `env` is called on the calling thread only.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"

namespace parley::core::config {

struct Problem {
  std::string file;
  int line = 1;  // 1-based; problems about the whole file (unreadable, empty) use line 1
  std::string message;

  std::string toString() const;  // "file:line: message"
  bool operator==(const Problem&) const = default;
};

// Looks up an environment variable; nullopt when unset. Injected so tests need not touch the
// process environment.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Reads the real process environment (getenv).
EnvLookup processEnvironment();

struct LoadResult {
  std::optional<Config> config;   // set only when `problems` is empty
  std::vector<Problem> problems;  // in file order (by line)

  bool ok() const { return config.has_value(); }
};

// Loads `file`. Relative paths inside it are resolved against the directory holding it, made
// absolute with the current directory. Config::sourceFile is the absolute path of `file`;
// Problem::file is `file` as given.
LoadResult loadConfigFile(const std::filesystem::path& file,
                          const EnvLookup& env = processEnvironment());

// Loads YAML text. `fileName` names it in problems and in Config::sourceFile; relative paths in
// it are resolved against `baseDir`.
LoadResult loadConfigString(std::string_view yaml, std::string_view fileName,
                            const std::filesystem::path& baseDir, const EnvLookup& env);

}  // namespace parley::core::config
