#pragma once
// The syntax tree of one clause, as parsed; the compiler (expr/compiler.hpp) types it against
// the bundle's catalog and turns it into an evaluation tree.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace parley::policy::expr {

enum class AstKind : std::uint8_t {
  kBool,
  kInt,
  kString,
  kList,    // [a, b, ...]
  kIdent,   // name
  kMember,  // kids[0].name
  kIndex,   // kids[0][kids[1]]
  kCall,    // name(kids...), or kids[0].name(kids[1..]) when method is true
  kNot,
  kNeg,
  kBinary,  // kids[0] op kids[1]
};

enum class BinaryOp : std::uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kAnd, kOr };

struct Ast {
  AstKind kind = AstKind::kBool;
  BinaryOp op = BinaryOp::kEq;
  bool method = false;
  bool boolValue = false;
  std::int64_t intValue = 0;
  std::string name;  // identifier, member, function name, or string literal
  int column = 1;    // 1-based, in the clause text
  std::vector<std::unique_ptr<Ast>> kids;
};
using AstPtr = std::unique_ptr<Ast>;

const char* opText(BinaryOp op);

}  // namespace parley::policy::expr
