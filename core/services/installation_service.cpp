#include "core/services/installation_service.hpp"

#include <optional>

#include "core/model/id.hpp"
#include "core/store/system_store.hpp"

namespace parley::core::services {

Result<std::string> diagnosticId(store::Store& store) {
  // The common case, without a transaction: the id exists and never changes.
  auto existing = store.system().get(kDiagnosticIdKey);
  if (!existing) return std::move(existing).error();
  if (existing->has_value()) return **existing;

  std::string id;
  const Status created = store.transaction([&id](store::Store& tx) -> Status {
    if (Status locked = tx.system().lock(kDiagnosticIdKey); !locked) return locked;
    auto current = tx.system().get(kDiagnosticIdKey);
    if (!current) return std::move(current).error();
    if (current->has_value()) {
      id = **current;  // another call created it while we waited for the lock
      return {};
    }
    id = model::newId();
    return tx.system().set(kDiagnosticIdKey, id);
  });
  if (!created) return created.error();
  return id;
}

}  // namespace parley::core::services
