#pragma once
// YAML policy files -> CompiledBundle. Every mistake is a load error whose message is
// "file:line: sentence": bad YAML, unknown keys, unknown attributes, type errors, unknown
// obligation types, tier-0 permits, clauses that can error without a has() guard, rules that
// can never match, bad label text, duplicate rule ids.

#include <filesystem>
#include <string>
#include <vector>

#include "core/common/result.hpp"
#include "core/policy/bundle.hpp"

namespace parley::policy {

// One policy file's text and the name its errors are reported under.
struct Source {
  std::string name;
  std::string text;
};

// Compiles one bundle from one or more `kind: PolicyBundle` documents (sections merge; a name
// defined twice is an error). Safe to call with any bytes (fuzzed).
core::Result<BundlePtr> compileBundle(const std::vector<Source>& sources);

// Reads files; an unreadable file is an error "path: cannot read ...".
core::Result<std::vector<Source>> readSources(const std::vector<std::filesystem::path>& files);

// The `kind:` of a policy document ("PolicyBundle", "PolicyTest"), or "" when the text is not
// a YAML map with a kind.
std::string documentKind(const Source& source);

// "120KiB" -> 122880; a plain number is bytes. nullopt when malformed or too large.
std::optional<std::int64_t> parseByteSize(std::string_view text);

}  // namespace parley::policy
