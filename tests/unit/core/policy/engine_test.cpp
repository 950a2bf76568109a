#include "core/policy/engine.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/unit/core/policy/policy_fixtures.hpp"

namespace parley::policy {
namespace {

using testing::withRules;
using Strings = std::vector<std::string>;

Request request(std::string action, std::map<std::string, Value> attributes = {}) {
  return Request{std::move(action), std::move(attributes)};
}

Request member() {
  return request("channel.read", {{"subject.role", std::string("member")},
                                  {"subject.clearance", std::string("SECRET REL GBR")},
                                  {"channel.label", std::string("CONFIDENTIAL REL GBR")},
                                  {"subject.via_vpn", true}});
}

constexpr const char* kPermitRead =
    "  - {id: P, effect: permit, actions: [channel.read], when: [\"subject.role == 'member'\"]}\n";

TEST(EngineTest, DeniesByDefault) {
  const auto bundle = withRules(kPermitRead);
  const auto decision =
      decide(*bundle, request("channel.join", {{"subject.role", std::string("member")}}));
  EXPECT_FALSE(decision.permitted());
  EXPECT_TRUE(decision.determiningRules.empty());
  EXPECT_FALSE(decision.closest.has_value());  // no permit names channel.join
  EXPECT_EQ(decision.reasonCode, kReasonNoPermit);
  EXPECT_EQ(decision.bundleHash, bundle->hash);
  EXPECT_EQ(decision.bundleHash.size(), 64u);
}

TEST(EngineTest, PermitsWhenAPermitHolds) {
  const auto bundle = withRules(kPermitRead);
  const auto decision = decide(*bundle, member());
  EXPECT_TRUE(decision.permitted());
  EXPECT_EQ(decision.determiningRules, Strings{"P"});
  EXPECT_EQ(decision.reasonCode, kReasonPermitted);
}

TEST(EngineTest, AnySatisfiedForbidWinsWhateverTheOrder) {
  const std::string forbid =
      "  - {id: F, effect: forbid, actions: [channel.read], when: [\"!dominates(subject.clearance, "
      "channel.label)\"]}\n";
  for (const auto& rules : {std::string(kPermitRead) + forbid, forbid + kPermitRead}) {
    const auto bundle = withRules(rules);
    auto req = member();
    req.attributes["subject.clearance"] = std::string("RESTRICTED REL GBR");
    const auto denied = decide(*bundle, req);
    EXPECT_FALSE(denied.permitted());
    EXPECT_EQ(denied.determiningRules, Strings{"F"});
    EXPECT_EQ(denied.reasonCode, kReasonForbidden);
    EXPECT_TRUE(decide(*bundle, member()).permitted());
  }
}

TEST(EngineTest, EveryFiringForbidIsADeterminingRule) {
  const auto bundle = withRules(
      std::string(kPermitRead) +
      "  - {id: F1, effect: forbid, actions: [channel.read], when: [\"subject.via_vpn\"]}\n"
      "  - {id: F2, effect: forbid, actions: [channel.read], when: [\"subject.role == "
      "'member'\"]}\n");
  EXPECT_EQ(decide(*bundle, member()).determiningRules, (Strings{"F1", "F2"}));
}

TEST(EngineTest, AnErrorInsideAForbidDenies) {
  const auto bundle = withRules(std::string(kPermitRead) +
                                "  - {id: F, effect: forbid, actions: [channel.read], when: "
                                "[\"!dominates(subject.clearance, channel.label)\"]}\n");
  auto req = member();
  req.attributes.erase("channel.label");
  const auto decision = decide(*bundle, req);
  EXPECT_FALSE(decision.permitted());
  EXPECT_EQ(decision.determiningRules, Strings{"F"});
  EXPECT_EQ(decision.errors, Strings{"missing:channel.label"});
  // A value that does not fit its type is an error too, named differently.
  req.attributes["channel.label"] = std::string("TOP SECRET");
  EXPECT_EQ(decide(*bundle, req).errors, Strings{"invalid:channel.label"});
}

TEST(EngineTest, AnErrorInsideAPermitDoesNotPermit) {
  const auto bundle = withRules(
      "  - {id: P, effect: permit, actions: [channel.read], when: [\"dominates(subject.clearance, "
      "channel.label)\"]}\n");
  auto req = member();
  req.attributes.erase("subject.clearance");
  const auto decision = decide(*bundle, req);
  EXPECT_FALSE(decision.permitted());
  EXPECT_TRUE(decision.determiningRules.empty());
  EXPECT_EQ(decision.errors, Strings{"missing:subject.clearance"});
  ASSERT_TRUE(decision.closest.has_value());
  EXPECT_EQ(decision.closest->failedClause, "when[0]");
}

TEST(EngineTest, FalseAndAnErrorIsFalseInEitherOrder) {
  // The file size is missing, but the rule is about guests: it does not fire for a member.
  for (const char* when : {R"(["subject.role == 'guest'", "file.size > 10"])",
                           R"(["file.size > 10", "subject.role == 'guest'"])",
                           "[\"subject.role == 'guest' && file.size > 10\"]",
                           "[\"file.size > 10 && subject.role == 'guest'\"]"}) {
    const auto bundle =
        withRules(std::string(kPermitRead) +
                  "  - {id: F, effect: forbid, actions: [channel.read], when: " + when + "}\n");
    EXPECT_TRUE(decide(*bundle, member()).permitted()) << when;
  }
}

TEST(EngineTest, RequireForbidsUnlessItsClausesHold) {
  const auto bundle = withRules(std::string(kPermitRead) +
                                "  - {id: R, effect: require, actions: [channel.read], clauses: "
                                "{size: \"file.size <= file_policy.max_size\"}}\n");
  auto req = member();
  req.attributes["file.size"] = std::int64_t{1024};
  EXPECT_TRUE(decide(*bundle, req).permitted());
  req.attributes["file.size"] = std::int64_t{1025};
  const auto tooLarge = decide(*bundle, req);
  EXPECT_EQ(tooLarge.determiningRules, Strings{"R"});
  EXPECT_EQ(tooLarge.reason, "denied by R (size does not hold)");
  req.attributes.erase("file.size");  // cannot be shown to hold: denied
  const auto missing = decide(*bundle, req);
  EXPECT_EQ(missing.determiningRules, Strings{"R"});
  EXPECT_EQ(missing.errors, Strings{"missing:file.size"});
}

TEST(EngineTest, UnlessAndAnyOf) {
  const auto bundle = withRules(
      "  - {id: P, effect: permit, actions: [channel.read], unless: [\"subject.role == "
      "'guest'\"],\n"
      "     any_of: [\"subject.via_vpn\", \"'M1' in subject.missions\"]}\n");
  auto req = member();
  EXPECT_TRUE(decide(*bundle, req).permitted());
  req.attributes["subject.via_vpn"] = false;
  const auto denied = decide(*bundle, req);
  EXPECT_FALSE(denied.permitted());
  EXPECT_EQ(denied.closest->failedClause, "any_of");
  req.attributes["subject.missions"] = Strings{"M1"};
  EXPECT_TRUE(decide(*bundle, req).permitted());
  req.attributes["subject.role"] = std::string("guest");
  EXPECT_EQ(decide(*bundle, req).closest->failedClause, "unless[0]");
}

TEST(EngineTest, TheClosestPermitIsTheOneWithMostClausesHolding) {
  const auto bundle = withRules(
      "  - id: A\n    effect: permit\n    actions: [channel.read]\n"
      "    clauses: {vpn: \"subject.via_vpn\", guest: \"subject.role == 'guest'\", mission: \"'M1' "
      "in subject.missions\"}\n"
      "  - id: B\n    effect: permit\n    actions: [channel.read]\n"
      "    clauses: {clearance: \"dominates(subject.clearance, channel.label)\", guest: "
      "\"subject.role == 'guest'\"}\n");
  auto req = member();
  // A: vpn holds, guest and mission fail; B: clearance holds, guest fails. B fails fewer.
  auto decision = decide(*bundle, req);
  ASSERT_TRUE(decision.closest.has_value());
  EXPECT_EQ(decision.closest->rule, "B");
  EXPECT_EQ(decision.closest->failedClause, "guest");
  EXPECT_EQ(decision.reason, "no rule permits channel.read; closest: B (failed: guest)");
  req.attributes["subject.missions"] = Strings{"M1"};
  decision = decide(*bundle, req);
  EXPECT_EQ(decision.closest->rule, "A");
  EXPECT_EQ(decision.closest->failedClause, "guest");
}

TEST(EngineTest, APermitForAnotherBridgeFailsOnItsTarget) {
  const auto bundle =
      withRules("  - {id: E, effect: permit, actions: [message.egress], bridges: [peer]}\n");
  auto req = request("message.egress", {{"bridge.id", std::string("elsewhere")}});
  const auto decision = decide(*bundle, req);
  EXPECT_FALSE(decision.permitted());
  ASSERT_TRUE(decision.closest.has_value());
  EXPECT_EQ(decision.closest->rule, "E");
  EXPECT_EQ(decision.closest->failedClause, "target.bridge");
  req.attributes["bridge.id"] = std::string("peer");
  EXPECT_TRUE(decide(*bundle, req).permitted());
}

TEST(EngineTest, BridgeAttributesComeFromTheBundle) {
  const auto bundle = withRules(
      "  - {id: E, effect: permit, actions: [message.egress], when: [\"dominates(bridge.clearance, "
      "message.label)\"]}\n");
  auto req = request("message.egress", {{"bridge.id", std::string("peer")},
                                        {"message.label", std::string("SECRET REL FRA")},
                                        {"bridge.clearance", std::string("SECRET REL FRA")}});
  EXPECT_FALSE(decide(*bundle, req).permitted());  // the peer holds CONFIDENTIAL REL FRA
  req.attributes["message.label"] = std::string("CONFIDENTIAL REL FRA,GBR");
  EXPECT_TRUE(decide(*bundle, req).permitted());
  req.attributes["bridge.id"] = std::string("unknown-peer");
  EXPECT_EQ(decide(*bundle, req).errors, Strings{"missing:bridge.clearance"});
}

TEST(EngineTest, TheMessageLabelDefaultsToTheChannelLabel) {
  const auto bundle = withRules(
      "  - {id: P, effect: permit, actions: [message.post], when: [\"dominates(subject.clearance, "
      "message.label)\"]}\n");
  auto req = member();
  req.action = "message.post";
  req.attributes["channel.label"] = std::string("SECRET REL GBR NW-CMD");
  EXPECT_FALSE(decide(*bundle, req).permitted());
  req.attributes["message.label"] = std::string("UNCLASSIFIED");
  EXPECT_TRUE(decide(*bundle, req).permitted());
}

TEST(EngineTest, RemoteLabelsAreMappedOrFailClosed) {
  const auto bundle = withRules(
      "  - {id: N, effect: permit, actions: [message.ingress], when: [\"remote.server_allowed\"]}\n"
      "  - {id: I, effect: forbid, actions: [message.ingress], when: "
      "[\"!dominates(bridge.clearance, message.label)\"]}\n");
  auto req = request("message.ingress", {{"bridge.id", std::string("peer")},
                                         {"remote.server", std::string("a.example")},
                                         {"channel.label", std::string("UNCLASSIFIED")},
                                         {"remote.label", std::string("THEIR//SECRET")}});
  auto decision = decide(*bundle, req);
  EXPECT_EQ(decision.determiningRules, Strings{"I"});  // mapped to SECRET REL FRA > the peer
  EXPECT_TRUE(decision.errors.empty());
  req.attributes["remote.label"] = std::string("THEIR//COSMIC");
  decision = decide(*bundle, req);
  EXPECT_FALSE(decision.permitted());
  EXPECT_EQ(decision.errors, Strings{"label_unmapped"});  // not the channel label's default
  req.attributes.erase("remote.label");
  EXPECT_TRUE(decide(*bundle, req).permitted());
  req.attributes["remote.server"] = std::string("b.example");
  EXPECT_FALSE(decide(*bundle, req).permitted());  // not in remote_servers.allow
}

TEST(EngineTest, ARemoteUserIsNeverTrustedBeyondItsPeersClearance) {
  const auto bundle = withRules(
      "  - {id: P, effect: permit, actions: [channel.read], when: [\"dominates(subject.clearance, "
      "channel.label)\"]}\n");
  auto req = member();  // SECRET REL GBR in a CONFIDENTIAL REL GBR channel
  req.attributes["channel.label"] = std::string("CONFIDENTIAL REL FRA");
  req.attributes["subject.clearance"] = std::string("SECRET REL FRA,GBR");
  EXPECT_TRUE(decide(*bundle, req).permitted());
  req.attributes["subject.remote"] = std::string("peer");  // the peer holds CONFIDENTIAL REL FRA
  EXPECT_TRUE(decide(*bundle, req).permitted());
  req.attributes["channel.label"] = std::string("SECRET REL FRA");
  EXPECT_FALSE(decide(*bundle, req).permitted());
  req.attributes["channel.label"] = std::string("CONFIDENTIAL REL GBR");
  EXPECT_FALSE(decide(*bundle, req).permitted());
  req.attributes["subject.remote"] = std::string("unknown-peer");
  req.attributes["channel.label"] = std::string("UNCLASSIFIED");
  const auto unknown = decide(*bundle, req);
  EXPECT_FALSE(unknown.permitted());
  EXPECT_EQ(unknown.errors, Strings{"missing:subject.clearance"});
}

TEST(EngineTest, ObligationsAreRenderedAndMergedOverDeterminingPermits) {
  const auto bundle = withRules(
      "  - id: A\n    effect: permit\n    actions: [channel.read]\n"
      "    obligations: [{add_banner: {text: \"{{channel.label.marking}}\"}}, "
      "{strip_file_metadata: {}}]\n"
      "  - id: B\n    effect: permit\n    actions: [channel.read]\n"
      "    obligations: [{strip_file_metadata: {}}, {rewrite_sender: {display: "
      "\"{{subject.display}} ({{subject.role}})\"}}]\n");
  auto req = member();
  req.attributes["subject.display"] = std::string("Alice");
  const auto decision = decide(*bundle, req);
  ASSERT_TRUE(decision.permitted());
  EXPECT_EQ(decision.determiningRules, (Strings{"A", "B"}));
  ASSERT_EQ(decision.obligations.size(), 3u);
  EXPECT_EQ(decision.obligations[0].type, "add_banner");
  EXPECT_EQ(decision.obligations[0].params["text"], "CONFIDENTIAL REL TO GBR");
  EXPECT_EQ(decision.obligations[1].type, "strip_file_metadata");
  EXPECT_EQ(decision.obligations[2].params["display"], "Alice (member)");
}

TEST(EngineTest, AnObligationThatCannotBeFulfilledDenies) {
  const auto bundle = withRules(
      "  - {id: A, effect: permit, actions: [channel.read], obligations: [{rewrite_sender: "
      "{display: \"{{subject.display}}\"}}]}\n");
  const auto decision = decide(*bundle, member());  // no subject.display to render
  EXPECT_FALSE(decision.permitted());
  EXPECT_TRUE(decision.determiningRules.empty());
  EXPECT_TRUE(decision.obligations.empty());
  EXPECT_EQ(decision.reasonCode, kReasonObligation);
  EXPECT_EQ(decision.errors, Strings{"obligation_unfulfillable:rewrite_sender"});
  EXPECT_EQ(decision.reason,
            "permitted by A but an obligation cannot be fulfilled: A: rewrite_sender "
            "(missing:subject.display)");
}

TEST(EngineTest, SetLabelCarriesTheLabelAndItsMappedEquivalent) {
  const auto bundle = withRules(
      "  - {id: E, effect: permit, actions: [message.egress], obligations: [{set_label: {format: "
      "xep0258, map: peer.label_map}}]}\n");
  auto req = request("message.egress", {{"bridge.id", std::string("peer")},
                                        {"message.label", std::string("SECRET REL FRA")}});
  auto decision = decide(*bundle, req);
  ASSERT_TRUE(decision.permitted());
  EXPECT_EQ(decision.obligations[0].params, (nlohmann::json{{"format", "xep0258"},
                                                            {"map", "peer.label_map"},
                                                            {"label", "SECRET REL FRA"},
                                                            {"marking", "SECRET REL TO FRA"},
                                                            {"equivalent", "THEIR//SECRET"}}));
  req.attributes.erase("message.label");
  decision = decide(*bundle, req);
  EXPECT_FALSE(decision.permitted());
  EXPECT_EQ(decision.errors, Strings{"obligation_unfulfillable:set_label"});
}

TEST(EngineTest, ForbidsCarryTheirDenyObligationsAndReason) {
  const auto bundle = withRules(
      "  - id: F\n    effect: forbid\n    actions: [channel.read]\n    when: "
      "[\"subject.via_vpn\"]\n"
      "    reason: \"{{subject.role}} over VPN\"\n    reason_code: policy.denied.vpn\n"
      "    on_deny: [{notify_sender: \"blocked\"}, {quarantine: {queue: review}}]\n");
  const auto decision = decide(*bundle, member());
  EXPECT_FALSE(decision.permitted());
  EXPECT_EQ(decision.reason, "member over VPN");
  EXPECT_EQ(decision.reasonCode, "policy.denied.vpn");
  ASSERT_EQ(decision.obligations.size(), 2u);
  EXPECT_EQ(decision.obligations[0], (Obligation{"notify_sender", {{"text", "blocked"}}}));
  EXPECT_EQ(decision.obligations[1], (Obligation{"quarantine", {{"queue", "review"}}}));
}

TEST(EngineTest, ExpressionsOverSetsTimesAndMissions) {
  const auto bundle = withRules(
      "  - id: P\n    effect: permit\n    actions: [channel.read]\n    clauses:\n"
      "      window: \"env.now >= missions[channel.mission].start && env.now <= "
      "missions[channel.mission].end\"\n"
      "      clean: \"!content.flags.exists(f, f in ['malware'])\"\n"
      "      mission: \"subject.missions.exists(m, m == channel.mission)\"\n"
      "      badge: \"!has(subject.badge) || subject.badge != 'revoked'\"\n");
  auto req = member();
  req.attributes["channel.mission"] = std::string("M1");
  req.attributes["subject.missions"] = Strings{"M0", "M1"};
  req.attributes["env.now"] = std::string("2025-06-01T00:00:00Z");
  EXPECT_TRUE(decide(*bundle, req).permitted());
  req.attributes["subject.badge"] = std::string("revoked");
  EXPECT_EQ(decide(*bundle, req).closest->failedClause, "badge");
  req.attributes.erase("subject.badge");
  req.attributes["content.flags"] = Strings{"dirty_word", "malware"};
  EXPECT_EQ(decide(*bundle, req).closest->failedClause, "clean");
  req.attributes.erase("content.flags");
  req.attributes["env.now"] = std::int64_t{1767225600};  // 2026-01-01, seconds
  EXPECT_EQ(decide(*bundle, req).closest->failedClause, "window");
  req.attributes["channel.mission"] = std::string("M9");
  req.attributes["subject.missions"] = Strings{"M9"};
  const auto unknown = decide(*bundle, req);
  EXPECT_EQ(unknown.closest->failedClause, "window");
  EXPECT_EQ(unknown.errors, Strings{"unknown_mission"});
}

TEST(EngineTest, UnknownActionsAreDenied) {
  const auto bundle = withRules(kPermitRead);
  const auto decision = decide(*bundle, request("channel.delete"));
  EXPECT_FALSE(decision.permitted());
  EXPECT_EQ(decision.errors, Strings{"unknown_action"});
}

TEST(EngineTest, PreparedRequestsDecideLikeRequests) {
  const auto bundle = withRules(kPermitRead);
  const auto prepared = prepare(*bundle, member());
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(decide(*bundle, prepared).permitted());
}

TEST(EngineTest, AdminJsonHasEverythingAndTheUserMessageNoLabels) {
  const auto bundle = withRules(
      "  - {id: F, effect: forbid, actions: [channel.read], when: [\"!dominates(subject.clearance, "
      "channel.label)\"],\n"
      "     reason: \"{{channel.label.marking}} is above the clearance\"}\n");
  auto req = member();
  req.attributes["subject.clearance"] = std::string("RESTRICTED REL GBR");
  const auto decision = decide(*bundle, req);
  const auto json = toAdminJson(decision);
  EXPECT_EQ(json["decision"], "deny");
  EXPECT_EQ(json["determining_rules"], nlohmann::json({"F"}));
  EXPECT_EQ(json["reason"], "CONFIDENTIAL REL TO GBR is above the clearance");
  EXPECT_EQ(json["reason_code"], "policy.denied.forbidden");
  EXPECT_EQ(json["bundle_hash"], bundle->hash);
  const auto message = userMessage(decision);
  EXPECT_EQ(message, "Not allowed by the gateway's security policy (policy.denied.forbidden).");
  EXPECT_EQ(message.find("CONFIDENTIAL"), std::string::npos);
}

TEST(EngineTest, ChannelAttributesFromTheBundle) {
  const auto bundle = testing::compileOrFail(
      testing::bundleHead() +
      "channels:\n  \"t/ops\": {label: \"SECRET REL GBR\", guests: true, mission: M1}\n"
      "rules:\n  - {id: P, effect: permit, actions: [channel.read], when: [\"channel.guests && "
      "dominates(subject.clearance, channel.label)\"]}\n");
  auto req = member();
  req.attributes.erase("channel.label");
  EXPECT_FALSE(addChannelAttributes(*bundle, "t/none", req));
  ASSERT_TRUE(addChannelAttributes(*bundle, "t/ops", req));
  EXPECT_EQ(std::get<std::string>(req.attributes["channel.name"]), "t/ops");
  EXPECT_TRUE(decide(*bundle, req).permitted());
}

}  // namespace
}  // namespace parley::policy
