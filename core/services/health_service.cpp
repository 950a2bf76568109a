#include "core/services/health_service.hpp"

#include "core/store/system_store.hpp"

namespace parley::core::services {
namespace {
constexpr std::string_view kRollbackId = "health.rollback";
}  // namespace

Status checkDatabaseWritable(store::Store& store) {
  Status outcome = store.transaction([](store::Store& tx) -> Status {
    if (Status wrote = tx.system().set("health_check", "write probe"); !wrote) return wrote;
    // Returning an error is how Store::transaction() is told to roll back.
    return makeError(ErrorCode::kInternal, std::string(kRollbackId), "probe rolled back");
  });
  if (!outcome.ok() && outcome.error().id == kRollbackId) return {};
  return outcome;
}

}  // namespace parley::core::services
