#include "core/policy/expr/parser.hpp"

#include <gtest/gtest.h>

#include "core/policy/expr/compiler.hpp"
#include "tests/unit/core/policy/policy_fixtures.hpp"

namespace parley::policy {
namespace {

std::string syntaxError(const std::string& text) {
  auto ast = expr::parse(text);
  return ast.ok() ? "parsed" : ast.error().message;
}

TEST(ExprParseTest, ReportsSyntaxErrorsWithTheirColumn) {
  EXPECT_EQ(syntaxError("a == "), "column 6: expected a value, found the end of the clause");
  EXPECT_EQ(syntaxError("a = b"), "column 3: use == to compare");
  EXPECT_EQ(syntaxError("a & b"), "column 3: use && for \"and\"");
  EXPECT_EQ(syntaxError("(a == b"), "column 8: expected ')', found the end of the clause");
  EXPECT_EQ(syntaxError("'abc"), "column 1: unterminated string");
  EXPECT_EQ(syntaxError("a < b < c"), "column 7: comparisons do not chain; use parentheses and &&");
  EXPECT_EQ(syntaxError("a b"), "column 3: unexpected \"b\"");
  EXPECT_EQ(syntaxError("a # b"), "column 3: unexpected character '#'");
  EXPECT_EQ(syntaxError("99999999999999999999"),
            "column 1: the number 99999999999999999999 is too large");
  EXPECT_EQ(syntaxError(std::string(80, '(') + "a" + std::string(80, ')')),
            "column 66: the clause is nested too deeply");
  EXPECT_EQ(syntaxError(std::string(5000, 'a')),
            "column 1: the clause is longer than 4096 characters");
}

TEST(ExprParseTest, ParsesTheCelSubset) {
  for (const char* text :
       {"!dominates(bridge.clearance, message.label)", "channel.bridging == 'never'",
        "!(bridge.id in channel.bridges)", "content.flags.exists(f, f in ['dirty_word','malware'])",
        "env.now >= missions[channel.mission].start && env.now <= missions[channel.mission].end",
        "a || b && !c", R"(x.all(v, v != "q\""))", "[]", "-3 < 4", "has(subject.x)"}) {
    EXPECT_EQ(syntaxError(text), "parsed") << text;
  }
}

// Compiles one clause against the small test bundle's schema and reports its load error.
std::string clauseError(const std::string& clause) {
  auto bundle = compileBundle(
      {{"t.yaml", testing::bundleHead() +
                      "rules:\n  - {id: r, effect: permit, actions: [channel.read], when: [\"" +
                      clause + "\"]}\n"}});
  if (bundle.ok()) return "ok";
  const auto& message = bundle.error().message;
  const auto marker = message.find("clause when[0]: ");
  return marker == std::string::npos ? message : message.substr(marker + 16);
}

TEST(ExprTypeTest, ChecksTypesAgainstTheSchema) {
  EXPECT_EQ(clauseError("subject.clearnce == 'x'"), "unknown attribute \"subject.clearnce\"");
  EXPECT_EQ(clauseError("file.size == 'big'"),
            "cannot compare file.size (int) with 'big' (string)");
  EXPECT_EQ(clauseError("subject.role in file.size"),
            "the right side of 'in' must be a set or a list, got file.size (int)");
  EXPECT_EQ(clauseError("subject.role == 'admin'"),
            "'admin' is not a value of subject.role (member, guest)");
  EXPECT_EQ(clauseError("subject.role < 'guest'"),
            "cannot order subject.role (enum); < needs ints, times or an ordered enum");
  EXPECT_EQ(clauseError("dominates(subject.clearance, file.size)"),
            "dominates() needs labels, got file.size (int)");
  EXPECT_EQ(clauseError("subject.via_vpn && file.size"), "'&&' needs a bool, got file.size (int)");
  EXPECT_EQ(clauseError("file.size"),
            "t.yaml:28: rule r, clause when[0] must be a condition (bool), got int");
  EXPECT_EQ(
      clauseError("matches(subject.role)"),
      "unknown function \"matches\" (built-ins: has, dominates, releasable_to, lub, exists, all)");
  EXPECT_EQ(clauseError("content.flags.exists(f, f == 'virus')"),
            "'virus' is not a value of f (malware, dirty_word)");
  EXPECT_EQ(clauseError("channel.label.marking == 'x'"),
            "channel.label (label) has no member \"marking\"");
  EXPECT_EQ(clauseError("env.now > 'yesterday'"), "'yesterday' is not an RFC 3339 time");
  EXPECT_EQ(clauseError("subject.missions[0] == 'x'"), "only the missions table can be indexed");
  EXPECT_EQ(clauseError("decision == 'deny'"), "unknown attribute \"decision\"");
}

TEST(ExprTypeTest, AcceptsWellTypedClauses) {
  for (const char* clause :
       {"dominates(subject.clearance, channel.label)",
        "channel.label.classification >= 'CONFIDENTIAL'", "subject.role in ['member', 'guest']",
        "'M1' in subject.missions", "content.flags.all(f, f != 'malware')",
        "file.size <= file_policy.max_size", "env.now >= missions[channel.mission].start",
        "env.now < '2026-01-01T00:00:00Z'", "releasable_to(channel.label, 'FRA')",
        "dominates(subject.clearance, lub(channel.label, message.label))",
        "has(subject.badge) && subject.badge == 'x'", "'malware' in content.flags"}) {
    EXPECT_EQ(clauseError(clause), "ok") << clause;
  }
}

TEST(ExprTest, TimesFollowRfc3339) {
  EXPECT_EQ(expr::parseTime("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(expr::parseTime("2025-12-01T10:00:00Z"), 1764583200);
  EXPECT_EQ(expr::parseTime("2025-12-01T11:00:00+01:00"), 1764583200);
  EXPECT_EQ(expr::parseTime("2025-12-01T10:00:00.123Z"), 1764583200);
  EXPECT_EQ(expr::parseTime("2025-02-30T10:00:00Z"), std::nullopt);
  EXPECT_EQ(expr::parseTime("2025-12-01 10:00:00Z"), std::nullopt);
  EXPECT_EQ(expr::parseTime("2025-12-01T10:00:00"), std::nullopt);
}

}  // namespace
}  // namespace parley::policy
