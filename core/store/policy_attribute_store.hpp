#pragma once
// Persistence of policy attributes: the custom profile attribute fields and values
// (property_groups, property_fields, property_values) and the channels' policy attributes
// (channel_policy_attributes). Call only from inside a database job (see store.hpp).
// userAttributes() and channelPolicyInputs() are what the enforcement points read to build a
// policy request; every value there was set by a system admin (provenance "admin").

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/channel.hpp"
#include "core/model/link.hpp"
#include "core/model/policy_attributes.hpp"

namespace parley::core::store {

// What a policy request on a channel reads besides the channel itself.
struct ChannelPolicyInputs {
  model::AttributeMap attributes;  // model::attributeMapOf; empty when never set
  std::string teamName;            // for the bundle's "team/channel" names; "" without a team
};

// What a policy request about a subject on a channel reads: the channel with the subject's
// memberships (as ChannelStore::access), its policy inputs and the subject's attributes.
struct PolicyInputs {
  std::optional<model::ChannelAccess> access;  // nullopt when there is no such channel
  ChannelPolicyInputs channelPolicy;           // of the channel's own team
  model::AttributeMap subject;                 // as userAttributes()
  std::string subjectId;                       // the user `subject` describes
  // The channel's links (BridgeStore::linksOfChannel), when asked for (WithLinks::kYes): where
  // a post to it crosses next.
  std::vector<model::Link> links;
};

// Whether policyInputs() also reads the channel's links, in the same round trip: for a caller
// that posts to the channel once the decision is made, and would read them next.
enum class WithLinks : bool { kNo = false, kYes = true };

class PolicyAttributeStore {
 public:
  virtual ~PolicyAttributeStore() = default;

  // The id of the custom profile attributes group (made by the migration).
  virtual Result<std::string> profileGroupId() = 0;

  // The live fields, by attrs.sort_order, then creation.
  virtual Result<std::vector<model::PropertyField>> listFields() = 0;
  // A live field; kNotFound "app.custom_profile_attributes.property_field_not_found.app_error".
  virtual Result<model::PropertyField> getField(std::string_view fieldId) = 0;
  // The live fields among `fieldIds` (unknown or deleted ones are left out).
  virtual Result<std::vector<model::PropertyField>> getFields(
      const std::vector<std::string>& fieldIds) = 0;
  virtual Result<std::int64_t> countFields() = 0;
  // Inserts a field; kConflict when a live field already has its name.
  virtual Status createField(const model::PropertyField& field) = 0;
  // Replaces name, type, attrs, update_at and updated_by of a live field; kConflict on a taken
  // name, kNotFound when it is gone.
  virtual Status updateField(const model::PropertyField& field) = 0;
  // Marks the field deleted (delete_at = update_at = `now`) and removes its values.
  virtual Status deleteField(std::string_view fieldId, std::int64_t now) = 0;

  // The user's values of live fields, by field id, as stored.
  virtual Result<std::map<std::string, nlohmann::json>> valuesOfUser(std::string_view userId) = 0;
  // Inserts or replaces the user's value of a field.
  virtual Status saveValue(std::string_view fieldId, std::string_view userId,
                           const nlohmann::json& value, std::int64_t now,
                           std::string_view updatedBy) = 0;

  // The channel's policy attributes; nullopt when an admin never set them.
  virtual Result<std::optional<model::ChannelPolicyAttributes>> channelPolicy(
      std::string_view channelId) = 0;
  // Inserts or replaces the channel's policy attributes.
  virtual Status saveChannelPolicy(const model::ChannelPolicyAttributes& attributes) = 0;

  // For policy requests: the user's attributes by field name (model::attributeValueOf), and the
  // channel's with the name of its team `teamId` ("" for none, or a team that is gone), in one
  // statement (every post and every crossing reads them). Absent means absent: a policy that
  // needs it denies.
  virtual Result<model::AttributeMap> userAttributes(std::string_view userId) = 0;
  virtual Result<ChannelPolicyInputs> channelPolicyInputs(std::string_view channelId,
                                                          std::string_view teamId) = 0;
  // All that a decision about `userId` on `channelId` reads, in one statement: a post and a
  // crossing each decide once, and each statement is a round trip on their way.
  virtual Result<PolicyInputs> policyInputs(std::string_view userId, std::string_view channelId,
                                            WithLinks withLinks) = 0;
  // policyInputs(userId, channelId, withLinks) read ahead: the queries travel with the open
  // transaction's next statement, and that call later in the transaction takes their rows
  // instead of a round trip of its own (BridgeStore::findRemoteUserAhead says more). Outside a
  // transaction: nothing.
  virtual void policyInputsAhead(std::string_view userId, std::string_view channelId,
                                 WithLinks withLinks) = 0;
};

}  // namespace parley::core::store
