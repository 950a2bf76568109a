#pragma once
// The decision engine (reference §6.2): default deny; any satisfied forbid wins over every
// permit; order-independent; an error inside a forbid counts as satisfied, inside a permit as
// not satisfied; `require` is "forbid unless"; a permit whose obligations cannot be rendered
// becomes a deny. Every decision explains itself: the determining rules, and for a default
// deny the closest permit with its first failing clause.
//
// Thread safety: a CompiledBundle is immutable, so any number of threads may call prepare()
// and decide() on it at once.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/policy/bundle.hpp"
#include "core/policy/decision.hpp"

namespace parley::policy {

// A request converted to the bundle's slots: labels parsed, enums resolved, bridge attributes
// (clearance, display, protocol) taken from the bundle's bridges section, the remote label
// mapped through the bridge's label_map, defaults applied. Valid only with the bundle it was
// prepared for; move-only because slots point into its own storage.
class PreparedRequest {
 public:
  PreparedRequest() = default;
  ~PreparedRequest() = default;
  PreparedRequest(PreparedRequest&&) = default;
  PreparedRequest& operator=(PreparedRequest&&) = default;
  PreparedRequest(const PreparedRequest&) = delete;
  PreparedRequest& operator=(const PreparedRequest&) = delete;

  int action = -1;  // index into knownActions(), -1 when unknown
  int bridge = -1;  // index into the bundle's bridges, -1 when none or unknown
  std::string actionName;
  std::vector<SlotValue> slots;

 private:
  friend PreparedRequest prepare(const CompiledBundle&, const Request&);
  std::map<std::string, Value> attributes_;  // the strings slots point into
};

PreparedRequest prepare(const CompiledBundle& bundle, const Request& request);

// Per-rule outcomes seen, for coverage: bit 1 = satisfied, bit 2 = evaluated and not satisfied
// (including a permit whose bridge target did not match).
struct DecisionTrace {
  std::vector<std::uint8_t> outcomes;
};

Decision decide(const CompiledBundle& bundle, const PreparedRequest& request,
                DecisionTrace* trace = nullptr);
Decision decide(const CompiledBundle& bundle, const Request& request);

// Channel attributes declared in the bundle's channels section ("channel.label", ...), added
// to the request where it has none of its own. False when the bundle has no such channel.
bool addChannelAttributes(const CompiledBundle& bundle, std::string_view channel, Request& request);

// The subject attributes the bundle maps a remote user of `peer` (its `bridges:` key) to:
// `remote_users.domains.<domain>` first, then `remote_users.attributes`, each added where the
// request has none of its own. The engine still caps subject.clearance at the peer's clearance
// when subject.remote is set. False when the bundle has no such bridge.
bool addRemoteSubjectAttributes(const CompiledBundle& bundle, std::string_view peer,
                                std::string_view domain, Request& request);

// The text form ("CONFIDENTIAL REL USA,GBR,FRA") of a label attribute as the engine saw it
// after preparing the request: a remote label mapped through the bridge's label_map, defaults
// applied. nullopt when absent, unmapped or not a label attribute.
std::optional<std::string> preparedLabel(const CompiledBundle& bundle,
                                         const PreparedRequest& request,
                                         std::string_view attribute);

}  // namespace parley::policy
