#pragma once
// PostgreSQL implementation of SessionStore (sessions table; a session is read together
// with its user in one round trip).

#include "core/store/postgres/connection.hpp"
#include "core/store/session_store.hpp"

namespace parley::core::store::postgres {

class PgStore;

class PgSessionStore final : public SessionStore {
 public:
  explicit PgSessionStore(PgStore& store) : store_(store) {}
  Status create(const model::Session& session) override;
  Result<model::SessionWithUser> getByTokenHash(std::string_view tokenHash) override;
  Result<model::Session> getById(std::string_view sessionId) override;
  Result<std::vector<model::Session>> listOfUser(std::string_view userId) override;
  Status touch(std::string_view sessionId, std::int64_t lastActivityAt) override;
  Status revoke(std::string_view sessionId) override;
  Result<std::int64_t> revokeAllOfUser(std::string_view userId) override;
  Status revokeDevice(std::string_view userId, std::string_view deviceId,
                      std::string_view keepSessionId) override;
  Status setDevice(std::string_view sessionId, std::string_view deviceId) override;
  Status revokeByAccessToken(std::string_view tokenId) override;

 private:
  // The rows of `statement` for `key`; kNotFound when there are none.
  Result<Rows> getOne(const Statement& statement, std::string_view key);
  PgStore& store_;
};

}  // namespace parley::core::store::postgres
