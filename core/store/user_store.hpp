#pragma once
// Persistence of user accounts. Implementations are bound to one connection (see store.hpp):
// call only from inside a database job.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/user.hpp"

namespace parley::core::store {

// Filters of a user list (GET /users, /users/autocomplete, POST /users/search). Empty strings
// and false flags mean "no filter".
struct UserQuery {
  std::string inTeam;
  std::string notInTeam;
  std::string inChannel;
  std::string notInChannel;
  bool withoutTeam = false;
  enum class Active { kAny, kActive, kInactive } active = Active::kAny;
  std::string role;  // a system role the user must hold, e.g. "system_admin"
  // Prefix of the username, nickname, first or last name (and of the email when
  // `termMatchesEmail`); compared case-insensitively, LIKE wildcards taken literally.
  std::string term;
  bool termMatchesEmail = false;
  // When set: only this user and the users sharing a channel with them (guests' view).
  std::string visibleTo;
  std::string sort;  // "" (username), "last_activity_at" or "create_at" (both newest first)
  std::int64_t offset = 0;
  std::int64_t limit = 60;
};

// Last activity of a user: the latest of the user's and of their sessions'.
struct UserActivity {
  std::string userId;
  std::int64_t lastActivityAt = 0;
};

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

  // Every account, deleted or not, bots included: 0 means the next one is the first.
  virtual Result<std::int64_t> count() = 0;

  // Writes the profile fields of `user` (username, email, email_verified, nickname, names,
  // position, locale, timezone, props, notify_props, allow_marketing, update_at). Same
  // conflicts as create(); kNotFound ("app.user.missing_account.const") for no such user.
  virtual Status update(const model::User& user) = 0;

  // Deactivates (deleteAt != 0) or reactivates (0) an account; reactivation also clears the
  // failed login count, so that an administrator's reactivation unlocks the account.
  virtual Status setDeleteAt(std::string_view id, std::int64_t deleteAt, std::int64_t updateAt) = 0;
  virtual Status setRoles(std::string_view id, std::string_view roles, std::int64_t updateAt) = 0;
  // A new password hash; also clears the failed login count (unlocks the account).
  virtual Status setPassword(std::string_view id, std::string_view passwordHash,
                             std::int64_t now) = 0;

  // The users among `ids` (unknown ids are left out) updated after `since` (0: all), limited to
  // those `visibleTo` may see when it is not empty (see UserQuery::visibleTo).
  virtual Result<std::vector<model::User>> getByIds(const std::vector<std::string>& ids,
                                                    std::int64_t since,
                                                    std::string_view visibleTo) = 0;
  // The same by username, compared case-insensitively.
  virtual Result<std::vector<model::User>> getByUsernames(const std::vector<std::string>& usernames,
                                                          std::string_view visibleTo) = 0;

  // One page of users matching `query`.
  virtual Result<std::vector<model::User>> search(const UserQuery& query) = 0;

  // True when `viewerId` and `otherId` are members of at least one common channel.
  virtual Result<bool> shareChannel(std::string_view viewerId, std::string_view otherId) = 0;

  // True when `viewerId` is an active member of team `teamId`.
  virtual Result<bool> isTeamMember(std::string_view viewerId, std::string_view teamId) = 0;
  // True when `viewerId` may see who is in channel `channelId`: a member of it, or of its team
  // when it is public. False for unknown or deleted channels.
  virtual Result<bool> canSeeChannelMembers(std::string_view viewerId,
                                            std::string_view channelId) = 0;

  // Last activity of the users among `ids`, for statuses.
  virtual Result<std::vector<UserActivity>> activity(const std::vector<std::string>& ids) = 0;
};

}  // namespace parley::core::store
