#pragma once
// Persistence of user accounts. Implementations are bound to one connection (see store.hpp):
// call only from inside a database job.

#include <cstdint>
#include <string_view>

#include "core/common/result.hpp"
#include "core/model/user.hpp"

namespace parley::core::store {

class UserStore {
 public:
  virtual ~UserStore() = default;

  // Inserts `user` as given (id, timestamps and all); the caller fills them in.
  // kConflict with id "app.user.save.username_exists.app_error" or
  // "app.user.save.email_exists.app_error" when the username or email (compared
  // case-insensitively) is taken, "store.conflict" for an id collision.
  virtual Status create(const model::User& user) = 0;

  // kNotFound ("app.user.missing_account.const") when there is no such user. Deleted users
  // (delete_at != 0) are found too: callers decide what deactivation means.
  virtual Result<model::User> getById(std::string_view id) = 0;
  virtual Result<model::User> getByUsername(std::string_view username) = 0;  // case-insensitive
  virtual Result<model::User> getByEmail(std::string_view email) = 0;        // case-insensitive

  // Records the outcome of a password login: `failedAttempts` (0 after a success) and, when
  // `lastLogin` is not 0, the time of a successful login.
  virtual Status recordLogin(std::string_view id, int failedAttempts, std::int64_t lastLogin) = 0;

  // Active (not deleted) users holding the system_admin role.
  virtual Result<std::int64_t> countSystemAdmins() = 0;
};

}  // namespace parley::core::store
