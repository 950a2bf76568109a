#include "core/policy/engine.hpp"

#include <algorithm>
#include <array>

#include "core/policy/compiler.hpp"
#include "core/policy/expr/compiler.hpp"

namespace parley::policy {
namespace {

const std::vector<std::string>& emptyList() {
  static const std::vector<std::string> kEmpty;
  return kEmpty;
}

void setInvalid(SlotValue& slot, int index) {
  slot.present = false;
  slot.error = errorCode(ErrorKind::kInvalid, index);
}

void convert(const Catalog& catalog, const AttributeDef& def, const Value& value, SlotValue& slot) {
  Val& v = slot.value;
  slot.present = true;
  slot.error = 0;
  switch (def.type.kind) {
    case Kind::kBool:
      if (const auto* b = std::get_if<bool>(&value)) v = Val::boolean(*b);
      else setInvalid(slot, def.slot);
      return;
    case Kind::kInt:
      if (const auto* i = std::get_if<std::int64_t>(&value)) v = Val::integer(*i);
      else if (const auto* s = std::get_if<std::string>(&value); s && parseByteSize(*s))
        v = Val::integer(*parseByteSize(*s));
      else setInvalid(slot, def.slot);
      return;
    case Kind::kString:
      if (const auto* s = std::get_if<std::string>(&value)) {
        v.tag = Val::Tag::kString;
        v.s = *s;
      } else {
        setInvalid(slot, def.slot);
      }
      return;
    case Kind::kEnum: {
      const auto* s = std::get_if<std::string>(&value);
      const int index =
          s ? catalog.domains[static_cast<std::size_t>(def.type.domain)].index(*s) : -1;
      if (index < 0) setInvalid(slot, def.slot);
      else v = Val::integer(index);
      return;
    }
    case Kind::kTime:
      if (const auto* i = std::get_if<std::int64_t>(&value)) v = Val::integer(*i);
      else if (const auto* s = std::get_if<std::string>(&value); s && expr::parseTime(*s))
        v = Val::integer(*expr::parseTime(*s));
      else setInvalid(slot, def.slot);
      return;
    case Kind::kLabel: {
      const auto* s = std::get_if<std::string>(&value);
      if (!s) return setInvalid(slot, def.slot);
      auto label = catalog.labelPolicies[static_cast<std::size_t>(def.type.domain)].parse(*s);
      if (!label) return setInvalid(slot, def.slot);
      v.tag = Val::Tag::kLabel;
      v.label = *label;
      return;
    }
    case Kind::kStringSet:
      if (const auto* list = std::get_if<std::vector<std::string>>(&value)) {
        v.tag = Val::Tag::kList;
        v.list = list;
      } else {
        setInvalid(slot, def.slot);
      }
      return;
    case Kind::kEnumSet: {
      const auto* list = std::get_if<std::vector<std::string>>(&value);
      if (!list) return setInvalid(slot, def.slot);
      std::uint64_t bits = 0;
      for (const auto& item : *list) {
        const int index = catalog.domains[static_cast<std::size_t>(def.type.domain)].index(item);
        if (index < 0) return setInvalid(slot, def.slot);
        bits |= std::uint64_t{1} << index;
      }
      v.tag = Val::Tag::kBits;
      v.bits = bits;
      return;
    }
    default: setInvalid(slot, def.slot);
  }
}

void setString(SlotValue& slot, std::string_view text) {
  slot.present = true;
  slot.error = 0;
  slot.value.tag = Val::Tag::kString;
  slot.value.s = text;
}

void setLabel(SlotValue& slot, const Label& label) {
  slot.present = true;
  slot.error = 0;
  slot.value.tag = Val::Tag::kLabel;
  slot.value.label = label;
}

bool remoteAllowed(const Bridge& bridge, std::string_view server) {
  for (const auto& pattern : bridge.allowedRemotes) {
    if (pattern == server) return true;
    // "*.example.org" covers subdomains, as server ACL globs do for their common use.
    if (pattern.starts_with("*.") && server.size() > pattern.size() - 1 &&
        server.ends_with(std::string_view(pattern).substr(1)))
      return true;
  }
  return false;
}

enum class Outcome : std::uint8_t { kTrue, kFalse, kError };

Val evalShared(const Clause& clause, EvalContext& ctx) {
  if (clause.memo < 0 || !ctx.memo.entries) return clause.node->eval(ctx);
  auto& entry = ctx.memo.entries[clause.memo];
  if (entry.generation != ctx.memo.generation) {
    const Val v = clause.node->eval(ctx);
    entry = {ctx.memo.generation, v.error, v.isError(), !v.isError() && v.b};
    return v;
  }
  // Clauses are boolean: the result is fully described by the error or the value.
  return entry.erred ? Val::failed(entry.error) : Val::boolean(entry.value);
}

Val evalClause(const Clause& clause, EvalContext& ctx) {
  Val v = evalShared(clause, ctx);
  if (clause.negated && !v.isError()) v.b = !v.b;
  return v;
}

// The calling thread's table of shared clause results, sized for `bundle`, with a generation
// no entry has yet.
ClauseMemo clauseMemoFor(const CompiledBundle& bundle) {
  thread_local std::vector<ClauseMemo::Entry> entries;
  thread_local std::uint32_t generation = 0;
  if (bundle.memoClauses == 0) return {};
  if (entries.size() < static_cast<std::size_t>(bundle.memoClauses))
    entries.resize(static_cast<std::size_t>(bundle.memoClauses));
  if (++generation == 0) {  // wrapped: entries of 2^32 decisions ago would look current
    std::fill(entries.begin(), entries.end(), ClauseMemo::Entry{});
    generation = 1;
  }
  return {entries.data(), generation};
}

// The rule's conditions under three-valued logic: all clauses ANDed, then any_of ORed.
// The rule's any_of list in three-valued logic: true as soon as one clause is true; else an
// error when one clause erred (`error` is the first); else false.
Outcome evalAnyOf(const Rule& rule, EvalContext& ctx, std::uint32_t& error) {
  bool erred = false;
  for (const auto& clause : rule.any) {
    const Val v = evalClause(clause, ctx);
    if (v.isError()) {
      if (!erred) error = v.error;
      erred = true;
    } else if (v.b) {
      return Outcome::kTrue;
    }
  }
  return erred ? Outcome::kError : Outcome::kFalse;
}

Outcome evalConditions(const Rule& rule, EvalContext& ctx, std::uint32_t& error) {
  bool failed = false;
  for (const auto& clause : rule.all) {
    const Val v = evalClause(clause, ctx);
    if (v.isError()) {
      if (!failed) error = v.error;
      failed = true;
    } else if (!v.b) {
      return Outcome::kFalse;
    }
  }
  if (!rule.any.empty()) {
    std::uint32_t anyError = 0;
    const Outcome any = evalAnyOf(rule, ctx, anyError);
    if (any == Outcome::kFalse) return Outcome::kFalse;
    if (any == Outcome::kError) {
      if (!failed) error = anyError;
      failed = true;
    }
  }
  return failed ? Outcome::kError : Outcome::kTrue;
}

bool satisfied(const Rule& rule, Outcome outcome) {
  switch (rule.effect) {
    case RuleEffect::kPermit: return outcome == Outcome::kTrue;
    case RuleEffect::kForbid: return outcome != Outcome::kFalse;
    case RuleEffect::kRequire: return outcome != Outcome::kTrue;
  }
  return false;
}

class ErrorSet {
 public:
  void add(std::uint32_t code) {
    if (code == 0) return;
    for (int i = 0; i < count_; ++i)
      if (codes_[static_cast<std::size_t>(i)] == code) return;
    if (count_ < static_cast<int>(codes_.size())) codes_[static_cast<std::size_t>(count_++)] = code;
  }
  void addTo(const Catalog& catalog, std::vector<std::string>& out) const {
    for (int i = 0; i < count_; ++i) {
      auto text = catalog.errorText(codes_[static_cast<std::size_t>(i)]);
      if (std::find(out.begin(), out.end(), text) == out.end()) out.push_back(std::move(text));
    }
  }

