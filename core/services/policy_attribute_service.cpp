#include "core/services/policy_attribute_service.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "core/model/id.hpp"
#include "core/model/permissions.hpp"
#include "core/policy/audit_log.hpp"
#include "core/services/access_policy.hpp"
#include "core/services/permissions.hpp"
#include "core/services/team_service.hpp"
#include "core/services/user_service.hpp"

namespace parley::core::services {
namespace {

namespace permission = model::permission;

constexpr std::string_view kWhitespace = " \t\r\n";

std::string trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kWhitespace);
  return std::string(text.substr(first, last - first + 1));
}

Error invalidField(std::string_view field, std::string message) {
  return makeError(ErrorCode::kInvalidArgument, "model.property_field.is_valid.app_error",
                   std::move(message), "field " + std::string(field));
}

Error invalidAttrs(std::string_view attribute, std::string reason) {
  return makeError(ErrorCode::kInvalidArgument, std::string(kFieldAttrsInvalidId),
                   "Invalid attribute " + std::string(attribute) + ": " + reason + ".");
}

Error invalidValue(std::string reason) {
  return makeError(ErrorCode::kInvalidArgument,
                   "app.custom_profile_attributes.validate_value.app_error",
                   "Invalid value for the custom profile attribute: " + std::move(reason) + ".");
}

bool isKnownType(std::string_view type) {
  for (const auto known :
       {model::kPropertyTypeText, model::kPropertyTypeSelect, model::kPropertyTypeMultiselect,
        model::kPropertyTypeDate, model::kPropertyTypeUser, model::kPropertyTypeMultiuser}) {
    if (type == known) return true;
  }
  return false;
}

bool supportsOptions(std::string_view type) {
  return type == model::kPropertyTypeSelect || type == model::kPropertyTypeMultiselect;
}

// attrs[key] as a string: absent or null is "", another type is an error.
Result<std::string> stringAttr(const nlohmann::json& attrs, const char* key) {
  const auto it = attrs.find(key);
  if (it == attrs.end() || it->is_null()) return std::string();
  if (!it->is_string()) return invalidAttrs(key, "not a string");
  return trimmed(it->get_ref<const std::string&>());
}

// The options of a select field: each {id (assigned when missing), name, color}.
Result<nlohmann::json> sanitizeOptions(const nlohmann::json& attrs) {
  const auto it = attrs.find("options");
  if (it == attrs.end() || !it->is_array() || it->empty()) {
    return invalidAttrs("options", "options list cannot be empty");
  }
  if (it->size() > kPropertyOptionsMax) {
    return invalidAttrs("options", "more than " + std::to_string(kPropertyOptionsMax) + " options");
  }
  nlohmann::json options = nlohmann::json::array();
  std::set<std::string> names;
  std::set<std::string> ids;
  for (const auto& option : *it) {
    if (!option.is_object()) return invalidAttrs("options", "an option is not an object");
    auto id = stringAttr(option, "id");
    auto name = stringAttr(option, "name");
    auto color = stringAttr(option, "color");
    if (!id || !name || !color) return invalidAttrs("options", "an option member is not a string");
    if (id->empty()) *id = model::newId();
    if (!model::isValidId(*id)) return invalidAttrs("options", "id is not a valid ID");
    if (name->empty()) return invalidAttrs("options", "name cannot be empty");
    if (name->size() > kPropertyOptionNameMaxLength ||
        color->size() > kPropertyOptionNameMaxLength) {
      return invalidAttrs("options", "name or color is longer than 128 characters");
    }
    if (!names.insert(*name).second) return invalidAttrs("options", "duplicate option name");
    if (!ids.insert(*id).second) return invalidAttrs("options", "duplicate option id");
    options.push_back({{"id", *id}, {"name", *name}, {"color", *color}});
  }
  return options;
}

