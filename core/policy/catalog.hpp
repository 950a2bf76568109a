#pragma once
// The typed vocabulary of a bundle: attributes interned to slots, enum domains, label
// policies, constants (file_policy.*) and the missions table; plus the runtime value (Val)
// and the evaluation tree interface the compiled clauses implement. Internal to core/policy.

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/policy/decision.hpp"
#include "core/policy/label.hpp"

namespace parley::policy {

enum class Kind : std::uint8_t {
  kBool,
  kInt,
  kString,
  kEnum,            // domain = enum domain index; runtime value is the value's index
  kTime,            // seconds since the epoch
  kLabel,           // domain = label policy index (labels and clearances alike)
  kStringSet,       // set<string>
  kEnumSet,         // set<enum>, domain = enum domain index; runtime value is a bitset
  kStringList,      // a literal or constant list of strings
  kMission,         // a record of the missions table
  kObligation,      // property asserts: one obligation of the decision
  kObligationList,  // property asserts: the decision's obligations
};

struct Type {
  Kind kind = Kind::kBool;
  int domain = -1;
  bool operator==(const Type&) const = default;
};

// Error codes carried by a failed evaluation: kind in the top byte, slot (or 0) below.
enum class ErrorKind : std::uint8_t {
  kNone = 0,
  kMissing = 1,         // "missing:<attribute>"
  kInvalid = 2,         // "invalid:<attribute>": the request's value does not fit the type
  kLabelUnmapped = 3,   // "label_unmapped": the remote label has no local equivalent
  kUnknownMission = 4,  // "unknown_mission": missions[...] of a name not in the table
};
constexpr std::uint32_t errorCode(ErrorKind kind, int slot = 0) {
  return (static_cast<std::uint32_t>(kind) << 24) | static_cast<std::uint32_t>(slot);
}
constexpr ErrorKind errorKind(std::uint32_t code) { return static_cast<ErrorKind>(code >> 24); }
constexpr int errorSlot(std::uint32_t code) { return static_cast<int>(code & 0xffffff); }

struct Mission {
  std::string name;
  std::int64_t start = 0;
  std::int64_t end = 0;
};

// A runtime value. Never owns memory: strings and lists point into the prepared request or
// the bundle, so evaluation does not allocate.
struct Val {
  enum class Tag : std::uint8_t { kError, kBool, kInt, kString, kLabel, kList, kBits, kPtr };
  Tag tag = Tag::kError;
  bool b = false;
  std::int64_t i = 0;
  std::uint64_t bits = 0;
  std::uint32_t error = 0;
  std::string_view s;
  const std::vector<std::string>* list = nullptr;
  const void* ptr = nullptr;  // Mission* or Obligation*
  Label label;

  static Val boolean(bool v) {
    Val out;
    out.tag = Tag::kBool;
    out.b = v;
    return out;
  }
  static Val integer(std::int64_t v) {
    Val out;
    out.tag = Tag::kInt;
    out.i = v;
    return out;
  }
  static Val failed(std::uint32_t code) {
    Val out;
    out.error = code;
    return out;
  }
  bool isError() const { return tag == Tag::kError; }
};

struct SlotValue {
  bool present = false;
  std::uint32_t error = 0;  // why it is absent, when not just missing
  Val value;
};

// One decision's results of shared clauses (Clause::memo). An entry counts only when its
// generation is the decision's, so the table is reused across decisions without clearing.
struct ClauseMemo {
  struct Entry {
    std::uint32_t generation = 0;
    std::uint32_t error = 0;  // the clause's error code, when it erred
    bool erred = false;
    bool value = false;
  };
  Entry* entries = nullptr;
  std::uint32_t generation = 0;
};

struct EvalContext {
  static constexpr int kMaxVars = 8;
  const SlotValue* slots = nullptr;
  ClauseMemo memo;
  std::array<Val, kMaxVars> vars{};
  // Property asserts only.
  bool decisionPermit = false;
  const std::vector<Obligation>* obligations = nullptr;
};

class Node {
 public:
  virtual ~Node() = default;
  virtual Val eval(EvalContext& ctx) const = 0;
};
using NodePtr = std::unique_ptr<Node>;

struct EnumDomain {
  std::string name;  // the attribute it was declared for, or "<policy>.classification"
  std::vector<std::string> values;
  bool ordered = false;
  int index(std::string_view value) const {
    for (std::size_t i = 0; i < values.size(); ++i)
      if (values[i] == value) return static_cast<int>(i);
    return -1;
  }
};

struct AttributeDef {
  std::string name;  // "subject.clearance"
  Type type;
  bool optional = false;  // may be absent on a well-typed request: uses need has()
  std::string source;
  int slot = 0;
  int line = 0;
  // Default: a literal value (text form) or another attribute's slot.
  std::optional<std::string> defaultText;
  int defaultSlot = -1;
  bool builtin = false;
};

struct Constant {
  Type type;
  std::int64_t intValue = 0;
  std::string stringValue;
  std::vector<std::string> listValue;
};

class Catalog {
 public:
  std::vector<LabelPolicy> labelPolicies;
  std::vector<EnumDomain> domains;
  std::vector<AttributeDef> attributes;  // index = slot
  std::deque<Constant> constants;        // stable addresses: nodes point into them
  std::unordered_map<std::string, int> constantIndex;
  std::vector<Mission> missions;
  int decisionDomain = -1;  // {permit, deny}, for property asserts
  int classificationDomain(int policy) const { return classificationDomains_.at(policy); }
  void addClassificationDomain(int domain) { classificationDomains_.push_back(domain); }

  const AttributeDef* attribute(std::string_view name) const {
    const auto it = bySlotName_.find(std::string(name));
    return it == bySlotName_.end() ? nullptr : &attributes[it->second];
  }
  AttributeDef& add(AttributeDef def) {
    def.slot = static_cast<int>(attributes.size());
    bySlotName_.emplace(def.name, def.slot);
    attributes.push_back(std::move(def));
    return attributes.back();
  }
  const Constant* constant(std::string_view name) const {
    const auto it = constantIndex.find(std::string(name));
    return it == constantIndex.end() ? nullptr : &constants[it->second];
  }
  std::string typeName(const Type& type) const;
  // "missing:channel.label", "label_unmapped", ...
  std::string errorText(std::uint32_t code) const;

 private:
  std::unordered_map<std::string, int> bySlotName_;
  std::vector<int> classificationDomains_;
};

}  // namespace parley::policy
