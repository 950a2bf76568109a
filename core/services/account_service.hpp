#pragma once
// Account use cases that run before anyone can log in: creating the first system administrator
// (`parleyd init-admin`) and reporting the lock-down state (`parleyd verify`).
//
// Both run inside a database job (they take the job's Store) and may block: call them from a
// Database::run()/submit() job, never on an I/O thread.

#include <string_view>

#include "core/common/result.hpp"
#include "core/model/user.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

// System key set to "true" once the first administrator exists: from then on accounts are
// created by administrators or by invitation, never by open sign-up.
inline constexpr std::string_view kSignupLockedKey = "signup_locked";

struct LockdownStatus {
  bool adminExists = false;   // an active user holds system_admin
  bool signupLocked = false;  // kSignupLockedKey is "true"
};

// Creates the first system administrator (roles "system_admin system_user") and sets
// kSignupLockedKey, both in one transaction. The username and email are trimmed and
// lower-cased, then checked by Mattermost's rules; the password must be 8 to 72 characters.
// Errors:
// - kInvalidArgument: bad username ("model.user.is_valid.username.app_error"), email
//   ("model.user.is_valid.email.app_error") or password ("model.user.is_valid.password.app_error");
// - kConflict "app.admin.already_exists": a system administrator exists; nothing changed;
// - kConflict "app.user.save.username_exists.app_error"/"...email_exists...": taken by a user;
// - kUnavailable: the database is down.
// Concurrent calls (several nodes) serialise on a database lock: exactly one succeeds.
Result<model::User> initAdmin(store::Store& store, std::string_view username,
                              std::string_view email, std::string_view password);

Result<LockdownStatus> lockdownStatus(store::Store& store);

}  // namespace parley::core::services
