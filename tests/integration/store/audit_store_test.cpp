// AuditStore against a real PostgreSQL: appended records form a hash chain that verifies;
// concurrent appenders from several pool workers still form one chain; a row altered or removed
// behind parleyd's back (by a superuser who disables the append-only trigger) breaks the chain
// at that row; the trigger itself refuses UPDATE, DELETE and TRUNCATE.

#include <gtest/gtest.h>

#include <future>
#include <string>
#include <vector>

#include "core/common/hex.hpp"
#include "core/policy/audit_log.hpp"
#include "tests/integration/store/store_fixture.hpp"

namespace parley::core::store {
namespace {

using policy::AuditDecision;
using policy::AuditRecord;
using testing::eventually;
using testing::runSync;

AuditRecord record(int n, AuditDecision decision = AuditDecision::kDeny) {
  AuditRecord r;
  r.time = 1'700'000'000'000 + n;
  r.subject = "user" + std::to_string(n % 3);
  r.resource = "channel:chan" + std::to_string(n);
  r.action = n % 2 == 0 ? "channel.join" : "message.egress";
  r.decision = decision;
  r.rules = nlohmann::json::array({"C1-cleared-members", {{"failed_clause", "clearance"}}});
  r.obligations =
      nlohmann::json::array({{{"type", "add_banner"}, {"params", {{"text", "SECRET"}}}}});
  r.bundleHash = std::string(64, 'a');
  // Doubles, nested objects and non-ASCII text survive jsonb and still verify.
  r.detail = {{"latency_us", 12.5}, {"bridge", "matrix-fra"}, {"z", {{"b", 1}, {"a", "é"}}}};
  return r;
}

class AuditStoreTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    migrateOrFail();
    openPool(3);
  }

  policy::StoredAuditRecord append(const AuditRecord& r) {
    auto stored = runSync(*database_, [&](Store& s) { return s.audit().append(r); });
    EXPECT_TRUE(stored.ok()) << stored.error().message << " " << stored.error().detail;
    return stored.ok() ? *stored : policy::StoredAuditRecord{};
  }

  policy::ChainReport verify() {
    auto report = runSync(*database_, [](Store& s) { return s.audit().verify(); });
    EXPECT_TRUE(report.ok());
    return report.ok() ? *report : policy::ChainReport{};
  }

  Status superuser(const char* sql) { return execSql(sql); }

  // A boundary decision's transaction: the chain's lock and head sent ahead, the decision's
  // read (unless !readFirst), then `records` records numbered from `first`.
  Status decideAndRecord(int first, int records, bool readFirst = true) {
    return runSync(*database_, [&](Store& s) {
      return s.transaction([&](Store& tx) -> Status {
        tx.audit().lockChainAhead();
        if (readFirst) {
          if (auto read = tx.system().get("anything"); !read) return std::move(read).error();
        }
        for (int n = 0; n < records; ++n) {
          auto stored = tx.audit().append(record(first + n));
          if (!stored) return std::move(stored).error();
        }
        return {};
      });
    });
  }
};

TEST_F(AuditStoreTest, AppendedRecordsChainAndVerify) {
  const auto first = append(record(1));
  const auto second = append(record(2, AuditDecision::kPermit));
  EXPECT_TRUE(first.previousHash.empty());
  EXPECT_EQ(first.chainHash, policy::chainHash("", first.id, record(1)));
  EXPECT_EQ(second.previousHash, first.chainHash);
  EXPECT_EQ(second.chainHash,
            policy::chainHash(first.chainHash, second.id, record(2, AuditDecision::kPermit)));
  EXPECT_GT(second.id, first.id);

  const auto report = verify();
  EXPECT_TRUE(report.intact) << report.reason;
  EXPECT_EQ(report.checked, 2);
  EXPECT_EQ(report.lastId, second.id);

  // Read back: what was written, with both hashes.
  AuditQuery query;
  auto rows = runSync(*database_, [&](Store& s) { return s.audit().query(query); });
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2U);
  EXPECT_EQ((*rows)[0].id, second.id);  // newest first
  EXPECT_EQ((*rows)[0].record.detail, record(2).detail);
  EXPECT_EQ((*rows)[0].previousHash, first.chainHash);
  EXPECT_EQ((*rows)[1].chainHash, first.chainHash);
}

