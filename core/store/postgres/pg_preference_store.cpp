#include "core/store/postgres/pg_preference_store.hpp"

#include "core/store/postgres/pg_store.hpp"
#include "core/store/postgres/pg_support.hpp"

namespace parley::core::store::postgres {
namespace {

constexpr Statement kPreferencesOfUser{
    "preferences_of_user",
    "SELECT user_id, category, name, value FROM preferences WHERE user_id = $1 "
    "ORDER BY category, name"};
constexpr Statement kPreferenceUpsert{
    "preference_upsert",
    "INSERT INTO preferences (user_id, category, name, value) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (user_id, category, name) DO UPDATE SET value = EXCLUDED.value"};
constexpr Statement kPreferenceDelete{
    "preference_delete",
    "DELETE FROM preferences WHERE user_id = $1 AND category = $2 AND name = $3"};

}  // namespace

Result<std::vector<model::Preference>> PgPreferenceStore::listOfUser(std::string_view userId) {
  auto rows = store_.exec(kPreferencesOfUser, Params().add(userId));
  if (!rows) return std::move(rows).error();
  std::vector<model::Preference> preferences;
  preferences.reserve(static_cast<std::size_t>(rows->size()));
  for (int row = 0; row < rows->size(); ++row) {
    preferences.push_back(model::Preference{rows->string(row, 0), rows->string(row, 1),
                                            rows->string(row, 2), rows->string(row, 3)});
  }
  return preferences;
}

Status PgPreferenceStore::save(const std::vector<model::Preference>& preferences) {
  return store_.transaction([&](Store&) -> Status {
    for (const auto& preference : preferences) {
      auto saved = store_.exec(kPreferenceUpsert, Params()
                                                      .add(preference.userId)
                                                      .add(preference.category)
                                                      .add(preference.name)
                                                      .add(preference.value));
      if (!saved) return std::move(saved).error();
    }
    return {};
  });
}

Status PgPreferenceStore::remove(const std::vector<model::Preference>& preferences) {
  return store_.transaction([&](Store&) -> Status {
    for (const auto& preference : preferences) {
      auto removed = store_.exec(
          kPreferenceDelete,
          Params().add(preference.userId).add(preference.category).add(preference.name));
      if (!removed) return std::move(removed).error();
    }
    return {};
  });
}

}  // namespace parley::core::store::postgres
