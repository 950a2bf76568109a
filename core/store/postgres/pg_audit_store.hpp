#pragma once
// PostgreSQL implementation of AuditStore (audit_log).

#include <cstdint>
#include <string>
#include <vector>

#include "core/store/audit_store.hpp"
#include "core/store/postgres/connection.hpp"
#include "core/store/postgres/pg_read_ahead.hpp"

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
  void lockChainAhead(int records = 1) override;

 private:
  // How many ids to take with the lock: as many as the session's previous transaction used, or
  // `records` if more.
  Params idsWithTheLock(int records = 1);
  // The lock's first ids and newest hash, read for `transaction` (kAuditIdAndLastHash).
  void takeTip(std::uint64_t transaction, const Rows& tip);
  // The id of the open transaction's next record (see reservedIds_).
  Result<std::int64_t> nextId();

  PgStore& store_;
  // The chain's newest record when this store's open transaction appended it (and so holds
  // the chain's lock): its next append needs neither the lock nor the newest hash again.
  std::uint64_t tipTransaction_ = 0;
  std::string tipHash_;
  // The lock's first id and newest hash, sent ahead with the lock (lockChainAhead).
  ReadAhead chainHeadAhead_;
  // Ids the open transaction took from the sequence under the chain's lock and has not used:
  // with the lock as many as the session's previous one used (a drainer's batches of one link
  // are alike: each then takes its ids in no round trip of their own), then each time they run
  // out as many as it has used so far, so that a transaction of n records spends at most about
  // log2(n) round trips on their ids. Unused ones are gaps, as a rolled-back record's id is.
  // Taken anew with the lock by each transaction: an id taken earlier may be lower than another
  // session's record since.
  std::vector<std::int64_t> reservedIds_;  // highest first: the next is at the back
  std::int64_t idsUsed_ = 0;
};

}  // namespace parley::core::store::postgres
