#pragma once
// PostgreSQL implementation of StatusStore (user_statuses table).

#include "core/store/postgres/connection.hpp"
#include "core/store/status_store.hpp"

namespace parley::core::store::postgres {

class PgStore;

class PgStatusStore final : public StatusStore {
 public:
  explicit PgStatusStore(PgStore& store) : store_(store) {}
  Result<std::optional<model::UserStatus>> get(std::string_view userId) override;
  Result<std::vector<model::UserStatus>> getByIds(const std::vector<std::string>& ids) override;
  Status save(const model::UserStatus& status) override;

 private:
  PgStore& store_;
};

}  // namespace parley::core::store::postgres
