#pragma once
// PostgreSQL implementation of PolicyAttributeStore (property_groups, property_fields,
// property_values, channel_policy_attributes).

#include "core/store/policy_attribute_store.hpp"
#include "core/store/postgres/connection.hpp"
#include "core/store/postgres/pg_read_ahead.hpp"

namespace parley::core::store::postgres {

class PgStore;

class PgPolicyAttributeStore final : public PolicyAttributeStore {
 public:
  explicit PgPolicyAttributeStore(PgStore& store) : store_(store) {}
  Result<std::string> profileGroupId() override;
  Result<std::vector<model::PropertyField>> listFields() override;
  Result<model::PropertyField> getField(std::string_view fieldId) override;
  Result<std::vector<model::PropertyField>> getFields(
      const std::vector<std::string>& fieldIds) override;
  Result<std::int64_t> countFields() override;
  Status createField(const model::PropertyField& field) override;
  Status updateField(const model::PropertyField& field) override;
  Status deleteField(std::string_view fieldId, std::int64_t now) override;
  Result<std::map<std::string, nlohmann::json>> valuesOfUser(std::string_view userId) override;
  Status saveValue(std::string_view fieldId, std::string_view userId, const nlohmann::json& value,
                   std::int64_t now, std::string_view updatedBy) override;
  Result<std::optional<model::ChannelPolicyAttributes>> channelPolicy(
      std::string_view channelId) override;
  Status saveChannelPolicy(const model::ChannelPolicyAttributes& attributes) override;
  Result<model::AttributeMap> userAttributes(std::string_view userId) override;
  Result<PolicyInputs> policyInputs(std::string_view userId, std::string_view channelId,
                                    WithLinks withLinks) override;
  void policyInputsAhead(std::string_view userId, std::string_view channelId,
                         WithLinks withLinks) override;
  Result<ChannelPolicyInputs> channelPolicyInputs(std::string_view channelId,
                                                  std::string_view teamId) override;

 private:
  PgStore& store_;
  ReadAhead inputsAhead_;
  ReadAhead linksAhead_;  // the channel's links, when the inputs were read ahead with them
};

}  // namespace parley::core::store::postgres
