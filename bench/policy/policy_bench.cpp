// Decision time of the policy engine (issue 5: p50 and p99 with 500 rules, target p99 ≤ 10 µs
// on one core), beside trivial baselines measured in the same run:
//  - the same request against a bundle of one unconditional permit (same schema and bridges);
//  - looking up every attribute of the request in its std::map (what any caller pays to
//    read a string-keyed request of that size).
// Every decision is timed on its own (steady_clock around one call) into a sample, so the
// counters p50_ns/p99_ns are percentiles of single decisions, not means of batches. The
// clock's own cost (about 20-40 ns) is in every sample, baselines included.
// bench/policy/run builds, pins to one core and writes build/bench/policy.json.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/policy/bundle_generator.hpp"
#include "core/policy/audit_log.hpp"
#include "core/policy/compiler.hpp"
#include "core/policy/engine.hpp"

namespace parley::bench {
namespace {

using Clock = std::chrono::steady_clock;

policy::BundlePtr compiled(int rules) {
  auto bundle = policy::compileBundle({policy::Source{"bench.yaml", generateBundle(rules)}});
  if (!bundle) {
    std::fprintf(stderr, "generated bundle does not load: %s\n", bundle.error().message.c_str());
    std::abort();
  }
  return *bundle;
}

const policy::CompiledBundle& bundleOf(int rules) {
  static const policy::BundlePtr large = compiled(500);
  static const policy::BundlePtr single = compiled(1);
  return rules == 1 ? *single : *large;
}

// Times `op` once per iteration and reports the sample's percentiles.
template <typename Op>
void timed(benchmark::State& state, Op op) {
  std::vector<double> samples;
  samples.reserve(1 << 20);
  for (auto _ : state) {
    const auto start = Clock::now();
    op();
    const auto end = Clock::now();
    samples.push_back(std::chrono::duration<double, std::nano>(end - start).count());
  }
  std::sort(samples.begin(), samples.end());
  const auto at = [&](double q) {
    return samples[std::min(samples.size() - 1,
                            static_cast<std::size_t>(q * static_cast<double>(samples.size())))];
  };
  state.counters["p50_ns"] = at(0.50);
  state.counters["p90_ns"] = at(0.90);
  state.counters["p99_ns"] = at(0.99);
  state.counters["p999_ns"] = at(0.999);
}

void addRuleCounters(benchmark::State& state, const policy::CompiledBundle& bundle,
                     const policy::PreparedRequest& request) {
  state.counters["rules"] = static_cast<double>(bundle.rules.size());
  if (request.action < 0) return;
  const auto& target = bundle.target(request.action, request.bridge);
  state.counters["applicable"] = static_cast<double>(target.forbids.size() + target.permits.size());
}

void expect(const policy::Decision& decision, bool permit) {
  if (decision.permitted() == permit) return;
  std::fprintf(stderr, "unexpected decision: %s\n", policy::toAdminJson(decision).dump().c_str());
  std::abort();
}

// decide() on a request prepared once: the engine alone.
void decidePrepared(benchmark::State& state, int rules, const policy::Request& request,
                    bool permit) {
  const auto& bundle = bundleOf(rules);
  const auto prepared = policy::prepare(bundle, request);
  expect(policy::decide(bundle, prepared), permit);
  timed(state, [&] { benchmark::DoNotOptimize(policy::decide(bundle, prepared)); });
  addRuleCounters(state, bundle, prepared);
}

// decide() from the string-keyed Request: prepare() (copy, label parsing, slots) included.
void decideRequest(benchmark::State& state, int rules, const policy::Request& request,
                   bool permit) {
  const auto& bundle = bundleOf(rules);
  expect(policy::decide(bundle, request), permit);
  timed(state, [&] { benchmark::DoNotOptimize(policy::decide(bundle, request)); });
  addRuleCounters(state, bundle, policy::prepare(bundle, request));
}

void BM_Egress500_Prepared(benchmark::State& s) { decidePrepared(s, 500, permittedEgress(), true); }
void BM_Egress1_Prepared(benchmark::State& s) { decidePrepared(s, 1, permittedEgress(), true); }
void BM_Egress500_WithPrepare(benchmark::State& s) {
  decideRequest(s, 500, permittedEgress(), true);
}
void BM_Egress1_WithPrepare(benchmark::State& s) { decideRequest(s, 1, permittedEgress(), true); }
void BM_DenyJoin500_Prepared(benchmark::State& s) { decidePrepared(s, 500, deniedJoin(), false); }
void BM_DenyJoin500_WithPrepare(benchmark::State& s) { decideRequest(s, 500, deniedJoin(), false); }

// Reading every attribute of the request by name: the floor of any string-keyed lookup.
void BM_MapLookup(benchmark::State& state) {
  const auto request = permittedEgress();
  std::vector<std::string> names;
  for (const auto& [name, value] : request.attributes) names.push_back(name);
  timed(state, [&] {
    std::size_t found = 0;
    for (const auto& name : names) found += request.attributes.count(name);
    benchmark::DoNotOptimize(found);
  });
}

// What the audit store does with a record before its insert (PgAuditStore::append): its copy,
// sanitised; the JSON members written out; the size limits checked; the chain hash. The record
// is a permitted egress as the boundary guard writes it for every message that crosses.
void BM_AuditAppendWork(benchmark::State& state) {
  policy::AuditRecord egress;
  egress.time = 1'764'000'000'000;
  egress.subject = "u5kqk3xp1bdr7ciy4n1x8yhbxa";
  egress.resource = "post:q3fw6kyg5jgsdrhw8mr8x4qnmy";
  egress.action = "message.egress";
  egress.decision = policy::AuditDecision::kPermit;
  egress.rules = nlohmann::json::array({"E1-to-xmpp"});
  egress.bundleHash = std::string(64, 'f');
  egress.detail = {{"bridge", "xmpp"},
                   {"link_id", "lkx8d4m1q9bsnfr7w5c2kzy3ta"},
                   {"remote_room", "ops@rooms.partner-a.example"},
                   {"direction", "egress"},
                   {"channel_id", "c1z9x8w7v6u5t4s3r2q1p0o9na"},
                   {"post_id", "q3fw6kyg5jgsdrhw8mr8x4qnmy"},
                   {"change", "post"},
                   {"reason", "permitted"}};
  const std::string previous(32, '\x5a');
  timed(state, [&] {
    policy::AuditRecord record = egress;
    const auto json = policy::prepareAuditRecord(record);
    if (!json) std::abort();
    benchmark::DoNotOptimize(policy::chainHash(previous, 42, record, *json));
  });
}

BENCHMARK(BM_MapLookup);
BENCHMARK(BM_AuditAppendWork);
BENCHMARK(BM_Egress1_Prepared);
BENCHMARK(BM_Egress500_Prepared);
BENCHMARK(BM_DenyJoin500_Prepared);
BENCHMARK(BM_Egress1_WithPrepare);
BENCHMARK(BM_Egress500_WithPrepare);
BENCHMARK(BM_DenyJoin500_WithPrepare);

}  // namespace
}  // namespace parley::bench

BENCHMARK_MAIN();
