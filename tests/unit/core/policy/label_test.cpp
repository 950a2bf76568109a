#include "core/policy/label.hpp"

#include <gtest/gtest.h>

#include "tests/unit/core/policy/policy_fixtures.hpp"

namespace parley::policy {
namespace {

using testing::nwPolicy;

Label parsed(const LabelPolicy& policy, const std::string& text) {
  auto label = policy.parse(text);
  EXPECT_TRUE(label.ok()) << text << ": " << (label.ok() ? "" : label.error().message);
  return label.ok() ? *label : Label{};
}

TEST(LabelTest, ParsesTheTextFormsAndPrintsTheCanonicalOne) {
  const auto nw = nwPolicy();
  EXPECT_EQ(nw.text(parsed(nw, "CONFIDENTIAL REL USA,GBR,FRA")), "CONFIDENTIAL REL USA,GBR,FRA");
  EXPECT_EQ(nw.text(parsed(nw, "SECRET REL GBR")), "SECRET REL GBR");
  // A caveat value as a bare word, values in any order, the marking form with "TO".
  EXPECT_EQ(nw.text(parsed(nw, "SECRET REL GBR NW-CMD")), "SECRET REL GBR CAVEAT NW-CMD");
  EXPECT_EQ(nw.text(parsed(nw, "SECRET REL FRA,USA")), "SECRET REL USA,FRA");
  EXPECT_EQ(parsed(nw, "CONFIDENTIAL REL TO USA, GBR, FRA"),
            parsed(nw, "CONFIDENTIAL REL USA,GBR,FRA"));
  EXPECT_EQ(nw.text(parsed(nw, "UNCLASSIFIED")), "UNCLASSIFIED");
}

TEST(LabelTest, RefusesBadTextNamingTheWord) {
  const auto nw = nwPolicy();
  EXPECT_EQ(nw.parse("").error().message, "empty label");
  EXPECT_EQ(nw.parse("TOP-SECRET").error().message, "\"TOP-SECRET\" is not a classification of NW");
  EXPECT_EQ(nw.parse("SECRET REL DEU").error().message, "\"DEU\" is not a category or value of NW");
  EXPECT_EQ(nw.parse("secret").error().message, "\"secret\" is not a classification of NW");
}

TEST(LabelTest, RefusesAmbiguousPolicies) {
  auto twice = LabelPolicy::create("X", "", {"A", "B"},
                                   {Category{"REL", CategoryType::kPermissive, {"A"}}}, "");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().message, "\"A\" is declared twice");
  std::vector<std::string> many;
  for (int i = 0; i < 65; ++i) many.push_back("V" + std::to_string(i));
  auto tooMany =
      LabelPolicy::create("X", "", {"A"}, {Category{"REL", CategoryType::kPermissive, many}}, "");
  ASSERT_FALSE(tooMany.ok());
  EXPECT_EQ(tooMany.error().message, "too many category values (at most 64 in one policy)");
  // 64 values fit, but their 2^64 subsets are not enumerated.
  many.pop_back();
  auto wide =
      LabelPolicy::create("X", "", {"A"}, {Category{"REL", CategoryType::kPermissive, many}}, "");
  ASSERT_TRUE(wide.ok());
  EXPECT_GT(wide->labelCount(), LabelPolicy::kMaxEnumerated);
  EXPECT_TRUE(wide->allLabels().empty());
}

TEST(LabelTest, DominatesNeedsClassificationOneReleasabilityValueAndEveryCaveat) {
  const auto nw = nwPolicy();
  const auto dom = [&](const char* clearance, const char* label) {
    return dominates(nw, parsed(nw, clearance), parsed(nw, label));
  };
  EXPECT_TRUE(dom("SECRET REL GBR", "CONFIDENTIAL REL USA,GBR,FRA"));
  EXPECT_TRUE(dom("CONFIDENTIAL REL GBR", "CONFIDENTIAL REL GBR"));
  EXPECT_FALSE(dom("CONFIDENTIAL REL GBR", "SECRET REL GBR"));  // classification
  // Permissive: one shared value is enough, none is not.
  EXPECT_FALSE(dom("CONFIDENTIAL REL FRA", "CONFIDENTIAL REL USA,GBR"));
  EXPECT_TRUE(dom("CONFIDENTIAL REL FRA,USA", "CONFIDENTIAL REL USA,GBR"));
  // A label without the category does not restrict by it.
  EXPECT_TRUE(dom("CONFIDENTIAL REL FRA", "CONFIDENTIAL"));
  EXPECT_TRUE(dom("CONFIDENTIAL", "UNCLASSIFIED"));
  EXPECT_FALSE(dom("SECRET", "UNCLASSIFIED REL GBR"));
  // Restrictive: the holder needs every caveat value.
  EXPECT_FALSE(dom("SECRET REL GBR", "CONFIDENTIAL REL GBR NW-CMD"));
  EXPECT_TRUE(dom("SECRET REL GBR NW-CMD", "CONFIDENTIAL REL GBR NW-CMD"));
  EXPECT_TRUE(dom("SECRET REL GBR NW-CMD", "CONFIDENTIAL REL GBR"));
}

TEST(LabelTest, LubIsTheThreadHighWaterMark) {
  const auto nw = nwPolicy();
  const auto l = [&](const char* a, const char* b) {
    return nw.text(lub(nw, parsed(nw, a), parsed(nw, b)));
  };
  EXPECT_EQ(l("CONFIDENTIAL REL USA,GBR,FRA", "SECRET REL USA,GBR"), "SECRET REL USA,GBR");
  EXPECT_EQ(l("UNCLASSIFIED", "RESTRICTED REL FRA"), "RESTRICTED REL FRA");
  EXPECT_EQ(l("RESTRICTED REL GBR NW-CMD", "RESTRICTED REL GBR"),
            "RESTRICTED REL GBR CAVEAT NW-CMD");
  // Disjoint releasability: releasable to nobody, so no clearance dominates it.
  const Label none = lub(nw, parsed(nw, "SECRET REL USA"), parsed(nw, "SECRET REL GBR"));
  EXPECT_FALSE(dominates(nw, parsed(nw, "SECRET REL USA,GBR,FRA NW-CMD"), none));
  // The lub dominates both inputs for every label pair.
  const auto all = nw.allLabels();
  for (const auto& a : all)
    for (const auto& b : all) {
      const Label both = lub(nw, a, b);
      for (const auto& clearance : all)
        if (dominates(nw, clearance, both)) {
          ASSERT_TRUE(dominates(nw, clearance, a)) << nw.text(a) << " + " << nw.text(b);
          ASSERT_TRUE(dominates(nw, clearance, b)) << nw.text(a) << " + " << nw.text(b);
        }
    }
}

TEST(LabelTest, GlbIsDominatedByBothClearances) {
  const auto nw = nwPolicy();
  EXPECT_EQ(
      nw.text(glb(parsed(nw, "SECRET REL USA,GBR NW-CMD"), parsed(nw, "CONFIDENTIAL REL USA"))),
      "CONFIDENTIAL REL USA");
  const auto all = nw.allLabels();
  for (const auto& a : all)
    for (const auto& b : all) {
      const Label both = glb(a, b);
      for (const auto& label : all)
        if (dominates(nw, both, label)) {
          ASSERT_TRUE(dominates(nw, a, label)) << nw.text(a) << " ^ " << nw.text(b);
          ASSERT_TRUE(dominates(nw, b, label)) << nw.text(a) << " ^ " << nw.text(b);
        }
    }
}

TEST(LabelTest, MarkingFollowsTheTemplate) {
  const auto nw = nwPolicy();
  EXPECT_EQ(nw.marking(parsed(nw, "CONFIDENTIAL REL USA,GBR,FRA")),
            "CONFIDENTIAL REL TO USA, GBR, FRA");
  EXPECT_EQ(nw.marking(parsed(nw, "SECRET REL GBR NW-CMD")), "SECRET REL TO GBR NW-CMD");
  EXPECT_EQ(nw.marking(parsed(nw, "RESTRICTED")), "RESTRICTED");
  const auto xml = nw.adatp4774Xml(parsed(nw, "SECRET REL GBR"));
  EXPECT_NE(xml.find("<PolicyIdentifier>urn:example:nw</PolicyIdentifier>"), std::string::npos);
  EXPECT_NE(xml.find("<Category TagName=\"REL\" "
                     "Type=\"PERMISSIVE\"><GenericValue>GBR</GenericValue></Category>"),
            std::string::npos);
}

TEST(LabelTest, ReleasableToLooksAtPermissiveCategories) {
  const auto nw = nwPolicy();
  const std::uint64_t gbr = std::uint64_t{1} << 1, fra = std::uint64_t{1} << 2;
  EXPECT_TRUE(releasableTo(nw, parsed(nw, "SECRET REL USA,GBR"), gbr));
  EXPECT_FALSE(releasableTo(nw, parsed(nw, "SECRET REL USA,GBR"), fra));
  EXPECT_TRUE(releasableTo(nw, parsed(nw, "SECRET"), fra));
}

TEST(LabelTest, EnumeratesEveryLabelOnce) {
  const auto nw = nwPolicy();
  const auto all = nw.allLabels();
  EXPECT_EQ(all.size(), 4u * 8u * 2u);
  EXPECT_EQ(nw.labelCount(), all.size());
  for (const auto& label : all) EXPECT_EQ(parsed(nw, nw.text(label)), label);
}

}  // namespace
}  // namespace parley::policy
