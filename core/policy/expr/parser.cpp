#include "core/policy/expr/parser.hpp"

#include <cctype>
#include <charconv>
#include <string>
#include <vector>

namespace parley::policy::expr {

const char* opText(BinaryOp op) {
  switch (op) {
    case BinaryOp::kEq: return "==";
    case BinaryOp::kNe: return "!=";
    case BinaryOp::kLt: return "<";
    case BinaryOp::kLe: return "<=";
    case BinaryOp::kGt: return ">";
    case BinaryOp::kGe: return ">=";
    case BinaryOp::kIn: return "in";
    case BinaryOp::kAnd: return "&&";
    case BinaryOp::kOr: return "||";
  }
  return "?";
}

namespace {

enum class Tok : std::uint8_t {
  kEnd,
  kIdent,
  kInt,
  kString,
  kTrue,
  kFalse,
  kIn,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kDot,
  kNot,
  kMinus,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAnd,
  kOr,
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;
  std::int64_t value = 0;
  int column = 1;
};

core::Error syntaxError(int column, const std::string& message) {
  return core::makeError(core::ErrorCode::kInvalidArgument, "policy.syntax",
                         "column " + std::to_string(column) + ": " + message);
}

core::Result<std::vector<Token>> lex(std::string_view text) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (true) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    Token token;
    token.column = static_cast<int>(i) + 1;
    if (i >= text.size()) {
      out.push_back(token);
      return out;
    }
    const char c = text[i];
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t j = i;
      while (j < text.size() &&
             (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_'))
        ++j;
      token.text = std::string(text.substr(i, j - i));
      token.kind = token.text == "true"    ? Tok::kTrue
                   : token.text == "false" ? Tok::kFalse
                   : token.text == "in"    ? Tok::kIn
                                           : Tok::kIdent;
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      std::size_t j = i;
      while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
      const auto digits = text.substr(i, j - i);
      const auto [ptr, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), token.value);
      if (ec != std::errc() || ptr != digits.data() + digits.size())
        return syntaxError(token.column, "the number " + std::string(digits) + " is too large");
      if (j < text.size() && (std::isalpha(static_cast<unsigned char>(text[j])) || text[j] == '_'))
        return syntaxError(token.column, "a number cannot be followed by a letter");
      token.kind = Tok::kInt;
      i = j;
    } else if (c == '\'' || c == '"') {
      std::size_t j = i + 1;
      std::string value;
      bool closed = false;
      while (j < text.size()) {
        if (text[j] == '\\' && j + 1 < text.size()) {
          const char e = text[j + 1];
          if (e != '\\' && e != '\'' && e != '"')
            return syntaxError(static_cast<int>(j) + 1, "unknown escape \\" + std::string(1, e));
          value += e;
          j += 2;
          continue;
        }
        if (text[j] == c) {
          closed = true;
          ++j;
          break;
        }
        value += text[j++];
      }
      if (!closed) return syntaxError(token.column, "unterminated string");
      token.kind = Tok::kString;
      token.text = std::move(value);
      i = j;
    } else {
      const auto two = [&](Tok kind) {
        token.kind = kind;
        i += 2;
      };
      const auto one = [&](Tok kind) {
        token.kind = kind;
        i += 1;
      };
      switch (c) {
        case '(': one(Tok::kLParen); break;
        case ')': one(Tok::kRParen); break;
        case '[': one(Tok::kLBracket); break;
        case ']': one(Tok::kRBracket); break;
        case ',': one(Tok::kComma); break;
        case '.': one(Tok::kDot); break;
        case '-': one(Tok::kMinus); break;
        case '!': next == '=' ? two(Tok::kNe) : one(Tok::kNot); break;
        case '=':
          if (next != '=') return syntaxError(token.column, "use == to compare");
          two(Tok::kEq);
          break;
        case '<': next == '=' ? two(Tok::kLe) : one(Tok::kLt); break;
        case '>': next == '=' ? two(Tok::kGe) : one(Tok::kGt); break;
        case '&':
          if (next != '&') return syntaxError(token.column, "use && for \"and\"");
          two(Tok::kAnd);
          break;
        case '|':
          if (next != '|') return syntaxError(token.column, "use || for \"or\"");
          two(Tok::kOr);
          break;
        default:
          return syntaxError(token.column, "unexpected character '" + std::string(1, c) + "'");
      }
    }
    out.push_back(std::move(token));
  }
}

