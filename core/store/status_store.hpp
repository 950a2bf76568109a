#pragma once
// Persistence of user statuses (the user_statuses table). Call only from inside a database job
// (see store.hpp).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/status.hpp"

namespace parley::core::store {

class StatusStore {
 public:
  virtual ~StatusStore() = default;

  // The stored status of `userId`; nullopt when none was ever stored.
  virtual Result<std::optional<model::UserStatus>> get(std::string_view userId) = 0;

  // The stored statuses of those of `ids` that have one (any order).
  virtual Result<std::vector<model::UserStatus>> getByIds(const std::vector<std::string>& ids) = 0;

  // Inserts or replaces the status of `status.userId`.
  virtual Status save(const model::UserStatus& status) = 0;
};

}  // namespace parley::core::store
