// The PolicyTest runner: what a failing test, property or coverage requirement reports, and
// which test files do not load.

#include "core/policy/policy_test.hpp"

#include <gtest/gtest.h>

#include "tests/unit/core/policy/policy_fixtures.hpp"

namespace parley::policy {
namespace {

const std::string kRules =
    "rules:\n"
    "  - {id: P, effect: permit, actions: [channel.read], when: [\"dominates(subject.clearance, "
    "channel.label)\"]}\n"
    "  - {id: F, effect: forbid, actions: [channel.read], when: [\"subject.role == 'guest'\"],\n"
    "     on_deny: [{notify_sender: \"no\"}]}\n"
    "channels:\n  \"t/ops\": {label: \"CONFIDENTIAL REL GBR\", mission: M1}\n";

const std::string kHead = "apiVersion: parley.policy/v1\nkind: PolicyTest\n";

core::Result<TestReport> run(const std::string& tests) {
  const auto bundle = testing::compileOrFail(testing::bundleHead() + kRules);
  return runPolicyTests(*bundle, {{"t_test.yaml", kHead + tests}});
}

TEST(PolicyTestRunnerTest, PassingTestsAndProperties) {
  auto report =
      run("fixtures:\n  subjects:\n    ann: {role: member, clearance: \"SECRET REL GBR\"}\n"
          "    gus: {role: guest, clearance: \"SECRET REL GBR\"}\n"
          "tests:\n"
          "  - request: {action: channel.read, subject: ann, channel: t/ops}\n"
          "    expect: {decision: permit, by: [P], obligations: []}\n"
          "  - request: {action: channel.read, subject: gus, channel: t/ops}\n"
          "    expect: {decision: deny, by: [F], obligations: [notify_sender],\n"
          "             obligations_include: [{notify_sender: {text: \"no\"}}], errors: []}\n"
          "properties:\n"
          "  - name: no read without dominance\n"
          "    for_all: {action: channel.read, subject.clearance: \"*\", channel.label: \"*\", "
          "subject.role: \"*\"}\n"
          "    assert: \"decision == 'deny' || dominates(subject.clearance, channel.label)\"\n");
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->passed()) << (report->failures.empty() ? "" : report->failures.front());
  EXPECT_EQ(report->tests, 2);
  EXPECT_EQ(report->properties, 1);
  EXPECT_EQ(report->propertyCases, 64 * 64 * 2);
  EXPECT_EQ(report->summary(),
            "2 tests (0 failed), 1 properties over 8192 cases (0 failed): all passed");
}

TEST(PolicyTestRunnerTest, AFailingTestSaysWhatDiffered) {
  auto report =
      run("tests:\n"
          "  - name: members read\n"
          "    request: {action: channel.read, subject: {role: member, clearance: \"RESTRICTED\"}, "
          "channel: t/ops}\n"
          "    expect: {decision: permit, by: [P]}\n");
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_EQ(report->failures.size(), 1u);
  EXPECT_EQ(report->failures[0],
            "t_test.yaml:4: test \"members read\": expected permit, expected P among the "
            "determining rules; got deny by [], closest P failed when[0], reason \"no rule "
            "permits channel.read; closest: P (failed: when[0])\"");
  EXPECT_EQ(report->testsFailed, 1);
}

TEST(PolicyTestRunnerTest, AFailingPropertyReportsItsFirstCounterexample) {
  auto report =
      run("properties:\n"
          "  - name: guests never read\n"
          "    for_all: {action: channel.read, subject.role: \"*\", subject.clearance: [\"SECRET "
          "REL GBR\"], channel: \"*\"}\n"
          "    assert: \"decision == 'deny' || subject.role == 'guest'\"\n");
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_EQ(report->failures.size(), 1u);
  EXPECT_EQ(report->failures[0],
            "t_test.yaml:4: property \"guests never read\" fails for channel=t/ops, "
            "action=channel.read, subject.role=member, subject.clearance=SECRET REL GBR: got "
            "permit by [P], reason \"permitted by P\"");
  EXPECT_EQ(report->propertiesFailed, 1);
}

TEST(PolicyTestRunnerTest, CoverageNamesRulesNeverTrueOrFalse) {
  auto report =
      run("tests:\n"
          "  - request: {action: channel.read, subject: {role: member, clearance: \"SECRET REL "
          "GBR\"}, channel: t/ops}\n"
          "    expect: {decision: permit}\n"
          "coverage: {require: every_rule_true_and_false, every_obligation_type: true}\n");
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(
      report->coverage,
      (std::vector<std::string>{"rule P was never unsatisfied", "rule F was never satisfied",
                                "obligation type notify_sender was never produced by a decision"}));
  EXPECT_EQ(report->failures.front(), "t_test.yaml:6: coverage: rule P was never unsatisfied");
  EXPECT_FALSE(report->passed());
}

TEST(PolicyTestRunnerTest, BadTestFilesDoNotLoad) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"tests:\n  - request: {action: channel.read, subject: nobody}\n    expect: {decision: "
       "deny}\n",
       "t_test.yaml:4: unknown subject fixture \"nobody\""},
      {"tests:\n  - request: {action: channel.read, subject: {rank: 3}}\n    expect: {decision: "
       "deny}\n",
       "t_test.yaml:4: unknown attribute subject.rank"},
      {"tests:\n  - request: {action: channel.read, subject: {clearance: \"TOP\"}}\n    expect: "
       "{decision: deny}\n",
       "t_test.yaml:4: subject.clearance: the value does not fit its type (label)"},
      {"tests:\n  - request: {action: channel.eat}\n    expect: {decision: deny}\n",
       "t_test.yaml:4: unknown action \"channel.eat\" (actions: channel.join, channel.read, "
       "message.post, file.upload, file.download, message.egress, thread.egress, file.egress, "
       "user.egress, message.ingress, file.ingress, channel.link)"},
      {"tests:\n  - request: {action: channel.read}\n    expect: {decision: maybe}\n",
       "t_test.yaml:5: expect.decision must be permit or deny"},
      {"tests:\n  - request: {action: channel.read}\n    expect: {by: [Q]}\n",
       "t_test.yaml:5: unknown rule \"Q\""},
      {"tests:\n  - request: {action: channel.read}\n    expect: {decison: deny}\n",
       "t_test.yaml:5: unknown key \"decison\" in expect (expected decision, by, obligations, "
       "obligations_include, reason_contains, closest, errors, errors_present)"},
      {"properties:\n  - {name: p, for_all: {action: channel.read, file.size: \"*\"}, assert: "
       "\"true\"}\n",
       "t_test.yaml:4: file.size (int) has no finite domain; list its values instead of \"*\""},
      {"properties:\n  - {name: p, for_all: {action: channel.read}, assert: \"decision == "
       "'allow'\"}\n",
       "t_test.yaml:4: property p: 'allow' is not a value of decision (permit, deny)"},
      {"tests: [\n", "t_test.yaml:4: bad YAML: end of sequence flow not found"},
  };
  for (const auto& [text, message] : cases) {
    auto report = run(text);
    ASSERT_FALSE(report.ok()) << text;
    EXPECT_EQ(report.error().message, message) << text;
  }
}

TEST(PolicyTestRunnerTest, ExplainRequestsReadInlineAttributes) {
  const auto bundle = testing::compileOrFail(testing::bundleHead() + kRules);
  auto request = requestFromYaml(
      *bundle, {"r.yaml",
                "action: channel.read\nsubject: {role: member, clearance: \"SECRET\"}\n"
                "channel: t/ops\nnow: \"2025-12-01T10:00:00Z\"\n"});
  ASSERT_TRUE(request.ok()) << request.error().message;
  EXPECT_EQ(request->action, "channel.read");
  EXPECT_EQ(std::get<std::string>(request->attributes.at("channel.label")), "CONFIDENTIAL REL GBR");
  EXPECT_EQ(std::get<std::string>(request->attributes.at("env.now")), "2025-12-01T10:00:00Z");
  EXPECT_EQ(request->attributes.count("subject.display"), 0u);
  auto bad = requestFromYaml(*bundle, {"r.yaml", "action: channel.read\nchannel: t/none\n"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "r.yaml:2: channel \"t/none\" is not in the bundle's channels");
}

}  // namespace
}  // namespace parley::policy
