#include "core/policy/policy_holder.hpp"

namespace parley::policy {

core::Result<LoadedPolicy> loadPolicy(const std::vector<Source>& sources) {
  std::vector<Source> bundleSources;
  LoadedPolicy out;
  for (const auto& source : sources) {
    if (documentKind(source) == "PolicyTest") out.tests.push_back(source);
    else bundleSources.push_back(source);
  }
  if (bundleSources.empty())
    return core::makeError(core::ErrorCode::kInvalidArgument, "policy.load",
                           "no policy bundle among the files (only kind: PolicyTest)");
  auto bundle = compileBundle(bundleSources);
  if (!bundle) return std::move(bundle).error();
  out.bundle = std::move(*bundle);
  return out;
}

PolicyHolder::PolicyHolder(core::ClockPtr clock)
    : clock_(clock ? std::move(clock) : std::make_shared<core::SystemClock>()) {}

core::Result<void> PolicyHolder::reload(const std::vector<std::filesystem::path>& files) {
  auto sources = readSources(files);
  if (!sources) return std::move(sources).error();
  return reloadSources(*sources);
}

core::Result<void> PolicyHolder::reloadSources(const std::vector<Source>& sources) {
  const std::lock_guard lock(reloading_);
  auto loaded = loadPolicy(sources);
  if (!loaded) return std::move(loaded).error();
  if (!loaded->tests.empty()) {
    auto report = runPolicyTests(*loaded->bundle, loaded->tests);
    if (!report) return std::move(report).error();
    if (!report->passed())
      return core::makeError(core::ErrorCode::kInvalidArgument, "policy.test_failed",
                             report->failures.front(), report->summary());
  }
  current_.store(std::move(loaded->bundle));
  return {};
}

Decision PolicyHolder::decide(const Request& request) const {
  const BundlePtr bundle = current();
  if (!bundle) {
    Decision decision;
    decision.reasonCode = kReasonNoBundle;
    decision.reason = "no policy bundle is loaded";
    return decision;
  }
  if (bundle->slotEnvNow >= 0 && !request.attributes.count("env.now")) {
    Request withNow = request;
    withNow.attributes["env.now"] = static_cast<std::int64_t>(clock_->nowMillis() / 1000);
    return policy::decide(*bundle, withNow);
  }
  return policy::decide(*bundle, request);
}

}  // namespace parley::policy
