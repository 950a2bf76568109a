#pragma once
// Runs `kind: PolicyTest` files against a compiled bundle: fixtures (subjects, messages),
// tests (a request and its expected decision, rules, obligations, explanation, errors),
// properties (an assertion checked for every combination of finite domains: enumerated
// exhaustively, never sampled) and coverage (every rule seen true and false, every obligation
// type produced).

#include <cstdint>
#include <string>
#include <vector>

#include "core/common/result.hpp"
#include "core/policy/compiler.hpp"
#include "core/policy/engine.hpp"

namespace parley::policy {

// Upper bound on the cases one property may enumerate.
inline constexpr std::int64_t kMaxPropertyCases = 2'000'000;

struct TestReport {
  int tests = 0;  // test cases run (a test with a list of bridges counts once each)
  int testsFailed = 0;
  int properties = 0;
  int propertiesFailed = 0;
  std::int64_t propertyCases = 0;
  std::vector<std::string> failures;  // "file:line: test \"name\": what differed"
  std::vector<std::string> coverage;  // coverage findings (failures when coverage is required)
  bool passed() const { return failures.empty(); }
  std::string summary() const;
};

// A malformed test file (bad YAML, unknown fixture, unknown attribute, unknown key) is an
// error "file:line: sentence"; test failures are in the report.
core::Result<TestReport> runPolicyTests(const CompiledBundle& bundle,
                                        const std::vector<Source>& testFiles);

// A single request in the syntax of a test's `request:` (action, subject, message, channel,
// bridge, remote_label, attributes, drop_attributes, now); subject and message are maps of
// attributes here. For `parleyd policy explain --request r.yaml`.
core::Result<Request> requestFromYaml(const CompiledBundle& bundle, const Source& source);

}  // namespace parley::policy
