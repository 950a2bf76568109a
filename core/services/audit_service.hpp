#pragma once
// Reading the audit log (issue 5: "admins can query it through the API and export it as JSON
// lines"): system admins (manage_system) only. Writing is AuditStore::append, called by the
// enforcement points and the attribute services inside their own unit of work.

#include <cstdint>
#include <optional>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/user.hpp"
#include "core/policy/audit_log.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

// Most records one export request returns; the caller continues after the last id.
inline constexpr int kAuditExportMaxRecords = 10000;

Result<std::vector<policy::StoredAuditRecord>> queryAudit(store::Store& store,
                                                          const model::User& caller,
                                                          const store::AuditQuery& query);

// Records after `afterId` in chain order within [since, until], at most `limit`
// (clamped to kAuditExportMaxRecords).
Result<std::vector<policy::StoredAuditRecord>> exportAudit(store::Store& store,
                                                           const model::User& caller,
                                                           std::optional<std::int64_t> since,
                                                           std::optional<std::int64_t> until,
                                                           std::int64_t afterId, int limit);

Result<policy::ChainReport> verifyAudit(store::Store& store, const model::User& caller);

}  // namespace parley::core::services
