#include "core/store/postgres/pg_policy_attribute_store.hpp"

#include "core/store/postgres/pg_channel_rows.hpp"
#include "core/store/postgres/pg_link_rows.hpp"
#include "core/store/postgres/pg_store.hpp"
#include "core/store/postgres/pg_support.hpp"

namespace parley::core::store::postgres {
namespace {

#define PARLEY_PG_FIELD_COLUMNS                                                 \
  "f.id, f.group_id, f.name, f.type, f.attrs::text, f.create_at, f.update_at, " \
  "f.delete_at, f.created_by, f.updated_by"
constexpr int kFieldColumnCount = 10;

constexpr Statement kProfileGroupId{
    "property_group_profile_id",
    "SELECT id FROM property_groups WHERE name = 'custom_profile_attributes'"};
// attrs.sort_order is validated as a number on write; anything else sorts as 0.
constexpr Statement kFieldsList{
    "property_fields_list",
    "SELECT " PARLEY_PG_FIELD_COLUMNS
    " FROM property_fields f WHERE f.delete_at = 0 ORDER BY CASE WHEN "
    "jsonb_typeof(f.attrs->'sort_order') = 'number' THEN (f.attrs->>'sort_order')::float8 "
    "ELSE 0 END, f.create_at, f.id"};
constexpr Statement kFieldGet{"property_field_get",
                              "SELECT " PARLEY_PG_FIELD_COLUMNS
                              " FROM property_fields f WHERE f.id = $1 AND f.delete_at = 0"};
constexpr Statement kFieldsGet{"property_fields_get",
                               "SELECT " PARLEY_PG_FIELD_COLUMNS
                               " FROM property_fields f WHERE f.id = " PARLEY_PG_ANY_OF_JSON_1
                               " AND f.delete_at = 0"};
constexpr Statement kFieldsCount{"property_fields_count",
                                 "SELECT count(*) FROM property_fields WHERE delete_at = 0"};
constexpr Statement kFieldInsert{
    "property_field_insert",
    "INSERT INTO property_fields (id, group_id, name, type, attrs, create_at, update_at, "
    "delete_at, created_by, updated_by) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, 0, $8, $9)"};
constexpr Statement kFieldUpdate{
    "property_field_update",
    "UPDATE property_fields SET name = $2, type = $3, attrs = $4::jsonb, update_at = $5, "
    "updated_by = $6 WHERE id = $1 AND delete_at = 0"};
constexpr Statement kFieldDelete{
    "property_field_delete",
    "UPDATE property_fields SET delete_at = $2, update_at = $2 WHERE id = $1 AND delete_at = 0"};
constexpr Statement kFieldValuesDelete{"property_field_values_delete",
                                       "DELETE FROM property_values WHERE field_id = $1"};
constexpr Statement kValuesOfUser{
    "property_values_of_user",
    "SELECT v.field_id, v.value::text FROM property_values v JOIN property_fields f "
    "ON f.id = v.field_id AND f.delete_at = 0 WHERE v.target_id = $1"};
constexpr Statement kValueUpsert{
    "property_value_upsert",
    "INSERT INTO property_values (field_id, target_id, value, create_at, update_at, updated_by) "
    "VALUES ($1, $2, $3::jsonb, $4, $4, $5) ON CONFLICT (field_id, target_id) DO UPDATE SET "
    "value = EXCLUDED.value, update_at = EXCLUDED.update_at, updated_by = EXCLUDED.updated_by"};
constexpr Statement kUserAttributes{
    "property_user_attributes",
    "SELECT " PARLEY_PG_FIELD_COLUMNS
    ", v.value::text FROM property_values v JOIN property_fields f ON f.id = v.field_id "
    "AND f.delete_at = 0 WHERE v.target_id = $1"};
#define PARLEY_PG_CHANNEL_POLICY_COLUMNS                                                          \
  "cp.channel_id, cp.label, cp.mission, cp.bridging, cp.bridges::text, cp.guests, cp.update_at, " \
  "cp.updated_by"
constexpr int kChannelPolicyColumnCount = 8;
constexpr Statement kChannelPolicyGet{"channel_policy_get",
                                      "SELECT " PARLEY_PG_CHANNEL_POLICY_COLUMNS
                                      " FROM channel_policy_attributes cp"
                                      " WHERE cp.channel_id = $1"};
// Always one row: the attributes' columns are null when never set.
constexpr Statement kChannelPolicyInputs{
    "channel_policy_inputs",
    "SELECT " PARLEY_PG_CHANNEL_POLICY_COLUMNS
    ", COALESCE((SELECT name FROM teams WHERE id = $2), '') FROM (VALUES (1)) AS one"
    " LEFT JOIN channel_policy_attributes cp ON cp.channel_id = $1"};
// At least one row, one per attribute of the user: the channel's access columns and policy
// columns repeated (null when there is no such channel, or its attributes were never set), then
// the attribute's (null when the user has none).
constexpr Statement kPolicyInputs{
    "policy_inputs", "SELECT " PARLEY_PG_CHANNEL_COLUMNS ", " PARLEY_PG_TEAM_MEMBER_COLUMNS
                     ", " PARLEY_PG_CHANNEL_MEMBER_COLUMNS ", " PARLEY_PG_CHANNEL_POLICY_COLUMNS
                     ", COALESCE(t.name, ''), " PARLEY_PG_FIELD_COLUMNS
                     ", v.value::text FROM (VALUES (1)) AS one"
                     " LEFT JOIN channels c ON c.id = $2" PARLEY_PG_CHANNEL_ACCESS_JOINS
                     " LEFT JOIN teams t ON t.id = c.team_id"
                     " LEFT JOIN channel_policy_attributes cp ON cp.channel_id = $2"
                     " LEFT JOIN (property_values v JOIN property_fields f ON f.id = v.field_id"
                     " AND f.delete_at = 0) ON v.target_id = $1"};
constexpr Statement kChannelPolicyUpsert{
    "channel_policy_upsert",
    "INSERT INTO channel_policy_attributes (channel_id, label, mission, bridging, bridges, "
    "guests, update_at, updated_by) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8) "
    "ON CONFLICT (channel_id) DO UPDATE SET label = EXCLUDED.label, mission = EXCLUDED.mission, "
    "bridging = EXCLUDED.bridging, bridges = EXCLUDED.bridges, guests = EXCLUDED.guests, "
    "update_at = EXCLUDED.update_at, updated_by = EXCLUDED.updated_by"};

Error fieldNotFound() {
  return makeError(ErrorCode::kNotFound,
                   "app.custom_profile_attributes.property_field_not_found.app_error",
                   "Unable to find the custom profile attribute field.");
}

// The columns of PARLEY_PG_FIELD_COLUMNS, from column `first` of `row`.
model::PropertyField fieldFromRow(const Rows& rows, int row, int first = 0) {
  model::PropertyField field;
  field.id = rows.string(row, first);
  field.groupId = rows.string(row, first + 1);
  field.name = rows.string(row, first + 2);
  field.type = rows.string(row, first + 3);
  field.attrs = parseJson(rows.text(row, first + 4), nlohmann::json::object());
  field.createAt = rows.int64(row, first + 5);
  field.updateAt = rows.int64(row, first + 6);
  field.deleteAt = rows.int64(row, first + 7);
  field.createdBy = rows.string(row, first + 8);
  field.updatedBy = rows.string(row, first + 9);
  return field;
}

// A user's attribute: PARLEY_PG_FIELD_COLUMNS and the value, from column `first` of `row`.
void addUserAttribute(const Rows& rows, int row, int first, model::AttributeMap& attributes) {
  const model::PropertyField field = fieldFromRow(rows, row, first);
  auto value =
      model::attributeValueOf(field, parseJson(rows.text(row, first + kFieldColumnCount), nullptr));
  if (value) attributes.emplace(field.name, std::move(*value));
}

Result<std::vector<model::PropertyField>> fieldsOf(Result<Rows> rows) {
  if (!rows) return std::move(rows).error();
  std::vector<model::PropertyField> fields;
  fields.reserve(static_cast<std::size_t>(rows->size()));
  for (int row = 0; row < rows->size(); ++row) fields.push_back(fieldFromRow(*rows, row));
  return fields;
}

// Statements that must touch one live field: none touched means it is gone.
Status oneField(Result<Rows> rows) {
  if (!rows) return std::move(rows).error();
  if (rows->affected() == 0) return fieldNotFound();
  return {};
}

// The columns of PARLEY_PG_CHANNEL_POLICY_COLUMNS, from column `first` of `row`.
model::ChannelPolicyAttributes channelPolicyFromRow(const Rows& rows, int row, int first = 0) {
  model::ChannelPolicyAttributes attributes;
  attributes.channelId = rows.string(row, first);
  attributes.label = rows.string(row, first + 1);
  attributes.mission = rows.string(row, first + 2);
  attributes.bridging = rows.string(row, first + 3);
  for (const auto& bridge : parseJson(rows.text(row, first + 4), nlohmann::json::array())) {
    if (bridge.is_string()) attributes.bridges.push_back(bridge.get<std::string>());
  }
  attributes.guests = rows.boolean(row, first + 5);
  attributes.updateAt = rows.int64(row, first + 6);
  attributes.updatedBy = rows.string(row, first + 7);
  return attributes;
}

// Channel policy columns and the team's name, from column `first` of `row` (kChannelPolicyInputs).
ChannelPolicyInputs channelPolicyInputsFromRow(const Rows& rows, int row, int first) {
  ChannelPolicyInputs inputs;
  if (!rows.isNull(row, first)) {
    inputs.attributes = model::attributeMapOf(channelPolicyFromRow(rows, row, first));
  }
  inputs.teamName = rows.string(row, first + kChannelPolicyColumnCount);
  return inputs;
}

}  // namespace

Result<std::string> PgPolicyAttributeStore::profileGroupId() {
  auto rows = store_.exec(kProfileGroupId);
  if (!rows) return std::move(rows).error();
  if (rows->empty()) {
    return makeError(ErrorCode::kInternal, "app.custom_profile_attributes.cpa_group_id.app_error",
                     "The custom profile attributes group is missing.");
  }
  return rows->string(0, 0);
}

Result<std::vector<model::PropertyField>> PgPolicyAttributeStore::listFields() {
  return fieldsOf(store_.exec(kFieldsList));
}

Result<model::PropertyField> PgPolicyAttributeStore::getField(std::string_view fieldId) {
  auto rows = store_.exec(kFieldGet, Params().add(fieldId));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return fieldNotFound();
  return fieldFromRow(*rows, 0);
}

Result<std::vector<model::PropertyField>> PgPolicyAttributeStore::getFields(
    const std::vector<std::string>& fieldIds) {
  return fieldsOf(store_.exec(kFieldsGet, Params().add(jsonArray(fieldIds))));
}

Result<std::int64_t> PgPolicyAttributeStore::countFields() {
  auto rows = store_.exec(kFieldsCount);
  if (!rows) return std::move(rows).error();
  return rows->int64(0, 0);
}

Status PgPolicyAttributeStore::createField(const model::PropertyField& field) {
  return done(store_.exec(kFieldInsert, Params()
                                            .add(field.id)
                                            .add(field.groupId)
                                            .add(field.name)
                                            .add(field.type)
                                            .add(field.attrs.dump())
                                            .add(field.createAt)
                                            .add(field.updateAt)
                                            .add(field.createdBy)
                                            .add(field.updatedBy)));
}

Status PgPolicyAttributeStore::updateField(const model::PropertyField& field) {
  return oneField(store_.exec(kFieldUpdate, Params()
                                                .add(field.id)
                                                .add(field.name)
                                                .add(field.type)
                                                .add(field.attrs.dump())
                                                .add(field.updateAt)
                                                .add(field.updatedBy)));
}

Status PgPolicyAttributeStore::deleteField(std::string_view fieldId, std::int64_t now) {
  return store_.transaction([&](Store&) -> Status {
    if (auto deleted = oneField(store_.exec(kFieldDelete, Params().add(fieldId).add(now)));
        !deleted) {
      return deleted;
    }
    return done(store_.exec(kFieldValuesDelete, Params().add(fieldId)));
  });
}

Result<std::map<std::string, nlohmann::json>> PgPolicyAttributeStore::valuesOfUser(
    std::string_view userId) {
  auto rows = store_.exec(kValuesOfUser, Params().add(userId));
  if (!rows) return std::move(rows).error();
  std::map<std::string, nlohmann::json> values;
  for (int row = 0; row < rows->size(); ++row) {
    values.emplace(rows->string(row, 0), parseJson(rows->text(row, 1), nullptr));
  }
  return values;
}

Status PgPolicyAttributeStore::saveValue(std::string_view fieldId, std::string_view userId,
                                         const nlohmann::json& value, std::int64_t now,
                                         std::string_view updatedBy) {
  return done(store_.exec(
      kValueUpsert, Params().add(fieldId).add(userId).add(value.dump()).add(now).add(updatedBy)));
}

Result<std::optional<model::ChannelPolicyAttributes>> PgPolicyAttributeStore::channelPolicy(
    std::string_view channelId) {
  auto rows = store_.exec(kChannelPolicyGet, Params().add(channelId));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<model::ChannelPolicyAttributes>();
  return std::optional<model::ChannelPolicyAttributes>(channelPolicyFromRow(*rows, 0));
}

Status PgPolicyAttributeStore::saveChannelPolicy(const model::ChannelPolicyAttributes& attributes) {
  return done(store_.exec(kChannelPolicyUpsert, Params()
                                                    .add(attributes.channelId)
                                                    .add(attributes.label)
                                                    .add(attributes.mission)
                                                    .add(attributes.bridging)
                                                    .add(jsonArray(attributes.bridges))
                                                    .add(attributes.guests)
                                                    .add(attributes.updateAt)
                                                    .add(attributes.updatedBy)));
}

Result<model::AttributeMap> PgPolicyAttributeStore::userAttributes(std::string_view userId) {
  auto rows = store_.exec(kUserAttributes, Params().add(userId));
  if (!rows) return std::move(rows).error();
  model::AttributeMap attributes;
  for (int row = 0; row < rows->size(); ++row) addUserAttribute(*rows, row, 0, attributes);
  return attributes;
}

Result<ChannelPolicyInputs> PgPolicyAttributeStore::channelPolicyInputs(std::string_view channelId,
                                                                        std::string_view teamId) {
  auto rows = store_.exec(kChannelPolicyInputs, Params().add(channelId).add(teamId));
  if (!rows) return std::move(rows).error();
  return channelPolicyInputsFromRow(*rows, 0, 0);
}

void PgPolicyAttributeStore::policyInputsAhead(std::string_view userId, std::string_view channelId,
                                               WithLinks withLinks) {
  inputsAhead_.send(store_, kPolicyInputs, Params().add(userId).add(channelId),
                    ReadAhead::keyOf(userId, channelId));
  if (withLinks == WithLinks::kYes) {
    linksAhead_.send(store_, kLinksOfChannel, Params().add(channelId), std::string(channelId));
  }
}

Result<PolicyInputs> PgPolicyAttributeStore::policyInputs(std::string_view userId,
                                                          std::string_view channelId,
                                                          WithLinks withLinks) {
  auto results = [&]() -> Result<std::vector<Rows>> {
    const Params channel = Params().add(channelId);
    // Inputs read ahead without the links that are wanted now: both in one round trip again.
    const bool linksAhead = withLinks == WithLinks::kNo || linksAhead_.pending(store_, channelId);
    auto ahead =
        linksAhead ? inputsAhead_.take(store_, ReadAhead::keyOf(userId, channelId)) : std::nullopt;
    if (ahead) {
      if (!*ahead) return std::move(*ahead).error();
      std::vector<Rows> read;
      read.push_back(std::move(**ahead));
      if (withLinks == WithLinks::kYes) {
        auto links = linksAhead_.take(store_, channelId);
        auto rows = links ? std::move(*links) : store_.exec(kLinksOfChannel, channel);
        if (!rows) return std::move(rows).error();
        read.push_back(std::move(*rows));
      }
      return read;
    }
    const Params params = Params().add(userId).add(channelId);
    std::vector<Connection::Query> queries{{&kPolicyInputs, &params}};
    if (withLinks == WithLinks::kYes) queries.push_back({&kLinksOfChannel, &channel});
    return store_.execAll(queries);
  }();
  if (!results) return std::move(results).error();
  const Rows* rows = &(*results)[0];
  constexpr int kChannelPolicyFirst = kChannelAccessColumnCount;
  constexpr int kFieldFirst = kChannelPolicyFirst + kChannelPolicyColumnCount + 1;
  PolicyInputs inputs;
  inputs.subjectId = std::string(userId);
  if (!rows->isNull(0, 0)) inputs.access = channelAccessFromRow(*rows, 0, 0);
  inputs.channelPolicy = channelPolicyInputsFromRow(*rows, 0, kChannelPolicyFirst);
  for (int row = 0; row < rows->size(); ++row) {
    if (!rows->isNull(row, kFieldFirst)) addUserAttribute(*rows, row, kFieldFirst, inputs.subject);
  }
  if (withLinks == WithLinks::kYes) inputs.links = linksFromRows((*results)[1]);
  return inputs;
}

}  // namespace parley::core::store::postgres
