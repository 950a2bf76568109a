#include "core/policy/label.hpp"

#include <algorithm>
#include <bit>

#include "core/common/xml_escape.hpp"

namespace parley::policy {
namespace {

using core::xmlEscape;

core::Error labelError(std::string message) {
  return core::makeError(core::ErrorCode::kInvalidArgument, "policy.label", std::move(message));
}

// Words of the text form: commas and spaces both separate values.
std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',' || text[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != ',' && text[j] != '\t') ++j;
    if (j > i) out.push_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

core::Result<LabelPolicy> LabelPolicy::create(std::string name, std::string id,
                                              std::vector<std::string> classifications,
                                              std::vector<Category> categories,
                                              std::string marking) {
  if (classifications.empty()) return labelError("a label policy needs classifications");
  if (classifications.size() > 255) return labelError("too many classifications (at most 255)");
  if (categories.size() > kMaxCategories)
    return labelError("too many categories (at most " + std::to_string(kMaxCategories) + ")");
  std::vector<std::string> seen = classifications;
  int bit = 0;
  for (auto& category : categories) {
    seen.push_back(category.name);
    category.firstBit = bit;
    category.mask = 0;
    if (category.values.empty()) return labelError("category " + category.name + " has no values");
    for (const auto& value : category.values) {
      if (bit >= kMaxValues)
        return labelError("too many category values (at most " + std::to_string(kMaxValues) +
                          " in one policy)");
      seen.push_back(value);
      category.mask |= std::uint64_t{1} << bit;
      ++bit;
    }
  }
  // Every word of the text form must name one thing only.
  std::vector<std::string> sorted = seen;
  std::sort(sorted.begin(), sorted.end());
  if (auto dup = std::adjacent_find(sorted.begin(), sorted.end()); dup != sorted.end())
    return labelError("\"" + *dup + "\" is declared twice");
  for (const auto& word : sorted) {
    if (word.empty() || word.find_first_of(" ,\t") != std::string::npos || word == "TO")
      return labelError("\"" + word + "\" cannot be used in a label (empty, TO, spaces or commas)");
  }
  LabelPolicy policy;
  policy.name_ = std::move(name);
  policy.id_ = std::move(id);
  policy.classifications_ = std::move(classifications);
  policy.categories_ = std::move(categories);
  policy.marking_ = marking.empty() ? std::string("{{classification}}") : std::move(marking);
  return policy;
}

core::Result<Label> LabelPolicy::parse(std::string_view text) const {
  const auto parts = words(text);
  if (parts.empty()) return labelError("empty label");
  Label label;
  const auto cls = std::find(classifications_.begin(), classifications_.end(), parts[0]);
  if (cls == classifications_.end())
    return labelError("\"" + std::string(parts[0]) + "\" is not a classification of " + name_);
  label.classification = static_cast<std::uint8_t>(cls - classifications_.begin());
  const Category* current = nullptr;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const auto word = parts[i];
    if (word == "TO" && current != nullptr) continue;
    const Category* found = nullptr;
    int index = -1;
    for (std::size_t c = 0; c < categories_.size(); ++c) {
      if (categories_[c].name == word) {
        current = &categories_[c];
        label.present |= static_cast<std::uint8_t>(1u << c);
        found = current;
        break;
      }
    }
    if (found) continue;
    for (std::size_t c = 0; c < categories_.size() && index < 0; ++c) {
      const auto& values = categories_[c].values;
      const auto it = std::find(values.begin(), values.end(), word);
      if (it == values.end()) continue;
      index = categories_[c].firstBit + static_cast<int>(it - values.begin());
      label.present |= static_cast<std::uint8_t>(1u << c);
    }
    if (index < 0)
      return labelError("\"" + std::string(word) + "\" is not a category or value of " + name_);
    label.values |= std::uint64_t{1} << index;
  }
  return label;
}

std::vector<std::string_view> LabelPolicy::valuesOf(const Label& label,
                                                    const Category& category) const {
  std::vector<std::string_view> out;
  for (std::size_t v = 0; v < category.values.size(); ++v) {
    if (label.values & (std::uint64_t{1} << (category.firstBit + static_cast<int>(v))))
      out.push_back(category.values[v]);
  }
  return out;
}

std::string LabelPolicy::text(const Label& label) const {
  std::string out = classifications_.at(label.classification);
  for (std::size_t c = 0; c < categories_.size(); ++c) {
    if (!(label.present & (1u << c))) continue;
    out += ' ';
    out += categories_[c].name;
    const auto values = valuesOf(label, categories_[c]);
    for (std::size_t v = 0; v < values.size(); ++v) {
      out += v == 0 ? ' ' : ',';
      out += values[v];
    }
  }
  return out;
}

std::string LabelPolicy::marking(const Label& label) const {
  const auto categoryNamed = [&](std::string_view name) -> const Category* {
    for (const auto& category : categories_)
      if (category.name == name) return &category;
    return nullptr;
  };
  const auto join = [&](const Category& category, std::string_view sep) {
    std::string out;
    for (const auto value : valuesOf(label, category)) {
      if (!out.empty()) out += sep;
      out += value;
    }
    return out;
  };
  std::string out;
  std::size_t i = 0;
  // Sections skip their body when the category has no values; they do not nest.
  bool skipping = false;
  std::string_view skipUntil;
  const std::string_view tpl = marking_;
  while (i < tpl.size()) {
    const auto open = tpl.find("{{", i);
    if (open == std::string_view::npos) {
      if (!skipping) out += tpl.substr(i);
      break;
    }
    if (!skipping) out += tpl.substr(i, open - i);
    const auto close = tpl.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    std::string_view tag = tpl.substr(open + 2, close - open - 2);
    i = close + 2;
    if (!tag.empty() && (tag[0] == '#' || tag[0] == '/')) {
      const auto name = tag.substr(1);
      if (tag[0] == '/') {
        if (skipping && name == skipUntil) skipping = false;
        continue;
      }
      if (skipping) continue;
      const Category* category = categoryNamed(name);
      if (!category || (label.values & category->mask) == 0) {
        skipping = true;
        skipUntil = name;
      }
      continue;
    }
    if (skipping) continue;
    std::string_view sep = ", ";
    if (const auto bar = tag.find("|join:"); bar != std::string_view::npos) {
      sep = tag.substr(bar + 6);
      if (sep.size() >= 2 && (sep.front() == '\'' || sep.front() == '"')) {
        sep = sep.substr(1, sep.size() - 2);
      }
      tag = tag.substr(0, bar);
    }
    if (tag == "classification") {
      out += classifications_.at(label.classification);
    } else if (const Category* category = categoryNamed(tag)) {
      out += join(*category, sep);
    }
  }
  return out;
}

std::string LabelPolicy::adatp4774Xml(const Label& label) const {
  std::string out =
      "<originatorConfidentialityLabel "
      "xmlns=\"urn:nato:stanag:4774:confidentialitymetadatalabel:1:0\">"
      "<ConfidentialityInformation><PolicyIdentifier>" +
      xmlEscape(id_.empty() ? name_ : id_) + "</PolicyIdentifier><Classification>" +
      xmlEscape(classifications_.at(label.classification)) + "</Classification>";
  for (std::size_t c = 0; c < categories_.size(); ++c) {
    if (!(label.present & (1u << c))) continue;
    const auto& category = categories_[c];
    out += "<Category TagName=\"" + xmlEscape(category.name) + "\" Type=\"" +
           (category.type == CategoryType::kPermissive ? "PERMISSIVE" : "RESTRICTIVE") + "\">";
    for (const auto value : valuesOf(label, category))
      out += "<GenericValue>" + xmlEscape(value) + "</GenericValue>";
    out += "</Category>";
  }
  out += "</ConfidentialityInformation></originatorConfidentialityLabel>";
  return out;
}

std::uint64_t LabelPolicy::labelCount() const {
  std::uint64_t count = classifications_.size();
  for (const auto& category : categories_) {
    if (category.values.size() >= 20) return kMaxEnumerated + 1;
    count *= std::uint64_t{1} << category.values.size();
    if (count > kMaxEnumerated) return kMaxEnumerated + 1;
  }
  return count;
}

std::vector<Label> LabelPolicy::allLabels() const {
  std::vector<Label> out;
  if (labelCount() > kMaxEnumerated) return out;
  for (std::size_t cls = 0; cls < classifications_.size(); ++cls) {
    Label base;
    base.classification = static_cast<std::uint8_t>(cls);
    out.push_back(base);
  }
  for (std::size_t c = 0; c < categories_.size(); ++c) {
    const auto& category = categories_[c];
    const std::size_t before = out.size();
    const std::uint64_t subsets = std::uint64_t{1} << category.values.size();
    for (std::size_t k = 0; k < before; ++k) {
      for (std::uint64_t subset = 1; subset < subsets; ++subset) {
        Label label = out[k];
        label.present |= static_cast<std::uint8_t>(1u << c);
        label.values |= subset << category.firstBit;
        out.push_back(label);
      }
    }
  }
  return out;
}

bool dominates(const LabelPolicy& policy, const Label& clearance, const Label& label) {
  if (clearance.classification < label.classification) return false;
  const auto& categories = policy.categories();
  for (std::size_t c = 0; c < categories.size(); ++c) {
    if (!(label.present & (1u << c))) continue;
    const std::uint64_t need = label.values & categories[c].mask;
    if (categories[c].type == CategoryType::kPermissive) {
      if ((clearance.values & need) == 0) return false;
    } else if ((clearance.values & need) != need) {
      return false;
    }
  }
  return true;
}

bool releasableTo(const LabelPolicy& policy, const Label& label, std::uint64_t valueBit) {
  const auto& categories = policy.categories();
  for (std::size_t c = 0; c < categories.size(); ++c) {
    if (categories[c].type != CategoryType::kPermissive || !(label.present & (1u << c))) continue;
    if ((categories[c].mask & valueBit) == 0) continue;
    return (label.values & valueBit) != 0;
  }
  // The value belongs to no permissive category the label restricts.
  return true;
}

Label lub(const LabelPolicy& policy, const Label& a, const Label& b) {
  Label out;
  out.classification = std::max(a.classification, b.classification);
  out.present = a.present | b.present;
  const auto& categories = policy.categories();
  for (std::size_t c = 0; c < categories.size(); ++c) {
    const std::uint64_t mask = categories[c].mask;
    const bool inA = a.present & (1u << c);
    const bool inB = b.present & (1u << c);
    std::uint64_t values = 0;
    if (categories[c].type == CategoryType::kPermissive) {
      if (inA && inB) values = a.values & b.values & mask;
      else values = (inA ? a.values : b.values) & mask;
    } else {
      values = (a.values | b.values) & mask;
    }
    out.values |= values;
  }
  return out;
}

Label glb(const Label& a, const Label& b) {
  Label out;
  out.classification = std::min(a.classification, b.classification);
  out.present = a.present & b.present;
  out.values = a.values & b.values;
  return out;
}

}  // namespace parley::policy
