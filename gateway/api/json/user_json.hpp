#pragma once
// The User JSON of the Mattermost API (reference/mattermost-api.md §7), in one place for every
// route that returns users. Fields Mattermost tags `omitempty` are left out when empty.

#include <nlohmann/json.hpp>

#include <vector>

#include "core/model/preference.hpp"
#include "core/model/user.hpp"

namespace parley::gateway::api::json {

// The account as its owner (or an administrator) sees it: everything but secrets. The password
// hash is never written, auth_data is always "" (Mattermost's User.Sanitize).
nlohmann::json userToJson(const core::model::User& user);

// Who looks at a profile, for Mattermost's sanitising of other users (User.SanitizeProfile).
struct UserViewer {
  std::string_view id;  // the viewer's user id
  bool isSystemAdmin = false;
  // PrivacySettings.ShowEmailAddress and ShowFullName, both true by default in Mattermost:
  // when false, only admins see other users' email and first/last names.
  bool showEmailAddress = true;
  bool showFullName = true;
};

// The account as `viewer` sees it: the owner gets userToJson(); others get the profile only,
// without notify_props, email_verified, allow_marketing, last_password_update and
// failed_attempts, auth_service for admins only, email and names as the privacy settings say.
nlohmann::json userToJson(const core::model::User& user, const UserViewer& viewer);

// A list of Preference objects: [{user_id, category, name, value}].
nlohmann::json preferencesToJson(const std::vector<core::model::Preference>& preferences);

}  // namespace parley::gateway::api::json