policy::AuditRecord changeRecord(const store::Store& store, const model::User& caller,
                                 std::string resource, std::string action, nlohmann::json detail) {
  policy::AuditRecord record;
  record.time = store.clock().nowMillis();
  record.subject = caller.id;
  record.resource = std::move(resource);
  record.action = std::move(action);
  record.decision = policy::AuditDecision::kPermit;
  record.detail = std::move(detail);
  return record;
}

Status appendAudit(store::Store& store, const policy::AuditRecord& record) {
  auto appended = store.audit().append(record);
  if (!appended) return std::move(appended).error();
  return {};
}

nlohmann::json fieldDetail(const model::PropertyField& field) {
  return {
      {"field_id", field.id}, {"name", field.name}, {"type", field.type}, {"attrs", field.attrs}};
}

Status requireManageSystem(const model::User& caller) {
  if (!hasSystemPermission(caller, permission::kManageSystem)) {
    return permissionDenied(permission::kManageSystem);
  }
  return {};
}

// Creates or updates `field` (already sanitized) and audits it, mapping a taken name to 400.
Status storeField(store::Store& store, const model::User& caller, const model::PropertyField& field,
                  bool create) {
  Status saved = create ? store.policyAttributes().createField(field)
                        : store.policyAttributes().updateField(field);
  if (!saved && saved.error().code == ErrorCode::kConflict) {
    return invalidField("name",
                        "A custom profile attribute named \"" + field.name + "\" already exists.");
  }
  if (!saved) return saved;
  return appendAudit(store,
                     changeRecord(store, caller, "property_field:" + field.id,
                                  create ? "attributes.field.create" : "attributes.field.update",
                                  fieldDetail(field)));
}

bool isLabelChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == ' ' || c == ',' || c == '-' ||
         c == '_' || c == '/' || c == '.' || c == ':';
}

bool isIdentifierChar(char c, bool lowerOnly) {
  const auto u = static_cast<unsigned char>(c);
  if (lowerOnly && std::isupper(u) != 0) return false;
  return std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.';
}

}  // namespace

Status sanitizeField(model::PropertyField& field) {
  field.name = trimmed(field.name);
  if (field.name.empty()) return invalidField("name", "The name cannot be empty.");
  if (field.name.size() > kPropertyFieldNameMaxLength) {
    return invalidField("name", "The name is longer than 255 characters.");
  }
  if (!isKnownType(field.type)) {
    return invalidField("type",
                        "The type must be text, select, multiselect, date, user or "
                        "multiuser.");
  }
  if (field.attrs.is_null()) field.attrs = nlohmann::json::object();
  if (!field.attrs.is_object()) return invalidAttrs("attrs", "not an object");
  const nlohmann::json& attrs = field.attrs;
  nlohmann::json clean = {{"visibility", "when_set"}, {"sort_order", 0}, {"options", nullptr},
                          {"value_type", ""},         {"ldap", ""},      {"saml", ""}};
  auto visibility = stringAttr(attrs, "visibility");
  if (!visibility) return std::move(visibility).error();
  if (!visibility->empty()) {
    if (*visibility != "hidden" && *visibility != "when_set" && *visibility != "always") {
      return invalidAttrs("visibility", "unknown visibility");
    }
    clean["visibility"] = *visibility;
  }
  if (const auto it = attrs.find("sort_order"); it != attrs.end() && !it->is_null()) {
    if (!it->is_number()) return invalidAttrs("sort_order", "not a number");
    clean["sort_order"] = *it;
  }
  if (supportsOptions(field.type)) {
    auto options = sanitizeOptions(attrs);
    if (!options) return std::move(options).error();
    clean["options"] = std::move(*options);
  }
  if (field.type == model::kPropertyTypeText) {
    auto valueType = stringAttr(attrs, "value_type");
    if (!valueType) return std::move(valueType).error();
    if (!valueType->empty() && *valueType != "email" && *valueType != "url" &&
        *valueType != "phone") {
      return invalidAttrs("value_type", "unknown value type");
    }
    clean["value_type"] = *valueType;
    for (const char* key : {"ldap", "saml"}) {
      auto text = stringAttr(attrs, key);
      if (!text) return std::move(text).error();
      if (text->size() > kPropertyFieldNameMaxLength) return invalidAttrs(key, "too long");
      clean[key] = *text;
    }
  }
  field.attrs = std::move(clean);
  return {};
}

