#pragma once
// Persistence of user preferences (the preferences table). Call only from inside a database
// job (see store.hpp).

#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/preference.hpp"

namespace parley::core::store {

class PreferenceStore {
 public:
  virtual ~PreferenceStore() = default;

  // The preferences of `userId`, by category then name.
  virtual Result<std::vector<model::Preference>> listOfUser(std::string_view userId) = 0;

  // Inserts or replaces each preference (keyed by user, category and name).
  virtual Status save(const std::vector<model::Preference>& preferences) = 0;

  // Deletes each (user, category, name); deleting one that does not exist is not an error.
  virtual Status remove(const std::vector<model::Preference>& preferences) = 0;
};

}  // namespace parley::core::store
