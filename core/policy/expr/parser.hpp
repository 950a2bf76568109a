#pragma once
// Lexer and recursive-descent parser of the clause language, a CEL subset: literals (bool,
// int, 'string', "string", [list]), == != < <= > >= in && || !, has(), member access,
// indexing, calls of built-ins and the bounded .exists(v, p) / .all(v, p) macros.

#include <string_view>

#include "core/common/result.hpp"
#include "core/policy/expr/ast.hpp"

namespace parley::policy::expr {

// Clause texts are short; longer ones are refused rather than parsed.
constexpr std::size_t kMaxClauseLength = 4096;
constexpr int kMaxDepth = 64;

// The error message is "column N: sentence".
core::Result<AstPtr> parse(std::string_view text);

}  // namespace parley::policy::expr
