#pragma once
// Security labels of messages (issue 5, abac-and-security.md §6): a post may carry its label as
// text in props.parley_label ("CONFIDENTIAL REL USA,GBR"); without one its label is the
// channel's (the bundle's `message: {label: {default: channel.label}}`). The label is read
// under the label policy the bundle declares message.label with, stored in canonical text, and
// fixed at creation. A thread's replies cross the boundary under the thread's high-water mark,
// the lub() of the labels of the root and every reply up to the one concerned.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/policy/bundle.hpp"
#include "core/policy/label.hpp"

namespace parley::core::services {

inline constexpr std::string_view kPostLabelProp = "parley_label";
// 400: a label that does not parse, or an edit that changes a post's label.
inline constexpr std::string_view kPostLabelErrorId = "api.parley.post.label.app_error";

// The label policy of the bundle's message.label; null when it declares none.
const policy::LabelPolicy* messageLabelPolicy(const policy::CompiledBundle& bundle);

// props.parley_label: nullopt when absent (or null); 400 kPostLabelErrorId when it is not text.
Result<std::optional<std::string>> postLabelOf(const nlohmann::json& props);

// A new post's label: props.parley_label parsed under `bundle`'s message.label policy and
// rewritten in its canonical text form. No label: nothing to do. 400 kPostLabelErrorId when it
// does not parse, or when there is no bundle (null) or it declares no message.label.
Status canonicalizePostLabel(const policy::CompiledBundle* bundle, nlohmann::json& props);

// An edit keeps the label: 400 kPostLabelErrorId when `edited` adds, removes or changes the
// label of `original` (the same label in another spelling is the same label; it is written
// back in canonical form).
Status keepPostLabel(const policy::CompiledBundle* bundle, const nlohmann::json& original,
                     nlohmann::json& edited);

// The thread's high-water mark: lub() of `labels` under `policy`, each "" standing for
// `channelLabel` ("" too: no label, which adds nothing). nullopt when no label is left; an
// error (naming the text) when one does not parse.
Result<std::optional<std::string>> threadHighWaterMark(const policy::LabelPolicy& policy,
                                                       std::string_view channelLabel,
                                                       const std::vector<std::string>& labels);

}  // namespace parley::core::services