TEST_F(AuditStoreTest, EmptyLogIsIntact) {
  const auto report = verify();
  EXPECT_TRUE(report.intact);
  EXPECT_EQ(report.checked, 0);
}

TEST_F(AuditStoreTest, QueryFiltersAndPages) {
  for (int n = 0; n < 6; ++n)
    append(record(n, n < 2 ? AuditDecision::kPermit : AuditDecision::kDeny));
  const auto count = [&](AuditQuery query) {
    auto rows = runSync(*database_, [&](Store& s) { return s.audit().query(query); });
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? rows->size() : 0U;
  };
  AuditQuery bySubject;
  bySubject.subject = "user0";  // n = 0, 3
  EXPECT_EQ(count(bySubject), 2U);
  AuditQuery byAction;
  byAction.action = "channel.join";  // n = 0, 2, 4
  EXPECT_EQ(count(byAction), 3U);
  AuditQuery byDecision;
  byDecision.decision = AuditDecision::kPermit;
  EXPECT_EQ(count(byDecision), 2U);
  AuditQuery byTime;
  byTime.since = 1'700'000'000'002;
  byTime.until = 1'700'000'000'004;
  EXPECT_EQ(count(byTime), 3U);
  AuditQuery page;
  page.limit = 4;
  page.offset = 4;
  EXPECT_EQ(count(page), 2U);

  auto exported = runSync(
      *database_, [](Store& s) { return s.audit().exportPage(std::nullopt, std::nullopt, 0, 4); });
  ASSERT_TRUE(exported.ok());
  ASSERT_EQ(exported->size(), 4U);
  EXPECT_LT((*exported)[0].id, (*exported)[1].id);  // chain order
  for (std::size_t i = 1; i < exported->size(); ++i) {
    EXPECT_EQ((*exported)[i].previousHash, (*exported)[i - 1].chainHash);
  }
}

TEST_F(AuditStoreTest, ConcurrentAppendersFormOneChain) {
  std::vector<std::future<void>> writers;
  for (int w = 0; w < 3; ++w) {
    writers.push_back(std::async(std::launch::async, [this, w] {
      for (int n = 0; n < 15; ++n) append(record(w * 100 + n));
    }));
  }
  for (auto& writer : writers) writer.get();
  const auto report = verify();
  EXPECT_TRUE(report.intact) << report.reason;
  EXPECT_EQ(report.checked, 45);
}

