#include "core/policy/obligations.hpp"

#include <algorithm>

#include "core/policy/strings.hpp"

namespace parley::policy {

const std::vector<ObligationType>& obligationRegistry() {
  static const std::vector<ObligationType> kRegistry = {
      {"add_banner",
       ObligationPhase::kPermit,
       {"text", "position"},
       1,
       "prefix (or suffix) the message text with a banner, e.g. the label's marking"},
      {"set_metadata",
       ObligationPhase::kPermit,
       {"key", "value"},
       2,
       "set a namespaced metadata key on the outgoing event"},
      {"set_label",
       ObligationPhase::kPermit,
       {"format", "map"},
       1,
       "attach the message label in the peer's format (xep0258, adatp4774, marking)"},
      {"rewrite_sender",
       ObligationPhase::kPermit,
       {"display"},
       1,
       "show the sender to the peer under this display name"},
      {"strip_denied_attachments",
       ObligationPhase::kPermit,
       {"placeholder"},
       0,
       "replace attachments whose own decision is deny with a placeholder"},
      {"strip_file_metadata",
       ObligationPhase::kPermit,
       {},
       0,
       "remove embedded metadata (EXIF, document properties) from files"},
      {"redact_fields",
       ObligationPhase::kPermit,
       {"fields"},
       1,
       "remove these profile fields before a profile leaves"},
      {"tag_origin",
       ObligationPhase::kPermit,
       {"bridge", "remote_user"},
       0,
       "record where an incoming message came from"},
      {"notify_sender",
       ObligationPhase::kDeny,
       {"text"},
       1,
       "tell the sender that the message was not delivered, in these words"},
      {"quarantine",
       ObligationPhase::kDeny,
       {"queue"},
       1,
       "hold the denied item for review in this queue instead of dropping it"},
  };
  return kRegistry;
}

const ObligationType* findObligationType(std::string_view name) {
  for (const auto& type : obligationRegistry())
    if (type.name == name) return &type;
  return nullptr;
}

std::optional<std::string> normaliseObligationParams(const ObligationType& type,
                                                     nlohmann::json& params) {
  const std::string name(type.name);
  if (params.is_null()) params = nlohmann::json::object();
  if (!params.is_object()) {
    // The one-parameter short forms: `notify_sender: "text"`, `redact_fields: [a, b]`.
    if (type.parameters.size() == 1 && (params.is_string() || params.is_array())) {
      params = nlohmann::json{{std::string(type.parameters[0]), params}};
    } else {
      return name + " takes a map of parameters";
    }
  }
  std::string known;
  for (const auto p : type.parameters) known += (known.empty() ? "" : ", ") + std::string(p);
  for (const auto& [key, value] : params.items()) {
    if (std::find(type.parameters.begin(), type.parameters.end(), key) == type.parameters.end())
      return cat(
          name, " has no parameter \"", key, "\"",
          known.empty() ? std::string(" (it takes none)") : cat(" (parameters: ", known, ")"));
    if (key == "fields") {
      if (!value.is_array() || value.empty() ||
          !std::all_of(value.begin(), value.end(), [](const auto& v) { return v.is_string(); }))
        return name + ".fields must be a non-empty list of field names";
    } else if (!value.is_string()) {
      return cat(name, ".", key, " must be a string");
    }
  }
  for (std::size_t i = 0; i < type.required; ++i) {
    if (!params.contains(std::string(type.parameters[i])))
      return name + " needs the parameter \"" + std::string(type.parameters[i]) + "\"";
  }
  if (type.name == "add_banner" && params.contains("position") && params["position"] != "top" &&
      params["position"] != "bottom")
    return "add_banner.position must be top or bottom";
  if (type.name == "set_label") {
    const auto format = params["format"].get<std::string>();
    if (format != "xep0258" && format != "adatp4774" && format != "marking")
      return "set_label.format must be xep0258, adatp4774 or marking";
  }
  return std::nullopt;
}

}  // namespace parley::policy
