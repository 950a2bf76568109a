#pragma once
// Persistence of personal access tokens (user_access_tokens). Tokens are found by the SHA-256
// of the token only, as sessions are. Call only from inside a database job (see store.hpp).

#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/access_token.hpp"
#include "core/model/user.hpp"

namespace parley::core::store {

struct AccessTokenWithUser {
  model::AccessToken token;
  model::User user;
};

class AccessTokenStore {
 public:
  virtual ~AccessTokenStore() = default;

  virtual Status create(const model::AccessToken& token) = 0;

  // kNotFound ("app.user_access_token.get_by_token.app_error") when no token has this hash.
  virtual Result<AccessTokenWithUser> getByTokenHash(std::string_view tokenHash) = 0;

  // kNotFound ("app.user_access_token.get.app_error") when there is no such token.
  virtual Result<model::AccessToken> getById(std::string_view id) = 0;

  // The tokens of `userId`, oldest first.
  virtual Result<std::vector<model::AccessToken>> listOfUser(std::string_view userId,
                                                             std::int64_t offset,
                                                             std::int64_t limit) = 0;

  // Every user's tokens, oldest first (GET /users/tokens, for system admins).
  virtual Result<std::vector<model::AccessToken>> listAll(std::int64_t offset,
                                                          std::int64_t limit) = 0;

  virtual Status setActive(std::string_view id, bool active) = 0;

  // Deletes the token; deleting one that is gone is not an error.
  virtual Status remove(std::string_view id) = 0;
};

}  // namespace parley::core::store
