#pragma once
// PostgreSQL implementation of PreferenceStore (preferences table).

#include "core/store/postgres/connection.hpp"
#include "core/store/preference_store.hpp"

namespace parley::core::store::postgres {

class PgStore;

class PgPreferenceStore final : public PreferenceStore {
 public:
  explicit PgPreferenceStore(PgStore& store) : store_(store) {}
  Result<std::vector<model::Preference>> listOfUser(std::string_view userId) override;
  Status save(const std::vector<model::Preference>& preferences) override;
  Status remove(const std::vector<model::Preference>& preferences) override;

 private:
  PgStore& store_;
};

}  // namespace parley::core::store::postgres
