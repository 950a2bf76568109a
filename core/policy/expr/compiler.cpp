#include "core/policy/expr/compiler.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>

#include "core/policy/expr/parser.hpp"

namespace parley::policy::expr {
namespace {

core::Error typeError(std::string message) {
  return core::makeError(core::ErrorCode::kInvalidArgument, "policy.type", std::move(message));
}

// ── Evaluation nodes ──

// Three-valued AND (dominant = false) or OR (dominant = true): the dominant value wins over
// errors, so false && error is false and true || error is true, in any order.
Val kleene(const std::vector<NodePtr>& kids, EvalContext& ctx, bool dominant) {
  std::uint32_t error = 0;
  bool failed = false;
  for (const auto& kid : kids) {
    const Val v = kid->eval(ctx);
    if (v.isError()) {
      if (!failed) error = v.error;
      failed = true;
    } else if (v.b == dominant) {
      return Val::boolean(dominant);
    }
  }
  return failed ? Val::failed(error) : Val::boolean(!dominant);
}

class ConstNode final : public Node {
 public:
  explicit ConstNode(Val value) : value_(value) {}
  Val eval(EvalContext&) const override { return value_; }

 private:
  Val value_;
};

class SlotNode final : public Node {
 public:
  explicit SlotNode(int slot) : slot_(slot) {}
  Val eval(EvalContext& ctx) const override {
    const SlotValue& sv = ctx.slots[slot_];
    if (sv.present) return sv.value;
    return Val::failed(sv.error ? sv.error : errorCode(ErrorKind::kMissing, slot_));
  }

 private:
  int slot_;
};

class HasNode final : public Node {
 public:
  explicit HasNode(int slot) : slot_(slot) {}
  Val eval(EvalContext& ctx) const override { return Val::boolean(ctx.slots[slot_].present); }

 private:
  int slot_;
};

class VarNode final : public Node {
 public:
  explicit VarNode(int index) : index_(index) {}
  Val eval(EvalContext& ctx) const override { return ctx.vars[static_cast<std::size_t>(index_)]; }

 private:
  int index_;
};

class NotNode final : public Node {
 public:
  explicit NotNode(NodePtr kid) : kid_(std::move(kid)) {}
  Val eval(EvalContext& ctx) const override {
    const Val v = kid_->eval(ctx);
    return v.isError() ? v : Val::boolean(!v.b);
  }

 private:
  NodePtr kid_;
};

class AndNode final : public Node {
 public:
  explicit AndNode(std::vector<NodePtr> kids) : kids_(std::move(kids)) {}
  Val eval(EvalContext& ctx) const override { return kleene(kids_, ctx, false); }

 private:
  std::vector<NodePtr> kids_;
};

class OrNode final : public Node {
 public:
  explicit OrNode(std::vector<NodePtr> kids) : kids_(std::move(kids)) {}
  Val eval(EvalContext& ctx) const override { return kleene(kids_, ctx, true); }

 private:
  std::vector<NodePtr> kids_;
};

// Nodes of two operands: an error in either is the result.
class BinaryNode : public Node {
 public:
  BinaryNode(NodePtr a, NodePtr b) : a_(std::move(a)), b_(std::move(b)) {}

 protected:
  template <typename F>
  Val both(EvalContext& ctx, F&& combine) const {
    const Val a = a_->eval(ctx);
    if (a.isError()) return a;
    const Val b = b_->eval(ctx);
    if (b.isError()) return b;
    return combine(a, b);
  }

 private:
  NodePtr a_;
  NodePtr b_;
};

enum class CmpKind : std::uint8_t { kInt, kString, kBool, kLabel };

template <typename T>
bool compare(BinaryOp op, const T& a, const T& b) {
  switch (op) {
    case BinaryOp::kEq: return a == b;
    case BinaryOp::kNe: return a != b;
    case BinaryOp::kLt: return a < b;
    case BinaryOp::kLe: return a <= b;
    case BinaryOp::kGt: return a > b;
    case BinaryOp::kGe: return a >= b;
    default: return false;
  }
}

class CmpNode final : public BinaryNode {
 public:
  CmpNode(BinaryOp op, CmpKind kind, NodePtr a, NodePtr b)
      : BinaryNode(std::move(a), std::move(b)), op_(op), kind_(kind) {}
  Val eval(EvalContext& ctx) const override {
    return both(ctx, [this](const Val& a, const Val& b) { return apply(a, b); });
  }

 private:
  Val apply(const Val& a, const Val& b) const {
    switch (kind_) {
      case CmpKind::kInt: return Val::boolean(compare(op_, a.i, b.i));
      case CmpKind::kString: return Val::boolean(compare(op_, a.s, b.s));
      case CmpKind::kBool: return Val::boolean(compare(op_, a.b, b.b));
      case CmpKind::kLabel:
        return Val::boolean(op_ == BinaryOp::kEq ? a.label == b.label : !(a.label == b.label));
    }
    return Val::boolean(false);
  }

