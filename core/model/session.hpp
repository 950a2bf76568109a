#pragma once
// A login session as Mattermost models it (reference/mattermost-api.md §7 "Session"). The
// bearer token itself is never kept: the store holds its SHA-256 (security/token.hpp), so a
// copy of the sessions table does not let anyone log in.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "core/model/user.hpp"

namespace parley::core::model {

struct Session {
  std::string id;
  std::string tokenHash;  // hex SHA-256 of the token
  std::int64_t createAt = 0;
  std::int64_t expiresAt = 0;  // 0: never (personal access tokens)
  std::int64_t lastActivityAt = 0;
  std::string userId;
  std::string deviceId;
  std::string roles;  // the user's roles when the session was made
  bool isOAuth = false;
  std::string csrfToken;
  nlohmann::json props = nlohmann::json::object();
  bool local = false;

  bool isExpired(std::int64_t nowMillis) const { return expiresAt != 0 && expiresAt <= nowMillis; }
};

// A session together with the account it belongs to, as one lookup returns them.
struct SessionWithUser {
  Session session;
  User user;
};

}  // namespace parley::core::model
