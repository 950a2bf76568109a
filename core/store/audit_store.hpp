#pragma once
// The audit log of policy decisions (audit_log, 0003_bridges.sql): append-only, hash-chained
// (core/policy/audit_log.hpp). Call only from inside a database job (see store.hpp).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/common/result.hpp"
#include "core/policy/audit_log.hpp"

namespace parley::core::store {

struct AuditQuery {
  std::optional<std::int64_t> since;  // time >= since (ms)
  std::optional<std::int64_t> until;  // time <= until (ms)
  std::string subject;                // exact match; "" = any
  std::string action;                 // exact match; "" = any
  std::optional<policy::AuditDecision> decision;
  std::int64_t offset = 0;
  int limit = 60;
};

class AuditStore {
 public:
  virtual ~AuditStore() = default;

  // Appends the record at the end of the chain: under a transaction-level advisory lock (one
  // appender at a time, whatever the node), reads the newest row's chain hash, takes the next
  // id and writes the row with chain_hash = policy::chainHash(previous, id, record). Runs in
  // the caller's transaction when there is one (the record then commits or rolls back with the
  // change it describes, and the lock is held until then). Invalid records are
  // policy::validateAuditRecord's 400.
  virtual Result<policy::StoredAuditRecord> append(const policy::AuditRecord& record) = 0;

  // The open transaction will append (a boundary decision is about to read its inputs): the
  // chain's lock and newest hash travel with the transaction's next statement, instead of a
  // round trip of their own at the first append. The lock is then held from there to the
  // COMMIT. Outside a transaction, or once the transaction holds the lock, nothing.
  // `records`: how many the transaction expects to append (a batch's decisions), whose ids then
  // travel with the lock too.
  virtual void lockChainAhead(int records = 1) { (void)records; }

  // Records matching `query`, newest first.
  virtual Result<std::vector<policy::StoredAuditRecord>> query(const AuditQuery& query) = 0;

  // Up to `limit` records with since <= time <= until (either bound optional) and id > afterId,
  // in id (chain) order, each with its previous record's chain hash.
  virtual Result<std::vector<policy::StoredAuditRecord>> exportPage(
      std::optional<std::int64_t> since, std::optional<std::int64_t> until, std::int64_t afterId,
      int limit) = 0;

  // Walks the whole chain from its first record.
  virtual Result<policy::ChainReport> verify() = 0;
};

}  // namespace parley::core::store
