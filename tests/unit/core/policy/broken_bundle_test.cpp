// A table of broken policy files: each must fail to load with exactly this "file:line: message".

#include <gtest/gtest.h>

#include "core/policy/compiler.hpp"
#include "tests/unit/core/policy/policy_fixtures.hpp"

namespace parley::policy {
namespace {

struct Broken {
  const char* name;
  std::string text;
  std::string message;
};

// bundleHead() is 26 lines; the rules of these cases start on line 28.
std::string rules(const std::string& text) { return testing::bundleHead() + "rules:\n" + text; }

std::vector<Broken> brokenFiles() {
  const std::string minimal = "apiVersion: parley.policy/v1\nkind: PolicyBundle\n";
  return {
      {"unknown attribute",
       rules("  - {id: r, effect: permit, actions: [channel.read], when: [\"subject.clearnce == "
             "'x'\"]}\n"),
       "broken.yaml:28: rule r, clause when[0]: unknown attribute \"subject.clearnce\""},
      {"int compared with a string",
       rules("  - id: r\n    effect: forbid\n    actions: [file.upload]\n    clauses:\n      size: "
             "\"file.size > '25MiB'\"\n"),
       "broken.yaml:32: rule r, clause size: cannot compare file.size (int) with '25MiB' (string)"},
      {"in on a non-set",
       rules("  - {id: r, effect: permit, actions: [channel.read], when: [\"subject.role in "
             "file.size\"]}\n"),
       "broken.yaml:28: rule r, clause when[0]: the right side of 'in' must be a set or a list, "
       "got "
       "file.size (int)"},
      {"enum literal outside its values",
       rules("  - {id: r, effect: permit, actions: [channel.read], when: [\"subject.role == "
             "'admin'\"]}\n"),
       "broken.yaml:28: rule r, clause when[0]: 'admin' is not a value of subject.role (member, "
       "guest)"},
      {"syntax error in a clause",
       rules("  - {id: r, effect: permit, actions: [channel.read], when: [\"subject.role = "
             "'member'\"]}\n"),
       "broken.yaml:28: rule r, clause when[0]: column 14: use == to compare"},
      {"unknown obligation type",
       rules("  - id: r\n    effect: permit\n    actions: [message.egress]\n    obligations:\n"
             "      - encrypt: {key: k}\n"),
       "broken.yaml:32: rule r: unknown obligation type \"encrypt\" (known: add_banner, "
       "set_metadata, "
       "set_label, rewrite_sender, strip_denied_attachments, strip_file_metadata, redact_fields, "
       "tag_origin, notify_sender, quarantine)"},
      {"obligation with an unknown parameter",
       rules("  - id: r\n    effect: permit\n    actions: [message.egress]\n    obligations:\n"
             "      - add_banner: {txt: x}\n"),
       "broken.yaml:32: rule r: add_banner has no parameter \"txt\" (parameters: text, position)"},
      {"deny obligation on a permit",
       rules("  - {id: r, effect: permit, actions: [message.egress], obligations: [{quarantine: "
             "{queue: q}}]}\n"),
       "broken.yaml:28: rule r: quarantine applies to denials; put it under on_deny of a forbid"},
      {"tier-0 rule that permits",
       rules("  - {id: r, tier: 0, effect: permit, actions: [message.egress]}\n"),
       "broken.yaml:28: rule r is in tier 0, which holds forbid and require rules only; it cannot "
       "permit"},
      {"optional attribute without a has() guard",
       rules("  - id: r\n    effect: forbid\n    actions: [channel.read]\n    when:\n"
             "      - \"subject.role == 'guest'\"\n      - \"subject.badge == 'revoked'\"\n"),
       "broken.yaml:33: rule r, clause when[1]: subject.badge is optional and can be absent; guard "
       "it with has(subject.badge)"},
      {"a guard under || does not guard",
       rules("  - {id: r, effect: forbid, actions: [channel.read], when: [\"has(subject.badge) || "
             "subject.badge == 'x'\"]}\n"),
       "broken.yaml:28: rule r, clause when[0]: subject.badge is optional and can be absent; guard "
       "it with has(subject.badge)"},
      {"unknown action", rules("  - {id: r, effect: permit, actions: [channel.delete]}\n"),
       "broken.yaml:28: rule r can never match: unknown action \"channel.delete\" (actions: "
       "channel.join, channel.read, message.post, file.upload, file.download, message.egress, "
       "thread.egress, file.egress, user.egress, message.ingress, file.ingress, channel.link)"},
      {"bridge not configured",
       rules("  - {id: r, effect: permit, actions: [message.egress], bridges: [matrix-deu]}\n"),
       "broken.yaml:28: rule r can never match: bridge \"matrix-deu\" is not configured under "
       "bridges"},
      {"bridge target on a local action",
       rules("  - {id: r, effect: permit, actions: [channel.join], bridges: [peer]}\n"),
       "broken.yaml:28: rule r can never match channel.join: local actions have no bridge"},
      {"contradictory clauses",
       rules("  - id: r\n    effect: permit\n    actions: [channel.read]\n    clauses:\n"
             "      guest: \"subject.role == 'guest'\"\n      member: \"subject.role == "
             "'member'\"\n"),
       "broken.yaml:33: rule r can never match: clauses guest and member contradict each other on "
       "subject.role"},
      {"a clause and its negation",
       rules("  - {id: r, effect: permit, actions: [channel.read], when: [\"subject.via_vpn\"], "
             "unless: [\"subject.via_vpn\"]}\n"),
       "broken.yaml:28: rule r can never match: clauses when[0] and unless[0] contradict each "
       "other "
       "on subject.via_vpn"},
      {"duplicate rule id",
       rules("  - {id: r, effect: permit, actions: [channel.read]}\n"
             "  - {id: r, effect: forbid, actions: [channel.join]}\n"),
       "broken.yaml:29: duplicate rule id \"r\" (first defined at broken.yaml:28)"},
      {"obligations on a forbid",
       rules("  - {id: r, effect: forbid, actions: [channel.read], obligations: "
             "[{strip_file_metadata: {}}]}\n"),
       "broken.yaml:28: rule r: obligations belong to permits; a forbid's go under on_deny"},
      {"unknown attribute in a template",
       rules("  - {id: r, effect: forbid, actions: [channel.read], reason: \"{{subject.name}} "
             "denied\"}\n"),
       "broken.yaml:28: rule r.reason: unknown attribute \"subject.name\" in template"},
      {"set_label map of a bridge without one",
       minimal +
           "label_policies: {NW: {classifications: [U, S]}}\nbridges:\n  other: {protocol: xmpp}\n"
           "rules:\n  - {id: r, effect: permit, actions: [message.egress], obligations: "
           "[{set_label: {format: xep0258, map: other.label_map}}]}\n",
       "broken.yaml:7: rule r: set_label.map must name a configured bridge's label_map "
       "(<bridge>.label_map), got \"other.label_map\""},
      {"bad label text in a channel",
       testing::bundleHead() + "channels:\n  \"t/x\": {label: \"SECRET REL DEU\"}\n",
       "broken.yaml:28: channels.t/x.label: bad label \"SECRET REL DEU\": \"DEU\" is not a "
       "category "
       "or value of NW"},
      {"bad label text in a bridge clearance",
       minimal + "label_policies: {NW: {classifications: [U, S]}}\n"
                 "bridges:\n  b: {protocol: matrix, clearance: \"TS\"}\n",
       "broken.yaml:5: bridges.b.clearance: bad label \"TS\": \"TS\" is not a classification of "
       "NW"},
      {"bad label default",
       minimal + "label_policies: {NW: {classifications: [U, S]}}\n"
                 "schema:\n  channel: {label: {type: label, default: \"X\"}}\n",
       "broken.yaml:5: channel.label.default: bad label \"X\": \"X\" is not a classification of "
       "NW"},
      {"bad YAML", minimal + "rules:\n  - {id: r, effect: permit\n",
       "broken.yaml:5: bad YAML: end of map flow not found"},
      {"unknown top-level key", minimal + "rulez: []\n",
       "broken.yaml:3: unknown key \"rulez\" (expected apiVersion, kind, metadata, label_policies, "
       "schema, missions, bridges, channels, file_policy, rules)"},
      {"wrong kind", "apiVersion: parley.policy/v1\nkind: PolicyTest\n",
       "broken.yaml:2: kind must be PolicyBundle (a PolicyTest file is run by policy test)"},
      {"unknown attribute type", minimal + "schema:\n  subject: {age: {type: float}}\n",
       "broken.yaml:4: subject.age: unknown type \"float\" (bool, int, string, time, enum, "
       "ordered_enum, set<string>, set<enum>, label, clearance)"},
      {"user-editable attribute",
       minimal + "schema:\n  subject: {nickname: {type: string, source: user}}\n",
       "broken.yaml:4: subject.nickname comes from the user (source: user); attributes users can "
       "edit cannot be used in policy"},
      {"bad size", minimal + "file_policy: {max_size: 25 megabytes}\n",
       "broken.yaml:3: file_policy.max_size: \"25 megabytes\" is not a size (e.g. 25MiB, 300KB, "
       "1024)"},
      {"bad mission time",
       minimal +
           "missions: {M: {start: \"2025-13-01T00:00:00Z\", end: \"2026-01-01T00:00:00Z\"}}\n",
       "broken.yaml:3: missions.M.start: \"2025-13-01T00:00:00Z\" is not an RFC 3339 time"},
      {"channel attribute outside the schema",
       testing::bundleHead() + "channels:\n  \"t/x\": {bridges: [nowhere]}\n",
       "broken.yaml:28: channels.t/x: unknown attribute channel.bridges"},
      {"channel naming an unconfigured bridge",
       minimal + "schema:\n  channel: {bridges: {type: set<string>}}\nchannels:\n  \"t/x\": "
                 "{bridges: [nowhere]}\n",
       "broken.yaml:6: channels.t/x.bridges: bridge \"nowhere\" is not configured"},
      {"require without clauses", rules("  - {id: r, effect: require, actions: [file.upload]}\n"),
       "broken.yaml:28: rule r: a require rule needs clauses (it forbids unless they hold)"},
      {"rule without effect", rules("  - {id: r, actions: [file.upload]}\n"),
       "broken.yaml:28: rule r: missing effect"},
  };
}

class BrokenBundleTest : public ::testing::TestWithParam<Broken> {};

TEST_P(BrokenBundleTest, FailsWithFileLineAndSentence) {
  const auto& broken = GetParam();
  auto bundle = compileBundle({{"broken.yaml", broken.text}});
  ASSERT_FALSE(bundle.ok()) << broken.name;
  EXPECT_EQ(bundle.error().id, "policy.load");
  EXPECT_EQ(bundle.error().message, broken.message) << broken.name;
}

INSTANTIATE_TEST_SUITE_P(Table, BrokenBundleTest, ::testing::ValuesIn(brokenFiles()),
                         [](const auto& param) {
                           std::string name;
                           for (const char c : std::string(param.param.name))
                             name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

TEST(BrokenBundleTest, TheSecondFileIsNamedInItsErrors) {
  const std::string head = testing::bundleHead();
  auto bundle = compileBundle(
      {{"a.yaml", head + "rules:\n  - {id: r, effect: permit, actions: [channel.read]}\n"},
       {"b.yaml",
        "apiVersion: parley.policy/v1\nkind: PolicyBundle\nrules:\n"
        "  - {id: r, effect: forbid, actions: [channel.read]}\n"}});
  ASSERT_FALSE(bundle.ok());
  EXPECT_EQ(bundle.error().message,
            "b.yaml:4: duplicate rule id \"r\" (first defined at a.yaml:28)");
}

TEST(BrokenBundleTest, NothingAndGarbageAreErrorsNotCrashes) {
  EXPECT_EQ(compileBundle({}).error().message, "no policy files given");
  EXPECT_EQ(compileBundle({{"x.yaml", ""}}).error().message,
            "x.yaml:1: a policy file must be a YAML map");
  EXPECT_FALSE(compileBundle({{"x.yaml", "[1, 2"}}).ok());
  EXPECT_FALSE(compileBundle({{"x.yaml", "apiVersion: {a: b}\n"}}).ok());
  EXPECT_FALSE(compileBundle({{"x.yaml", std::string("\0\xff\xfe", 3)}}).ok());
}

}  // namespace
}  // namespace parley::policy
