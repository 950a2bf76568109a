#pragma once
// Message building for the policy compiler and test runner: one allocation for a sentence put
// together from several pieces.

#include <string>

namespace parley::policy {

template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  (out += ... += parts);
  return out;
}

}  // namespace parley::policy
