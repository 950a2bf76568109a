#include "core/services/message_label.hpp"

namespace parley::core::services {
namespace {

Error labelError(std::string message) {
  return makeError(ErrorCode::kInvalidArgument, std::string(kPostLabelErrorId), std::move(message));
}

}  // namespace

const policy::LabelPolicy* messageLabelPolicy(const policy::CompiledBundle& bundle) {
  const auto& catalog = bundle.catalog;
  const auto* def = catalog.attribute("message.label");
  if (def == nullptr || def->type.kind != policy::Kind::kLabel || def->type.domain < 0 ||
      static_cast<std::size_t>(def->type.domain) >= catalog.labelPolicies.size()) {
    return nullptr;
  }
  return &catalog.labelPolicies[static_cast<std::size_t>(def->type.domain)];
}

Result<std::optional<std::string>> postLabelOf(const nlohmann::json& props) {
  if (!props.is_object()) return std::optional<std::string>();
  const auto it = props.find(kPostLabelProp);
  if (it == props.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return labelError("The post's label (props.parley_label) must be text.");
  return std::optional<std::string>(it->get<std::string>());
}

Status canonicalizePostLabel(const policy::CompiledBundle* bundle, nlohmann::json& props) {
  auto text = postLabelOf(props);
  if (!text) return std::move(text).error();
  if (!*text) return {};
  const policy::LabelPolicy* labels = bundle != nullptr ? messageLabelPolicy(*bundle) : nullptr;
  if (labels == nullptr) {
    return labelError("The post carries a label, but no label policy is in force.");
  }
  auto label = labels->parse(**text);
  if (!label) {
    return labelError("The post's label is not a label of the " + labels->name() +
                      " policy: " + label.error().message);
  }
  props[kPostLabelProp] = labels->text(*label);
  return {};
}

Status keepPostLabel(const policy::CompiledBundle* bundle, const nlohmann::json& original,
                     nlohmann::json& edited) {
  auto before = postLabelOf(original);
  if (!before) return std::move(before).error();
  auto after = postLabelOf(edited);
  if (!after) return std::move(after).error();
  if (!*before && !*after) return {};
  if (*before && *after) {
    if (**before == **after) return {};
    const policy::LabelPolicy* labels = bundle != nullptr ? messageLabelPolicy(*bundle) : nullptr;
    if (labels != nullptr) {
      auto was = labels->parse(**before);
      auto now = labels->parse(**after);
      if (was && now && *was == *now) {
        edited[kPostLabelProp] = **before;
        return {};
      }
    }
  }
  return labelError(
      "A post's label is fixed when it is created: an edit cannot add, change or "
      "remove props.parley_label.");
}

Result<std::optional<std::string>> threadHighWaterMark(const policy::LabelPolicy& policy,
                                                       std::string_view channelLabel,
                                                       const std::vector<std::string>& labels) {
  std::optional<policy::Label> mark;
  for (const auto& text : labels) {
    const std::string_view effective = text.empty() ? channelLabel : std::string_view(text);
    if (effective.empty()) continue;
    auto label = policy.parse(effective);
    if (!label) {
      return makeError(ErrorCode::kInvalidArgument, "policy.label.unreadable",
                       "a label of the thread does not parse: " + label.error().message);
    }
    mark = mark ? policy::lub(policy, *mark, *label) : *label;
  }
  if (!mark) return std::optional<std::string>();
  return std::optional<std::string>(policy.text(*mark));
}

}  // namespace parley::core::services
