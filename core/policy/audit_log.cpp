#include "core/policy/audit_log.hpp"

#include <openssl/evp.h>

#include <array>
#include <memory>

#include "core/common/hex.hpp"

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

}  // namespace

std::string_view decisionName(AuditDecision decision) {
  return decision == AuditDecision::kPermit ? "permit" : "deny";
}

std::optional<AuditDecision> decisionFromName(std::string_view name) {
  if (name == "permit") return AuditDecision::kPermit;
  if (name == "deny") return AuditDecision::kDeny;
  return std::nullopt;
}

core::Status validateAuditRecord(const AuditRecord& record) {
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
  const std::size_t jsonBytes =
      record.rules.dump().size() + record.obligations.dump().size() + record.detail.dump().size();
  if (jsonBytes > kAuditJsonMaxBytes) {
    return invalidRecord("detail", "rules, obligations and detail exceed 64 KiB.");
  }
  return {};
}

std::string canonicalJson(std::int64_t id, const AuditRecord& record) {
  // nlohmann::json objects are std::map-backed: keys come out sorted at every level.
  const nlohmann::json canonical = {{"action", record.action},
                                    {"bundle_hash", record.bundleHash},
                                    {"decision", decisionName(record.decision)},
                                    {"detail", record.detail},
                                    {"id", id},
                                    {"obligations", record.obligations},
                                    {"resource", record.resource},
                                    {"rules", record.rules},
                                    {"subject", record.subject},
                                    {"time", record.time}};
  return canonical.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string chainHash(std::string_view previousHash, std::int64_t id, const AuditRecord& record) {
  const std::string canonical = canonicalJson(id, record);
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                        &EVP_MD_CTX_free);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  // Allocation failure in OpenSSL leaves no digest; an empty hash never matches a stored one.
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), previousHash.data(), previousHash.size()) != 1 ||
      EVP_DigestUpdate(context.get(), canonical.data(), canonical.size()) != 1 ||
      EVP_DigestFinal_ex(context.get(), digest.data(), &length) != 1) {
    return {};
  }
  return {reinterpret_cast<const char*>(digest.data()), length};
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
