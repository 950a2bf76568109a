#pragma once
// Type checker and compiler of one clause: the parsed tree is checked against the catalog
// (unknown attributes, type errors, enum literals outside their domain) and becomes an
// evaluation tree over attribute slots. Evaluation uses three-valued logic: true, false, or an
// error (a missing attribute, an unknown mission), with false && error = false and
// true || error = true, so the result does not depend on the order of the operands.

#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/policy/catalog.hpp"

namespace parley::policy::expr {

// A top-level conjunct `attribute == constant` or `attribute != constant`, used to find
// contradictory clauses at load.
struct Fact {
  int slot = -1;
  bool equal = true;
  std::int64_t value = 0;
};

struct CompiledClause {
  NodePtr node;
  Type type;
  std::vector<int> guards;     // slots present whenever the clause is true (has() conjuncts)
  std::vector<int> unguarded;  // optional slots read without a has() guard in the clause
  std::vector<Fact> facts;
};

struct CompileOptions {
  bool propertyMode = false;  // `decision` and `obligations` are in scope (policy tests)
};

// Errors are one sentence; syntax errors start with "column N: ".
core::Result<CompiledClause> compileClause(std::string_view text, const Catalog& catalog,
                                           const CompileOptions& options = {});

// The value's text, for templates and messages ("CONFIDENTIAL REL USA", "a, b", "42").
std::string formatValue(const Catalog& catalog, const Type& type, const Val& value);

// RFC 3339 "2025-12-01T10:00:00Z" (or with an offset, fractions ignored) to epoch seconds.
std::optional<std::int64_t> parseTime(std::string_view text);

}  // namespace parley::policy::expr
