#pragma once
// What callers hand the policy engine (Request) and what they get back (Decision). These are
// the names other modules code against: services, the WebSocket hub, the boundary guard.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace parley::policy {

// Attribute values a caller supplies, by dotted name ("subject.clearance", "channel.label",
// "message.label", "file.type", "file.size", "bridge.id", "env.now", ...). Text values of
// label/clearance attributes are parsed by the engine against the bundle's label policy;
// times are RFC 3339 text ("2025-12-01T10:00:00Z") or seconds since the epoch.
using Value = std::variant<bool, std::int64_t, std::string, std::vector<std::string>>;

struct Request {
  std::string action;                       // "channel.join", "message.egress", ...
  std::map<std::string, Value> attributes;  // missing = absent (has() false)
};

enum class Effect { kPermit, kDeny };

struct Obligation {
  std::string type;
  nlohmann::json params;  // rendered: templates replaced by the request's values
  bool operator==(const Obligation&) const = default;
};

struct ClosestPermit {
  std::string rule;
  std::string failedClause;  // a clause name, "any_of", "target.bridge" or "target.action"
};

struct Decision {
  Effect effect = Effect::kDeny;
  std::vector<std::string> determiningRules;  // forbids for a deny, permits for a permit
  std::optional<ClosestPermit> closest;       // for a default deny
  std::vector<Obligation> obligations;
  std::vector<std::string> errors;  // e.g. "label_unmapped", "missing:channel.label"
  std::string reason;               // rendered reason template (admins)
  std::string reasonCode;           // stable code for end users, e.g. "policy.denied.clearance"
  std::string bundleHash;
  bool permitted() const { return effect == Effect::kPermit; }
};

// Reason codes the engine itself gives (a rule may name its own with `reason_code:`).
inline constexpr const char* kReasonPermitted = "policy.permitted";
inline constexpr const char* kReasonForbidden = "policy.denied.forbidden";
inline constexpr const char* kReasonNoPermit = "policy.denied.no_permit";
inline constexpr const char* kReasonObligation = "policy.denied.obligation";
inline constexpr const char* kReasonNoBundle = "policy.denied.no_bundle";

// Everything, for administrators and the audit log.
nlohmann::json toAdminJson(const Decision& decision);
// For end users: generic text and the reason code; never a label or attribute value.
std::string userMessage(const Decision& decision);

}  // namespace parley::policy
