#pragma once
// The audit record of a policy decision (abac-and-security.md §4.3: AU-3, AU-3(1), AU-9,
// AU-10) and its hash chain. Each record's chain hash is
//   sha256(previous record's chain hash || canonicalJson(id, record))
// with an empty previous hash for the first record, so that a removed, altered or reordered
// row breaks every hash after it. Appending (with the lock that serialises the chain) is the
// store's: core/store/audit_store.hpp. Pure code: no database, no HTTP.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace parley::policy {

enum class AuditDecision { kPermit, kDeny };

// Limits of the audit_log columns (0003_bridges.sql) and of the JSON parts.
inline constexpr std::size_t kAuditSubjectMaxLength = 512;
inline constexpr std::size_t kAuditResourceMaxLength = 512;
inline constexpr std::size_t kAuditActionMaxLength = 64;
inline constexpr std::size_t kAuditBundleHashMaxLength = 128;
inline constexpr std::size_t kAuditJsonMaxBytes = 64 * 1024;  // rules + obligations + detail

struct AuditRecord {
  std::int64_t time = 0;  // ms since the epoch, UTC
  std::string subject;    // user id, puppet id or bridge/peer name
  std::string resource;   // "channel:<id>", "post:<id>", "file:<id>", "user:<id>", ...
  std::string action;     // "channel.join", "message.egress", "attributes.user.update", ...
  AuditDecision decision = AuditDecision::kDeny;
  nlohmann::json rules = nlohmann::json::array();        // determining rule ids, failed clause
  nlohmann::json obligations = nlohmann::json::array();  // obligations applied
  std::string bundleHash;                                // sha256 of the bundle in force
  nlohmann::json detail = nlohmann::json::object();      // bridge, remote, errors, latency, ...
};

// A record as stored: its id (the order of the chain), the previous record's chain hash and its
// own (raw 32-byte digests; the previous one is empty for the first record).
struct StoredAuditRecord {
  std::int64_t id = 0;
  AuditRecord record;
  std::string previousHash;
  std::string chainHash;
};

struct Decision;

// The record of a policy decision: `rules` are the determining rules, then for a default deny
// {"closest": rule, "failed_clause": clause}; `obligations` the decision's [{type, params}];
// `detail` is the caller's, with reason, reason_code and errors (and closest) added.
AuditRecord auditRecordOf(const Decision& decision, std::int64_t time, std::string subject,
                          std::string resource, std::string action,
                          nlohmann::json detail = nlohmann::json::object());

// Text the audit table can hold whatever a remote peer sent: invalid UTF-8 sequences and NUL
// characters (which neither PostgreSQL text nor jsonb accept) become U+FFFD.
std::string auditText(std::string_view text);
// The same for every string (and object key) of the record, in place: the store appends (and
// hashes) the sanitised record, so that reading it back gives the same canonical bytes.
void sanitizeAuditRecord(AuditRecord& record);

std::string_view decisionName(AuditDecision decision);  // "permit" / "deny"
std::optional<AuditDecision> decisionFromName(std::string_view name);

// A record's JSON members written out once (dump() without whitespace, invalid UTF-8 replaced):
// what the size limit counts, the chain hash covers and the row stores, made once per record.
struct AuditJsonText {
  std::string rules;
  std::string obligations;
  std::string detail;
};
AuditJsonText auditJsonText(const AuditRecord& record);

// 400 "app.audit.is_valid.<field>.app_error" for a record the table cannot hold as given: empty
// subject, resource or action, a field over its column's length, rules/obligations that are not
// arrays, detail that is not an object, or more than kAuditJsonMaxBytes of JSON.
core::Status validateAuditRecord(const AuditRecord& record);
core::Status validateAuditRecord(const AuditRecord& record, const AuditJsonText& json);

// What an audit store does to a record before it appends it: sanitises it in place, writes its
// JSON members out once and validates it; the members' text, or validateAuditRecord()'s error.
core::Result<AuditJsonText> prepareAuditRecord(AuditRecord& record);

// The bytes the chain hash covers: a JSON object with the keys action, bundle_hash, decision,
// detail, id, obligations, resource, rules, subject, time, keys sorted at every level, no
// whitespace, strings as UTF-8 (nlohmann::json::dump() of an object built from the record).
// PostgreSQL's jsonb keeps values but not key order or spacing: reading a row back and
// canonicalising it again gives the same bytes.
std::string canonicalJson(std::int64_t id, const AuditRecord& record);
std::string canonicalJson(std::int64_t id, const AuditRecord& record, const AuditJsonText& json);

// sha256(previousHash || canonicalJson(id, record)), raw 32 bytes.
std::string chainHash(std::string_view previousHash, std::int64_t id, const AuditRecord& record);
std::string chainHash(std::string_view previousHash, std::int64_t id, const AuditRecord& record,
                      const AuditJsonText& json);

// The record as the admin API and the JSON-lines export show it: the fields, "decision" as
// "permit"/"deny", and "prev_chain_hash"/"chain_hash" in lower-case hex, so that one line can
// be checked offline with nothing but sha256.
nlohmann::json auditRecordToJson(const StoredAuditRecord& stored);

// The outcome of walking the chain.
struct ChainReport {
  bool intact = true;
  std::int64_t checked = 0;   // records examined
  std::int64_t lastId = 0;    // the last intact record's id
  std::int64_t brokenId = 0;  // the first record whose hash does not match (0: none)
  std::string reason;         // why it is broken, for the admin
  std::string lastHash;       // raw chain hash of the last intact record
};

// Feeds records in id order (all of them, from the first) and keeps the report up to date:
// after the first broken record, nothing more is examined.
class ChainVerifier {
 public:
  // False once the chain is known to be broken (the caller may stop reading).
  bool add(const StoredAuditRecord& stored);
  const ChainReport& report() const { return report_; }

 private:
  ChainReport report_;
};

}  // namespace parley::policy