  BinaryOp op_;
  CmpKind kind_;
};

class InListNode final : public BinaryNode {  // string in set<string> / list<string>
 public:
  using BinaryNode::BinaryNode;
  Val eval(EvalContext& ctx) const override {
    return both(ctx, [](const Val& a, const Val& b) {
      for (const auto& item : *b.list)
        if (item == a.s) return Val::boolean(true);
      return Val::boolean(false);
    });
  }
};

class InBitsNode final : public BinaryNode {  // enum in set<enum> (or a literal list as a mask)
 public:
  using BinaryNode::BinaryNode;
  Val eval(EvalContext& ctx) const override {
    return both(ctx, [](const Val& a, const Val& b) {
      return Val::boolean(a.i >= 0 && a.i < 64 && ((b.bits >> a.i) & 1u));
    });
  }
};

enum class OverKind : std::uint8_t { kList, kBits, kObligations };

class ComprehensionNode final : public Node {
 public:
  ComprehensionNode(bool all, OverKind kind, NodePtr over, int var, NodePtr pred)
      : all_(all), kind_(kind), over_(std::move(over)), var_(var), pred_(std::move(pred)) {}
  Val eval(EvalContext& ctx) const override {
    const Val over = over_->eval(ctx);
    if (over.isError()) return over;
    bool failed = false;
    std::uint32_t error = 0;
    const auto step = [&](const Val& item) -> bool {  // true: the answer is decided
      ctx.vars[static_cast<std::size_t>(var_)] = item;
      const Val v = pred_->eval(ctx);
      if (v.isError()) {
        if (!failed) error = v.error;
        failed = true;
        return false;
      }
      return all_ ? !v.b : v.b;
    };
    bool decided = false;
    switch (kind_) {
      case OverKind::kList:
        for (const auto& text : *over.list) {
          Val item;
          item.tag = Val::Tag::kString;
          item.s = text;
          if ((decided = step(item))) break;
        }
        break;
      case OverKind::kBits:
        for (std::uint64_t bits = over.bits; bits != 0; bits &= bits - 1) {
          if ((decided = step(Val::integer(std::countr_zero(bits))))) break;
        }
        break;
      case OverKind::kObligations: {
        const auto* list = static_cast<const std::vector<Obligation>*>(over.ptr);
        for (const auto& obligation : *list) {
          Val item;
          item.tag = Val::Tag::kPtr;
          item.ptr = &obligation;
          if ((decided = step(item))) break;
        }
        break;
      }
    }
    if (decided) return Val::boolean(!all_);
    if (failed) return Val::failed(error);
    return Val::boolean(all_);
  }

 private:
  bool all_;
  OverKind kind_;
  NodePtr over_;
  int var_;
  NodePtr pred_;
};

class DominatesNode final : public BinaryNode {
 public:
  DominatesNode(const LabelPolicy* policy, NodePtr a, NodePtr b)
      : BinaryNode(std::move(a), std::move(b)), policy_(policy) {}
  Val eval(EvalContext& ctx) const override {
    return both(ctx, [this](const Val& a, const Val& b) {
      return Val::boolean(dominates(*policy_, a.label, b.label));
    });
  }

 private:
  const LabelPolicy* policy_;
};

class LubNode final : public BinaryNode {
 public:
  LubNode(const LabelPolicy* policy, NodePtr a, NodePtr b)
      : BinaryNode(std::move(a), std::move(b)), policy_(policy) {}
  Val eval(EvalContext& ctx) const override {
    return both(ctx, [this](Val a, const Val& b) {
      a.label = lub(*policy_, a.label, b.label);
      return a;
    });
  }

 private:
  const LabelPolicy* policy_;
};

class ReleasableNode final : public Node {
 public:
  // `bits[i]` is the label value bit of enum value i (0 when it is no label value); a string
  // operand is looked up by name.
  ReleasableNode(const LabelPolicy* policy, NodePtr label, NodePtr value,
                 std::vector<std::uint64_t> bits)
      : policy_(policy),
        label_(std::move(label)),
        value_(std::move(value)),
        bits_(std::move(bits)) {}
  Val eval(EvalContext& ctx) const override {
    const Val label = label_->eval(ctx);
    if (label.isError()) return label;
    const Val value = value_->eval(ctx);
    if (value.isError()) return value;
    std::uint64_t bit = 0;
    if (value.tag == Val::Tag::kInt) {
      if (value.i >= 0 && static_cast<std::size_t>(value.i) < bits_.size())
        bit = bits_[static_cast<std::size_t>(value.i)];
    } else {
      for (const auto& category : policy_->categories()) {
        for (std::size_t v = 0; v < category.values.size(); ++v)
          if (category.values[v] == value.s)
            bit = std::uint64_t{1} << (category.firstBit + static_cast<int>(v));
      }
    }
    if (bit == 0) return Val::boolean(false);
    return Val::boolean(releasableTo(*policy_, label.label, bit));
  }

 private:
  const LabelPolicy* policy_;
  NodePtr label_;
  NodePtr value_;
  std::vector<std::uint64_t> bits_;
};

class ClassificationNode final : public Node {
 public:
  explicit ClassificationNode(NodePtr label) : label_(std::move(label)) {}
  Val eval(EvalContext& ctx) const override {
    const Val v = label_->eval(ctx);
    return v.isError() ? v : Val::integer(v.label.classification);
  }

