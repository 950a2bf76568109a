// The pure rules of the policy attributes: field sanitising (Mattermost's CPAField shape and
// error ids), value sanitising per field type, channel attribute syntax, and the conversion of
// stored values into policy attribute values.

#include <gtest/gtest.h>

#include "core/model/policy_attributes.hpp"
#include "core/services/policy_attribute_service.hpp"

namespace parley::core::services {
namespace {

constexpr const char* kOptionA = "optionaaaaaaaaaaaaaaaaaaaa";
constexpr const char* kOptionB = "optionbbbbbbbbbbbbbbbbbbbb";

model::PropertyField field(std::string type, nlohmann::json attrs = nlohmann::json::object()) {
  model::PropertyField f;
  f.name = "clearance";
  f.type = std::move(type);
  f.attrs = std::move(attrs);
  return f;
}

model::PropertyField selectField(std::string type = "select") {
  auto f = field(std::move(type), {{"options",
                                    {{{"id", kOptionA}, {"name", "GBR"}, {"color", ""}},
                                     {{"id", kOptionB}, {"name", "USA"}, {"color", ""}}}}});
  EXPECT_TRUE(sanitizeField(f).ok());
  return f;
}

TEST(PolicyAttributeRulesTest, FieldNameAndTypeUseMattermostsId) {
  auto f = field("text");
  f.name = "   ";
  EXPECT_EQ(sanitizeField(f).error().id, "model.property_field.is_valid.app_error");
  f = field("text");
  f.name = std::string(256, 'n');
  EXPECT_EQ(sanitizeField(f).error().id, "model.property_field.is_valid.app_error");
  f = field("number");
  EXPECT_EQ(sanitizeField(f).error().id, "model.property_field.is_valid.app_error");
  f = field("text");
  f.name = "  Clearance ";
  ASSERT_TRUE(sanitizeField(f).ok());
  EXPECT_EQ(f.name, "Clearance");
}

TEST(PolicyAttributeRulesTest, AttrsTakeCpaShapeWithDefaults) {
  auto f = field("text", {{"unknown", 1}, {"options", {{{"name", "x"}}}}, {"sort_order", 2.5}});
  ASSERT_TRUE(sanitizeField(f).ok());
  EXPECT_EQ(f.attrs, (nlohmann::json{{"visibility", "when_set"},
                                     {"sort_order", 2.5},
                                     {"options", nullptr},
                                     {"value_type", ""},
                                     {"ldap", ""},
                                     {"saml", ""}}));
}

TEST(PolicyAttributeRulesTest, BadAttrsAreUnprocessable) {
  for (const auto& [type, attrs] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"text", {{"visibility", "sometimes"}}},
           {"text", {{"value_type", "fax"}}},
           {"text", {{"sort_order", "first"}}},
           {"text", nlohmann::json::array()},
           {"select", nlohmann::json::object()},                           // no options
           {"select", {{"options", nlohmann::json::array()}}},             // empty
           {"select", {{"options", {{{"name", ""}}}}}},                    // empty name
           {"select", {{"options", {{{"name", "a"}}, {{"name", "a"}}}}}},  // duplicate
           {"multiselect", {{"options", {{{"id", "short"}, {"name", "a"}}}}}},
           {"select", {{"options", {{{"name", std::string(129, 'n')}}}}}}}) {
    auto f = field(type, attrs);
    const auto status = sanitizeField(f);
    ASSERT_FALSE(status.ok()) << attrs.dump();
    EXPECT_EQ(status.error().id, kFieldAttrsInvalidId) << attrs.dump();
  }
  nlohmann::json many = nlohmann::json::array();
  for (std::size_t i = 0; i <= kPropertyOptionsMax; ++i)
    many.push_back({{"name", std::to_string(i)}});
  auto f = field("select", {{"options", many}});
  EXPECT_EQ(sanitizeField(f).error().id, kFieldAttrsInvalidId);
}

TEST(PolicyAttributeRulesTest, OptionsGetIds) {
  auto f = field("select", {{"options", {{{"name", "GBR"}}}}});
  ASSERT_TRUE(sanitizeField(f).ok());
  EXPECT_EQ(f.attrs["options"][0]["id"].get<std::string>().size(), 26U);
  EXPECT_EQ(f.attrs["options"][0]["color"], "");
}

