#include "core/services/account_service.hpp"

#include "core/model/id.hpp"
#include "core/security/password.hpp"

namespace parley::core::services {
namespace {

// Serialises "is there an admin yet? no: create one" across every node sharing the database.
constexpr std::string_view kInitAdminLock = "parley.accounts.init_admin";

Error invalid(std::string id, std::string message) {
  return makeError(ErrorCode::kInvalidArgument, std::move(id), std::move(message));
}

}  // namespace

Result<model::User> initAdmin(store::Store& store, std::string_view username,
                              std::string_view email, std::string_view password) {
  model::User user;
  user.username = model::normalizeUsernameOrEmail(username);
  user.email = model::normalizeUsernameOrEmail(email);
  if (!model::isValidUsername(user.username)) {
    return invalid("model.user.is_valid.username.app_error",
                   "Invalid username \"" + std::string(username) +
                       "\": use 1 to 64 characters of a-z, 0-9, '.', '-' and '_', starting with "
                       "a letter, and not a reserved name (all, channel, here, matterbot, "
                       "system).");
  }
  if (!model::isValidEmail(user.email)) {
    return invalid("model.user.is_valid.email.app_error",
                   "Invalid email \"" + std::string(email) +
                       "\": use a plain address such as admin@example.org, at most " +
                       std::to_string(model::kEmailMaxLength) + " characters.");
  }
  if (password.size() < model::kPasswordMinLength || password.size() > model::kPasswordMaxLength) {
    return invalid("model.user.is_valid.password.app_error",
                   "The password must be " + std::to_string(model::kPasswordMinLength) + " to " +
                       std::to_string(model::kPasswordMaxLength) + " characters long.");
  }

  // Hashing is slow by design: do it before the transaction so no lock is held meanwhile.
  auto hash = security::hashPassword(password);
  if (!hash) return std::move(hash).error();

  const auto now = store.clock().nowMillis();
  user.id = model::newId();
  user.createAt = now;
  user.updateAt = now;
  user.passwordHash = std::move(*hash);
  user.lastPasswordUpdate = now;
  user.roles = std::string(model::kRoleSystemAdmin) + " " + std::string(model::kRoleSystemUser);
  user.emailVerified = true;  // entered by the operator who installs the server
  user.notifyProps = model::defaultNotifyProps();

  auto done = store.transaction([&](store::Store& tx) -> Status {
    if (auto locked = tx.system().lock(kInitAdminLock); !locked) return locked;
    auto admins = tx.users().countSystemAdmins();
    if (!admins) return std::move(admins).error();
    if (*admins > 0) {
      return makeError(ErrorCode::kConflict, "app.admin.already_exists",
                       "A system administrator already exists.");
    }
    if (auto created = tx.users().create(user); !created) return created;
    return tx.system().set(kSignupLockedKey, "true");
  });
  if (!done) return std::move(done).error();
  return user;
}

Result<LockdownStatus> lockdownStatus(store::Store& store) {
  LockdownStatus status;
  auto admins = store.users().countSystemAdmins();
  if (!admins) return std::move(admins).error();
  status.adminExists = *admins > 0;
  auto locked = store.system().get(kSignupLockedKey);
  if (!locked) return std::move(locked).error();
  status.signupLocked = locked->has_value() && **locked == "true";
  return status;
}

}  // namespace parley::core::services