 private:
  NodePtr label_;
};

class MissionNode final : public Node {
 public:
  MissionNode(const std::vector<Mission>* missions, NodePtr key)
      : missions_(missions), key_(std::move(key)) {}
  Val eval(EvalContext& ctx) const override {
    const Val key = key_->eval(ctx);
    if (key.isError()) return key;
    for (const auto& mission : *missions_) {
      if (mission.name == key.s) {
        Val out;
        out.tag = Val::Tag::kPtr;
        out.ptr = &mission;
        return out;
      }
    }
    return Val::failed(errorCode(ErrorKind::kUnknownMission));
  }

 private:
  const std::vector<Mission>* missions_;
  NodePtr key_;
};

class MissionFieldNode final : public Node {
 public:
  MissionFieldNode(NodePtr record, bool start) : record_(std::move(record)), start_(start) {}
  Val eval(EvalContext& ctx) const override {
    const Val v = record_->eval(ctx);
    if (v.isError()) return v;
    const auto* mission = static_cast<const Mission*>(v.ptr);
    return Val::integer(start_ ? mission->start : mission->end);
  }

 private:
  NodePtr record_;
  bool start_;
};

class DecisionNode final : public Node {
 public:
  Val eval(EvalContext& ctx) const override { return Val::integer(ctx.decisionPermit ? 0 : 1); }
};

class ObligationsNode final : public Node {
 public:
  Val eval(EvalContext& ctx) const override {
    Val out;
    out.tag = Val::Tag::kPtr;
    out.ptr = ctx.obligations;
    return out;
  }
};

class ObligationTypeNode final : public Node {
 public:
  explicit ObligationTypeNode(NodePtr obligation) : obligation_(std::move(obligation)) {}
  Val eval(EvalContext& ctx) const override {
    const Val v = obligation_->eval(ctx);
    if (v.isError()) return v;
    Val out;
    out.tag = Val::Tag::kString;
    out.s = static_cast<const Obligation*>(v.ptr)->type;
    return out;
  }

 private:
  NodePtr obligation_;
};

// A literal list owns its strings; the node's Val points into them.
class ListNode final : public Node {
 public:
  explicit ListNode(std::vector<std::string> items) : items_(std::move(items)) {}
  Val eval(EvalContext&) const override {
    Val out;
    out.tag = Val::Tag::kList;
    out.list = &items_;
    return out;
  }

 private:
  std::vector<std::string> items_;
};

// ── Type checking ──

struct Typed {
  NodePtr node;
  Type type;
  const Ast* literal = nullptr;  // a string literal or a list of string literals
  int slot = -1;                 // a direct attribute reference
  std::string what;              // how messages name it ("subject.role", "a string")
};

std::optional<std::string> pathOf(const Ast& ast) {
  if (ast.kind == AstKind::kIdent) return ast.name;
  if (ast.kind == AstKind::kMember) {
    auto prefix = pathOf(*ast.kids[0]);
    if (!prefix) return std::nullopt;
    return *prefix + "." + ast.name;
  }
  return std::nullopt;
}

bool isStringLiteralList(const Ast& ast) {
  if (ast.kind != AstKind::kList) return false;
  return std::all_of(ast.kids.begin(), ast.kids.end(),
                     [](const AstPtr& kid) { return kid->kind == AstKind::kString; });
}

class Compiler {
 public:
  Compiler(const Catalog& catalog, const CompileOptions& options)
      : catalog_(catalog), options_(options) {}

  core::Result<CompiledClause> compileRoot(const Ast& root) {
    const auto guards = guardsOf(root);
    guarded_.insert(guarded_.end(), guards.begin(), guards.end());
    auto typed = compile(root);
    if (!typed) return std::move(typed).error();
    CompiledClause out;
    out.type = typed->type;
    out.node = std::move(typed->node);
    out.guards = guards;
    out.unguarded = std::move(unguarded_);
    collectFacts(root, out.facts);
    return out;
  }

 private:
  std::string name(const Type& type) const { return catalog_.typeName(type); }

  // Slots `ast` being true proves present: has(x) conjuncts.
  std::vector<int> guardsOf(const Ast& ast) const {
    std::vector<int> out;
    if (ast.kind == AstKind::kBinary && ast.op == BinaryOp::kAnd) {
      for (const auto& kid : ast.kids) {
        const auto more = guardsOf(*kid);
        out.insert(out.end(), more.begin(), more.end());
      }
    } else if (ast.kind == AstKind::kCall && !ast.method && ast.name == "has" &&
               ast.kids.size() == 1) {
      if (const auto path = pathOf(*ast.kids[0])) {
        if (const auto* def = catalog_.attribute(*path)) out.push_back(def->slot);
      }
    }
    return out;
  }

