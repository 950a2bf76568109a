#pragma once
// User accounts as the API manages them (reference/mattermost-api.md §5.2, §9): creation under
// the sign-up rules, visibility (guests see only the users they share a channel with), profile
// patches, deactivation, passwords and preferences. Permissions are decided here.
//
// Functions taking a Store run inside a database job; the password functions that hash are
// split so the slow Argon2id work runs on the blocking pool, not on a database worker.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/preference.hpp"
#include "core/model/status.hpp"
#include "core/model/user.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

// Mattermost's limits on the other profile fields (model/user.go).
inline constexpr std::size_t kNicknameMaxLength = 64;
inline constexpr std::size_t kNameMaxLength = 64;  // first_name, last_name
inline constexpr std::size_t kPositionMaxLength = 128;
inline constexpr std::size_t kLocaleMaxLength = 5;
// Lists of ids or usernames in one request (POST /users/ids, /users/usernames, /status/ids).
inline constexpr std::size_t kMaxIdsPerRequest = 1000;

// The configuration that decides who may create accounts (gateway.yaml `security`).
struct SignupSettings {
  bool enableUserCreation = true;  // TeamSettings.EnableUserCreation
  bool enableOpenServer = false;   // TeamSettings.EnableOpenServer
};

// The fields a client may set on a new or changed account. Absent fields stay unset.
struct UserFields {
  std::optional<std::string> username;
  std::optional<std::string> email;
  std::optional<std::string> password;  // creation only; patches use it for nothing
  std::optional<std::string> nickname;
  std::optional<std::string> firstName;
  std::optional<std::string> lastName;
  std::optional<std::string> position;
  std::optional<std::string> locale;
  std::optional<nlohmann::json> props;        // object of strings
  std::optional<nlohmann::json> notifyProps;  // object of strings
  std::optional<nlohmann::json> timezone;     // object of strings
  std::optional<bool> allowMarketing;
};

// Validates a password by Mattermost's rules: kInvalidArgument
// "model.user.is_valid.pwd_min_length.app_error" or "...pwd_max_length.app_error".
Status validatePassword(std::string_view password);

// Applies `fields` to `user` (username and email normalised) and validates the result with
// Mattermost's error ids ("model.user.is_valid.<field>.app_error", kInvalidArgument).
Status applyUserFields(model::User& user, const UserFields& fields);

// A new account from `fields` (username, email and password required), not yet hashed nor
// stored: id, timestamps and default notify_props filled in.
Result<model::User> newUserFromFields(const UserFields& fields, std::int64_t now);

// POST /users before any slow work: may `caller` (nullptr when anonymous) create an account?
// Admins always; otherwise kNotImplemented "api.user.create_user.signup_email_disabled.app_error"
// when user creation is off, then kPermissionDenied "api.user.create_user.no_open_server" unless
// this is the first account or open sign-up is on (and `parleyd init-admin` did not lock it).
Status checkSignupAllowed(store::Store& store, const model::User* caller,
                          const SignupSettings& settings);

// Stores `user` (password already hashed), deciding again under a lock, so that of concurrent
// first sign-ups exactly one becomes "system_admin system_user".
Result<model::User> createUser(store::Store& store, const model::User* caller, model::User user,
                               const SignupSettings& settings);

// "" when `viewer` may see every user (view_members); otherwise the viewer's id, to restrict
// lists to the users sharing a channel with them (UserQuery::visibleTo). Guests are restricted.
std::string visibilityRestriction(const model::User& viewer);

// The user `id` if `viewer` may see them: kPermissionDenied when not (also for unknown ids
// when the viewer is restricted, so that a guest cannot probe for accounts), kNotFound
// ("app.user.missing_account.const") for an unknown id otherwise.
Result<model::User> getVisibleUser(store::Store& store, const model::User& viewer,
                                   std::string_view id);
Result<model::User> getVisibleUserByUsername(store::Store& store, const model::User& viewer,
                                             std::string_view username);
