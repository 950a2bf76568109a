#pragma once
// Security labels in the ADatP-4774 shape: one ordered classification plus categories whose
// values are bits of one uint64_t, so dominance is a few bitwise operations. A LabelPolicy
// (cf. an XML SPIF) says which classifications, categories and values exist.
//
// Text form: "CONFIDENTIAL REL USA,GBR,FRA NW-CMD" — the classification first, then values,
// each either after its category's name ("REL USA,GBR") or bare ("NW-CMD", found by value).
// "REL TO USA, GBR" (the marking form) is read too.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"

namespace parley::policy {

enum class CategoryType : std::uint8_t {
  kPermissive,   // the holder needs at least one of the label's values (releasability)
  kRestrictive,  // the holder needs every one of the label's values (caveats)
};

struct Category {
  std::string name;
  CategoryType type = CategoryType::kPermissive;
  std::vector<std::string> values;
  std::uint64_t mask = 0;  // the bits of its values in Label::values
  int firstBit = 0;
};

// A label or a clearance (the same shape; a clearance is read as "what the holder holds").
struct Label {
  std::uint8_t classification = 0;  // index into LabelPolicy::classifications
  std::uint8_t present = 0;         // bit per category: the category appears in the label
  std::uint64_t values = 0;
  bool operator==(const Label&) const = default;
};

class LabelPolicy {
 public:
  static constexpr int kMaxValues = 64;
  static constexpr int kMaxCategories = 8;

  // Errors say what is wrong in one sentence (duplicate or unknown names, too many values).
  static core::Result<LabelPolicy> create(std::string name, std::string id,
                                          std::vector<std::string> classifications,
                                          std::vector<Category> categories, std::string marking);

  const std::string& name() const { return name_; }
  const std::string& id() const { return id_; }
  const std::vector<std::string>& classifications() const { return classifications_; }
  const std::vector<Category>& categories() const { return categories_; }

  // Parses the text form; the error message names the offending word.
  core::Result<Label> parse(std::string_view text) const;
  // The canonical text form ("CONFIDENTIAL REL USA,GBR,FRA NW-CMD"); parse(text(l)) == l.
  std::string text(const Label& label) const;
  // The marking template applied: {{classification}}, {{CAT}} (values joined by ", "),
  // {{CAT|join:'sep'}}, and sections {{#CAT}}...{{/CAT}} shown when CAT has values.
  std::string marking(const Label& label) const;
  // An ADatP-4774 originatorConfidentialityLabel (XML) for the label.
  std::string adatp4774Xml(const Label& label) const;

  // How many labels the policy has (saturating at kMaxEnumerated + 1).
  static constexpr std::uint64_t kMaxEnumerated = 1'000'000;
  std::uint64_t labelCount() const;
  // Every label of the policy: each classification × each subset of each category's values
  // (the empty subset meaning "category absent"). Used by exhaustive properties; empty when
  // labelCount() is above kMaxEnumerated.
  std::vector<Label> allLabels() const;
  // The values of one category in the label, in declaration order.
  std::vector<std::string_view> valuesOf(const Label& label, const Category& category) const;

 private:
  std::string name_;
  std::string id_;
  std::vector<std::string> classifications_;
  std::vector<Category> categories_;
  std::string marking_;
};

// clearance ≥ label: classification ≥, at least one value of each permissive category the
// label carries, every value of each restrictive category it carries.
bool dominates(const LabelPolicy& policy, const Label& clearance, const Label& label);
// The label is releasable to `value` (a permissive category value's bit) or carries no
// permissive restriction.
bool releasableTo(const LabelPolicy& policy, const Label& label, std::uint64_t valueBit);
// Least upper bound (thread high-water mark): highest classification, permissive values
// intersected (where both carry the category), restrictive values united.
Label lub(const LabelPolicy& policy, const Label& a, const Label& b);
// Greatest lower bound of two clearances (a remote user's clearance capped by its peer's): the
// lower classification and only the values both hold. Whatever it dominates, both dominate.
Label glb(const Label& a, const Label& b);

}  // namespace parley::policy