  void collectFacts(const Ast& ast, std::vector<Fact>& facts) const {
    if (ast.kind == AstKind::kBinary && ast.op == BinaryOp::kAnd) {
      for (const auto& kid : ast.kids) collectFacts(*kid, facts);
      return;
    }
    const auto bareBool = [&](const Ast& node, bool equal) {
      const auto path = pathOf(node);
      const auto* def = path ? catalog_.attribute(*path) : nullptr;
      if (def && def->type.kind == Kind::kBool) facts.push_back({def->slot, equal, 1});
    };
    if (ast.kind == AstKind::kNot) return bareBool(*ast.kids[0], false);
    if (ast.kind == AstKind::kIdent || ast.kind == AstKind::kMember) return bareBool(ast, true);
    if (ast.kind != AstKind::kBinary || (ast.op != BinaryOp::kEq && ast.op != BinaryOp::kNe))
      return;
    for (int side = 0; side < 2; ++side) {
      const auto path = pathOf(*ast.kids[static_cast<std::size_t>(side)]);
      const Ast& other = *ast.kids[static_cast<std::size_t>(1 - side)];
      const auto* def = path ? catalog_.attribute(*path) : nullptr;
      if (!def) continue;
      const bool equal = ast.op == BinaryOp::kEq;
      if (def->type.kind == Kind::kEnum && other.kind == AstKind::kString) {
        const int index =
            catalog_.domains[static_cast<std::size_t>(def->type.domain)].index(other.name);
        if (index >= 0) facts.push_back({def->slot, equal, index});
      } else if (def->type.kind == Kind::kBool && other.kind == AstKind::kBool) {
        facts.push_back({def->slot, equal, other.boolValue ? 1 : 0});
      } else if (def->type.kind == Kind::kInt && other.kind == AstKind::kInt) {
        facts.push_back({def->slot, equal, other.intValue});
      }
    }
  }

  core::Result<Typed> attributeRef(const AttributeDef& def) {
    if (def.optional && std::find(guarded_.begin(), guarded_.end(), def.slot) == guarded_.end() &&
        std::find(unguarded_.begin(), unguarded_.end(), def.slot) == unguarded_.end())
      unguarded_.push_back(def.slot);
    Typed out;
    out.node = std::make_unique<SlotNode>(def.slot);
    out.type = def.type;
    out.slot = def.slot;
    out.what = def.name;
    return out;
  }

  core::Result<Typed> constantRef(const Constant& constant, const std::string& path) {
    Val v;
    switch (constant.type.kind) {
      case Kind::kInt: v = Val::integer(constant.intValue); break;
      case Kind::kStringList:
        v.tag = Val::Tag::kList;
        v.list = &constant.listValue;
        break;
      default: v.tag = Val::Tag::kString; v.s = constant.stringValue;
    }
    Typed out;
    out.node = std::make_unique<ConstNode>(v);
    out.type = constant.type;
    out.what = path;
    return out;
  }