Result<nlohmann::json> sanitizeValue(const model::PropertyField& field,
                                     const nlohmann::json& value) {
  std::set<std::string> optionIds;
  if (const auto options = field.attrs.find("options");
      options != field.attrs.end() && options->is_array()) {
    for (const auto& option : *options) {
      if (option.is_object() && option.contains("id") && option["id"].is_string()) {
        optionIds.insert(option["id"].get<std::string>());
      }
    }
  }
  const bool many =
      field.type == model::kPropertyTypeMultiselect || field.type == model::kPropertyTypeMultiuser;
  if (!many) {
    if (!value.is_null() && !value.is_string()) return invalidValue("not a string");
    const std::string text = value.is_null() ? std::string() : trimmed(value.get<std::string>());
    if (text.size() > kPropertyTextValueMaxLength) return invalidValue("value too long");
    if (field.type == model::kPropertyTypeText && !text.empty() &&
        field.attrs.value("value_type", "") == "email" && text.find('@') == std::string::npos) {
      return invalidValue("invalid email");
    }
    if (field.type == model::kPropertyTypeSelect && !text.empty() && !optionIds.contains(text)) {
      return invalidValue("option \"" + text + "\" does not exist");
    }
    if (field.type == model::kPropertyTypeUser && !text.empty() && !model::isValidId(text)) {
      return invalidValue("invalid user id");
    }
    return nlohmann::json(text);
  }
  if (!value.is_null() && !value.is_array()) return invalidValue("not an array");
  nlohmann::json items = nlohmann::json::array();
  if (value.is_null()) return items;
  if (value.size() > kPropertyMultiValueMax) return invalidValue("too many values");
  for (const auto& item : value) {
    if (!item.is_string()) return invalidValue("not an array of strings");
    const std::string text = trimmed(item.get<std::string>());
    if (text.empty()) continue;
    if (field.type == model::kPropertyTypeMultiselect && !optionIds.contains(text)) {
      return invalidValue("option \"" + text + "\" does not exist");
    }
    if (field.type == model::kPropertyTypeMultiuser && !model::isValidId(text)) {
      return invalidValue("invalid user id: " + text);
    }
    items.push_back(text);
  }
  return items;
}

Status validateChannelPolicy(model::ChannelPolicyAttributes& attributes) {
  attributes.label = trimmed(attributes.label);
  if (attributes.label.empty() || attributes.label.size() > kChannelLabelMaxLength ||
      !std::all_of(attributes.label.begin(), attributes.label.end(), isLabelChar)) {
    return invalidBodyParam("label");
  }
  attributes.mission = trimmed(attributes.mission);
  if (attributes.mission.size() > kChannelMissionMaxLength ||
      !std::all_of(attributes.mission.begin(), attributes.mission.end(),
                   [](char c) { return isIdentifierChar(c, false); })) {
    return invalidBodyParam("mission");
  }
  if (attributes.bridging != model::kBridgingNever &&
      attributes.bridging != model::kBridgingAllowed) {
    return invalidBodyParam("bridging");
  }
  if (attributes.bridges.size() > kChannelBridgesMax) return invalidBodyParam("bridges");
  std::set<std::string> seen;
  for (const auto& bridge : attributes.bridges) {
    if (bridge.empty() || bridge.size() > kBridgeIdMaxLength ||
        !std::all_of(bridge.begin(), bridge.end(),
                     [](char c) { return isIdentifierChar(c, true); }) ||
        !seen.insert(bridge).second) {
      return invalidBodyParam("bridges");
    }
  }
  return {};
}

Result<std::vector<model::PropertyField>> listProfileFields(store::Store& store,
                                                            const model::User& /*caller*/) {
  // Any signed-in user may list the fields (Mattermost: APISessionRequired only); the route
  // has already authenticated the caller.
  return store.policyAttributes().listFields();
}

