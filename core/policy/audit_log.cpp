#include "core/policy/audit_log.hpp"

#include <algorithm>

#include "core/common/hex.hpp"
#include "core/common/json_text.hpp"
#include "core/common/sha256.hpp"
#include "core/policy/decision.hpp"

namespace parley::policy {
namespace {

core::Error invalidRecord(std::string_view field, std::string message) {
  return core::makeError(core::ErrorCode::kInvalidArgument,
                         "app.audit.is_valid." + std::string(field) + ".app_error",
                         std::move(message));
}

core::Status checkText(std::string_view field, const std::string& value, std::size_t maxLength,
                       bool required) {
  if (required && value.empty()) return invalidRecord(field, std::string(field) + " is empty.");
  if (value.size() > maxLength) {
    return invalidRecord(field, std::string(field) + " is longer than " +
                                    std::to_string(maxLength) + " characters.");
  }
  return {};
}

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence at the start of `text` (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), 0 when it is not one.
std::size_t utf8SequenceLength(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char min = 0x80, max = 0xBF;  // range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) length = 2;
  else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min = 0xA0;
    if (lead == 0xED) max = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min = 0x90;
    if (lead == 0xF4) max = 0x8F;
  } else {
    return 0;
  }
  if (text.size() < length || byte(1) < min || byte(1) > max) return 0;
  for (std::size_t i = 2; i < length; ++i)
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  return length;
}

// Whether auditText(text) is `text`: valid UTF-8 without NUL, which is nearly every record.
bool isAuditText(std::string_view text) {
  while (!text.empty()) {
    const std::size_t length = utf8SequenceLength(text);
    if (length == 0 || text[0] == '\0') return false;
    text.remove_prefix(length);
  }
  return true;
}

// `text` as auditText() makes it, in place: rewritten only when it is not already.
void sanitizeText(std::string& text) {
  if (!isAuditText(text)) text = auditText(text);
}

void sanitizeJson(nlohmann::json& value) {
  if (value.is_string()) {
    sanitizeText(value.get_ref<std::string&>());
  } else if (value.is_array()) {
    for (auto& item : value) sanitizeJson(item);
  } else if (value.is_object()) {
    const auto items = value.items();
    if (std::all_of(items.begin(), items.end(),
                    [](const auto& item) { return isAuditText(item.key()); })) {
      for (auto& item : value) sanitizeJson(item);
      return;
    }
    // A key to rewrite: the object is built again (keys are its map's, never changed in place).
    nlohmann::json clean = nlohmann::json::object();
    for (auto& [key, item] : value.items()) {
      sanitizeJson(item);
      clean[auditText(key)] = std::move(item);
    }
    value = std::move(clean);
  }
}

}  // namespace

AuditRecord auditRecordOf(const Decision& decision, std::int64_t time, std::string subject,
                          std::string resource, std::string action, nlohmann::json detail) {
  AuditRecord record;
  record.time = time;
  record.subject = std::move(subject);
  record.resource = std::move(resource);
  record.action = std::move(action);
  record.decision = decision.permitted() ? AuditDecision::kPermit : AuditDecision::kDeny;
  record.rules = decision.determiningRules;
  if (decision.closest) {
    record.rules.push_back(
        {{"closest", decision.closest->rule}, {"failed_clause", decision.closest->failedClause}});
    detail["closest"] = {{"rule", decision.closest->rule},
                         {"failed", decision.closest->failedClause}};
  }
  for (const auto& obligation : decision.obligations)
    record.obligations.push_back({{"type", obligation.type}, {"params", obligation.params}});
  record.bundleHash = decision.bundleHash;
  if (!detail.is_object()) detail = nlohmann::json::object();
  detail["reason"] = decision.reason;
  detail["reason_code"] = decision.reasonCode;
  detail["errors"] = decision.errors;
  record.detail = std::move(detail);
  return record;
}

std::string auditText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const std::size_t length = utf8SequenceLength(text);
    if (length == 0 || text[0] == '\0') {
      out += kReplacement;
      text.remove_prefix(1);
    } else {
      out.append(text.substr(0, length));
      text.remove_prefix(length);
    }
  }
  return out;
}

void sanitizeAuditRecord(AuditRecord& record) {
  sanitizeText(record.subject);
  sanitizeText(record.resource);
  sanitizeText(record.action);
  sanitizeText(record.bundleHash);
  sanitizeJson(record.rules);
  sanitizeJson(record.obligations);
  sanitizeJson(record.detail);
}

std::string_view decisionName(AuditDecision decision) {
  return decision == AuditDecision::kPermit ? "permit" : "deny";
}

std::optional<AuditDecision> decisionFromName(std::string_view name) {
  if (name == "permit") return AuditDecision::kPermit;
  if (name == "deny") return AuditDecision::kDeny;
  return std::nullopt;
}

AuditJsonText auditJsonText(const AuditRecord& record) {
  return {core::dumpJson(record.rules), core::dumpJson(record.obligations),
          core::dumpJson(record.detail)};
}

