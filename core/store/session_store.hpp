#pragma once
// Persistence of login sessions. Sessions are found by the SHA-256 of their token only
// (core/security/token.hpp); the token itself never reaches the database. Call only from inside
// a database job (see store.hpp).

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/session.hpp"

namespace parley::core::store {

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  // Inserts `session` as given; the caller fills in the id, hash and timestamps.
  virtual Status create(const model::Session& session) = 0;

  // The session whose token hashes to `tokenHash`, with its user, expired or not (callers
  // decide). kNotFound ("app.session.get.app_error") when there is none.
  virtual Result<model::SessionWithUser> getByTokenHash(std::string_view tokenHash) = 0;

  // One session by id; kNotFound ("app.session.get.app_error") when there is none.
  virtual Result<model::Session> getById(std::string_view sessionId) = 0;

  // The sessions of `userId`, most recently active first.
  virtual Result<std::vector<model::Session>> listOfUser(std::string_view userId) = 0;

  // Records activity on a session (Mattermost's last_activity_at).
  virtual Status touch(std::string_view sessionId, std::int64_t lastActivityAt) = 0;

  // Deletes one session; revoking a session that is already gone is not an error.
  virtual Status revoke(std::string_view sessionId) = 0;

  // Deletes every session of `userId` (password change, deactivation); returns how many.
  virtual Result<std::int64_t> revokeAllOfUser(std::string_view userId) = 0;

  // Deletes the sessions of `userId` registered for `deviceId` except `keepSessionId` (may be
  // ""): a device logging in again replaces its old session, as Mattermost does.
  virtual Status revokeDevice(std::string_view userId, std::string_view deviceId,
                              std::string_view keepSessionId) = 0;

  // Deletes the sessions standing for personal access token `tokenId` (props
  // user_access_token_id): revoking or disabling a token ends its use at once.
  virtual Status revokeByAccessToken(std::string_view tokenId) = 0;

  // Registers the push-notification device of a session (PUT /users/sessions/device).
  virtual Status setDevice(std::string_view sessionId, std::string_view deviceId) = 0;
};

}  // namespace parley::core::store