Result<model::PropertyField> createProfileField(store::Store& store, const model::User& caller,
                                                const PropertyFieldInput& input) {
  if (auto allowed = requireManageSystem(caller); !allowed) return std::move(allowed).error();
  model::PropertyField field;
  field.name = input.name.value_or("");
  field.type = input.type.value_or("");
  field.attrs = input.attrs.value_or(nlohmann::json::object());
  if (auto valid = sanitizeField(field); !valid) return std::move(valid).error();
  Status written = store.transaction([&](store::Store& s) -> Status {
    auto count = s.policyAttributes().countFields();
    if (!count) return std::move(count).error();
    if (*count >= kProfileFieldLimit) {
      return makeError(ErrorCode::kInvalidArgument, std::string(kFieldLimitReachedId),
                       "The custom profile attributes field limit (" +
                           std::to_string(kProfileFieldLimit) + ") has been reached.");
    }
    auto group = s.policyAttributes().profileGroupId();
    if (!group) return std::move(group).error();
    field.id = model::newId();
    field.groupId = *group;
    field.createAt = field.updateAt = s.clock().nowMillis();
    field.createdBy = field.updatedBy = caller.id;
    return storeField(s, caller, field, true);
  });
  if (!written) return std::move(written).error();
  return field;
}

Result<model::PropertyField> patchProfileField(store::Store& store, const model::User& caller,
                                               std::string_view fieldId,
                                               const PropertyFieldInput& input) {
  if (auto allowed = requireManageSystem(caller); !allowed) return std::move(allowed).error();
  model::PropertyField field;
  Status written = store.transaction([&](store::Store& s) -> Status {
    auto existing = s.policyAttributes().getField(fieldId);
    if (!existing) return std::move(existing).error();
    field = std::move(*existing);
    if (input.name) field.name = *input.name;
    if (input.type) field.type = *input.type;
    if (input.attrs) field.attrs = *input.attrs;
    if (auto valid = sanitizeField(field); !valid) return valid;
    field.updateAt = std::max(s.clock().nowMillis(), field.createAt);
    field.updatedBy = caller.id;
    return storeField(s, caller, field, false);
  });
  if (!written) return std::move(written).error();
  notePolicyAttributesChanged();  // options renamed or removed change what values mean
  return field;
}

Status deleteProfileField(store::Store& store, const model::User& caller,
                          std::string_view fieldId) {
  if (auto allowed = requireManageSystem(caller); !allowed) return allowed;
  Status removed = store.transaction([&](store::Store& s) -> Status {
    auto existing = s.policyAttributes().getField(fieldId);
    if (!existing) return std::move(existing).error();
    if (auto deleted = s.policyAttributes().deleteField(fieldId, s.clock().nowMillis()); !deleted) {
      return deleted;
    }
    return appendAudit(s, changeRecord(s, caller, "property_field:" + existing->id,
                                       "attributes.field.delete", fieldDetail(*existing)));
  });
  if (removed) notePolicyAttributesChanged();
  return removed;
}

Result<std::map<std::string, nlohmann::json>> profileValuesOf(store::Store& store,
                                                              const model::User& caller,
                                                              std::string_view userId) {
  auto user = getVisibleUser(store, caller, userId);
  if (!user) return std::move(user).error();
  return store.policyAttributes().valuesOfUser(user->id);
}