 private:
  std::array<std::uint32_t, 16> codes_{};
  int count_ = 0;
};

// Renders a template; nullopt (and the missing attribute's name in `missing`) when a
// referenced attribute is absent.
std::optional<std::string> render(const CompiledBundle& bundle, const Template& tpl,
                                  const PreparedRequest& request, std::string& missing) {
  std::string out;
  const auto& catalog = bundle.catalog;
  for (const auto& part : tpl.parts) {
    if (part.format == TemplatePart::Format::kLiteral) {
      out += part.literal;
      continue;
    }
    const auto& slot = request.slots[static_cast<std::size_t>(part.slot)];
    const auto& def = catalog.attributes[static_cast<std::size_t>(part.slot)];
    if (!slot.present) {
      missing =
          catalog.errorText(slot.error ? slot.error : errorCode(ErrorKind::kMissing, part.slot));
      return std::nullopt;
    }
    const auto& policy = [&]() -> const LabelPolicy& {
      return catalog.labelPolicies[static_cast<std::size_t>(def.type.domain)];
    };
    switch (part.format) {
      case TemplatePart::Format::kMarking: out += policy().marking(slot.value.label); break;
      case TemplatePart::Format::kXml: out += policy().adatp4774Xml(slot.value.label); break;
      case TemplatePart::Format::kClassification:
        out += policy().classifications().at(slot.value.label.classification);
        break;
      default: out += expr::formatValue(catalog, def.type, slot.value);
    }
  }
  return out;
}

std::optional<Obligation> renderObligation(const CompiledBundle& bundle, const ObligationSpec& spec,
                                           const PreparedRequest& request, std::string& problem) {
  Obligation out;
  out.type = std::string(spec.type->name);
  out.params = spec.params;
  for (const auto& [pointer, tpl] : spec.templates) {
    std::string missing;
    auto text = render(bundle, tpl, request, missing);
    if (!text) {
      problem = missing;
      return std::nullopt;
    }
    out.params[pointer] = std::move(*text);
  }
  if (spec.type->name == "set_label") {
    // The label travels in the bundle's own policy (the catalog the peer was given); an exact
    // equivalent from the bridge's label_map is attached when one exists.
    const int slot = bundle.slotMessageLabel;
    const SlotValue* label = slot >= 0 ? &request.slots[static_cast<std::size_t>(slot)] : nullptr;
    if (!label || !label->present) {
      problem = slot >= 0 ? bundle.catalog.errorText(label && label->error
                                                         ? label->error
                                                         : errorCode(ErrorKind::kMissing, slot))
                          : "missing:message.label";
      return std::nullopt;
    }
    const auto& def = bundle.catalog.attributes[static_cast<std::size_t>(slot)];
    const auto& policy = bundle.catalog.labelPolicies[static_cast<std::size_t>(def.type.domain)];
    out.params["label"] = policy.text(label->value.label);
    out.params["marking"] = policy.marking(label->value.label);
    if (out.params["format"] == "adatp4774")
      out.params["xml"] = policy.adatp4774Xml(label->value.label);
    if (spec.labelMapBridge >= 0) {
      // "map" stays: the enforcement point must find an "equivalent" when a map was named.
      for (const auto& [remote, local] :
           bundle.bridges[static_cast<std::size_t>(spec.labelMapBridge)].labelMap) {
        if (local == label->value.label) {
          out.params["equivalent"] = remote;
          break;
        }
      }
    }
  }
  return out;
}

void addUnique(std::vector<Obligation>& list, Obligation obligation) {
  if (std::find(list.begin(), list.end(), obligation) == list.end())
    list.push_back(std::move(obligation));
}

// Two specs with the same content render the same obligation (or fail the same way) for any
// request, so only the first of them is rendered.
bool sameSpec(const ObligationSpec& a, const ObligationSpec& b) {
  if (&a == &b) return true;
  if (a.type != b.type || a.labelMapBridge != b.labelMapBridge ||
      a.templates.size() != b.templates.size())
    return false;
  for (std::size_t k = 0; k < a.templates.size(); ++k) {
    const auto& [pointerA, tplA] = a.templates[k];
    const auto& [pointerB, tplB] = b.templates[k];
    if (pointerA != pointerB || tplA.parts.size() != tplB.parts.size()) return false;
    for (std::size_t part = 0; part < tplA.parts.size(); ++part) {
      const auto& x = tplA.parts[part];
      const auto& y = tplB.parts[part];
      if (x.format != y.format || x.slot != y.slot || x.literal != y.literal) return false;
    }
  }
  return a.params == b.params;
}

// The specs already rendered in this decision (a fixed buffer: no allocation).
class SeenSpecs {
 public:
  bool contains(const ObligationSpec& spec) const {
    for (std::size_t k = 0; k < count_; ++k)
      if (sameSpec(*specs_[k], spec)) return true;
    return false;
  }
  void add(const ObligationSpec& spec) {
    if (count_ < specs_.size()) specs_[count_++] = &spec;
  }