TEST(PolicyAttributeRulesTest, ValuesFollowTheFieldType) {
  const auto text = field("text");
  EXPECT_EQ(*sanitizeValue(text, " SECRET "), "SECRET");
  EXPECT_EQ(*sanitizeValue(text, nullptr), "");
  EXPECT_FALSE(sanitizeValue(text, 3).ok());
  EXPECT_FALSE(sanitizeValue(text, std::string(65, 'x')).ok());
  EXPECT_TRUE(sanitizeValue(text, std::string(64, 'x')).ok());
  auto email = field("text", {{"value_type", "email"}});
  ASSERT_TRUE(sanitizeField(email).ok());
  EXPECT_FALSE(sanitizeValue(email, "not an email").ok());

  const auto select = selectField();
  EXPECT_EQ(*sanitizeValue(select, kOptionA), kOptionA);
  EXPECT_EQ(sanitizeValue(select, "GBR").error().id,
            "app.custom_profile_attributes.validate_value.app_error");  // names are not ids

  const auto multi = selectField("multiselect");
  EXPECT_EQ(*sanitizeValue(multi, nlohmann::json::array({kOptionA, " ", kOptionB})),
            nlohmann::json::array({kOptionA, kOptionB}));
  EXPECT_FALSE(sanitizeValue(multi, kOptionA).ok());
  EXPECT_FALSE(sanitizeValue(multi, nlohmann::json::array({1})).ok());

  const auto user = field("user");
  EXPECT_FALSE(sanitizeValue(user, "nobody").ok());
  const auto users = field("multiuser");
  nlohmann::json tooMany = nlohmann::json::array();
  for (std::size_t i = 0; i <= kPropertyMultiValueMax; ++i) tooMany.push_back(kOptionA);
  EXPECT_FALSE(sanitizeValue(users, tooMany).ok());
}

TEST(PolicyAttributeRulesTest, ChannelLabelSyntax) {
  model::ChannelPolicyAttributes attributes;
  attributes.label = " CONFIDENTIAL REL USA,GBR,FRA ";
  attributes.mission = "NORTHWIND";
  attributes.bridges = {"matrix-fra", "xmpp-usa"};
  ASSERT_TRUE(validateChannelPolicy(attributes).ok());
  EXPECT_EQ(attributes.label, "CONFIDENTIAL REL USA,GBR,FRA");

  const auto refused = [](auto change) {
    model::ChannelPolicyAttributes a;
    a.label = "SECRET REL GBR NW-CMD";
    change(a);
    const auto status = validateChannelPolicy(a);
    return status.ok() ? std::string() : status.error().message;
  };
  EXPECT_NE(refused([](auto& a) { a.label = ""; }).find("label"), std::string::npos);
  EXPECT_NE(refused([](auto& a) { a.label = "SECRET\nREL"; }).find("label"), std::string::npos);
  EXPECT_NE(refused([](auto& a) { a.label = std::string(257, 'A'); }).find("label"),
            std::string::npos);
  EXPECT_NE(refused([](auto& a) { a.mission = "NORTH WIND"; }).find("mission"), std::string::npos);
  EXPECT_NE(refused([](auto& a) { a.bridging = "sometimes"; }).find("bridging"), std::string::npos);
  EXPECT_NE(refused([](auto& a) { a.bridges = {"a", "a"}; }).find("bridges"), std::string::npos);
  EXPECT_NE(refused([](auto& a) { a.bridges = {"Matrix"}; }).find("bridges"), std::string::npos);
  EXPECT_NE(refused([](auto& a) { a.bridges = std::vector<std::string>(33, "x"); }).find("bridges"),
            std::string::npos);
  EXPECT_EQ(refused([](auto&) {}), "");
}

TEST(PolicyAttributeRulesTest, StoredValuesBecomePolicyValues) {
  const auto select = selectField();
  EXPECT_EQ(std::get<std::string>(*model::attributeValueOf(select, kOptionB)), "USA");
  EXPECT_FALSE(model::attributeValueOf(select, "optionccccccccccccccccccccc"));  // option removed
  EXPECT_FALSE(model::attributeValueOf(field("text"), ""));
  EXPECT_FALSE(model::attributeValueOf(field("text"), nlohmann::json::array()));
  const auto multi = selectField("multiselect");
  EXPECT_EQ(std::get<std::vector<std::string>>(
                *model::attributeValueOf(multi, nlohmann::json::array({kOptionA, kOptionB}))),
            (std::vector<std::string>{"GBR", "USA"}));
  EXPECT_EQ(
      std::get<std::vector<std::string>>(*model::attributeValueOf(multi, nlohmann::json::array())),
      std::vector<std::string>{});

  model::ChannelPolicyAttributes channel;
  channel.label = "SECRET";
  const auto map = model::attributeMapOf(channel);
  EXPECT_FALSE(map.contains("mission"));
  EXPECT_EQ(std::get<std::string>(map.at("bridging")), "never");
  EXPECT_FALSE(std::get<bool>(map.at("guests")));
}

}  // namespace
}  // namespace parley::core::services
