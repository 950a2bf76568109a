#pragma once
// Server-wide key/value settings kept in the database (Mattermost's Systems table), e.g.
// "signup_locked". Call only from inside a database job.

#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace parley::core::store {

class SystemStore {
 public:
  virtual ~SystemStore() = default;

  // The value, or nullopt when the key was never set.
  virtual Result<std::optional<std::string>> get(std::string_view key) = 0;

  // Inserts or replaces.
  virtual Status set(std::string_view key, std::string_view value) = 0;

  // Takes an exclusive lock named `name` until the surrounding transaction ends, so that a
  // check-then-act sequence (e.g. "no admin exists yet, create one") runs one at a time across
  // every parleyd sharing the database. Only meaningful inside Store::transaction().
  virtual Status lock(std::string_view name) = 0;
};

}  // namespace parley::core::store
