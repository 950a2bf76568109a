#pragma once
// A compiled policy bundle: immutable once built, shared between threads as
// shared_ptr<const CompiledBundle>. Built by compileBundle (compiler.hpp).

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/policy/catalog.hpp"
#include "core/policy/obligations.hpp"

namespace parley::policy {

// The closed list of actions (reference §6.1); a rule naming another action does not load.
const std::vector<std::string>& knownActions();
bool isIngressAction(std::string_view action);

enum class RuleEffect : std::uint8_t { kPermit, kForbid, kRequire };

struct Clause {
  std::string name;  // the key under `clauses:`, or "when[0]", "unless[1]", "any_of[2]"
  std::string text;
  int line = 0;
  bool negated = false;  // from `unless:`
  NodePtr node;
  // Clauses whose text occurs in several rules share one result per decision (500-rule bundles
  // repeat `dominates(subject.clearance, channel.label)` in most permits): the index of that
  // result in the decision's ClauseMemo, or -1 for a clause that occurs once.
  int memo = -1;
};

// "{{subject.display}} [{{subject.nationality}}]": literal text and attribute references.
struct TemplatePart {
  enum class Format : std::uint8_t { kLiteral, kValue, kMarking, kXml, kClassification };
  Format format = Format::kLiteral;
  std::string literal;
  int slot = -1;
};
struct Template {
  std::vector<TemplatePart> parts;
  bool empty() const { return parts.empty(); }
};

struct ObligationSpec {
  const ObligationType* type = nullptr;
  nlohmann::json params;  // normalised; template leaves are rendered per decision
  std::vector<std::pair<nlohmann::json::json_pointer, Template>> templates;
  int labelMapBridge = -1;  // set_label with map: <bridge>.label_map
  int line = 0;
};

struct Rule {
  std::string id;
  RuleEffect effect = RuleEffect::kPermit;
  int tier = 1;
  std::string file;
  int line = 0;
  std::vector<int> actions;  // indexes into knownActions()
  std::vector<int> bridges;  // empty: any (or no) bridge
  std::vector<Clause> all;   // when / unless / clauses: every one must hold
  std::vector<Clause> any;   // any_of: at least one must hold (when present)
  Template reason;
  std::string reasonCode;
  std::vector<ObligationSpec> obligations;  // permit
  std::vector<ObligationSpec> onDeny;       // forbid / require
  bool forbidLike() const { return effect != RuleEffect::kPermit; }
  bool unconditional() const { return all.empty() && any.empty(); }
};

struct Bridge {
  std::string id;
  std::string protocol;
  std::string display;
  int policy = -1;  // label policy of its labels
  std::optional<Label> clearance;
  std::vector<std::string> allowedRemotes;  // remote_servers.allow / remote_domains.allow
  bool hasLabelMap = false;
  std::vector<std::pair<std::string, Label>> labelMap;  // remote label text -> local label
  std::optional<Label> defaultIngressLabel;
  // remote_users: subject attributes of the peer's users ("subject.role" -> "member"), for all
  // of them and per sender domain (those win); a clearance is still capped at the peer's.
  std::map<std::string, Value> remoteUserAttributes;
  std::vector<std::pair<std::string, std::map<std::string, Value>>> remoteDomainAttributes;
};

struct ChannelDef {
  std::string name;
  int line = 0;
  std::map<std::string, Value> attributes;  // "channel.label" -> "CONFIDENTIAL REL ..."
};

struct CompiledBundle {
  std::string name;
  std::string version;
  std::string hash;  // sha256 (hex) of the sources, in order
  std::vector<std::string> files;
  Catalog catalog;
  std::vector<Rule> rules;
  std::vector<Bridge> bridges;
  std::vector<ChannelDef> channels;

  // Target index: rules by (action, bridge); bridge slot 0 is "no or unknown bridge".
  struct Target {
    std::vector<int> forbids;  // forbid and require
    std::vector<int> permits;
  };
  std::vector<std::vector<Target>> targets;       // [action][bridge + 1]
  std::vector<std::vector<int>> permitsByAction;  // every permit naming the action
  int memoClauses = 0;                            // distinct shared clauses (Clause::memo)

  // Slots the engine fills itself.
  int slotBridgeId = -1, slotBridgeClearance = -1, slotBridgeDisplay = -1, slotBridgeProtocol = -1,
      slotMessageLabel = -1, slotChannelLabel = -1, slotRemoteLabel = -1, slotRemoteServer = -1,
      slotRemoteServerAllowed = -1, slotEnvNow = -1, slotSubjectRemote = -1,
      slotSubjectClearance = -1;

  int actionIndex(std::string_view action) const;
  int bridgeIndex(std::string_view id) const;
  const ChannelDef* channel(std::string_view name) const;
  const Rule* rule(std::string_view id) const;
  const Target& target(int action, int bridge) const {
    return targets[static_cast<std::size_t>(action)][static_cast<std::size_t>(bridge) + 1];
  }
};

using BundlePtr = std::shared_ptr<const CompiledBundle>;

}  // namespace parley::policy
