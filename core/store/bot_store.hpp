#pragma once
// Persistence of bot accounts (the bots table, joined with the bot's user for its username and
// display name). Call only from inside a database job (see store.hpp).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/bot.hpp"

namespace parley::core::store {

struct BotQuery {
  std::string ownerId;  // "" for every owner
  bool includeDeleted = false;
  bool onlyOrphaned = false;  // owner is not an active user
  std::int64_t offset = 0;
  std::int64_t limit = 60;
};

class BotStore {
 public:
  virtual ~BotStore() = default;

  // Inserts the bots row; its user must exist already (same transaction).
  virtual Status create(const model::Bot& bot) = 0;

  // kNotFound ("store.sql_bot.get.missing.app_error") when the user is no bot.
  virtual Result<model::Bot> get(std::string_view userId) = 0;

  virtual Result<std::vector<model::Bot>> list(const BotQuery& query) = 0;

  // Writes description, owner_id, update_at and delete_at of the bots row.
  virtual Status update(const model::Bot& bot) = 0;
};

}  // namespace parley::core::store
