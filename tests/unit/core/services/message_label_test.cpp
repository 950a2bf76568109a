// A post's own security label (props.parley_label): read under the bundle's message.label
// policy and stored in canonical form, refused when it does not parse, fixed at creation; the
// thread's high-water mark; and the reference rule C5 deciding message.post with it.

#include "core/services/message_label.hpp"

#include <gtest/gtest.h>

#include "core/policy/engine.hpp"
#include "core/services/access_policy.hpp"
#include "tests/unit/core/policy/policy_fixtures.hpp"

namespace parley::core::services {
namespace {

using nlohmann::json;

constexpr std::int64_t kInMission = 1764583200000;  // 2025-12-01T10:00:00Z

void expectLabelError(const Status& status) {
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.error().id, kPostLabelErrorId);
}

TEST(MessageLabelTest, ALabelIsStoredInCanonicalForm) {
  const auto bundle = policy::testing::northwind();
  ASSERT_NE(bundle, nullptr);
  ASSERT_NE(messageLabelPolicy(*bundle), nullptr);
  json props = {{"parley_label", "CONFIDENTIAL REL TO GBR, USA"}, {"other", 1}};
  ASSERT_TRUE(canonicalizePostLabel(bundle.get(), props).ok());
  EXPECT_EQ(props["parley_label"], "CONFIDENTIAL REL USA,GBR");
  EXPECT_EQ(props["other"], 1);
}

TEST(MessageLabelTest, NoLabelIsTheChannelsAndNeedsNoPolicy) {
  json props = json::object();
  EXPECT_TRUE(canonicalizePostLabel(nullptr, props).ok());
  EXPECT_EQ(props, json::object());
  props = {{"parley_label", nullptr}};
  EXPECT_TRUE(canonicalizePostLabel(nullptr, props).ok());
  EXPECT_EQ(postLabelOf(props).value(), std::nullopt);
}

TEST(MessageLabelTest, ALabelThatDoesNotParseIsRefused) {
  const auto bundle = policy::testing::northwind();
  for (const json& bad : {json("TOP SECRET"), json("CONFIDENTIAL REL DEU"), json(""), json(3),
                          json::array({"SECRET"})}) {
    json props = {{"parley_label", bad}};
    expectLabelError(canonicalizePostLabel(bundle.get(), props));
  }
  // Without a bundle (or one without message.label) no label can be read.
  json props = {{"parley_label", "SECRET"}};
  expectLabelError(canonicalizePostLabel(nullptr, props));
  const auto noMessageLabel = policy::testing::compileOrFail(
      "apiVersion: parley.policy/v1\nkind: PolicyBundle\nmetadata: {name: t}\nrules:\n"
      "  - {id: R, effect: permit, actions: [channel.read], when: [\"true\"]}\n");
  ASSERT_NE(noMessageLabel, nullptr);
  expectLabelError(canonicalizePostLabel(noMessageLabel.get(), props));
}

TEST(MessageLabelTest, AnEditKeepsTheLabel) {
  const auto bundle = policy::testing::northwind();
  const json original = {{"parley_label", "CONFIDENTIAL REL USA,GBR"}};
  json same = {{"parley_label", "CONFIDENTIAL REL USA,GBR"}, {"x", 1}};
  EXPECT_TRUE(keepPostLabel(bundle.get(), original, same).ok());
  json respelt = {{"parley_label", "CONFIDENTIAL REL TO GBR, USA"}};
  EXPECT_TRUE(keepPostLabel(bundle.get(), original, respelt).ok());
  EXPECT_EQ(respelt["parley_label"], "CONFIDENTIAL REL USA,GBR");

  json changed = {{"parley_label", "UNCLASSIFIED"}};
  expectLabelError(keepPostLabel(bundle.get(), original, changed));
  json removed = json::object();
  expectLabelError(keepPostLabel(bundle.get(), original, removed));
  json added = {{"parley_label", "UNCLASSIFIED"}};
  expectLabelError(keepPostLabel(bundle.get(), json::object(), added));
  json none = {{"x", 2}};
  EXPECT_TRUE(keepPostLabel(bundle.get(), json::object(), none).ok());
}

TEST(MessageLabelTest, TheHighWaterMarkIsTheLubOfTheThread) {
  const auto nw = policy::testing::nwPolicy();
  const auto mark = [&](std::string_view channel, std::vector<std::string> labels) {
    auto result = threadHighWaterMark(nw, channel, labels);
    EXPECT_TRUE(result.ok());
    return result.ok() ? result->value_or("(none)") : "(error)";
  };
  // An unclassified reply under a CONFIDENTIAL REL USA,GBR root stays CONFIDENTIAL REL USA,GBR.
  EXPECT_EQ(mark("UNCLASSIFIED REL USA,GBR,FRA",
                 {"CONFIDENTIAL REL USA,GBR", "", "UNCLASSIFIED REL USA,GBR,FRA"}),
            "CONFIDENTIAL REL USA,GBR");
  // Unlabelled posts are the channel's.
  EXPECT_EQ(mark("RESTRICTED REL USA,GBR,FRA", {"", ""}), "RESTRICTED REL USA,GBR,FRA");
  // Releasability narrows, caveats add up.
  EXPECT_EQ(mark("", {"RESTRICTED REL GBR,FRA", "CONFIDENTIAL REL USA,GBR NW-CMD"}),
            "CONFIDENTIAL REL GBR CAVEAT NW-CMD");
  // No label anywhere: none.
  EXPECT_EQ(mark("", {"", ""}), "(none)");
  EXPECT_FALSE(threadHighWaterMark(nw, "", {"SECRET", "NOT A LABEL"}).ok());
  EXPECT_FALSE(threadHighWaterMark(nw, "BOGUS", {""}).ok());
}

// C5 of the reference: a post's label may not be above the channel's nor above its author.
TEST(MessageLabelTest, MessagePostIsDecidedWithThePostsOwnLabel) {
  const auto bundle = policy::testing::northwind();
  ASSERT_NE(bundle, nullptr);
  model::Channel channel;
  channel.id = "cccccccccccccccccccccccccc";
  channel.teamId = "tttttttttttttttttttttttttt";
  channel.name = "mission-ops";  // CONFIDENTIAL REL USA,GBR,FRA
  PolicyChannel context{&channel, nullptr, "nw", {}};
  model::User author;
  author.id = "uuuuuuuuuuuuuuuuuuuuuuuuuu";
  const model::AttributeMap attributes = {{"clearance", std::string("SECRET REL GBR")},
                                          {"missions", std::vector<std::string>{"NORTHWIND"}}};
  const auto decide = [&](std::optional<std::string> label) {
    auto request =
        buildPolicyRequest(kActionMessagePost, author, attributes, &context, nullptr, kInMission);
    if (label) request.attributes["message.label"] = *label;
    EXPECT_TRUE(policy::addChannelAttributes(*bundle, "nw/mission-ops", request));
    return policy::decide(*bundle, request);
  };
  EXPECT_TRUE(decide(std::nullopt).permitted());
  EXPECT_TRUE(decide("CONFIDENTIAL REL USA,GBR").permitted());
  for (const char* above : {"SECRET REL USA,GBR,FRA", "CONFIDENTIAL REL USA,GBR NW-CMD"}) {
    const auto denied = decide(above);
    EXPECT_FALSE(denied.permitted()) << above;
    EXPECT_EQ(denied.determiningRules, std::vector<std::string>{"C5-post-label-bounds"});
  }
}

}  // namespace
}  // namespace parley::core::services
