#include "core/services/user_service.hpp"

#include <algorithm>

#include "core/model/id.hpp"
#include "core/model/permissions.hpp"
#include "core/security/password.hpp"
#include "core/services/account_service.hpp"
#include "core/services/permissions.hpp"
#include "core/services/session_service.hpp"
#include "core/services/status_service.hpp"

namespace parley::core::services {
namespace {

namespace permission = model::permission;

// Serialises "is this the first account?" with the creation that depends on the answer.
constexpr std::string_view kCreateUserLock = "parley.accounts.create_user";

Error invalidField(std::string_view field, std::string message) {
  return makeError(ErrorCode::kInvalidArgument,
                   "model.user.is_valid." + std::string(field) + ".app_error", std::move(message));
}

Error invalidBody(std::string_view name) {
  return makeError(ErrorCode::kInvalidArgument, "api.context.invalid_body_param.app_error",
                   "Invalid or missing " + std::string(name) + " in request body.");
}

// Mattermost counts runes; UTF-8 continuation bytes are not characters.
std::size_t runeCount(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool isStringMap(const nlohmann::json& value) {
  return value.is_object() && std::all_of(value.begin(), value.end(),
                                          [](const nlohmann::json& v) { return v.is_string(); });
}

Status checkLength(std::string_view field, std::string_view value, std::size_t max) {
  if (runeCount(value) > max) {
    return invalidField(field, "The " + std::string(field) + " is longer than " +
                                   std::to_string(max) + " characters.");
  }
  return {};
}

bool isAdmin(const model::User* caller) {
  return caller != nullptr && hasSystemPermission(*caller, permission::kManageSystem);
}

// Mattermost's sign-up decision: admins always; others only while user creation is on, and
// then for the first account or with open sign-up (unless `parleyd init-admin` locked it).
// The value says whether this is the first account.
Result<bool> decideSignup(store::Store& store, const model::User* caller,
                          const SignupSettings& settings) {
  if (isAdmin(caller)) return false;
  if (!settings.enableUserCreation) {
    return makeError(ErrorCode::kNotImplemented,
                     "api.user.create_user.signup_email_disabled.app_error",
                     "User sign-up with email is disabled.");
  }
  auto users = store.users().count();
  if (!users) return std::move(users).error();
  if (*users == 0) return true;
  auto locked = store.system().get(kSignupLockedKey);
  if (!locked) return std::move(locked).error();
  const bool signupLocked = locked->has_value() && **locked == "true";
  if (settings.enableOpenServer && !signupLocked) return false;
  return makeError(ErrorCode::kPermissionDenied, "api.user.create_user.no_open_server",
                   "This server does not allow open signups. Please speak with your "
                   "Administrator to receive an invitation.");
}

}  // namespace

Status validatePassword(std::string_view password) {
  if (password.size() < model::kPasswordMinLength) {
    return invalidField("pwd_min_length", "Your password must contain at least " +
                                              std::to_string(model::kPasswordMinLength) +
                                              " characters.");
  }
  if (password.size() > model::kPasswordMaxLength) {
    return invalidField("pwd_max_length", "Your password must contain no more than " +
                                              std::to_string(model::kPasswordMaxLength) +
                                              " characters.");
  }
  return {};
}

Status applyUserFields(model::User& user, const UserFields& fields) {
  if (fields.username) {
    user.username = model::normalizeUsernameOrEmail(*fields.username);
    if (!model::isValidUsername(user.username)) {
      return invalidField("username",
                          "Invalid username: use 1 to 64 characters of a-z, 0-9, '.', '-' and "
                          "'_', starting with a letter, and not a reserved name.");
    }
  }
  if (fields.email) {
    user.email = model::normalizeUsernameOrEmail(*fields.email);
    if (!model::isValidEmail(user.email)) return invalidField("email", "Invalid email address.");
  }
  const std::pair<std::string_view, std::pair<const std::optional<std::string>*, std::string*>>
      texts[] = {{"nickname", {&fields.nickname, &user.nickname}},
                 {"first_name", {&fields.firstName, &user.firstName}},
                 {"last_name", {&fields.lastName, &user.lastName}},
                 {"position", {&fields.position, &user.position}},
                 {"locale", {&fields.locale, &user.locale}}};
  for (const auto& [field, slot] : texts) {
    if (*slot.first) *slot.second = **slot.first;
  }
  for (const auto& [field, value, max] :
       {std::tuple{"nickname", &user.nickname, kNicknameMaxLength},
        std::tuple{"first_name", &user.firstName, kNameMaxLength},
        std::tuple{"last_name", &user.lastName, kNameMaxLength},
        std::tuple{"position", &user.position, kPositionMaxLength},
        std::tuple{"locale", &user.locale, kLocaleMaxLength}}) {
    if (auto fits = checkLength(field, *value, max); !fits) return fits;
  }
  if (fields.props) {
    if (!isStringMap(*fields.props)) return invalidBody("props");
    user.props = *fields.props;
  }
  if (fields.notifyProps) {
    if (!isStringMap(*fields.notifyProps)) return invalidBody("notify_props");
    // A patch replaces the keys it names and keeps the others, as the clients expect.
    for (const auto& [key, value] : fields.notifyProps->items()) user.notifyProps[key] = value;
  }
  if (fields.timezone) {
    if (!isStringMap(*fields.timezone)) return invalidBody("timezone");
    for (const auto& [key, value] : fields.timezone->items()) user.timezone[key] = value;
  }
  if (fields.allowMarketing) user.allowMarketing = *fields.allowMarketing;
  return {};
}

Result<model::User> newUserFromFields(const UserFields& fields, std::int64_t now) {
  if (!fields.username) return invalidField("username", "A username is required.");
  if (!fields.email) return invalidField("email", "An email address is required.");
  model::User user;
  user.notifyProps = model::defaultNotifyProps();
  if (auto applied = applyUserFields(user, fields); !applied) return std::move(applied).error();
  if (auto valid = validatePassword(fields.password.value_or("")); !valid) {
    return std::move(valid).error();
  }
  user.id = model::newId();
  user.createAt = now;
  user.updateAt = now;
  user.lastPasswordUpdate = now;
  user.roles = std::string(model::kRoleSystemUser);
  return user;
}

Status checkSignupAllowed(store::Store& store, const model::User* caller,
                          const SignupSettings& settings) {
  auto decided = decideSignup(store, caller, settings);
  if (!decided) return std::move(decided).error();
  return {};
}

Result<model::User> createUser(store::Store& store, const model::User* caller, model::User user,
                               const SignupSettings& settings) {
  auto done = store.transaction([&](store::Store& tx) -> Status {
    if (auto locked = tx.system().lock(kCreateUserLock); !locked) return locked;
    auto first = decideSignup(tx, caller, settings);
    if (!first) return std::move(first).error();
    user.roles =
        *first ? std::string(model::kRoleSystemAdmin) + " " + std::string(model::kRoleSystemUser)
               : std::string(model::kRoleSystemUser);
    if (auto created = tx.users().create(user); !created) return created;
    tx.afterCommit(events::UserCreated{user});
    return {};
  });
  if (!done) return std::move(done).error();
  return user;
}

std::string visibilityRestriction(const model::User& viewer) {
  return hasSystemPermission(viewer, permission::kViewMembers) ? std::string() : viewer.id;
}

namespace {

Result<model::User> visibleOrDenied(store::Store& store, const model::User& viewer,
                                    Result<model::User> found) {
  const std::string restriction = visibilityRestriction(viewer);
  if (!found) {
    // A restricted viewer learns nothing about accounts it cannot see, not even that they
    // do not exist (Mattermost answers view_members there too).
    if (found.error().code == ErrorCode::kNotFound && !restriction.empty()) {
      return permissionDenied(permission::kViewMembers);
    }
    return found;
  }
  if (restriction.empty() || found->id == viewer.id) return found;
  auto shares = store.users().shareChannel(viewer.id, found->id);
  if (!shares) return std::move(shares).error();
  if (!*shares) return permissionDenied(permission::kViewMembers);
  return found;
}

}  // namespace

Result<model::User> getVisibleUser(store::Store& store, const model::User& viewer,
                                   std::string_view id) {
  return visibleOrDenied(store, viewer, store.users().getById(id));
}

Result<model::User> getVisibleUserByUsername(store::Store& store, const model::User& viewer,
                                             std::string_view username) {
  return visibleOrDenied(store, viewer, store.users().getByUsername(username));
}

Result<model::User> getVisibleUserByEmail(store::Store& store, const model::User& viewer,
                                          std::string_view email) {
  return visibleOrDenied(store, viewer, store.users().getByEmail(email));
}

Result<std::vector<model::User>> searchUsers(store::Store& store, const model::User& viewer,
                                             store::UserQuery query) {
  query.visibleTo = visibilityRestriction(viewer);
  if (!hasSystemPermission(viewer, permission::kManageSystem)) {
    for (const std::string* team : {&query.inTeam, &query.notInTeam}) {
      if (team->empty()) continue;
      auto member = store.users().isTeamMember(viewer.id, *team);
      if (!member) return std::move(member).error();
      if (!*member) return permissionDenied(permission::kViewTeam);
    }
    for (const std::string* channel : {&query.inChannel, &query.notInChannel}) {
      if (channel->empty()) continue;
      auto allowed = store.users().canSeeChannelMembers(viewer.id, *channel);
      if (!allowed) return std::move(allowed).error();
      if (!*allowed) return permissionDenied(permission::kReadChannel);
    }
  }
  return store.users().search(query);
}

Status mayEditUser(const model::User& caller, const model::User& target) {
  if (caller.id == target.id || hasSystemPermission(caller, permission::kEditOtherUsers)) return {};
  return permissionDenied(permission::kEditOtherUsers);
}

namespace {

// The target of an edit by `caller`: guests and users get 403 for others whether or not the
// account exists, admins 404 for unknown ids.
Result<model::User> editableUser(store::Store& store, const model::User& caller,
                                 std::string_view userId) {
  if (caller.id != userId && !hasSystemPermission(caller, permission::kEditOtherUsers)) {
    return permissionDenied(permission::kEditOtherUsers);
  }
  auto target = store.users().getById(userId);
  if (!target) return target;
  if (auto allowed = mayEditUser(caller, *target); !allowed) return std::move(allowed).error();
  return target;
}

// Applies `fields` (never the password: it has its own route) to `user` and stores it.
Result<model::User> storeEdited(store::Store& store, model::User user, const UserFields& fields) {
  UserFields patch = fields;
  patch.password.reset();
  if (auto applied = applyUserFields(user, patch); !applied) return std::move(applied).error();
  user.updateAt = store.clock().nowMillis();
  if (auto updated = store.users().update(user); !updated) return std::move(updated).error();
  store.afterCommit(events::UserUpdated{user});
  return user;
}

}  // namespace

Result<model::User> patchUser(store::Store& store, const model::User& caller,
                              std::string_view userId, const UserFields& fields) {
  auto target = editableUser(store, caller, userId);
  if (!target) return target;
  return storeEdited(store, std::move(target).value(), fields);
}

Result<model::User> updateUser(store::Store& store, const model::User& caller,
                               std::string_view userId, const UserFields& fields) {
  auto target = editableUser(store, caller, userId);
  if (!target) return target;
  if (!fields.username) return invalidField("username", "A username is required.");
  if (!fields.email) return invalidField("email", "An email address is required.");
  model::User user = std::move(target).value();
  const model::User fresh;
  user.nickname = fresh.nickname;
  user.firstName = fresh.firstName;
  user.lastName = fresh.lastName;
  user.position = fresh.position;
  user.locale = fresh.locale;
  user.allowMarketing = fresh.allowMarketing;
  user.props = fresh.props;
  user.timezone = fresh.timezone;
  user.notifyProps = model::defaultNotifyProps();
  return storeEdited(store, std::move(user), fields);
}

Result<model::User> setUserActive(store::Store& store, const model::User& caller,
                                  std::string_view userId, bool active) {
  const bool mayManage = hasSystemPermission(caller, permission::kManageSystem);
  if (caller.id == userId && !mayManage) {
    return makeError(ErrorCode::kUnauthenticated, "api.user.update_active.not_enable.app_error",
                     "You cannot deactivate yourself because this feature is not enabled. "
                     "Please contact your System Administrator.");
  }
  if (!mayManage) return permissionDenied(permission::kManageSystem);
  auto target = store.users().getById(userId);
  if (!target) return target;
  model::User user = std::move(target).value();
  const auto now = store.clock().nowMillis();
  user.deleteAt = active ? 0 : now;
  user.updateAt = now;
  if (active) user.failedAttempts = 0;
  auto done = store.transaction([&](store::Store& tx) -> Status {
    if (auto set = tx.users().setDeleteAt(user.id, user.deleteAt, now); !set) return set;
    tx.afterCommit(events::UserUpdated{user});
    if (active) return {};
    return revokeAllSessions(tx, user.id);
  });
  if (!done) return std::move(done).error();
  return user;
}

Result<PasswordChange> preparePasswordChange(store::Store& store, const model::User& caller,
                                             std::string_view userId) {
  auto target = editableUser(store, caller, userId);
  if (!target) return std::move(target).error();
  if (target->isBot || target->isRemote() || !target->authService.empty()) {
    return makeError(ErrorCode::kInvalidArgument, "api.user.update_password.oauth.app_error",
                     "This account does not log in with a password.");
  }
  PasswordChange change;
  change.needsCurrent = caller.id == target->id;
  change.target = std::move(target).value();
  return change;
}

Result<std::string> hashNewPassword(const PasswordChange& change, std::string_view current,
                                    std::string_view next) {
  if (change.needsCurrent &&
      (current.empty() || !security::verifyPassword(current, change.target.passwordHash))) {
    return makeError(ErrorCode::kInvalidArgument, "api.user.update_password.incorrect.app_error",
                     "The \"Current Password\" you entered is incorrect. Please check that Caps "
                     "Lock is off and try again.");
  }
  if (auto valid = validatePassword(next); !valid) return std::move(valid).error();
  return security::hashPassword(next);
}

Status completePasswordChange(store::Store& store, const PasswordChange& change,
                              std::string_view hash, std::string_view keepSessionId) {
  const auto now = store.clock().nowMillis();
  return store.transaction([&](store::Store& tx) -> Status {
    if (auto set = tx.users().setPassword(change.target.id, hash, now); !set) return set;
    auto sessions = tx.sessions().listOfUser(change.target.id);
    if (!sessions) return std::move(sessions).error();
    std::vector<std::string> others;
    for (const auto& session : *sessions) {
      if (session.id != keepSessionId) others.push_back(session.id);
    }
    return revokeSessions(tx, change.target.id, std::move(others));
  });
}

namespace {

Status mayManagePreferencesOf(const model::User& caller, std::string_view userId) {
  if (caller.id == userId || hasSystemPermission(caller, permission::kEditOtherUsers)) return {};
  return permissionDenied(permission::kEditOtherUsers);
}

Status checkPreferences(std::string_view userId,
                        const std::vector<model::Preference>& preferences) {
  if (preferences.empty() || preferences.size() > model::kPreferencesPerRequestMax) {
    return invalidBody("preferences");
  }
  for (const auto& preference : preferences) {
    if (preference.userId != userId) return invalidBody("preferences");
    const auto invalid = [](std::string_view field) {
      return makeError(ErrorCode::kInvalidArgument,
                       "model.preference.is_valid." + std::string(field) + ".app_error",
                       "Invalid preference " + std::string(field) + ".");
    };
    if (preference.category.empty() ||
        preference.category.size() > model::kPreferenceCategoryMaxLength) {
      return invalid("category");
    }
    if (preference.name.size() > model::kPreferenceNameMaxLength) return invalid("name");
    if (runeCount(preference.value) > model::kPreferenceValueMaxLength ||
        preference.value.size() > model::kPreferenceValueMaxLength) {
      return invalid("value");
    }
  }
  return {};
}

}  // namespace

Result<std::vector<model::Preference>> preferencesOf(store::Store& store, const model::User& caller,
                                                     std::string_view userId) {
  if (auto allowed = mayManagePreferencesOf(caller, userId); !allowed) {
    return std::move(allowed).error();
  }
  return store.preferences().listOfUser(userId);
}

Status savePreferences(store::Store& store, const model::User& caller, std::string_view userId,
                       const std::vector<model::Preference>& preferences) {
  if (auto allowed = mayManagePreferencesOf(caller, userId); !allowed) return allowed;
  if (auto valid = checkPreferences(userId, preferences); !valid) return valid;
  if (auto saved = store.preferences().save(preferences); !saved) return saved;
  if (!preferences.empty()) {
    store.afterCommit(events::PreferencesChanged{std::string(userId), preferences});
  }
  return {};
}

Status deletePreferences(store::Store& store, const model::User& caller, std::string_view userId,
                         const std::vector<model::Preference>& preferences) {
  if (auto allowed = mayManagePreferencesOf(caller, userId); !allowed) return allowed;
  if (auto valid = checkPreferences(userId, preferences); !valid) return valid;
  if (auto removed = store.preferences().remove(preferences); !removed) return removed;
  if (!preferences.empty()) {
    store.afterCommit(events::PreferencesDeleted{std::string(userId), preferences});
  }
  return {};
}

Result<model::User> updateUserRoles(store::Store& store, const model::User& caller,
                                    std::string_view userId, std::string_view roles) {
  if (!hasSystemPermission(caller, permission::kManageRoles)) {
    return permissionDenied(permission::kManageRoles);
  }
  if (!model::areValidRoles(roles, model::RoleScope::kSystem)) return invalidBody("roles");
  auto target = store.users().getById(userId);
  if (!target) return target;
  model::User user = std::move(target).value();
  user.roles = std::string(roles);
  user.updateAt = store.clock().nowMillis();
  if (auto set = store.users().setRoles(user.id, user.roles, user.updateAt); !set) {
    return std::move(set).error();
  }
  store.afterCommit(events::UserUpdated{user});
  store.afterCommit(events::UserRolesUpdated{user.id, user.roles});
  return user;
}

Result<std::vector<UserStatus>> statusesOf(store::Store& store, const model::User& viewer,
                                           const std::vector<std::string>& ids) {
  std::vector<std::string> visible = ids;
  const std::string restriction = visibilityRestriction(viewer);
  if (!restriction.empty()) {
    auto users = store.users().getByIds(ids, 0, restriction);
    if (!users) return std::move(users).error();
    visible.clear();
    for (const auto& user : *users) visible.push_back(user.id);
  }
  return effectiveStatuses(store, visible);
}

}  // namespace parley::core::services