Result<model::User> getVisibleUserByEmail(store::Store& store, const model::User& viewer,
                                          std::string_view email);

// A user list query on behalf of `viewer`: adds the viewer's visibility restriction and checks
// that the viewer may list the members of the team and channel filters (members of the team;
// members of the channel, or of its team for a public one): kPermissionDenied otherwise.
Result<std::vector<model::User>> searchUsers(store::Store& store, const model::User& viewer,
                                             store::UserQuery query);

// May `caller` change `target`'s profile or password? Themselves, or edit_other_users.
Status mayEditUser(const model::User& caller, const model::User& target);

// PUT /users/{id}/patch: applies `fields` (password ignored) after mayEditUser(); roles never
// change here. Returns the stored user.
Result<model::User> patchUser(store::Store& store, const model::User& caller,
                              std::string_view userId, const UserFields& fields);

// PUT /users/{id}: the body is the whole user, as Mattermost's UpdateUser stores it, so every
// field it omits goes back to what a new account has (notify_props to the defaults); username
// and email are required. Permissions and validation as patchUser.
Result<model::User> updateUser(store::Store& store, const model::User& caller,
                               std::string_view userId, const UserFields& fields);

// DELETE /users/{id} (active=false) and PUT /users/{id}/active. Only system admins: users
// cannot deactivate themselves (Mattermost's EnableUserDeactivation defaults to false):
// kUnauthenticated "api.user.update_active.not_enable.app_error" for self, kPermissionDenied
// for others. Deactivation revokes every session; reactivation also clears the failed login
// count. Returns the stored user.
Result<model::User> setUserActive(store::Store& store, const model::User& caller,
                                  std::string_view userId, bool active);

// PUT /users/{id}/password, step 1: the target account after the permission check. Users change
// their own password with the current one; system admins set anyone else's without it.
struct PasswordChange {
  model::User target;
  bool needsCurrent = false;  // the caller must prove the current password
};
Result<PasswordChange> preparePasswordChange(store::Store& store, const model::User& caller,
                                             std::string_view userId);

// Step 2 (blocking pool): checks the current password when needed
// (kInvalidArgument "api.user.update_password.incorrect.app_error") and the new one, and hashes
// it.
Result<std::string> hashNewPassword(const PasswordChange& change, std::string_view current,
                                    std::string_view next);

// Step 3: stores the hash (unlocking an account locked by failed logins) and revokes the
// target's sessions except `keepSessionId`.
Status completePasswordChange(store::Store& store, const PasswordChange& change,
                              std::string_view hash, std::string_view keepSessionId);

// Preferences of `userId`: the user themself or a system admin (kPermissionDenied otherwise).
Result<std::vector<model::Preference>> preferencesOf(store::Store& store, const model::User& caller,
                                                     std::string_view userId);
// Saves or deletes preferences of `userId`: each must name that user
// (kInvalidArgument "api.context.invalid_body_param.app_error" otherwise) and respect the
// column limits ("model.preference.is_valid.<field>.app_error"); all or nothing.
Status savePreferences(store::Store& store, const model::User& caller, std::string_view userId,
                       const std::vector<model::Preference>& preferences);
Status deletePreferences(store::Store& store, const model::User& caller, std::string_view userId,
                         const std::vector<model::Preference>& preferences);

// PUT /users/{id}/roles: manage_roles only (kPermissionDenied); `roles` must be a space-separated
// list of built-in system roles (kInvalidArgument "api.context.invalid_body_param.app_error").
// Returns the stored user.
Result<model::User> updateUserRoles(store::Store& store, const model::User& caller,
                                    std::string_view userId, std::string_view roles);

// The statuses of those of `ids` the viewer may see (see effectiveStatuses in status_service).
using UserStatus = model::UserStatus;
Result<std::vector<UserStatus>> statusesOf(store::Store& store, const model::User& viewer,
                                           const std::vector<std::string>& ids);

}  // namespace parley::core::services