// A transaction of many records (a bridge's batch) takes its ids from the sequence a few at a
// time: transactions of 1 to 12 records each, one after the other on each of three connections
// at once (in one job per connection, as the ingress pipeline runs them), still form one chain,
// with the ids of each transaction rising in the order it appended them.
TEST_F(AuditStoreTest, TransactionsOfManyRecordsFormOneChain) {
  std::vector<std::future<std::vector<std::vector<std::int64_t>>>> writers;
  for (int w = 0; w < 3; ++w) {
    writers.push_back(std::async(std::launch::async, [this, w] {
      std::vector<std::vector<std::int64_t>> transactions;
      (void)runSync(*database_, [&](Store& s) {
        for (int size = 1; size <= 12; ++size) {
          std::vector<std::int64_t> ids;
          auto written = s.transaction([&](Store& tx) -> Status {
            for (int n = 0; n < size; ++n) {
              auto stored = tx.audit().append(record(w * 1000 + size * 20 + n));
              if (!stored) return std::move(stored).error();
              ids.push_back(stored->id);
            }
            return {};
          });
          EXPECT_TRUE(written.ok()) << written.error().message;
          transactions.push_back(std::move(ids));
        }
        return Status{};
      });
      return transactions;
    }));
  }
  std::size_t records = 0;
  for (auto& writer : writers) {
    for (const auto& ids : writer.get()) {
      records += ids.size();
      for (std::size_t i = 1; i < ids.size(); ++i) EXPECT_LT(ids[i - 1], ids[i]);
    }
  }
  EXPECT_EQ(records, 3U * 78U);
  const auto report = verify();
  EXPECT_TRUE(report.intact) << report.reason;
  EXPECT_EQ(report.checked, static_cast<std::int64_t>(records));

  // A rolled-back transaction leaves a gap in the ids, not in the chain.
  auto rolledBack = runSync(*database_, [&](Store& s) {
    return s.transaction([&](Store& tx) -> Status {
      for (int n = 0; n < 3; ++n) (void)tx.audit().append(record(n));
      return makeError(ErrorCode::kConflict, "test.rollback", "rolled back");
    });
  });
  EXPECT_FALSE(rolledBack.ok());
  const auto after = append(record(9999));
  const auto last = verify();
  EXPECT_TRUE(last.intact) << last.reason;
  EXPECT_EQ(last.checked, static_cast<std::int64_t>(records) + 1);
  EXPECT_EQ(last.lastId, after.id);
}

// lockChainAhead: the chain's lock and head travel with the transaction's next read, so a
// decision's read and its record cost the round trips of the read and the COMMIT only; with
// nothing read after it, the append sends them itself. Concurrent writers that take the lock
// ahead still form one chain.
TEST_F(AuditStoreTest, AChainHeadSentAheadTravelsWithTheNextRead) {
  database_->stop();
  openPool(1);
  // Warm: the pool's one connection prepares each statement once.
  ASSERT_TRUE(decideAndRecord(1, 1, true).ok());
  ASSERT_TRUE(decideAndRecord(2, 1, false).ok());
  ASSERT_TRUE(eventually([&] { return database_->stats().completed >= 2; }));

  std::uint64_t before = database_->stats().roundTrips;
  ASSERT_TRUE(decideAndRecord(3, 1, true).ok());
  ASSERT_TRUE(eventually([&] { return database_->stats().completed >= 3; }));
  EXPECT_EQ(database_->stats().roundTrips - before, 2U)
      << "BEGIN, the lock, the head and the read together; the record with the COMMIT";
  before = database_->stats().roundTrips;
  ASSERT_TRUE(decideAndRecord(4, 1, false).ok());
  ASSERT_TRUE(eventually([&] { return database_->stats().completed >= 4; }));
  EXPECT_EQ(database_->stats().roundTrips - before, 2U) << "the head sent by the append itself";

  database_->stop();
  openPool(3);
  std::vector<std::future<void>> writers;
  for (int w = 0; w < 3; ++w) {
    writers.push_back(std::async(std::launch::async, [&, w] {
      for (int n = 0; n < 15; ++n) EXPECT_TRUE(decideAndRecord(w * 100 + n, 1, n % 2 == 0).ok());
    }));
  }
  for (auto& writer : writers) writer.get();
  const auto report = verify();
  EXPECT_TRUE(report.intact) << report.reason;
  EXPECT_EQ(report.checked, 4 + 45);
}

