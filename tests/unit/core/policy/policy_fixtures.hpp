#pragma once
// Shared by the policy unit tests: the NW label policy of the reference example, small inline
// bundles, and the example bundle from config/policy.

#include <gtest/gtest.h>

#include <string>

#include "core/policy/compiler.hpp"
#include "core/policy/engine.hpp"

namespace parley::policy::testing {

inline LabelPolicy nwPolicy() {
  auto policy = LabelPolicy::create(
      "NW", "urn:example:nw", {"UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET"},
      {Category{"REL", CategoryType::kPermissive, {"USA", "GBR", "FRA"}},
       Category{"CAVEAT", CategoryType::kRestrictive, {"NW-CMD"}}},
      "{{classification}}{{#REL}} REL TO {{REL|join:', '}}{{/REL}}{{#CAVEAT}} "
      "{{CAVEAT}}{{/CAVEAT}}");
  EXPECT_TRUE(policy.ok());
  return std::move(policy).value();
}

// The head every small test bundle shares: the NW labels and a schema with one attribute of
// each type, one of them optional.
inline std::string bundleHead() {
  return R"(apiVersion: parley.policy/v1
kind: PolicyBundle
metadata: {name: t}
label_policies:
  NW:
    classifications: [UNCLASSIFIED, RESTRICTED, CONFIDENTIAL, SECRET]
    categories:
      REL: {type: permissive, values: [USA, GBR, FRA]}
      CAVEAT: {type: restrictive, values: [NW-CMD]}
    marking: "{{classification}}{{#REL}} REL TO {{REL|join:', '}}{{/REL}}"
schema:
  subject:
    role: {type: enum, values: [member, guest]}
    clearance: {type: clearance, policy: NW}
    missions: {type: set<string>}
    via_vpn: {type: bool}
    badge: {type: string, optional: true}
  channel: {label: {type: label, policy: NW}, mission: {type: string}, guests: {type: bool, default: false}}
  message: {label: {type: label, policy: NW, default: channel.label}}
  file: {size: {type: int}}
  content: {flags: {type: set<enum>, values: [malware, dirty_word]}}
bridges:
  peer: {protocol: matrix, clearance: "CONFIDENTIAL REL FRA", remote_servers: {allow: [a.example]},
         label_map: {"THEIR//SECRET": "SECRET REL FRA"}}
file_policy: {max_size: 1KiB, allow_types: [text/plain]}
missions: {M1: {start: "2025-01-01T00:00:00Z", end: "2025-12-31T23:59:59Z"}}
)";
}

inline BundlePtr compileOrFail(const std::string& text, const std::string& name = "t.yaml") {
  auto bundle = compileBundle({{name, text}});
  EXPECT_TRUE(bundle.ok()) << (bundle.ok() ? "" : bundle.error().message);
  return bundle.ok() ? *bundle : nullptr;
}

inline BundlePtr withRules(const std::string& rules) {
  return compileOrFail(bundleHead() + "rules:\n" + rules);
}

inline std::string sourceFile(const std::string& relative) {
  return std::string(PARLEY_SOURCE_DIR) + "/" + relative;
}

inline BundlePtr northwind() {
  auto sources = readSources({sourceFile("config/policy/northwind.yaml")});
  EXPECT_TRUE(sources.ok());
  auto bundle = compileBundle(*sources);
  EXPECT_TRUE(bundle.ok()) << (bundle.ok() ? "" : bundle.error().message);
  return bundle.ok() ? *bundle : nullptr;
}

}  // namespace parley::policy::testing
