#pragma once
// A user preference (reference/mattermost-api.md §7 "Preference"): a value under
// (category, name), e.g. ("display_settings", "use_military_time") = "true".

#include <string>

namespace parley::core::model {

struct Preference {
  std::string userId;
  std::string category;
  std::string name;
  std::string value;
};

// Mattermost's limits (model/preference.go), which are also the column sizes.
inline constexpr std::size_t kPreferenceCategoryMaxLength = 32;
inline constexpr std::size_t kPreferenceNameMaxLength = 32;
inline constexpr std::size_t kPreferenceValueMaxLength = 2000;
// PUT /users/{id}/preferences and .../delete accept at most this many at once (Mattermost's
// api4/preference.go).
inline constexpr std::size_t kPreferencesPerRequestMax = 100;

}  // namespace parley::core::model
