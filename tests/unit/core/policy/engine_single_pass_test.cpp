// The engine's one-pass evaluation (closest permit found while the permits are evaluated,
// obligations rendered once per distinct spec) against a straightforward reference: the
// closest permit searched in a second pass over every permit of the action, clause by clause.

#include <gtest/gtest.h>

#include <algorithm>

#include "core/policy/expr/compiler.hpp"
#include "tests/unit/core/policy/policy_fixtures.hpp"

namespace parley::policy {
namespace {

using testing::bundleHead;
using testing::compileOrFail;
using testing::northwind;

// The reference: every permit naming the action, every clause evaluated; most clauses
// satisfied wins, then fewest failures, then rule order.
std::optional<ClosestPermit> referenceClosest(const CompiledBundle& bundle,
                                              const PreparedRequest& request) {
  EvalContext ctx;
  ctx.slots = request.slots.data();
  const auto holds = [&](const Clause& clause) {
    Val v = clause.node->eval(ctx);
    if (v.isError()) return false;
    return clause.negated ? !v.b : v.b;
  };
  std::optional<ClosestPermit> best;
  int bestSatisfied = -1, bestFailures = 0;
  for (const int index : bundle.permitsByAction[static_cast<std::size_t>(request.action)]) {
    const Rule& rule = bundle.rules[static_cast<std::size_t>(index)];
    std::string failed;
    int satisfiedClauses = 0, failures = 0;
    if (!rule.bridges.empty() &&
        std::find(rule.bridges.begin(), rule.bridges.end(), request.bridge) == rule.bridges.end()) {
      failed = "target.bridge";
      ++failures;
    }
    for (const auto& clause : rule.all) {
      if (holds(clause)) {
        ++satisfiedClauses;
        continue;
      }
      if (failed.empty()) failed = clause.name;
      ++failures;
    }
    if (!rule.any.empty()) {
      if (std::any_of(rule.any.begin(), rule.any.end(), holds)) {
        ++satisfiedClauses;
      } else {
        if (failed.empty()) failed = "any_of";
        ++failures;
      }
    }
    if (failed.empty()) failed = "obligations";
    if (!best || satisfiedClauses > bestSatisfied ||
        (satisfiedClauses == bestSatisfied && failures < bestFailures)) {
      best = ClosestPermit{rule.id, failed};
      bestSatisfied = satisfiedClauses;
      bestFailures = failures;
    }
  }
  return best;
}

void expectSameClosest(const CompiledBundle& bundle, const PreparedRequest& request,
                       const Decision& decision, std::int64_t& compared) {
  const bool defaultDeny = !decision.permitted() && decision.determiningRules.empty() &&
                           decision.reasonCode == kReasonNoPermit;
  if (!defaultDeny) {
    EXPECT_FALSE(decision.closest.has_value()) << toAdminJson(decision).dump();
    return;
  }
  ++compared;
  const auto expected = referenceClosest(bundle, request);
  ASSERT_EQ(decision.closest.has_value(), expected.has_value()) << toAdminJson(decision).dump();
  if (!expected) return;
  ASSERT_EQ(decision.closest->rule, expected->rule) << toAdminJson(decision).dump();
  ASSERT_EQ(decision.closest->failedClause, expected->failedClause) << toAdminJson(decision).dump();
}

// The enumeration of the northwind property (every clearance × every channel label, for each
// local action, role and guests flag) plus the egress actions over both bridges: on every
// default deny the closest permit is the reference's.
TEST(EngineSinglePassTest, ClosestPermitEqualsTheTwoPassReferenceOnNorthwind) {
  const auto bundle = northwind();
  ASSERT_NE(bundle, nullptr);
  const auto& nw = bundle->catalog.labelPolicies.at(0);
  const auto labels = nw.allLabels();
  const auto slotOf = [&](const char* name) {
    return static_cast<std::size_t>(bundle->catalog.attribute(name)->slot);
  };
  const std::size_t clearanceSlot = slotOf("subject.clearance");
  const std::size_t channelSlot = slotOf("channel.label");
  const std::size_t messageSlot = slotOf("message.label");
  std::int64_t compared = 0;
  for (const char* action : {"channel.read", "channel.join", "message.post", "file.upload",
                             "file.download", "message.egress", "file.egress"}) {
    for (const char* bridge : {"", "matrix-fra", "xmpp-usa"}) {
      for (const char* role : {"member", "guest", "channel_admin", "releasing_officer"}) {
        for (const bool guests : {true, false}) {
          Request base{action,
                       {{"subject.role", std::string(role)},
                        {"subject.nationality", std::string("GBR")},
                        {"subject.clearance", std::string("UNCLASSIFIED")},
                        {"subject.missions", std::vector<std::string>{"NORTHWIND"}},
                        {"subject.via_vpn", true},
                        {"subject.display", std::string("someone")},
                        {"channel.label", std::string("UNCLASSIFIED")},
                        {"channel.mission", std::string("NORTHWIND")},
                        {"channel.guests", guests},
                        {"file.type", std::string("application/pdf")},
                        {"file.size", std::int64_t{1024}},
                        {"env.now", std::string("2025-12-01T10:00:00Z")}}};
          if (*bridge) base.attributes["bridge.id"] = std::string(bridge);
          auto prepared = prepare(*bundle, base);
          ASSERT_TRUE(prepared.slots[clearanceSlot].present);
          for (std::size_t c = 0; c < labels.size(); c += *bridge ? 3 : 1) {
            prepared.slots[clearanceSlot].value.label = labels[c];
            for (const auto& channel : labels) {
              prepared.slots[channelSlot].value.label = channel;
              prepared.slots[messageSlot].present = true;
              prepared.slots[messageSlot].value.label = channel;
              const auto decision = decide(*bundle, prepared);
              ASSERT_NO_FATAL_FAILURE(expectSameClosest(*bundle, prepared, decision, compared));
            }
          }
        }
      }
    }
  }
  EXPECT_GT(compared, 10000);  // default denies are most of the enumeration
}

// Permits that tie, that target another bridge, that fail in any_of or through an absent
// attribute: every combination of the request's attributes gives the reference's closest.
TEST(EngineSinglePassTest, ClosestPermitEqualsTheReferenceOnTiesTargetsAndAnyOf) {
  const auto bundle = testing::withRules(R"(
  - {id: A, effect: permit, actions: [message.egress], bridges: [peer],
     when: ["subject.via_vpn", "file.size > 10"]}
  - {id: B, effect: permit, actions: [message.egress], when: ["subject.role == 'guest'"],
     any_of: ["file.size > 100", "subject.via_vpn"]}
  - {id: C, effect: permit, actions: [message.egress], unless: ["subject.via_vpn"],
     when: ["file.size > 100"]}
  - {id: D, effect: permit, actions: [message.egress], bridges: [peer],
     clauses: {guest: "subject.role == 'guest'", big: "file.size > 1000"}}
)");
  ASSERT_NE(bundle, nullptr);
  std::int64_t compared = 0, permits = 0;
  for (const bool bridge : {false, true}) {
    for (const char* role : {"member", "guest", ""}) {
      for (const int vpn : {0, 1, 2}) {
        for (const std::int64_t size : {-1, 5, 50, 500, 5000}) {
          Request request{"message.egress", {}};
          if (bridge) request.attributes["bridge.id"] = std::string("peer");
          if (*role) request.attributes["subject.role"] = std::string(role);
          if (vpn < 2) request.attributes["subject.via_vpn"] = vpn == 1;
          if (size >= 0) request.attributes["file.size"] = size;
          const auto prepared = prepare(*bundle, request);
          const auto decision = decide(*bundle, prepared);
          permits += decision.permitted() ? 1 : 0;
          ASSERT_NO_FATAL_FAILURE(expectSameClosest(*bundle, prepared, decision, compared));
        }
      }
    }
  }
  EXPECT_GT(compared, 20);
  EXPECT_GT(permits, 0);
}

// A clause repeated in several rules is evaluated once per decision and shared; the shared
// result never leaks into the next decision, of the same bundle or of another one.
TEST(EngineSinglePassTest, RepeatedClausesAreSharedWithinOneDecisionOnly) {
  const auto shared = testing::withRules(R"(
  - {id: F, effect: forbid, actions: [message.egress], when: ["subject.role == 'guest'", "subject.via_vpn"]}
  - {id: P1, effect: permit, actions: [message.egress], when: ["subject.via_vpn", "file.size > 10"]}
  - {id: P2, effect: permit, actions: [message.egress], unless: ["subject.via_vpn"],
     when: ["file.size > 10"]}
)");
  const auto other = testing::withRules(R"(
  - {id: Q1, effect: permit, actions: [message.egress], when: ["file.size > 10", "subject.via_vpn"]}
  - {id: Q2, effect: permit, actions: [message.egress], when: ["file.size > 10"]}
)");
  ASSERT_NE(shared, nullptr);
  ASSERT_NE(other, nullptr);
  const auto ask = [](const CompiledBundle& bundle, const char* role, bool vpn, std::int64_t size) {
    return decide(bundle, Request{"message.egress",
                                  {{"subject.role", std::string(role)},
                                   {"subject.via_vpn", vpn},
                                   {"file.size", size}}});
  };
  for (int round = 0; round < 3; ++round) {
    const auto vpnMember = ask(*shared, "member", true, 50);
    EXPECT_EQ(vpnMember.determiningRules, std::vector<std::string>{"P1"});
    const auto plainMember = ask(*shared, "member", false, 50);
    EXPECT_EQ(plainMember.determiningRules, std::vector<std::string>{"P2"});
    const auto vpnGuest = ask(*shared, "guest", true, 50);
    EXPECT_FALSE(vpnGuest.permitted());
    EXPECT_EQ(vpnGuest.determiningRules, std::vector<std::string>{"F"});
    const auto small = ask(*other, "member", true, 5);
    EXPECT_FALSE(small.permitted());
    const auto big = ask(*other, "member", false, 50);
    EXPECT_EQ(big.determiningRules, std::vector<std::string>{"Q2"});
  }
}

// Permits whose obligations are equal render them once; obligations that differ only in
// their parameters are all kept; a permit firing with an unfulfillable one is still a deny.
TEST(EngineSinglePassTest, EqualObligationsOfSeveralPermitsAreRenderedOnce) {
  const auto bundle = compileOrFail(bundleHead() + R"(
rules:
  - id: P1
    effect: permit
    actions: [message.post]
    obligations:
      - add_banner: {text: "{{channel.label.marking}}"}
      - set_metadata: {key: a, value: "1"}
  - id: P2
    effect: permit
    actions: [message.post]
    obligations:
      - add_banner: {text: "{{channel.label.marking}}"}
      - set_metadata: {key: b, value: "2"}
  - id: P3
    effect: permit
    actions: [file.upload]
    obligations:
      - add_banner: {text: "{{subject.badge}}"}
)");
  ASSERT_NE(bundle, nullptr);
  const auto decision =
      decide(*bundle, Request{"message.post", {{"channel.label", std::string("SECRET REL FRA")}}});
  ASSERT_TRUE(decision.permitted()) << toAdminJson(decision).dump();
  EXPECT_EQ(decision.determiningRules, (std::vector<std::string>{"P1", "P2"}));
  ASSERT_EQ(decision.obligations.size(), 3u) << toAdminJson(decision).dump();
  EXPECT_EQ(decision.obligations[0].type, "add_banner");
  EXPECT_EQ(decision.obligations[0].params.at("text"), "SECRET REL TO FRA");
  EXPECT_EQ(decision.obligations[1].params.at("key"), "a");
  EXPECT_EQ(decision.obligations[2].params.at("key"), "b");

  const auto denied = decide(*bundle, Request{"file.upload", {}});
  EXPECT_FALSE(denied.permitted());
  EXPECT_EQ(denied.reasonCode, kReasonObligation);
  EXPECT_TRUE(denied.obligations.empty());
}

// The digit-by-digit reading of plain RFC 3339 times agrees with the general one.
TEST(EngineSinglePassTest, PlainTimesAreReadLikeTheGeneralForm) {
  EXPECT_EQ(expr::parseTime("2025-12-01T10:00:00Z"), 1764583200);
  EXPECT_EQ(expr::parseTime("2025-12-01T10:00:00.5Z"), 1764583200);
  EXPECT_EQ(expr::parseTime("2025-12-01T12:30:00+02:30"), 1764583200);
  EXPECT_EQ(expr::parseTime("2024-02-29T00:00:00Z"), 1709164800);
  EXPECT_EQ(expr::parseTime("2025-13-01T10:00:00Z"), std::nullopt);
  EXPECT_EQ(expr::parseTime("2025-12-01T24:00:00Z"), std::nullopt);
  EXPECT_EQ(expr::parseTime("2025-12-01T10:00:00"), std::nullopt);
  EXPECT_EQ(expr::parseTime("2025-12-01T10:00:0Z"), std::nullopt);
  EXPECT_EQ(expr::parseTime("2025-1a-01T10:00:00Z"), std::nullopt);
}

}  // namespace
}  // namespace parley::policy
