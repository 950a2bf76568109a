// The audit record's canonical form and hash chain (core/policy/audit_log.hpp), and the checks
// on what may be appended.

#include "core/policy/audit_log.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "core/common/hex.hpp"

namespace parley::policy {
namespace {

AuditRecord sample() {
  AuditRecord r;
  r.time = 1'700'000'000'123;
  r.subject = "user1";
  r.resource = "channel:abc";
  r.action = "channel.join";
  r.decision = AuditDecision::kDeny;
  r.rules = nlohmann::json::array({"C1-cleared-members"});
  r.bundleHash = "ff";
  r.detail = {{"b", 1}, {"a", {{"y", true}, {"x", nullptr}}}};
  return r;
}

TEST(AuditLogTest, CanonicalJsonSortsKeysAtEveryLevelWithoutSpaces) {
  EXPECT_EQ(canonicalJson(7, sample()),
            R"({"action":"channel.join","bundle_hash":"ff","decision":"deny",)"
            R"("detail":{"a":{"x":null,"y":true},"b":1},"id":7,"obligations":[],)"
            R"("resource":"channel:abc","rules":["C1-cleared-members"],"subject":"user1",)"
            R"("time":1700000000123})");
}

// The canonical text is written out member by member; it must stay byte for byte what dump()
// makes of the record as one object (the chains already stored were hashed over that), whatever
// the strings hold: quotes, backslashes, control characters, non-ASCII, invalid UTF-8.
TEST(AuditLogTest, CanonicalJsonIsTheDumpOfTheRecordAsOneObject) {
  const auto asOneObject = [](std::int64_t id, const AuditRecord& r) {
    const nlohmann::json object = {{"action", r.action},
                                   {"bundle_hash", r.bundleHash},
                                   {"decision", decisionName(r.decision)},
                                   {"detail", r.detail},
                                   {"id", id},
                                   {"obligations", r.obligations},
                                   {"resource", r.resource},
                                   {"rules", r.rules},
                                   {"subject", r.subject},
                                   {"time", r.time}};
    return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  AuditRecord odd = sample();
  odd.subject = "quote\" back\\slash \x01\t tab \xc3\xa9t\xc3\xa9 \xe2\x82\xac";
  odd.resource = std::string("nul\0inside", 11);
  odd.action = "message.egress";
  odd.decision = AuditDecision::kPermit;
  odd.bundleHash = "\xff\xfe not UTF-8";
  odd.time = -42;
  odd.rules = nlohmann::json::array({"r1", {{"failed_clause", "a < b && c"}}});
  odd.obligations =
      nlohmann::json::array({{{"type", "strip"}, {"params", {{"z", 1}, {"a", 2.5}}}}});
  odd.detail = {
      {"zeta", "\xc3\x28 broken"}, {"alpha", {1, "two", nullptr, false}}, {"", "empty key"}};
  for (const std::int64_t id : {std::int64_t{0}, std::int64_t{7}, INT64_MAX}) {
    EXPECT_EQ(canonicalJson(id, odd), asOneObject(id, odd)) << id;
    EXPECT_EQ(canonicalJson(id, sample()), asOneObject(id, sample())) << id;
  }
  EXPECT_EQ(canonicalJson(3, AuditRecord{}), asOneObject(3, AuditRecord{}));
}

TEST(AuditLogTest, ChainHashIsSha256OfPreviousHashAndCanonicalJson) {
  // sha256("" || canonical) of a fixed record, computed independently with sha256sum.
  AuditRecord r;
  r.time = 1;
  r.subject = "s";
  r.resource = "r";
  r.action = "a";
  r.decision = AuditDecision::kPermit;
  EXPECT_EQ(canonicalJson(1, r),
            R"({"action":"a","bundle_hash":"","decision":"permit","detail":{},"id":1,)"
            R"("obligations":[],"resource":"r","rules":[],"subject":"s","time":1})");
  EXPECT_EQ(core::hexEncode(chainHash("", 1, r)),
            "229590e364fb67f9b7891b1b46a7797f57273e0dccc72caee507c0c8a834ddc9");
}

TEST(AuditLogTest, EveryFieldAndThePreviousHashChangeTheHash) {
  const AuditRecord base = sample();
  const std::string hash = chainHash("prev", 7, base);
  EXPECT_EQ(hash.size(), 32U);
  EXPECT_EQ(hash, chainHash("prev", 7, base));
  EXPECT_NE(hash, chainHash("prev2", 7, base));
  EXPECT_NE(hash, chainHash("prev", 8, base));
  auto changed = base;
  changed.decision = AuditDecision::kPermit;
  EXPECT_NE(hash, chainHash("prev", 7, changed));
  changed = base;
  changed.detail["b"] = 2;
  EXPECT_NE(hash, chainHash("prev", 7, changed));
  changed = base;
  changed.obligations.push_back("x");
  EXPECT_NE(hash, chainHash("prev", 7, changed));
}

TEST(AuditLogTest, VerifierStopsAtTheFirstBrokenRecord) {
  ChainVerifier verifier;
  StoredAuditRecord first{1, sample(), "", ""};
  first.chainHash = chainHash("", 1, first.record);
  StoredAuditRecord second{2, sample(), first.chainHash, ""};
  second.chainHash = chainHash(first.chainHash, 2, second.record);
  EXPECT_TRUE(verifier.add(first));
  EXPECT_TRUE(verifier.add(second));
  EXPECT_TRUE(verifier.report().intact);
  EXPECT_EQ(verifier.report().lastId, 2);

  StoredAuditRecord third{3, sample(), second.chainHash, ""};
  third.chainHash = chainHash(second.chainHash, 3, third.record);
  third.record.subject = "someone else";  // altered after hashing
  EXPECT_FALSE(verifier.add(third));
  EXPECT_FALSE(verifier.report().intact);
  EXPECT_EQ(verifier.report().brokenId, 3);
  EXPECT_EQ(verifier.report().checked, 3);
  EXPECT_FALSE(verifier.add(second));  // nothing more is examined
  EXPECT_EQ(verifier.report().checked, 3);
}

TEST(AuditLogTest, RecordWithoutHashIsBroken) {
  ChainVerifier verifier;
  EXPECT_FALSE(verifier.add(StoredAuditRecord{1, sample(), "", ""}));
  EXPECT_EQ(verifier.report().brokenId, 1);
}

TEST(AuditLogTest, ValidationNamesTheField) {
  EXPECT_TRUE(validateAuditRecord(sample()).ok());
  auto r = sample();
  r.action = std::string(65, 'a');
  EXPECT_EQ(validateAuditRecord(r).error().id, "app.audit.is_valid.action.app_error");
  r = sample();
  r.resource.clear();
  EXPECT_EQ(validateAuditRecord(r).error().id, "app.audit.is_valid.resource.app_error");
  r = sample();
  r.obligations = "x";
  EXPECT_EQ(validateAuditRecord(r).error().id, "app.audit.is_valid.obligations.app_error");
  r = sample();
  r.detail = nlohmann::json::array();
  EXPECT_EQ(validateAuditRecord(r).error().id, "app.audit.is_valid.detail.app_error");
  r = sample();
  r.detail["big"] = std::string(kAuditJsonMaxBytes, 'x');
  EXPECT_EQ(validateAuditRecord(r).error().id, "app.audit.is_valid.detail.app_error");
}

TEST(AuditLogTest, JsonShowsHashesInHex) {
  StoredAuditRecord stored{5, sample(), std::string(32, '\x01'), std::string(32, '\xab')};
  const auto json = auditRecordToJson(stored);
  EXPECT_EQ(json["id"], 5);
  EXPECT_EQ(json["decision"], "deny");
  std::string ones;
  for (int i = 0; i < 32; ++i) ones += "01";
  EXPECT_EQ(json["prev_chain_hash"], ones);
  EXPECT_EQ(json["chain_hash"].get<std::string>().substr(0, 4), "abab");
}

}  // namespace
}  // namespace parley::policy
