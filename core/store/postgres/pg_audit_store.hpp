#pragma once
// PostgreSQL implementation of AuditStore (audit_log).

#include <cstdint>
#include <string>

#include "core/store/audit_store.hpp"
#include "core/store/postgres/connection.hpp"

namespace parley::core::store::postgres {

class PgStore;

class PgAuditStore final : public AuditStore {
 public:
  explicit PgAuditStore(PgStore& store) : store_(store) {}
  Result<policy::StoredAuditRecord> append(const policy::AuditRecord& record) override;
  Result<std::vector<policy::StoredAuditRecord>> query(const AuditQuery& query) override;
  Result<std::vector<policy::StoredAuditRecord>> exportPage(std::optional<std::int64_t> since,
                                                            std::optional<std::int64_t> until,
                                                            std::int64_t afterId,
                                                            int limit) override;
  Result<policy::ChainReport> verify() override;

 private:
  PgStore& store_;
  // The chain's newest record when this store's open transaction appended it (and so holds
  // the chain's lock): its next append needs neither the lock nor the newest hash again.
  std::uint64_t tipTransaction_ = 0;
  std::string tipHash_;
};

}  // namespace parley::core::store::postgres
