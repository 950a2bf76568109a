#pragma once
// PostgreSQL implementation of SystemStore (system table and advisory locks).

#include "core/store/postgres/connection.hpp"
#include "core/store/system_store.hpp"

namespace parley::core::store::postgres {

class PgStore;

class PgSystemStore final : public SystemStore {
 public:
  explicit PgSystemStore(PgStore& store) : store_(store) {}
  Result<std::optional<std::string>> get(std::string_view key) override;
  Status set(std::string_view key, std::string_view value) override;
  Status lock(std::string_view name) override;

 private:
  PgStore& store_;
};

}  // namespace parley::core::store::postgres
