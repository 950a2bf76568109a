#pragma once
// PostgreSQL implementation of AccessTokenStore (user_access_tokens table).

#include "core/store/access_token_store.hpp"
#include "core/store/postgres/connection.hpp"

namespace parley::core::store::postgres {

class PgStore;

class PgAccessTokenStore final : public AccessTokenStore {
 public:
  explicit PgAccessTokenStore(PgStore& store) : store_(store) {}
  Status create(const model::AccessToken& token) override;
  Result<AccessTokenWithUser> getByTokenHash(std::string_view tokenHash) override;
  Result<model::AccessToken> getById(std::string_view id) override;
  Result<std::vector<model::AccessToken>> listOfUser(std::string_view userId, std::int64_t offset,
                                                     std::int64_t limit) override;
  Result<std::vector<model::AccessToken>> listAll(std::int64_t offset, std::int64_t limit) override;
  Status setActive(std::string_view id, bool active) override;
  Status remove(std::string_view id) override;

 private:
  PgStore& store_;
};

}  // namespace parley::core::store::postgres
