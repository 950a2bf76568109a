#pragma once
// The PostgreSQL Store: one object per pool worker, bound to that worker's connection (or to
// none while the database is unreachable, in which case every call fails with kUnavailable).
// Used only on the worker's thread.

#include "core/common/clock.hpp"
#include "core/store/postgres/connection.hpp"
#include "core/store/store.hpp"

namespace parley::core::store::postgres {

class PgStore;

class PgUserStore final : public UserStore {
 public:
  explicit PgUserStore(PgStore& store) : store_(store) {}
  Status create(const model::User& user) override;
  Result<model::User> getById(std::string_view id) override;
  Result<model::User> getByUsername(std::string_view username) override;
  Result<model::User> getByEmail(std::string_view email) override;
  Status recordLogin(std::string_view id, int failedAttempts, std::int64_t lastLogin) override;
  Result<std::int64_t> countSystemAdmins() override;

 private:
  Result<model::User> getOne(const Statement& statement, std::string_view key);
  PgStore& store_;
};

class PgSystemStore final : public SystemStore {
 public:
  explicit PgSystemStore(PgStore& store) : store_(store) {}
  Result<std::optional<std::string>> get(std::string_view key) override;
  Status set(std::string_view key, std::string_view value) override;
  Status lock(std::string_view name) override;

 private:
  PgStore& store_;
};

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

 private:
  // The rows of `statement` for `key`; kNotFound when there are none.
  Result<Rows> getOne(const Statement& statement, std::string_view key);
  PgStore& store_;
};

class PgStore final : public Store {
 public:
  // `connection` may be null (database down, or the pool stopped).
  PgStore(Connection* connection, const Clock& clock)
      : connection_(connection), clock_(clock), users_(*this), system_(*this), sessions_(*this) {}

  Status ping() override;
  Status transaction(const std::function<Status(Store&)>& body) override;
  UserStore& users() override { return users_; }
  SystemStore& system() override { return system_; }
  SessionStore& sessions() override { return sessions_; }
  const Clock& clock() const override { return clock_; }

  // For the stores of this module: runs a named statement on the bound connection.
  Result<Rows> exec(const Statement& statement, const Params& params = {});

 private:
  Connection* connection_;
  const Clock& clock_;
  int transactionDepth_ = 0;
  PgUserStore users_;
  PgSystemStore system_;
  PgSessionStore sessions_;
};

}  // namespace parley::core::store::postgres
