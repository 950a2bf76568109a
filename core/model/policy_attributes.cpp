#include "core/model/policy_attributes.hpp"

namespace parley::core::model {
namespace {

// The option of a select/multiselect field whose id is `optionId`, by name.
std::optional<std::string> optionName(const PropertyField& field, std::string_view optionId) {
  const auto options = field.attrs.find("options");
  if (options == field.attrs.end() || !options->is_array()) return std::nullopt;
  for (const auto& option : *options) {
    if (!option.is_object()) continue;
    const auto id = option.find("id");
    const auto name = option.find("name");
    if (id != option.end() && id->is_string() && *id == optionId && name != option.end() &&
        name->is_string()) {
      return name->get<std::string>();
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<AttributeValue> attributeValueOf(const PropertyField& field,
                                               const nlohmann::json& value) {
  const bool many = field.type == kPropertyTypeMultiselect || field.type == kPropertyTypeMultiuser;
  if (!many) {
    if (!value.is_string() || value.get_ref<const std::string&>().empty()) return std::nullopt;
    const auto& text = value.get_ref<const std::string&>();
    if (field.type != kPropertyTypeSelect) return AttributeValue{text};
    auto name = optionName(field, text);
    if (!name) return std::nullopt;
    return AttributeValue{std::move(*name)};
  }
  if (!value.is_array()) return std::nullopt;
  std::vector<std::string> items;
  for (const auto& item : value) {
    if (!item.is_string()) return std::nullopt;
    if (field.type == kPropertyTypeMultiuser) {
      items.push_back(item.get<std::string>());
      continue;
    }
    auto name = optionName(field, item.get_ref<const std::string&>());
    if (!name) return std::nullopt;
    items.push_back(std::move(*name));
  }
  return AttributeValue{std::move(items)};
}

AttributeMap attributeMapOf(const ChannelPolicyAttributes& attributes) {
  AttributeMap map;
  if (!attributes.label.empty()) map.emplace("label", attributes.label);
  if (!attributes.mission.empty()) map.emplace("mission", attributes.mission);
  map.emplace("bridging", attributes.bridging);
  map.emplace("bridges", attributes.bridges);
  map.emplace("guests", attributes.guests);
  return map;
}

}  // namespace parley::core::model