Result<std::map<std::string, nlohmann::json>> setProfileValues(
    store::Store& store, const model::User& caller, std::string_view userId,
    const std::map<std::string, nlohmann::json>& values) {
  const bool self = userId == caller.id;
  if (self || !hasSystemPermission(caller, permission::kManageSystem)) {
    // A refused attempt to change policy attributes is a security event (ASVS 16.3.3).
    policy::AuditRecord record =
        changeRecord(store, caller, "user:" + std::string(userId), "attributes.user.update",
                     {{"reason", self ? "own_attributes" : "not_system_admin"}});
    record.decision = policy::AuditDecision::kDeny;
    if (auto audited = appendAudit(store, record); !audited) return std::move(audited).error();
    if (!self) return permissionDenied(permission::kManageSystem);
    return makeError(ErrorCode::kPermissionDenied, "api.context.permissions.app_error",
                     "Policy attributes are set by an administrator, never by the user they "
                     "describe.",
                     "own policy attributes");
  }
  if (values.empty()) return invalidBodyParam("value");
  if (values.size() > static_cast<std::size_t>(kProfileFieldLimit)) {
    return invalidBodyParam("value");
  }
  for (const auto& entry : values) {
    if (!model::isValidId(entry.first)) return invalidBodyParam("value");
  }
  std::map<std::string, nlohmann::json> written;
  Status status = store.transaction([&](store::Store& s) -> Status {
    auto user = getVisibleUser(s, caller, userId);
    if (!user) return std::move(user).error();
    std::vector<std::string> ids;
    for (const auto& entry : values) ids.push_back(entry.first);
    auto fields = s.policyAttributes().getFields(ids);
    if (!fields) return std::move(fields).error();
    const auto now = s.clock().nowMillis();
    nlohmann::json detail = nlohmann::json::object();
    for (const auto& [fieldId, raw] : values) {
      const auto field = std::find_if(fields->begin(), fields->end(),
                                      [&](const auto& f) { return f.id == fieldId; });
      if (field == fields->end()) {
        return makeError(ErrorCode::kNotFound,
                         "app.custom_profile_attributes.property_field_not_found.app_error",
                         "Unable to find the custom profile attribute field.", fieldId);
      }
      auto value = sanitizeValue(*field, raw);
      if (!value) return std::move(value).error();
      if (auto saved = s.policyAttributes().saveValue(fieldId, user->id, *value, now, caller.id);
          !saved) {
        return saved;
      }
      detail[field->name] = *value;
      written[fieldId] = std::move(*value);
    }
    return appendAudit(s, changeRecord(s, caller, "user:" + user->id, "attributes.user.update",
                                       {{"values", detail}}));
  });
  if (!status) return std::move(status).error();
  notePolicyAttributesChanged();
  return written;
}

Result<model::ChannelPolicyAttributes> channelPolicyOf(store::Store& store,
                                                       const model::User& caller,
                                                       std::string_view channelId) {
  auto access = requireChannelPermission(store, caller, channelId, permission::kReadChannel);
  if (!access) return std::move(access).error();
  auto stored = store.policyAttributes().channelPolicy(channelId);
  if (!stored) return std::move(stored).error();
  if (*stored) return std::move(**stored);
  model::ChannelPolicyAttributes defaults;
  defaults.channelId = std::string(channelId);
  return defaults;
}

Result<model::ChannelPolicyAttributes> setChannelPolicy(store::Store& store,
                                                        const model::User& caller,
                                                        model::ChannelPolicyAttributes attributes) {
  if (auto allowed = requireManageSystem(caller); !allowed) return std::move(allowed).error();
  if (auto valid = validateChannelPolicy(attributes); !valid) return std::move(valid).error();
  Status written = store.transaction([&](store::Store& s) -> Status {
    auto access = loadChannelAccess(s, caller, attributes.channelId);
    if (!access) return std::move(access).error();
    attributes.updateAt = s.clock().nowMillis();
    attributes.updatedBy = caller.id;
    if (auto saved = s.policyAttributes().saveChannelPolicy(attributes); !saved) return saved;
    return appendAudit(
        s, changeRecord(s, caller, "channel:" + attributes.channelId, "attributes.channel.update",
                        {{"label", attributes.label},
                         {"mission", attributes.mission},
                         {"bridging", attributes.bridging},
                         {"bridges", attributes.bridges},
                         {"guests", attributes.guests}}));
  });
  if (!written) return std::move(written).error();
  notePolicyAttributesChanged();
  return attributes;
}

}  // namespace parley::core::services