  // A dotted name: a variable, an attribute or a constant, then members of its value.
  core::Result<Typed> resolvePath(const std::string& path) {
    std::vector<std::string> parts;
    for (std::size_t start = 0;;) {
      const auto dot = path.find('.', start);
      parts.push_back(path.substr(start, dot == std::string::npos ? dot : dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    for (std::size_t n = parts.size(); n >= 1; --n) {
      std::string prefix = parts[0];
      for (std::size_t k = 1; k < n; ++k) prefix += "." + parts[k];
      std::optional<core::Result<Typed>> base;
      if (n == 1) {
        for (std::size_t v = vars_.size(); v-- > 0;) {
          if (vars_[v].first == prefix) {
            Typed typed;
            typed.node = std::make_unique<VarNode>(static_cast<int>(v));
            typed.type = vars_[v].second;
            typed.what = prefix;
            base.emplace(std::move(typed));
            break;
          }
        }
        if (!base && options_.propertyMode && prefix == "decision") {
          Typed typed;
          typed.node = std::make_unique<DecisionNode>();
          typed.type = {Kind::kEnum, catalog_.decisionDomain};
          typed.what = "decision";
          base.emplace(std::move(typed));
        }
        if (!base && options_.propertyMode && prefix == "obligations") {
          Typed typed;
          typed.node = std::make_unique<ObligationsNode>();
          typed.type = {Kind::kObligationList, -1};
          typed.what = "obligations";
          base.emplace(std::move(typed));
        }
      }
      if (!base) {
        if (const auto* def = catalog_.attribute(prefix)) base.emplace(attributeRef(*def));
        else if (const auto* constant = catalog_.constant(prefix))
          base.emplace(constantRef(*constant, prefix));
      }
      if (!base) continue;
      if (!*base) return std::move(*base);
      Typed typed = std::move(**base);
      for (std::size_t k = n; k < parts.size(); ++k) {
        auto next = member(std::move(typed), parts[k]);
        if (!next) return next;
        typed = std::move(*next);
      }
      return typed;
    }
    return typeError("unknown attribute \"" + path + "\"");
  }

  core::Result<Typed> member(Typed base, const std::string& field) {
    Typed out;
    out.what = base.what + "." + field;
    if (base.type.kind == Kind::kLabel && field == "classification") {
      out.type = {Kind::kEnum, catalog_.classificationDomain(base.type.domain)};
      out.node = std::make_unique<ClassificationNode>(std::move(base.node));
      return out;
    }
    if (base.type.kind == Kind::kMission && (field == "start" || field == "end")) {
      out.type = {Kind::kTime, -1};
      out.node = std::make_unique<MissionFieldNode>(std::move(base.node), field == "start");
      return out;
    }
    if (base.type.kind == Kind::kObligation && field == "type") {
      out.type = {Kind::kString, -1};
      out.node = std::make_unique<ObligationTypeNode>(std::move(base.node));
      return out;
    }
    return typeError(base.what + " (" + name(base.type) + ") has no member \"" + field + "\"");
  }

  core::Result<Typed> expectBool(const Ast& ast, const char* context) {
    auto typed = compile(ast);
    if (!typed) return typed;
    if (typed->type.kind != Kind::kBool)
      return typeError(std::string(context) + " needs a bool, got " + typed->what + " (" +
                       name(typed->type) + ")");
    return typed;
  }

  core::Result<Typed> compile(const Ast& ast) {
    Typed out;
    switch (ast.kind) {
      case AstKind::kBool:
        out.node = std::make_unique<ConstNode>(Val::boolean(ast.boolValue));
        out.type = {Kind::kBool, -1};
        out.what = ast.boolValue ? "true" : "false";
        return out;
      case AstKind::kInt:
        out.node = std::make_unique<ConstNode>(Val::integer(ast.intValue));
        out.type = {Kind::kInt, -1};
        out.what = std::to_string(ast.intValue);
        return out;
      case AstKind::kNeg: {
        if (ast.kids[0]->kind != AstKind::kInt)
          return typeError("'-' applies to number literals only");
        out.node = std::make_unique<ConstNode>(Val::integer(-ast.kids[0]->intValue));
        out.type = {Kind::kInt, -1};
        out.what = "-" + std::to_string(ast.kids[0]->intValue);
        return out;
      }
      case AstKind::kString: {
        Val v;
        v.tag = Val::Tag::kString;
        strings_.push_back(ast.name);
        v.s = strings_.back();
        out.node = std::make_unique<ConstNode>(v);
        out.type = {Kind::kString, -1};
        out.literal = &ast;
        out.what = "'" + ast.name + "'";
        return out;
      }
      case AstKind::kList: {
        if (!isStringLiteralList(ast)) return typeError("list literals hold strings only");
        std::vector<std::string> items;
        for (const auto& kid : ast.kids) items.push_back(kid->name);
        out.node = std::make_unique<ListNode>(std::move(items));
        out.type = {Kind::kStringList, -1};
        out.literal = &ast;
        out.what = "a list";
        return out;
      }
      case AstKind::kIdent:
      case AstKind::kMember: {
        if (const auto path = pathOf(ast)) return resolvePath(*path);
        auto base = compile(*ast.kids[0]);
        if (!base) return base;
        return member(std::move(*base), ast.name);
      }
      case AstKind::kIndex: {
        const auto path = pathOf(*ast.kids[0]);
        if (!path || *path != "missions")
          return typeError("only the missions table can be indexed");
        auto key = compile(*ast.kids[1]);
        if (!key) return key;
        if (key->type.kind != Kind::kString)
          return typeError("missions[...] needs a string key, got " + key->what + " (" +
                           name(key->type) + ")");
        out.node = std::make_unique<MissionNode>(&catalog_.missions, std::move(key->node));
        out.type = {Kind::kMission, -1};
        out.what = "missions[" + key->what + "]";
        return out;
      }
      case AstKind::kNot: {
        auto kid = expectBool(*ast.kids[0], "'!'");
        if (!kid) return kid;
        out.node = std::make_unique<NotNode>(std::move(kid->node));
        out.type = {Kind::kBool, -1};
        out.what = "!" + kid->what;
        return out;
      }
      case AstKind::kCall: return compileCall(ast);
      case AstKind::kBinary: return compileBinary(ast);
    }
    return typeError("unsupported expression");
  }

  // An enum operand compared with a string literal: the literal becomes the value's index.
  core::Result<Typed> coerceToEnum(Typed literal, const Typed& enumSide) {
    const auto& domain = catalog_.domains[static_cast<std::size_t>(enumSide.type.domain)];
    const int index = domain.index(literal.literal->name);
    if (index < 0) {
      std::string values;
      for (const auto& v : domain.values) values += (values.empty() ? "" : ", ") + v;
      return typeError("'" + literal.literal->name + "' is not a value of " + enumSide.what + " (" +
                       values + ")");
    }
    literal.node = std::make_unique<ConstNode>(Val::integer(index));
    literal.type = enumSide.type;
    return literal;
  }

  core::Result<Typed> coerceToTime(Typed literal) {
    const auto seconds = parseTime(literal.literal->name);
    if (!seconds) return typeError(literal.what + " is not an RFC 3339 time");
    literal.node = std::make_unique<ConstNode>(Val::integer(*seconds));
    literal.type = {Kind::kTime, -1};
    return literal;
  }

  core::Result<Typed> compileBinary(const Ast& ast) {
    Typed out;
    out.type = {Kind::kBool, -1};
    if (ast.op == BinaryOp::kAnd || ast.op == BinaryOp::kOr) {
      // A chain a && b && c becomes one node with three operands.
      std::vector<const Ast*> operands;
      const auto flatten = [&](const auto& self, const Ast& node) -> void {
        if (node.kind == AstKind::kBinary && node.op == ast.op) {
          for (const auto& kid : node.kids) self(self, *kid);
        } else {
          operands.push_back(&node);
        }
      };
      flatten(flatten, ast);
      const std::size_t guardMark = guarded_.size();
      if (ast.op == BinaryOp::kAnd) {
        const auto guards = guardsOf(ast);
        guarded_.insert(guarded_.end(), guards.begin(), guards.end());
      } else {
        // `!has(x) || x == ...`: the other operands only matter when x is present.
        for (const Ast* operand : operands) {
          if (operand->kind != AstKind::kNot) continue;
          const auto guards = guardsOf(*operand->kids[0]);
          guarded_.insert(guarded_.end(), guards.begin(), guards.end());
        }
      }
      std::vector<NodePtr> kids;
      for (const Ast* operand : operands) {
        auto typed = expectBool(*operand, ast.op == BinaryOp::kAnd ? "'&&'" : "'||'");
        if (!typed) return typed;
        kids.push_back(std::move(typed->node));
      }
      guarded_.resize(guardMark);
      if (ast.op == BinaryOp::kAnd) out.node = std::make_unique<AndNode>(std::move(kids));
      else out.node = std::make_unique<OrNode>(std::move(kids));
      out.what = "a condition";
      return out;
    }
    auto left = compile(*ast.kids[0]);
    if (!left) return left;
    auto right = compile(*ast.kids[1]);
    if (!right) return right;
    Typed a = std::move(*left);
    Typed b = std::move(*right);
    out.what = a.what + " " + opText(ast.op) + " " + b.what;
    if (ast.op == BinaryOp::kIn) return compileIn(std::move(a), std::move(b), std::move(out));

    const auto isStringLiteral = [](const Typed& t) {
      return t.literal && t.literal->kind == AstKind::kString;
    };
    // Literals take the type of the other side.
    for (int pass = 0; pass < 2; ++pass) {
      Typed& lit = pass == 0 ? a : b;
      const Typed& other = pass == 0 ? b : a;
      if (!isStringLiteral(lit)) continue;
      if (other.type.kind == Kind::kEnum) {
        auto coerced = coerceToEnum(std::move(lit), other);
        if (!coerced) return coerced;
        lit = std::move(*coerced);
      } else if (other.type.kind == Kind::kTime) {
        auto coerced = coerceToTime(std::move(lit));
        if (!coerced) return coerced;
        lit = std::move(*coerced);
      }
    }
    const bool ordering = ast.op != BinaryOp::kEq && ast.op != BinaryOp::kNe;
    if (!(a.type == b.type) ||
        (a.type.kind != Kind::kBool && a.type.kind != Kind::kInt && a.type.kind != Kind::kString &&
         a.type.kind != Kind::kEnum && a.type.kind != Kind::kTime && a.type.kind != Kind::kLabel))
      return typeError("cannot compare " + a.what + " (" + name(a.type) + ") with " + b.what +
                       " (" + name(b.type) + ")");
    CmpKind kind = CmpKind::kInt;
    switch (a.type.kind) {
      case Kind::kString: kind = CmpKind::kString; break;
      case Kind::kBool: kind = CmpKind::kBool; break;
      case Kind::kLabel: kind = CmpKind::kLabel; break;
      default: break;
    }
    if (ordering) {
      const bool orderedEnum = a.type.kind == Kind::kEnum &&
                               catalog_.domains[static_cast<std::size_t>(a.type.domain)].ordered;
      if (!(a.type.kind == Kind::kInt || a.type.kind == Kind::kTime || orderedEnum))
        return typeError("cannot order " + a.what + " (" + name(a.type) + "); " +
                         std::string(opText(ast.op)) + " needs ints, times or an ordered enum");
    }
    out.node = std::make_unique<CmpNode>(ast.op, kind, std::move(a.node), std::move(b.node));
    return out;
  }

  core::Result<Typed> compileIn(Typed a, Typed b, Typed out) {
    const Kind set = b.type.kind;
    if (set != Kind::kStringSet && set != Kind::kEnumSet && set != Kind::kStringList)
      return typeError("the right side of 'in' must be a set or a list, got " + b.what + " (" +
                       name(b.type) + ")");
    if (a.type.kind == Kind::kEnum && b.literal) {
      // enum in ['x', 'y']: the literals become a mask of the enum's values.
      std::uint64_t mask = 0;
      for (const auto& kid : b.literal->kids) {
        Typed lit;
        lit.literal = kid.get();
        lit.what = "'" + kid->name + "'";
        auto coerced = coerceToEnum(std::move(lit), a);
        if (!coerced) return std::move(coerced).error();
        const int index =
            catalog_.domains[static_cast<std::size_t>(a.type.domain)].index(kid->name);
        mask |= std::uint64_t{1} << index;
      }
      Val bits;
      bits.tag = Val::Tag::kBits;
      bits.bits = mask;
      out.node = std::make_unique<InBitsNode>(std::move(a.node), std::make_unique<ConstNode>(bits));
      return out;
    }
    if (set == Kind::kEnumSet) {
      if (a.literal && a.literal->kind == AstKind::kString) {
        Typed enumSide;
        enumSide.type = {Kind::kEnum, b.type.domain};
        enumSide.what = "an element of " + b.what;
        auto coerced = coerceToEnum(std::move(a), enumSide);
        if (!coerced) return coerced;
        a = std::move(*coerced);
      }
      if (a.type.kind != Kind::kEnum || a.type.domain != b.type.domain)
        return typeError("cannot look for " + a.what + " (" + name(a.type) + ") in " + b.what +
                         " (" + name(b.type) + ")");
      out.node = std::make_unique<InBitsNode>(std::move(a.node), std::move(b.node));
      return out;
    }
    if (a.type.kind != Kind::kString)
      return typeError("cannot look for " + a.what + " (" + name(a.type) + ") in " + b.what + " (" +
                       name(b.type) + ")");
    out.node = std::make_unique<InListNode>(std::move(a.node), std::move(b.node));
    return out;
  }

  core::Result<Typed> expectLabel(const Ast& ast, const std::string& function) {
    auto typed = compile(ast);
    if (!typed) return typed;
    if (typed->type.kind != Kind::kLabel)
      return typeError(function + "() needs labels, got " + typed->what + " (" + name(typed->type) +
                       ")");
    return typed;
  }

  core::Result<Typed> compileCall(const Ast& ast) {
    Typed out;
    const std::string& fn = ast.name;
    const auto arity = [&](std::size_t n) -> core::Result<bool> {
      if (ast.kids.size() == n) return true;
      return typeError(fn + "() takes " + std::to_string(ast.method ? n - 1 : n) + " argument" +
                       ((ast.method ? n - 1 : n) == 1 ? "" : "s"));
    };
    if (ast.method) {
      if (fn != "exists" && fn != "all")
        return typeError("unknown function \"" + fn + "\" (exists and all are the macros)");
      if (auto ok = arity(3); !ok) return std::move(ok).error();
      auto over = compile(*ast.kids[0]);
      if (!over) return over;
      if (ast.kids[1]->kind != AstKind::kIdent)
        return typeError(fn + "() needs a variable name first, as in x." + fn + "(v, v == 'a')");
      Type element;
      OverKind kind = OverKind::kList;
      switch (over->type.kind) {
        case Kind::kStringSet:
        case Kind::kStringList:
          element = {Kind::kString, -1};
          kind = OverKind::kList;
          break;
        case Kind::kEnumSet:
          element = {Kind::kEnum, over->type.domain};
          kind = OverKind::kBits;
          break;
        case Kind::kObligationList:
          element = {Kind::kObligation, -1};
          kind = OverKind::kObligations;
          break;
        default:
          return typeError(fn + "() applies to sets and lists, not " + over->what + " (" +
                           name(over->type) + ")");
      }
      if (vars_.size() >= EvalContext::kMaxVars) return typeError("too many nested exists()/all()");
      vars_.emplace_back(ast.kids[1]->name, element);
      const int var = static_cast<int>(vars_.size()) - 1;
      auto pred = expectBool(*ast.kids[2], (fn + "()").c_str());
      vars_.pop_back();
      if (!pred) return pred;
      out.node = std::make_unique<ComprehensionNode>(fn == "all", kind, std::move(over->node), var,
                                                     std::move(pred->node));
      out.type = {Kind::kBool, -1};
      out.what = over->what + "." + fn + "(...)";
      return out;
    }
    if (fn == "has") {
      if (auto ok = arity(1); !ok) return std::move(ok).error();
      const auto path = pathOf(*ast.kids[0]);
      const auto* def = path ? catalog_.attribute(*path) : nullptr;
      if (!def) {
        if (path) return typeError("unknown attribute \"" + *path + "\"");
        return typeError("has() takes an attribute name");
      }
      out.node = std::make_unique<HasNode>(def->slot);
      out.type = {Kind::kBool, -1};
      out.what = "has(" + *path + ")";
      return out;
    }
    if (fn == "dominates" || fn == "lub") {
      if (auto ok = arity(2); !ok) return std::move(ok).error();
      auto a = expectLabel(*ast.kids[0], fn);
      if (!a) return a;
      auto b = expectLabel(*ast.kids[1], fn);
      if (!b) return b;
      if (a->type.domain != b->type.domain)
        return typeError(fn + "() needs labels of the same label policy");
      const LabelPolicy* policy = &catalog_.labelPolicies[static_cast<std::size_t>(a->type.domain)];
      out.what = fn + "(" + a->what + ", " + b->what + ")";
      if (fn == "dominates") {
        out.node = std::make_unique<DominatesNode>(policy, std::move(a->node), std::move(b->node));
        out.type = {Kind::kBool, -1};
      } else {
        out.type = a->type;
        out.node = std::make_unique<LubNode>(policy, std::move(a->node), std::move(b->node));
      }
      return out;
    }
    if (fn == "releasable_to") {
      if (auto ok = arity(2); !ok) return std::move(ok).error();
      auto label = expectLabel(*ast.kids[0], fn);
      if (!label) return label;
      auto value = compile(*ast.kids[1]);
      if (!value) return value;
      const LabelPolicy& policy =
          catalog_.labelPolicies[static_cast<std::size_t>(label->type.domain)];
      std::vector<std::uint64_t> bits;
      if (value->type.kind == Kind::kEnum) {
        for (const auto& v :
             catalog_.domains[static_cast<std::size_t>(value->type.domain)].values) {
          std::uint64_t bit = 0;
          for (const auto& category : policy.categories())
            for (std::size_t k = 0; k < category.values.size(); ++k)
              if (category.values[k] == v)
                bit = std::uint64_t{1} << (category.firstBit + static_cast<int>(k));
          bits.push_back(bit);
        }
      } else if (value->type.kind != Kind::kString) {
        return typeError("releasable_to() needs a label and a string or enum value");
      }
      out.node = std::make_unique<ReleasableNode>(&policy, std::move(label->node),
                                                  std::move(value->node), std::move(bits));
      out.type = {Kind::kBool, -1};
      out.what = "releasable_to(...)";
      return out;
    }
    return typeError("unknown function \"" + fn +
                     "\" (built-ins: has, dominates, releasable_to, lub, exists, all)");
  }

  const Catalog& catalog_;
  const CompileOptions& options_;
  std::vector<int> guarded_;
  std::vector<int> unguarded_;
  std::vector<std::pair<std::string, Type>> vars_;
  std::deque<std::string> strings_;  // literal storage; moves into the clause's root

 public:
  std::deque<std::string> takeStrings() { return std::move(strings_); }
};

// Keeps the literal strings a clause's constant nodes point into alive with the clause.
class OwningNode final : public Node {
 public:
  OwningNode(NodePtr inner, std::deque<std::string> strings)
      : strings_(std::move(strings)), inner_(std::move(inner)) {}
  Val eval(EvalContext& ctx) const override { return inner_->eval(ctx); }

 private:
  std::deque<std::string> strings_;
  NodePtr inner_;
};

}  // namespace

core::Result<CompiledClause> compileClause(std::string_view text, const Catalog& catalog,
                                           const CompileOptions& options) {
  auto ast = parse(text);
  if (!ast) return std::move(ast).error();
  Compiler compiler(catalog, options);
  auto compiled = compiler.compileRoot(**ast);
  if (!compiled) return compiled;
  auto strings = compiler.takeStrings();
  if (!strings.empty())
    compiled->node = std::make_unique<OwningNode>(std::move(compiled->node), std::move(strings));
  return compiled;
}

std::optional<std::int64_t> parseTime(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  // The plain form "YYYY-MM-DDTHH:MM:SS" is read digit by digit (prepare() parses env.now on
  // every decision); anything else goes through sscanf, which decides what is accepted.
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  bool plain = text.size() >= kShape.size();
  for (std::size_t k = 0; plain && k < kShape.size(); ++k)
    plain = kShape[k] == 'd' ? text[k] >= '0' && text[k] <= '9' : text[k] == kShape[k];
  if (plain) {
    const auto number = [&](std::size_t from, std::size_t count) {
      int value = 0;
      for (std::size_t k = from; k < from + count; ++k) value = value * 10 + (text[k] - '0');
      return value;
    };
    year = number(0, 4);
    month = number(5, 2);
    day = number(8, 2);
    hour = number(11, 2);
    minute = number(14, 2);
    second = number(17, 2);
  } else {
    int consumed = 0;
    const std::string copy(text);
    if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute,
                    &second, &consumed) != 6 ||
        consumed != 19)
      return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return std::nullopt;
  std::string_view rest = text.substr(19);
  if (!rest.empty() && rest.front() == '.') {
    std::size_t k = 1;
    while (k < rest.size() && rest[k] >= '0' && rest[k] <= '9') ++k;
    if (k == 1) return std::nullopt;
    rest = rest.substr(k);
  }
  std::int64_t offset = 0;
  if (rest == "Z" || rest == "z") {
    offset = 0;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    const auto digit = [&](std::size_t k) { return rest[k] - '0'; };
    for (std::size_t k : {1u, 2u, 4u, 5u})
      if (rest[k] < '0' || rest[k] > '9') return std::nullopt;
    offset = (digit(1) * 10 + digit(2)) * 3600 + (digit(4) * 10 + digit(5)) * 60;
    if (rest[0] == '-') offset = -offset;
  } else {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  const auto days = std::chrono::sys_days(date).time_since_epoch().count();
  return static_cast<std::int64_t>(days) * 86400 + std::int64_t{hour} * 3600 +
         std::int64_t{minute} * 60 + second - offset;
}

std::string formatValue(const Catalog& catalog, const Type& type, const Val& value) {
  switch (type.kind) {
    case Kind::kBool: return value.b ? "true" : "false";
    case Kind::kInt: return std::to_string(value.i);
    case Kind::kString: return std::string(value.s);
    case Kind::kEnum: {
      const auto& values = catalog.domains[static_cast<std::size_t>(type.domain)].values;
      return value.i >= 0 && static_cast<std::size_t>(value.i) < values.size()
                 ? values[static_cast<std::size_t>(value.i)]
                 : std::string();
    }
    case Kind::kTime: {
      const std::chrono::sys_seconds at{std::chrono::seconds(value.i)};
      const auto days = std::chrono::floor<std::chrono::days>(at);
      const std::chrono::year_month_day date{days};
      const std::chrono::hh_mm_ss time{at - days};
      // Sized for the widest text the argument types allow (not the 20 characters a real time
      // takes), so that the compiler can prove at -O2 that nothing is cut off.
      char buffer[96];
      std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ",
                    static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                    static_cast<unsigned>(date.day()), static_cast<long>(time.hours().count()),
                    static_cast<long>(time.minutes().count()),
                    static_cast<long>(time.seconds().count()));
      return buffer;
    }
    case Kind::kLabel:
      return catalog.labelPolicies[static_cast<std::size_t>(type.domain)].text(value.label);
    case Kind::kStringSet:
    case Kind::kStringList: {
      std::string out;
      for (const auto& item : *value.list) out += (out.empty() ? "" : ", ") + item;
      return out;
    }
    case Kind::kEnumSet: {
      std::string out;
      const auto& values = catalog.domains[static_cast<std::size_t>(type.domain)].values;
      for (std::size_t i = 0; i < values.size(); ++i)
        if ((value.bits >> i) & 1u) out += (out.empty() ? "" : ", ") + values[i];
      return out;
    }
    default: return {};
  }
}

}  // namespace parley::policy::expr
