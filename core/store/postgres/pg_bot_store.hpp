#pragma once
// PostgreSQL implementation of BotStore (bots table joined with users).

#include "core/store/bot_store.hpp"
#include "core/store/postgres/connection.hpp"

namespace parley::core::store::postgres {

class PgStore;

class PgBotStore final : public BotStore {
 public:
  explicit PgBotStore(PgStore& store) : store_(store) {}
  Status create(const model::Bot& bot) override;
  Result<model::Bot> get(std::string_view userId) override;
  Result<std::vector<model::Bot>> list(const BotQuery& query) override;
  Status update(const model::Bot& bot) override;

 private:
  PgStore& store_;
};

}  // namespace parley::core::store::postgres
