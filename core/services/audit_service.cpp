#include "core/services/audit_service.hpp"

#include <algorithm>

#include "core/model/permissions.hpp"
#include "core/services/permissions.hpp"

namespace parley::core::services {
namespace {

namespace permission = model::permission;

Status requireAuditReader(const model::User& caller) {
  if (!hasSystemPermission(caller, permission::kManageSystem)) {
    return permissionDenied(permission::kManageSystem);
  }
  return {};
}

}  // namespace

Result<std::vector<policy::StoredAuditRecord>> queryAudit(store::Store& store,
                                                          const model::User& caller,
                                                          const store::AuditQuery& query) {
  if (auto allowed = requireAuditReader(caller); !allowed) return std::move(allowed).error();
  return store.audit().query(query);
}

Result<std::vector<policy::StoredAuditRecord>> exportAudit(store::Store& store,
                                                           const model::User& caller,
                                                           std::optional<std::int64_t> since,
                                                           std::optional<std::int64_t> until,
                                                           std::int64_t afterId, int limit) {
  if (auto allowed = requireAuditReader(caller); !allowed) return std::move(allowed).error();
  return store.audit().exportPage(since, until, afterId,
                                  std::clamp(limit, 1, kAuditExportMaxRecords));
}

Result<policy::ChainReport> verifyAudit(store::Store& store, const model::User& caller) {
  if (auto allowed = requireAuditReader(caller); !allowed) return std::move(allowed).error();
  return store.audit().verify();
}

}  // namespace parley::core::services