 private:
  std::array<const ObligationSpec*, 32> specs_{};
  std::size_t count_ = 0;
};

bool targets(const Rule& rule, int bridge) {
  return rule.bridges.empty() ||
         std::find(rule.bridges.begin(), rule.bridges.end(), bridge) != rule.bridges.end();
}

// Ranking of permits for the explanation of a default deny: most clauses satisfied, then
// fewest failures; the first such permit in rule order wins.
struct Closest {
  const Rule* rule = nullptr;
  std::string_view failed;
  int satisfiedClauses = -1;
  int failures = 0;
};

// Evaluates every clause of a permit (no short-circuit): its place in the closest-permit
// ranking and, when it targets the request's bridge, the outcome evalConditions() would give.
Outcome evalForClosest(const Rule& rule, bool targetOk, EvalContext& ctx, Closest& candidate,
                       std::uint32_t& error) {
  candidate.rule = &rule;
  candidate.satisfiedClauses = 0;
  if (!targetOk) {
    candidate.failed = "target.bridge";
    ++candidate.failures;
  }
  bool allFalse = false;
  bool failed = false;
  for (const auto& clause : rule.all) {
    const Val v = evalClause(clause, ctx);
    if (!v.isError() && v.b) {
      ++candidate.satisfiedClauses;
      continue;
    }
    if (candidate.failed.empty()) candidate.failed = clause.name;
    ++candidate.failures;
    if (!v.isError()) {
      allFalse = true;
    } else if (!failed) {
      error = v.error;
      failed = true;
    }
  }
  if (!rule.any.empty()) {
    std::uint32_t anyError = 0;
    const Outcome any = evalAnyOf(rule, ctx, anyError);
    if (any == Outcome::kTrue) {
      ++candidate.satisfiedClauses;
    } else {
      if (candidate.failed.empty()) candidate.failed = "any_of";
      ++candidate.failures;
      if (any == Outcome::kFalse) allFalse = true;
      else if (!failed) {
        error = anyError;
        failed = true;
      }
    }
  }
  if (candidate.failed.empty()) candidate.failed = "obligations";
  if (allFalse) return Outcome::kFalse;
  return failed ? Outcome::kError : Outcome::kTrue;
}

void traceAll(const CompiledBundle& bundle, const PreparedRequest& request, EvalContext& ctx,
              DecisionTrace& trace) {
  trace.outcomes.resize(bundle.rules.size(), 0);
  for (std::size_t r = 0; r < bundle.rules.size(); ++r) {
    const Rule& rule = bundle.rules[r];
    if (std::find(rule.actions.begin(), rule.actions.end(), request.action) == rule.actions.end())
      continue;
    const bool targetOk =
        rule.bridges.empty() ||
        std::find(rule.bridges.begin(), rule.bridges.end(), request.bridge) != rule.bridges.end();
    std::uint32_t error = 0;
    const bool fired = targetOk && satisfied(rule, evalConditions(rule, ctx, error));
    trace.outcomes[r] |= fired ? 1u : 2u;
  }
}

// Evaluates the rules, records their errors, names the satisfied ones in the decision and
// calls onFired(index, rule) for each. Returns the rule whose reason explains the decision:
// the first one with a reason, else the first one.
template <typename OnFired>
const Rule* fireRules(const CompiledBundle& bundle, const std::vector<int>& indexes,
                      EvalContext& ctx, ErrorSet& errors, Decision& decision, OnFired&& onFired) {
  const Rule* explaining = nullptr;
  for (const int index : indexes) {
    const Rule& rule = bundle.rules[static_cast<std::size_t>(index)];
    std::uint32_t error = 0;
    const Outcome outcome = evalConditions(rule, ctx, error);
    if (outcome == Outcome::kError) errors.add(error);
    if (!satisfied(rule, outcome)) continue;
    decision.determiningRules.push_back(rule.id);
    onFired(index, rule);
    if (!explaining || (explaining->reason.empty() && !rule.reason.empty())) explaining = &rule;
  }
  return explaining;
}

// Fills `out` from the request; its slots point into `attributes`, which must outlive it.
void fill(const CompiledBundle& bundle, const Request& request,
          const std::map<std::string, Value>& attributes, PreparedRequest& out) {
  out.actionName = request.action;
  out.action = bundle.actionIndex(request.action);
  const auto& catalog = bundle.catalog;
  out.slots.assign(catalog.attributes.size(), SlotValue{});
  for (const auto& [name, value] : attributes) {
    const auto* def = catalog.attribute(name);
    if (def) convert(catalog, *def, value, out.slots[static_cast<std::size_t>(def->slot)]);
  }
  const auto slot = [&](int index) -> SlotValue* {
    return index >= 0 ? &out.slots[static_cast<std::size_t>(index)] : nullptr;
  };
  // Bridge attributes come from the bundle, never from the caller.
  if (auto* id = slot(bundle.slotBridgeId); id && id->present) {
    out.bridge = bundle.bridgeIndex(id->value.s);
    for (int s : {bundle.slotBridgeClearance, bundle.slotBridgeDisplay, bundle.slotBridgeProtocol})
      if (auto* other = slot(s)) *other = SlotValue{};
    if (out.bridge >= 0) {
      const Bridge& bridge = bundle.bridges[static_cast<std::size_t>(out.bridge)];
      if (auto* display = slot(bundle.slotBridgeDisplay)) setString(*display, bridge.display);
      if (auto* protocol = slot(bundle.slotBridgeProtocol)) setString(*protocol, bridge.protocol);
      if (auto* clearance = slot(bundle.slotBridgeClearance);
          clearance && bridge.clearance && bridge.policy == 0)
        setLabel(*clearance, *bridge.clearance);
      auto* allowed = slot(bundle.slotRemoteServerAllowed);
      const auto* server = slot(bundle.slotRemoteServer);
      if (allowed && !allowed->present && server && server->present) {
        allowed->present = true;
        allowed->value = Val::boolean(remoteAllowed(bridge, server->value.s));
      }
      auto* message = slot(bundle.slotMessageLabel);
      const auto* remote = slot(bundle.slotRemoteLabel);
      if (message && remote && remote->present) {
        // The remote label decides the message label; an unmapped one leaves it absent with
        // the reason, so every rule reading it fails closed.
        *message = SlotValue{};
        message->error = errorCode(ErrorKind::kLabelUnmapped);
        const auto& def = catalog.attributes[static_cast<std::size_t>(bundle.slotMessageLabel)];
        if (bridge.hasLabelMap) {
          for (const auto& [text, label] : bridge.labelMap)
            if (text == remote->value.s && bridge.policy == def.type.domain)
              setLabel(*message, label);
        } else if (bridge.policy == def.type.domain) {
          auto label = catalog.labelPolicies[static_cast<std::size_t>(def.type.domain)].parse(
              remote->value.s);
          if (label) setLabel(*message, *label);
        }
      } else if (message && !message->present && message->error == 0 &&
                 isIngressAction(request.action) && bridge.defaultIngressLabel) {
        setLabel(*message, *bridge.defaultIngressLabel);
      }
    }
  }
  // A remote user is never trusted beyond its peer's own clearance; a remote user of a peer
  // the bundle does not know has no clearance at all.
  if (auto* remote = slot(bundle.slotSubjectRemote); remote && remote->present) {
    if (auto* clearance = slot(bundle.slotSubjectClearance); clearance && clearance->present) {
      const int peer = bundle.bridgeIndex(remote->value.s);
      const auto& def = catalog.attributes[static_cast<std::size_t>(bundle.slotSubjectClearance)];
      const Bridge* bridge = peer >= 0 ? &bundle.bridges[static_cast<std::size_t>(peer)] : nullptr;
      if (bridge && bridge->clearance && def.type.kind == Kind::kLabel &&
          bridge->policy == def.type.domain) {
        clearance->value.label = glb(clearance->value.label, *bridge->clearance);
      } else {
        *clearance = SlotValue{};
      }
    }
  }
  for (const auto& def : catalog.attributes) {
    SlotValue& value = out.slots[static_cast<std::size_t>(def.slot)];
    if (value.present || value.error != 0) continue;
    if (def.defaultSlot >= 0) {
      value = out.slots[static_cast<std::size_t>(def.defaultSlot)];
    } else if (def.defaultText) {
      convert(catalog, def,
              def.type.kind == Kind::kBool ? Value(*def.defaultText == "true")
                                           : Value(*def.defaultText),
              value);
    } else if (def.type.kind == Kind::kStringSet) {
      // An absent set is the empty set: no flags, no missions, no bridges.
      value.present = true;
      value.value.tag = Val::Tag::kList;
      value.value.list = &emptyList();
    } else if (def.type.kind == Kind::kEnumSet) {
      value.present = true;
      value.value.tag = Val::Tag::kBits;
      value.value.bits = 0;
    }
  }
}

}  // namespace

PreparedRequest prepare(const CompiledBundle& bundle, const Request& request) {
  PreparedRequest out;
  out.attributes_ = request.attributes;
  fill(bundle, request, out.attributes_, out);
  return out;
}

Decision decide(const CompiledBundle& bundle, const PreparedRequest& request,
                DecisionTrace* trace) {
  Decision decision;
  decision.bundleHash = bundle.hash;
  if (request.action < 0) {
    decision.reasonCode = kReasonNoPermit;
    decision.reason = "unknown action \"" + request.actionName + "\"";
    decision.errors.emplace_back("unknown_action");
    return decision;
  }
  EvalContext ctx;
  ctx.slots = request.slots.data();
  ctx.memo = clauseMemoFor(bundle);
  if (trace) traceAll(bundle, request, ctx, *trace);
  const auto& target = bundle.target(request.action, request.bridge);
  ErrorSet errors;
  std::string missing;
  SeenSpecs denyRendered;

  const Rule* firstForbid =
      fireRules(bundle, target.forbids, ctx, errors, decision, [&](int, const Rule& rule) {
        for (const auto& spec : rule.onDeny) {
          // A failed rendering is not remembered: each failure is listed, as before.
          if (denyRendered.contains(spec)) continue;
          std::string problem;
          if (auto obligation = renderObligation(bundle, spec, request, problem)) {
            denyRendered.add(spec);
            addUnique(decision.obligations, std::move(*obligation));
          } else
            decision.errors.push_back("obligation_unfulfillable:" + std::string(spec.type->name));
        }
      });
  if (firstForbid) {
    decision.effect = Effect::kDeny;
    decision.reasonCode =
        firstForbid->reasonCode.empty() ? kReasonForbidden : firstForbid->reasonCode;
    auto reason = render(bundle, firstForbid->reason, request, missing);
    decision.reason = reason && !reason->empty() ? *reason : "denied by " + firstForbid->id;
    if (firstForbid->effect == RuleEffect::kRequire && firstForbid->reason.empty()) {
      // Name the requirement that does not hold.
      for (const auto& clause : firstForbid->all) {
        const Val v = evalClause(clause, ctx);
        if (v.isError() || !v.b) {
          decision.reason += " (" + clause.name + " does not hold)";
          break;
        }
      }
    }
    errors.addTo(bundle.catalog, decision.errors);
    return decision;
  }

  // One pass over every permit of the action: the decision's permits (those targeting the
  // bridge) and, until one of them fires, the closest permit for a default deny's explanation.
  std::array<int, 64> permits{};
  std::size_t permitCount = 0;
  const Rule* firstPermit = nullptr;
  Closest closest;
  for (const int index : bundle.permitsByAction[static_cast<std::size_t>(request.action)]) {
    const Rule& rule = bundle.rules[static_cast<std::size_t>(index)];
    const bool targetOk = targets(rule, request.bridge);
    if (firstPermit && !targetOk) continue;
    std::uint32_t error = 0;
    Outcome outcome;
    if (!firstPermit) {
      Closest candidate;
      outcome = evalForClosest(rule, targetOk, ctx, candidate, error);
      if (!closest.rule || candidate.satisfiedClauses > closest.satisfiedClauses ||
          (candidate.satisfiedClauses == closest.satisfiedClauses &&
           candidate.failures < closest.failures))
        closest = candidate;
      if (!targetOk) continue;
    } else {
      outcome = evalConditions(rule, ctx, error);
    }
    if (outcome == Outcome::kError) errors.add(error);
    if (!satisfied(rule, outcome)) continue;
    decision.determiningRules.push_back(rule.id);
    if (permitCount < permits.size()) permits[permitCount++] = index;
    if (!firstPermit || (firstPermit->reason.empty() && !rule.reason.empty())) firstPermit = &rule;
  }
  if (firstPermit) {
    std::string failed;
    SeenSpecs rendered;
    for (std::size_t k = 0; k < permitCount; ++k) {
      const Rule& rule = bundle.rules[static_cast<std::size_t>(permits[k])];
      for (const auto& spec : rule.obligations) {
        if (rendered.contains(spec)) continue;
        rendered.add(spec);
        std::string problem;
        auto obligation = renderObligation(bundle, spec, request, problem);
        if (!obligation) {
          failed = rule.id + ": " + std::string(spec.type->name) + " (" + problem + ")";
          decision.errors.push_back("obligation_unfulfillable:" + std::string(spec.type->name));
          break;
        }
        addUnique(decision.obligations, std::move(*obligation));
      }
      if (!failed.empty()) break;
    }
    errors.addTo(bundle.catalog, decision.errors);
    if (!failed.empty()) {
      // XACML §7.2: a permit whose obligations cannot be fulfilled is a deny.
      decision.effect = Effect::kDeny;
      decision.determiningRules.clear();
      decision.obligations.clear();
      decision.reasonCode = kReasonObligation;
      decision.reason =
          "permitted by " + firstPermit->id + " but an obligation cannot be fulfilled: " + failed;
      return decision;
    }
    decision.effect = Effect::kPermit;
    decision.reasonCode =
        firstPermit->reasonCode.empty() ? kReasonPermitted : firstPermit->reasonCode;
    auto reason = render(bundle, firstPermit->reason, request, missing);
    decision.reason = reason && !reason->empty() ? *reason : "permitted by " + firstPermit->id;
    return decision;
  }

  decision.effect = Effect::kDeny;
  decision.reasonCode = kReasonNoPermit;
  decision.reason = "no rule permits " + request.actionName;
  if (closest.rule) {
    decision.closest = ClosestPermit{closest.rule->id, std::string(closest.failed)};
    decision.reason +=
        "; closest: " + closest.rule->id + " (failed: " + decision.closest->failedClause + ")";
  }
  errors.addTo(bundle.catalog, decision.errors);
  return decision;
}

Decision decide(const CompiledBundle& bundle, const Request& request) {
  // The request outlives this call, so the slots may point into it: no copy of its map.
  PreparedRequest prepared;
  fill(bundle, request, request.attributes, prepared);
  return decide(bundle, prepared);
}

bool addChannelAttributes(const CompiledBundle& bundle, std::string_view channel,
                          Request& request) {
  const ChannelDef* def = bundle.channel(channel);
  if (!def) return false;
  for (const auto& [name, value] : def->attributes) request.attributes.emplace(name, value);
  return true;
}

bool addRemoteSubjectAttributes(const CompiledBundle& bundle, std::string_view peer,
                                std::string_view domain, Request& request) {
  const int index = bundle.bridgeIndex(peer);
  if (index < 0) return false;
  const Bridge& bridge = bundle.bridges[static_cast<std::size_t>(index)];
  for (const auto& [name, values] : bridge.remoteDomainAttributes) {
    if (name != domain) continue;
    for (const auto& [attribute, value] : values) request.attributes.emplace(attribute, value);
  }
  for (const auto& [attribute, value] : bridge.remoteUserAttributes)
    request.attributes.emplace(attribute, value);
  return true;
}

std::optional<std::string> preparedLabel(const CompiledBundle& bundle,
                                         const PreparedRequest& request,
                                         std::string_view attribute) {
  const auto* def = bundle.catalog.attribute(attribute);
  if (!def || def->type.kind != Kind::kLabel) return std::nullopt;
  const auto& slot = request.slots[static_cast<std::size_t>(def->slot)];
  if (!slot.present || slot.value.tag != Val::Tag::kLabel) return std::nullopt;
  return bundle.catalog.labelPolicies[static_cast<std::size_t>(def->type.domain)].text(
      slot.value.label);
}

nlohmann::json toAdminJson(const Decision& decision) {
  nlohmann::json out;
  out["decision"] = decision.permitted() ? "permit" : "deny";
  out["determining_rules"] = decision.determiningRules;
  if (decision.closest)
    out["closest"] = {{"rule", decision.closest->rule}, {"failed", decision.closest->failedClause}};
  auto obligations = nlohmann::json::array();
  for (const auto& o : decision.obligations)
    obligations.push_back({{"type", o.type}, {"params", o.params}});
  out["obligations"] = std::move(obligations);
  out["errors"] = decision.errors;
  out["reason"] = decision.reason;
  out["reason_code"] = decision.reasonCode;
  out["bundle_hash"] = decision.bundleHash;
  return out;
}

std::string userMessage(const Decision& decision) {
  if (decision.permitted()) return "Allowed by the gateway's security policy.";
  const std::string code = decision.reasonCode.empty() ? kReasonNoPermit : decision.reasonCode;
  return "Not allowed by the gateway's security policy (" + code + ").";
}

}  // namespace parley::policy
