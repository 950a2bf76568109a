#pragma once
// The bundle in force. Readers take a snapshot (current()) and decide against it without
// locks; reload() builds, tests and swaps in a new bundle atomically, or keeps the one in force
// when anything is wrong with the new files. Every member may be called from any thread.

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "core/policy/compiler.hpp"
#include "core/policy/engine.hpp"
#include "core/policy/policy_test.hpp"

namespace parley::policy {

class PolicyHolder {
 public:
  // `clock` supplies env.now when a request has none (default: the system clock).
  explicit PolicyHolder(core::ClockPtr clock = nullptr);

  // nullptr until a bundle was loaded.
  BundlePtr current() const { return current_.load(); }

  // Compiles the `kind: PolicyBundle` files, runs the `kind: PolicyTest` files among them
  // against it, and swaps it in when both succeed. On any error the bundle in force stays and
  // the error says why ("file:line: ..." for load errors, the first failing test otherwise).
  core::Result<void> reload(const std::vector<std::filesystem::path>& files);
  core::Result<void> reloadSources(const std::vector<Source>& sources);

  // Against current(); with no bundle loaded, a deny (reason code policy.denied.no_bundle).
  Decision decide(const Request& request) const;

 private:
  core::ClockPtr clock_;
  std::atomic<BundlePtr> current_;
  std::mutex reloading_;  // one reload at a time
};

// Splits sources by `kind:` and builds (and tests) a bundle from them: what reload() does
// before the swap, and what `parleyd policy test/check` run.
struct LoadedPolicy {
  BundlePtr bundle;
  std::vector<Source> tests;
};
core::Result<LoadedPolicy> loadPolicy(const std::vector<Source>& sources);

}  // namespace parley::policy