// A transaction that appends as many records as the one before it on its connection (a
// drainer's batches of one link are alike) takes all their ids with the chain's lock, in no
// round trip of their own; a larger one takes the rest a few at a time, and the chain holds.
TEST_F(AuditStoreTest, ABatchLikeThePreviousTakesItsIdsWithTheLock) {
  database_->stop();
  openPool(1);
  // Warm: the pool's one connection prepares each statement once.
  ASSERT_TRUE(decideAndRecord(0, 6).ok());
  ASSERT_TRUE(eventually([&] { return database_->stats().completed >= 1; }));

  const std::uint64_t before = database_->stats().roundTrips;
  ASSERT_TRUE(decideAndRecord(10, 6).ok());
  ASSERT_TRUE(eventually([&] { return database_->stats().completed >= 2; }));
  EXPECT_EQ(database_->stats().roundTrips - before, 2U)
      << "BEGIN, the lock, the head, six ids and the read together; the records with the COMMIT";

  ASSERT_TRUE(decideAndRecord(20, 9).ok());
  const auto report = verify();
  EXPECT_TRUE(report.intact) << report.reason;
  EXPECT_EQ(report.checked, 6 + 6 + 9);
}

TEST_F(AuditStoreTest, InvalidRecordIsRefusedAndNothingWritten) {
  AuditRecord bad = record(1);
  bad.subject.clear();
  auto refused = runSync(*database_, [&](Store& s) { return s.audit().append(bad); });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().id, "app.audit.is_valid.subject.app_error");
  bad = record(1);
  bad.rules = nlohmann::json::object();
  refused = runSync(*database_, [&](Store& s) { return s.audit().append(bad); });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(verify().checked, 0);
}

TEST_F(AuditStoreTest, TriggerRefusesUpdateDeleteAndTruncate) {
  append(record(1));
  for (const char* sql : {"UPDATE audit_log SET decision = 'permit'", "DELETE FROM audit_log",
                          "TRUNCATE audit_log CASCADE"}) {
    const auto refused = superuser(sql);
    ASSERT_FALSE(refused.ok()) << sql;
    EXPECT_NE(refused.error().detail.find("append-only"), std::string::npos) << sql;
  }
  EXPECT_TRUE(verify().intact);
  EXPECT_EQ(verify().checked, 1);
}

TEST_F(AuditStoreTest, AlteredRowBreaksTheChainThere) {
  append(record(1));
  const auto target = append(record(2));
  append(record(3));
  const std::string sql =
      "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete; "
      "UPDATE audit_log SET decision = 'permit' WHERE id = " +
      std::to_string(target.id) +
      "; ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete;";
  ASSERT_TRUE(superuser(sql.c_str()).ok());
  const auto report = verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.brokenId, target.id);
  EXPECT_EQ(report.checked, 2);
  EXPECT_FALSE(report.reason.empty());
}

TEST_F(AuditStoreTest, RemovedRowBreaksTheChainAfterIt) {
  append(record(1));
  const auto removed = append(record(2));
  const auto next = append(record(3));
  const std::string sql =
      "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete; "
      "DELETE FROM audit_log WHERE id = " +
      std::to_string(removed.id) +
      "; ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete;";
  ASSERT_TRUE(superuser(sql.c_str()).ok());
  const auto report = verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.brokenId, next.id);
}

TEST_F(AuditStoreTest, RecomputedHashOfAnAlteredRowIsStillDetected) {
  // A forger who rewrites a row and its own chain_hash still breaks the next row's link.
  append(record(1));
  const auto target = append(record(2));
  const auto next = append(record(3));
  AuditRecord forged = record(2);
  forged.decision = AuditDecision::kPermit;
  auto rows = runSync(
      *database_, [](Store& s) { return s.audit().exportPage(std::nullopt, std::nullopt, 0, 10); });
  ASSERT_TRUE(rows.ok());
  const std::string forgedHash =
      hexEncode(policy::chainHash((*rows)[0].chainHash, target.id, forged));
  const std::string sql =
      "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete; "
      "UPDATE audit_log SET decision = 'permit', chain_hash = decode('" +
      forgedHash + "', 'hex') WHERE id = " + std::to_string(target.id) +
      "; ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete;";
  ASSERT_TRUE(superuser(sql.c_str()).ok());
  const auto report = verify();
  EXPECT_FALSE(report.intact);
  EXPECT_EQ(report.brokenId, next.id);
}

}  // namespace
}  // namespace parley::core::store
