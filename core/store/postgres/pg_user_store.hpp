#pragma once
// PostgreSQL implementation of UserStore (users table).

#include "core/store/postgres/connection.hpp"
#include "core/store/user_store.hpp"

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

}  // namespace parley::core::store::postgres
