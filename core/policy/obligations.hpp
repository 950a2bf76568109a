#pragma once
// The closed, versioned registry of obligation types. A rule naming a type outside it does not
// load; an obligation the engine cannot render (a template naming an absent attribute, a
// set_label without a valid label) turns the permit into a deny.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::policy {

inline constexpr int kObligationRegistryVersion = 1;

enum class ObligationPhase : std::uint8_t {
  kPermit,  // in a permit's `obligations:`
  kDeny,    // in a forbid's `on_deny:`
};

struct ObligationType {
  std::string_view name;
  ObligationPhase phase;
  std::vector<std::string_view> parameters;  // known keys; the first `required` are required
  std::size_t required;
  std::string_view summary;
};

const std::vector<ObligationType>& obligationRegistry();
const ObligationType* findObligationType(std::string_view name);

// Normalises the YAML short forms into an object (`redact_fields: [a, b]` becomes
// {"fields": [...]}, `notify_sender: "text"` becomes {"text": ...}) and checks the keys and
// value types. On error returns one sentence.
std::optional<std::string> normaliseObligationParams(const ObligationType& type,
                                                     nlohmann::json& params);

}  // namespace parley::policy
