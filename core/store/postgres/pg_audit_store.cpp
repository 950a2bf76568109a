#include "core/store/postgres/pg_audit_store.hpp"

#include <algorithm>

#include "core/common/hex.hpp"
#include "core/store/postgres/pg_store.hpp"
#include "core/store/postgres/pg_support.hpp"

namespace parley::core::store::postgres {
namespace {

// Every appender of every node takes this lock (pg_advisory_xact_lock: released at COMMIT or
// ROLLBACK), so that reading the newest hash and inserting after it cannot interleave.
constexpr Statement kAuditLock{"audit_lock", "SELECT pg_advisory_xact_lock(8097879415207327076)"};
// Sent right after the lock, in the same pipeline: a statement of its own, so its snapshot is
// taken once the lock was granted and it sees the record of whoever held the lock before; and
// the transaction's first $1 ids are taken then, so that ids rise in the order records chain.
// The head (an uncorrelated subquery) is read once, and repeated on each row. Planned once
// (PARLEY_PG_FIRST_IDS, pg_support.hpp).
constexpr Statement kAuditIdAndLastHash{"audit_id_and_last_hash",
                                        "SELECT nextval('audit_log_id_seq'), "
                                        "COALESCE((SELECT encode(chain_hash, 'hex') FROM audit_log "
                                        "ORDER BY id DESC LIMIT 1), '')" PARLEY_PG_FIRST_IDS};
constexpr Statement kAuditNextIds{"audit_next_ids",
                                  "SELECT nextval('audit_log_id_seq')" PARLEY_PG_FIRST_IDS};
// What lockChainAhead's read is kept under (one chain, one key).
constexpr std::string_view kChainHeadKey = "chain head";
// The most ids one round trip takes for a transaction.
constexpr std::int64_t kMaxReservedIds = kMaxIdsAhead;
#define PARLEY_PG_AUDIT_INSERT_COLUMNS \
  "id, time, subject, resource, action, decision, rules, obligations, bundle_hash, detail"
constexpr RowsStatement kAuditInsert{
    {"audit_insert",
     "INSERT INTO audit_log (" PARLEY_PG_AUDIT_INSERT_COLUMNS ", chain_hash)"
     " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10::jsonb, decode($11, 'hex'))"},
    {"audit_insert_many",
     "INSERT INTO audit_log (" PARLEY_PG_AUDIT_INSERT_COLUMNS ", chain_hash)"
     " SELECT " PARLEY_PG_AUDIT_INSERT_COLUMNS ", decode(chain_hash, 'hex')"
     " FROM unnest($1::bigint[], $2::bigint[], $3::varchar[], $4::varchar[], $5::varchar[],"
     "   $6::varchar[], $7::jsonb[], $8::jsonb[], $9::varchar[], $10::jsonb[], $11::text[])"
     " AS r(" PARLEY_PG_AUDIT_INSERT_COLUMNS ", chain_hash)"}};

// The columns of a stored record, with the chain predecessor's hash.
#define PARLEY_PG_AUDIT_COLUMNS                                                                \
  "a.id, a.time, a.subject, a.resource, a.action, a.decision, a.rules::text, "                 \
  "a.obligations::text, a.bundle_hash, a.detail::text, COALESCE(encode(a.chain_hash, 'hex'), " \
  "''), COALESCE((SELECT encode(p.chain_hash, 'hex') FROM audit_log p WHERE p.id < a.id "      \
  "ORDER BY p.id DESC LIMIT 1), '')"

constexpr Statement kAuditQuery{
    "audit_query",
    "SELECT " PARLEY_PG_AUDIT_COLUMNS
    " FROM audit_log a WHERE ($1::bigint IS NULL OR a.time >= $1::bigint) "
    "AND ($2::bigint IS NULL OR a.time <= $2::bigint) AND ($3 = '' OR a.subject = $3) "
    "AND ($4 = '' OR a.action = $4) AND ($5 = '' OR a.decision = $5) "
    "ORDER BY a.id DESC LIMIT $6 OFFSET $7"};
constexpr Statement kAuditExportPage{
    "audit_export_page",
    "SELECT " PARLEY_PG_AUDIT_COLUMNS
    " FROM audit_log a WHERE a.id > $3 AND ($1::bigint IS NULL OR a.time >= $1::bigint) "
    "AND ($2::bigint IS NULL OR a.time <= $2::bigint) ORDER BY a.id LIMIT $4"};
// The chain walk needs no predecessor lookup: it carries the previous hash itself.
constexpr Statement kAuditChainPage{
    "audit_chain_page",
    "SELECT a.id, a.time, a.subject, a.resource, a.action, a.decision, a.rules::text, "
    "a.obligations::text, a.bundle_hash, a.detail::text, "
    "COALESCE(encode(a.chain_hash, 'hex'), ''), '' FROM audit_log a WHERE a.id > $1 "
    "ORDER BY a.id LIMIT $2"};

constexpr int kChainPageSize = 1000;

Params& addOptional(Params& params, const std::optional<std::int64_t>& value) {
  return value ? params.add(*value) : params.addNull();
}

Result<std::vector<policy::StoredAuditRecord>> recordsOf(Result<Rows> rows) {
  if (!rows) return std::move(rows).error();
  std::vector<policy::StoredAuditRecord> records;
  records.reserve(static_cast<std::size_t>(rows->size()));
  for (int row = 0; row < rows->size(); ++row) {
    policy::StoredAuditRecord stored;
    stored.id = rows->int64(row, 0);
    auto& record = stored.record;
    record.time = rows->int64(row, 1);
    record.subject = rows->string(row, 2);
    record.resource = rows->string(row, 3);
    record.action = rows->string(row, 4);
    // The column's CHECK allows only these two; "deny" is the safe reading of anything else.
    record.decision =
        policy::decisionFromName(rows->text(row, 5)).value_or(policy::AuditDecision::kDeny);
    // A value that does not parse (cannot happen through jsonb) reads as null: it then fails
    // the chain check instead of passing as something else.
    record.rules = parseJson(rows->text(row, 6), nullptr);
    record.obligations = parseJson(rows->text(row, 7), nullptr);
    record.bundleHash = rows->string(row, 8);
    record.detail = parseJson(rows->text(row, 9), nullptr);
    stored.chainHash = hexDecode(rows->text(row, 10));
    stored.previousHash = hexDecode(rows->text(row, 11));
    records.push_back(std::move(stored));
  }
  return records;
}

}  // namespace

Result<policy::StoredAuditRecord> PgAuditStore::append(const policy::AuditRecord& original) {
  // What a remote peer sent may be anything: the row (and its hash) holds valid UTF-8 only.
  policy::StoredAuditRecord stored;
  stored.record = original;
  policy::AuditRecord& record = stored.record;
  // The JSON members' text, once: for the size limit, the chain hash and the row.
  auto prepared = policy::prepareAuditRecord(record);
  if (!prepared) return std::move(prepared).error();
  const policy::AuditJsonText& json = *prepared;
  auto written = store_.transaction([&](Store&) -> Status {
    const std::uint64_t transaction = store_.transactionSerial();
    if (transaction == 0 || transaction != tipTransaction_) {
      // The lock and the tip: sent ahead (lockChainAhead), or now.
      auto ahead = chainHeadAhead_.take(store_, kChainHeadKey);
      if (!ahead) {
        if (auto locked = store_.defer(kAuditLock); !locked) return locked;
      }
      auto tip = ahead ? std::move(*ahead) : store_.exec(kAuditIdAndLastHash, idsWithTheLock());
      if (!tip) return std::move(tip).error();
      takeTip(transaction, *tip);
    }
    // This transaction holds the lock (it read the tip, or appended): nobody appended since.
    stored.previousHash = tipHash_;
    auto next = nextId();
    if (!next) return std::move(next).error();
    stored.id = *next;
    stored.chainHash = policy::chainHash(stored.previousHash, stored.id, record, json);
    if (stored.chainHash.empty()) {
      return makeError(ErrorCode::kInternal, "app.audit.chain_hash.app_error",
                       "Unable to compute the audit chain hash.");
    }
    // With the transaction's next statement or its COMMIT, under the lock.
    auto inserted = store_.deferRow(kAuditInsert, Params()
                                                      .add(stored.id)
                                                      .add(record.time)
                                                      .add(record.subject)
                                                      .add(record.resource)
                                                      .add(record.action)
                                                      .add(policy::decisionName(record.decision))
                                                      .add(json.rules)
                                                      .add(json.obligations)
                                                      .add(record.bundleHash)
                                                      .add(json.detail)
                                                      .add(hexEncode(stored.chainHash)));
    if (inserted) {
      tipTransaction_ = transaction;
      tipHash_ = stored.chainHash;
    }
    return inserted;
  });
  if (!written) return std::move(written).error();
  return stored;
}

void PgAuditStore::lockChainAhead(int records) {
  const std::uint64_t transaction = store_.transactionSerial();
  if (transaction == 0 || transaction == tipTransaction_ ||
      chainHeadAhead_.pending(store_, kChainHeadKey)) {
    return;
  }
  // Inside a transaction both only queue: a failure shows with the statement they travel with.
  (void)store_.defer(kAuditLock);
  chainHeadAhead_.send(store_, kAuditIdAndLastHash, idsWithTheLock(records),
                       std::string(kChainHeadKey));
}

Params PgAuditStore::idsWithTheLock(int records) {
  // A bridge's batches of one link are alike: as many as the session's last transaction used.
  const Connection* connection = store_.connection();
  const std::int64_t last = connection == nullptr ? 1 : connection->lastAuditAppends();
  return Params().add(
      std::clamp<std::int64_t>(std::max<std::int64_t>(last, records), 1, kMaxReservedIds));
}

void PgAuditStore::takeTip(std::uint64_t transaction, const Rows& tip) {
  reservedIds_.clear();
  for (int row = 0; row < tip.size(); ++row) reservedIds_.push_back(tip.int64(row, 0));
  std::sort(reservedIds_.rbegin(), reservedIds_.rend());
  idsUsed_ = 0;
  tipHash_ = hexDecode(tip.text(0, 1));
  tipTransaction_ = transaction;
}

Result<std::int64_t> PgAuditStore::nextId() {
  if (reservedIds_.empty()) {
    const std::int64_t count = std::clamp<std::int64_t>(idsUsed_, 1, kMaxReservedIds);
    auto taken = store_.exec(kAuditNextIds, Params().add(count));
    if (!taken) return std::move(taken).error();
    for (int row = 0; row < taken->size(); ++row) reservedIds_.push_back(taken->int64(row, 0));
    if (reservedIds_.empty()) {
      return makeError(ErrorCode::kInternal, "app.audit.next_id.app_error",
                       "The audit log's sequence gave no id.");
    }
    std::sort(reservedIds_.rbegin(), reservedIds_.rend());
  }
  const std::int64_t id = reservedIds_.back();
  reservedIds_.pop_back();
  ++idsUsed_;
  if (Connection* connection = store_.connection(); connection != nullptr) {
    connection->noteAuditAppends(idsUsed_);
  }
  return id;
}

Result<std::vector<policy::StoredAuditRecord>> PgAuditStore::query(const AuditQuery& query) {
  Params params;
  addOptional(params, query.since);
  addOptional(params, query.until);
  params.add(query.subject).add(query.action);
  params.add(query.decision ? policy::decisionName(*query.decision) : std::string_view());
  params.add(static_cast<std::int64_t>(query.limit)).add(query.offset);
  return recordsOf(store_.exec(kAuditQuery, params));
}

Result<std::vector<policy::StoredAuditRecord>> PgAuditStore::exportPage(
    std::optional<std::int64_t> since, std::optional<std::int64_t> until, std::int64_t afterId,
    int limit) {
  Params params;
  addOptional(params, since);
  addOptional(params, until);
  params.add(afterId).add(limit);
  return recordsOf(store_.exec(kAuditExportPage, params));
}

Result<policy::ChainReport> PgAuditStore::verify() {
  policy::ChainVerifier verifier;
  std::int64_t afterId = 0;
  while (true) {
    auto page = recordsOf(store_.exec(kAuditChainPage, Params().add(afterId).add(kChainPageSize)));
    if (!page) return std::move(page).error();
    for (const auto& stored : *page) {
      if (!verifier.add(stored)) return verifier.report();
    }
    if (page->size() < static_cast<std::size_t>(kChainPageSize)) break;
    afterId = page->back().id;
  }
  return verifier.report();
}

}  // namespace parley::core::store::postgres