std::string describe(const Token& token) {
  switch (token.kind) {
    case Tok::kEnd: return "the end of the clause";
    case Tok::kIdent: return "\"" + token.text + "\"";
    case Tok::kInt: return "the number " + std::to_string(token.value);
    case Tok::kString: return "a string";
    default: return "another symbol";
  }
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  core::Result<AstPtr> parseAll() {
    auto expr = parseOr();
    if (!expr) return expr;
    if (peek().kind != Tok::kEnd)
      return syntaxError(peek().column, "unexpected " + describe(peek()));
    return expr;
  }

 private:
  const Token& peek() const { return tokens_[pos_]; }
  const Token& take() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  bool accept(Tok kind) {
    if (peek().kind != kind) return false;
    take();
    return true;
  }
  core::Result<bool> expect(Tok kind, const char* what) {
    if (accept(kind)) return true;
    return syntaxError(peek().column,
                       std::string("expected ") + what + ", found " + describe(peek()));
  }

  static AstPtr node(AstKind kind, int column) {
    auto ast = std::make_unique<Ast>();
    ast->kind = kind;
    ast->column = column;
    return ast;
  }
  static AstPtr binary(BinaryOp op, AstPtr left, AstPtr right, int column) {
    auto ast = node(AstKind::kBinary, column);
    ast->op = op;
    ast->kids.push_back(std::move(left));
    ast->kids.push_back(std::move(right));
    return ast;
  }

  core::Result<AstPtr> deeper(core::Result<AstPtr> (Parser::*step)()) {
    if (++depth_ > kMaxDepth) return syntaxError(peek().column, "the clause is nested too deeply");
    auto result = (this->*step)();
    --depth_;
    return result;
  }

  core::Result<AstPtr> parseOr() {
    auto left = parseAnd();
    if (!left) return left;
    while (peek().kind == Tok::kOr) {
      const int column = take().column;
      auto right = parseAnd();
      if (!right) return right;
      left = binary(BinaryOp::kOr, std::move(*left), std::move(*right), column);
    }
    return left;
  }

  core::Result<AstPtr> parseAnd() {
    auto left = parseRelation();
    if (!left) return left;
    while (peek().kind == Tok::kAnd) {
      const int column = take().column;
      auto right = parseRelation();
      if (!right) return right;
      left = binary(BinaryOp::kAnd, std::move(*left), std::move(*right), column);
    }
    return left;
  }

  core::Result<AstPtr> parseRelation() {
    auto left = parseUnary();
    if (!left) return left;
    BinaryOp op = BinaryOp::kEq;
    switch (peek().kind) {
      case Tok::kEq: op = BinaryOp::kEq; break;
      case Tok::kNe: op = BinaryOp::kNe; break;
      case Tok::kLt: op = BinaryOp::kLt; break;
      case Tok::kLe: op = BinaryOp::kLe; break;
      case Tok::kGt: op = BinaryOp::kGt; break;
      case Tok::kGe: op = BinaryOp::kGe; break;
      case Tok::kIn: op = BinaryOp::kIn; break;
      default: return left;
    }
    const int column = take().column;
    auto right = parseUnary();
    if (!right) return right;
    switch (peek().kind) {
      case Tok::kEq:
      case Tok::kNe:
      case Tok::kLt:
      case Tok::kLe:
      case Tok::kGt:
      case Tok::kGe:
      case Tok::kIn:
        return syntaxError(peek().column, "comparisons do not chain; use parentheses and &&");
      default: break;
    }
    return binary(op, std::move(*left), std::move(*right), column);
  }

  core::Result<AstPtr> parseUnary() {
    if (peek().kind == Tok::kNot || peek().kind == Tok::kMinus) {
      const Token& token = take();
      auto ast = node(token.kind == Tok::kNot ? AstKind::kNot : AstKind::kNeg, token.column);
      auto operand = deeper(&Parser::parseUnary);
      if (!operand) return operand;
      ast->kids.push_back(std::move(*operand));
      return ast;
    }
    return parsePostfix();
  }

  core::Result<bool> parseArguments(Ast& call) {
    if (accept(Tok::kRParen)) return true;
    while (true) {
      auto argument = deeper(&Parser::parseOr);
      if (!argument) return std::move(argument).error();
      call.kids.push_back(std::move(*argument));
      if (accept(Tok::kRParen)) return true;
      auto comma = expect(Tok::kComma, "',' or ')'");
      if (!comma) return comma;
    }
  }

  core::Result<AstPtr> parsePostfix() {
    auto left = parsePrimary();
    if (!left) return left;
    AstPtr ast = std::move(*left);
    while (true) {
      if (peek().kind == Tok::kDot) {
        take();
        const Token& name = peek();
        if (name.kind != Tok::kIdent)
          return syntaxError(name.column, "expected a name after '.', found " + describe(name));
        take();
        if (accept(Tok::kLParen)) {
          auto call = node(AstKind::kCall, name.column);
          call->method = true;
          call->name = name.text;
          call->kids.push_back(std::move(ast));
          auto args = parseArguments(*call);
          if (!args) return std::move(args).error();
          ast = std::move(call);
        } else {
          auto member = node(AstKind::kMember, name.column);
          member->name = name.text;
          member->kids.push_back(std::move(ast));
          ast = std::move(member);
        }
      } else if (peek().kind == Tok::kLBracket) {
        const int column = take().column;
        auto index = deeper(&Parser::parseOr);
        if (!index) return index;
        auto close = expect(Tok::kRBracket, "']'");
        if (!close) return std::move(close).error();
        auto indexed = node(AstKind::kIndex, column);
        indexed->kids.push_back(std::move(ast));
        indexed->kids.push_back(std::move(*index));
        ast = std::move(indexed);
      } else {
        return ast;
      }
    }
  }

  core::Result<AstPtr> parsePrimary() {
    const Token token = take();
    switch (token.kind) {
      case Tok::kTrue:
      case Tok::kFalse: {
        auto ast = node(AstKind::kBool, token.column);
        ast->boolValue = token.kind == Tok::kTrue;
        return ast;
      }
      case Tok::kInt: {
        auto ast = node(AstKind::kInt, token.column);
        ast->intValue = token.value;
        return ast;
      }
      case Tok::kString: {
        auto ast = node(AstKind::kString, token.column);
        ast->name = token.text;
        return ast;
      }
      case Tok::kIdent: {
        if (accept(Tok::kLParen)) {
          auto call = node(AstKind::kCall, token.column);
          call->name = token.text;
          auto args = parseArguments(*call);
          if (!args) return std::move(args).error();
          return call;
        }
        auto ast = node(AstKind::kIdent, token.column);
        ast->name = token.text;
        return ast;
      }
      case Tok::kLParen: {
        auto inner = deeper(&Parser::parseOr);
        if (!inner) return inner;
        auto close = expect(Tok::kRParen, "')'");
        if (!close) return std::move(close).error();
        return inner;
      }
      case Tok::kLBracket: {
        auto list = node(AstKind::kList, token.column);
        if (accept(Tok::kRBracket)) return list;
        while (true) {
          auto item = deeper(&Parser::parseOr);
          if (!item) return item;
          list->kids.push_back(std::move(*item));
          if (accept(Tok::kRBracket)) return list;
          auto comma = expect(Tok::kComma, "',' or ']'");
          if (!comma) return std::move(comma).error();
        }
      }
      default: return syntaxError(token.column, "expected a value, found " + describe(token));
    }
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

core::Result<AstPtr> parse(std::string_view text) {
  if (text.size() > kMaxClauseLength)
    return syntaxError(
        1, "the clause is longer than " + std::to_string(kMaxClauseLength) + " characters");
  auto tokens = lex(text);
  if (!tokens) return std::move(tokens).error();
  Parser parser(std::move(*tokens));
  return parser.parseAll();
}

}  // namespace parley::policy::expr