core::Status validateAuditRecord(const AuditRecord& record) {
  return validateAuditRecord(record, auditJsonText(record));
}

core::Status validateAuditRecord(const AuditRecord& record, const AuditJsonText& json) {
  if (auto ok = checkText("subject", record.subject, kAuditSubjectMaxLength, true); !ok) return ok;
  if (auto ok = checkText("resource", record.resource, kAuditResourceMaxLength, true); !ok) {
    return ok;
  }
  if (auto ok = checkText("action", record.action, kAuditActionMaxLength, true); !ok) return ok;
  if (auto ok = checkText("bundle_hash", record.bundleHash, kAuditBundleHashMaxLength, false);
      !ok) {
    return ok;
  }
  if (!record.rules.is_array()) return invalidRecord("rules", "rules is not a JSON array.");
  if (!record.obligations.is_array()) {
    return invalidRecord("obligations", "obligations is not a JSON array.");
  }
  if (!record.detail.is_object()) return invalidRecord("detail", "detail is not a JSON object.");
  const std::size_t jsonBytes = json.rules.size() + json.obligations.size() + json.detail.size();
  if (jsonBytes > kAuditJsonMaxBytes) {
    return invalidRecord("detail", "rules, obligations and detail exceed 64 KiB.");
  }
  return {};
}

core::Result<AuditJsonText> prepareAuditRecord(AuditRecord& record) {
  sanitizeAuditRecord(record);
  AuditJsonText json = auditJsonText(record);
  if (auto valid = validateAuditRecord(record, json); !valid) return std::move(valid).error();
  return json;
}

std::string canonicalJson(std::int64_t id, const AuditRecord& record) {
  return canonicalJson(id, record, auditJsonText(record));
}

std::string canonicalJson(std::int64_t id, const AuditRecord& record, const AuditJsonText& json) {
  // What dump() writes for an object of these members: its keys in sorted order (nlohmann's
  // objects are std::map-backed, so the values' keys are sorted too), no whitespace. Written
  // out from the members' own text, which the caller has and the row stores.
  std::string out;
  out.reserve(160 + record.subject.size() + record.resource.size() + json.rules.size() +
              json.obligations.size() + json.detail.size());
  out.append(R"({"action":)");
  core::appendJsonString(out, record.action);
  out.append(R"(,"bundle_hash":)");
  core::appendJsonString(out, record.bundleHash);
  out.append(R"(,"decision":")").append(decisionName(record.decision)).append("\"");
  out.append(R"(,"detail":)").append(json.detail);
  out.append(R"(,"id":)").append(std::to_string(id));
  out.append(R"(,"obligations":)").append(json.obligations);
  out.append(R"(,"resource":)");
  core::appendJsonString(out, record.resource);
  out.append(R"(,"rules":)").append(json.rules);
  out.append(R"(,"subject":)");
  core::appendJsonString(out, record.subject);
  out.append(R"(,"time":)").append(std::to_string(record.time)).append("}");
  return out;
}

std::string chainHash(std::string_view previousHash, std::int64_t id, const AuditRecord& record) {
  return chainHash(previousHash, id, record, auditJsonText(record));
}

std::string chainHash(std::string_view previousHash, std::int64_t id, const AuditRecord& record,
                      const AuditJsonText& json) {
  // Empty when OpenSSL could not allocate: an empty hash never matches a stored one.
  return core::Sha256().add(previousHash).add(canonicalJson(id, record, json)).digest();
}

nlohmann::json auditRecordToJson(const StoredAuditRecord& stored) {
  const AuditRecord& record = stored.record;
  return {{"id", stored.id},
          {"time", record.time},
          {"subject", record.subject},
          {"resource", record.resource},
          {"action", record.action},
          {"decision", decisionName(record.decision)},
          {"rules", record.rules},
          {"obligations", record.obligations},
          {"bundle_hash", record.bundleHash},
          {"detail", record.detail},
          {"prev_chain_hash", core::hexEncode(stored.previousHash)},
          {"chain_hash", core::hexEncode(stored.chainHash)}};
}

bool ChainVerifier::add(const StoredAuditRecord& stored) {
  if (!report_.intact) return false;
  ++report_.checked;
  if (stored.chainHash.empty()) {
    report_.intact = false;
    report_.brokenId = stored.id;
    report_.reason = "record " + std::to_string(stored.id) + " has no chain hash";
    return false;
  }
  if (chainHash(report_.lastHash, stored.id, stored.record) != stored.chainHash) {
    report_.intact = false;
    report_.brokenId = stored.id;
    report_.reason = "record " + std::to_string(stored.id) +
                     " does not match its chain hash: it, or a record before it, was altered, "
                     "removed or inserted";
    return false;
  }
  report_.lastId = stored.id;
  report_.lastHash = stored.chainHash;
  return true;
}

}  // namespace parley::policy
