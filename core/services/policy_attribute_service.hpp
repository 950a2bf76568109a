#pragma once
// Policy attributes (issue 5): Mattermost's custom profile attributes (fields and per-user
// values, api4/custom_profile_attributes.go) and the policy attributes of channels.
//
// Parley's rule, stricter than Mattermost's: attributes feed access decisions, so only system
// admins (manage_system) manage fields and set values, and nobody ever sets their own values,
// not even an admin (Mattermost 10.11 excludes user-editable attributes from policies for the
// same reason). An admin's attributes are set by another admin. Reading values is for anyone
// who may see the user. Channel policy attributes are read by whoever may read the channel
// and set by system admins only (not channel or team admins). Every change, and every refused
// attempt to set values, is appended to the audit log in the same unit of work.

#include <nlohmann/json.hpp>

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/policy_attributes.hpp"
#include "core/model/user.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

// Limits. Field count and the text value length are Mattermost's
// (CustomProfileAttributesFieldLimit, CPAValueTypeTextMaxLength), option name and color too
// (CPAOptionNameMaxLength); the others are Parley's.
inline constexpr std::int64_t kProfileFieldLimit = 20;
inline constexpr std::size_t kPropertyFieldNameMaxLength = 255;
inline constexpr std::size_t kPropertyOptionsMax = 100;
inline constexpr std::size_t kPropertyOptionNameMaxLength = 128;
inline constexpr std::size_t kPropertyTextValueMaxLength = 64;
inline constexpr std::size_t kPropertyMultiValueMax = 100;
inline constexpr std::size_t kChannelLabelMaxLength = 256;
inline constexpr std::size_t kChannelMissionMaxLength = 64;
inline constexpr std::size_t kChannelBridgesMax = 32;
inline constexpr std::size_t kBridgeIdMaxLength = 64;

// Error ids of Mattermost's custom profile attributes that the gateway answers with 422
// (StatusUnprocessableEntity) rather than the error code's status.
inline constexpr std::string_view kFieldLimitReachedId =
    "app.custom_profile_attributes.limit_reached.app_error";
inline constexpr std::string_view kFieldAttrsInvalidId =
    "app.custom_profile_attributes.sanitize_and_validate.app_error";

// What a create or patch request names; absent members are left as they are (create: empty).
struct PropertyFieldInput {
  std::optional<std::string> name;
  std::optional<std::string> type;
  std::optional<nlohmann::json> attrs;
};

// Pure validation, unit-tested. sanitizeField trims the name and checks name and type (400
// "model.property_field.is_valid.app_error"), then rewrites attrs to Mattermost's CPAAttrs
// shape {visibility, sort_order, options, value_type, ldap, saml}: unknown keys dropped,
// visibility defaulting to "when_set", options only for select/multiselect (non-empty, ids
// assigned where missing, names unique) and value_type/ldap/saml only for text; a bad attribute
// is 422 kFieldAttrsInvalidId.
Status sanitizeField(model::PropertyField& field);
// The value as stored, as Mattermost's SanitizeAndValidatePropertyValue: a string (trimmed) for
// text, date, select and user fields, an array of strings (trimmed, empty ones dropped) for
// multiselect and multiuser; select values must be option ids, user values valid ids. 400
// "app.custom_profile_attributes.validate_value.app_error" otherwise.
Result<nlohmann::json> sanitizeValue(const model::PropertyField& field,
                                     const nlohmann::json& value);
// Label text syntax only (the policy engine checks it against the bundle's label policy):
// non-empty, at most kChannelLabelMaxLength characters of A-Z a-z 0-9 space , - _ / . :
// Mission: at most 64 of A-Z a-z 0-9 - _ . ; bridging "never" or "allowed"; bridges: at most 32
// distinct ids of a-z 0-9 - _ . (1 to 64 characters). 400 invalid_body_param naming the field.
Status validateChannelPolicy(model::ChannelPolicyAttributes& attributes);

// Custom profile attribute fields.
Result<std::vector<model::PropertyField>> listProfileFields(store::Store& store,
                                                            const model::User& caller);
Result<model::PropertyField> createProfileField(store::Store& store, const model::User& caller,
                                                const PropertyFieldInput& input);
Result<model::PropertyField> patchProfileField(store::Store& store, const model::User& caller,
                                               std::string_view fieldId,
                                               const PropertyFieldInput& input);
Status deleteProfileField(store::Store& store, const model::User& caller, std::string_view fieldId);

// A user's values by field id, for callers who may see the user.
Result<std::map<std::string, nlohmann::json>> profileValuesOf(store::Store& store,
                                                              const model::User& caller,
                                                              std::string_view userId);
// Sets some of a user's values (all or none); returns the values written, by field id.
// 403 when the caller is the user or not a system admin; 400 for an empty or oversized map;
// 404 for an unknown field or user.
Result<std::map<std::string, nlohmann::json>> setProfileValues(
    store::Store& store, const model::User& caller, std::string_view userId,
    const std::map<std::string, nlohmann::json>& values);

// A channel's policy attributes (defaults with update_at 0 when never set).
Result<model::ChannelPolicyAttributes> channelPolicyOf(store::Store& store,
                                                       const model::User& caller,
                                                       std::string_view channelId);
// Replaces a channel's policy attributes (attributes.channelId names the channel).
Result<model::ChannelPolicyAttributes> setChannelPolicy(store::Store& store,
                                                        const model::User& caller,
                                                        model::ChannelPolicyAttributes attributes);

}  // namespace parley::core::services
