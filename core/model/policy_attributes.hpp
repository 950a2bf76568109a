#pragma once
// The attributes policies decide on (abac-and-security.md §6.1): Mattermost's custom profile
// attribute fields and values (server/public/model/property_field.go,
// custom_profile_attributes.go), set by system admins only, and the policy attributes of a
// channel. Plain data plus the conversion to the typed values a policy request carries.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace parley::core::model {

// Field types (PropertyFieldType).
inline constexpr std::string_view kPropertyTypeText = "text";
inline constexpr std::string_view kPropertyTypeSelect = "select";
inline constexpr std::string_view kPropertyTypeMultiselect = "multiselect";
inline constexpr std::string_view kPropertyTypeDate = "date";
inline constexpr std::string_view kPropertyTypeUser = "user";
inline constexpr std::string_view kPropertyTypeMultiuser = "multiuser";

struct PropertyField {
  std::string id;
  std::string groupId;
  std::string name;
  std::string type;
  // {visibility, sort_order, options: [{id, name, color}], value_type, ldap, saml}
  nlohmann::json attrs = nlohmann::json::object();
  std::int64_t createAt = 0;
  std::int64_t updateAt = 0;
  std::int64_t deleteAt = 0;
  std::string createdBy;
  std::string updatedBy;
};

// The bridging modes of a channel (the `channel.bridging` enum of the example bundle).
inline constexpr std::string_view kBridgingNever = "never";
inline constexpr std::string_view kBridgingAllowed = "allowed";

struct ChannelPolicyAttributes {
  std::string channelId;
  std::string label;  // text form, e.g. "CONFIDENTIAL REL USA,GBR,FRA"
  std::string mission;
  std::string bridging = std::string(kBridgingNever);
  std::vector<std::string> bridges;
  bool guests = false;
  std::int64_t updateAt = 0;
  std::string updatedBy;
};

// A value as a policy request takes it: a flag, a string, or a set of strings. Converts to
// parley::policy::Value (which also has integers) alternative by alternative.
using AttributeValue = std::variant<bool, std::string, std::vector<std::string>>;
// Attribute name (the field name for users; label, mission, bridging, bridges, guests for
// channels) to value; a missing name is an absent attribute.
using AttributeMap = std::map<std::string, AttributeValue>;

// The policy value of a stored custom profile attribute value: text, date and user values as
// the string; a select value as the name of the option it names, multiselect values as the
// names of theirs; multiuser values as the ids. nullopt (absent) for an empty string, a value of
// the wrong JSON shape, or an option that no longer exists (the field was edited after the value
// was set): policies must not see a value the admin did not choose.
std::optional<AttributeValue> attributeValueOf(const PropertyField& field,
                                               const nlohmann::json& value);

// The channel's attributes by name; an empty label or mission is absent.
AttributeMap attributeMapOf(const ChannelPolicyAttributes& attributes);

}  // namespace parley::core::model
