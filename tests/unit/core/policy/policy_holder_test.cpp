#include "core/policy/policy_holder.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "tests/support/temp_dir.hpp"
#include "tests/unit/core/policy/policy_fixtures.hpp"

namespace parley::policy {
namespace {

const std::string kPermitMembers =
    "  - {id: P, effect: permit, actions: [channel.read], when: [\"subject.role == 'member'\"]}\n";
const std::string kPermitGuests =
    "  - {id: G, effect: permit, actions: [channel.read], when: [\"subject.role == 'guest'\"]}\n";

Request reader(const char* role) {
  return Request{"channel.read", {{"subject.role", std::string(role)}}};
}

TEST(PolicyHolderTest, DeniesUntilABundleIsLoaded) {
  PolicyHolder holder;
  EXPECT_EQ(holder.current(), nullptr);
  const auto decision = holder.decide(reader("member"));
  EXPECT_FALSE(decision.permitted());
  EXPECT_EQ(decision.reasonCode, kReasonNoBundle);
}

TEST(PolicyHolderTest, AReloadChangesDecisionsAndABadFileKeepsTheLastGoodBundle) {
  parley::testing::TempDir dir("policy-holder");
  const auto file = dir.write("p.yaml", testing::bundleHead() + "rules:\n" + kPermitMembers);
  PolicyHolder holder;
  ASSERT_TRUE(holder.reload({file}).ok());
  const auto first = holder.current();
  EXPECT_TRUE(holder.decide(reader("member")).permitted());
  EXPECT_FALSE(holder.decide(reader("guest")).permitted());

  dir.write("p.yaml", testing::bundleHead() + "rules:\n" + kPermitGuests);
  ASSERT_TRUE(holder.reload({file}).ok());
  EXPECT_NE(holder.current()->hash, first->hash);
  EXPECT_FALSE(holder.decide(reader("member")).permitted());
  EXPECT_TRUE(holder.decide(reader("guest")).permitted());
  const auto good = holder.current();

  // A broken file: the error names it and the line; the guests' bundle stays in force.
  dir.write("p.yaml", testing::bundleHead() +
                          "rules:\n  - {id: X, effect: permit, actions: [channel.read], when: "
                          "[\"subject.rank > 3\"]}\n");
  auto bad = holder.reload({file});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            file.string() + ":28: rule X, clause when[0]: unknown attribute \"subject.rank\"");
  EXPECT_EQ(holder.current(), good);
  EXPECT_TRUE(holder.decide(reader("guest")).permitted());

  // A missing file too.
  EXPECT_FALSE(holder.reload({dir.path() / "gone.yaml"}).ok());
  EXPECT_EQ(holder.current(), good);
}

TEST(PolicyHolderTest, AReloadWhoseTestsFailKeepsTheLastGoodBundle) {
  parley::testing::TempDir dir("policy-holder");
  const auto bundle = dir.write("p.yaml", testing::bundleHead() + "rules:\n" + kPermitMembers);
  const auto tests = dir.write("p_test.yaml",
                               "apiVersion: parley.policy/v1\nkind: PolicyTest\ntests:\n"
                               "  - name: members read\n"
                               "    request: {action: channel.read, subject: {role: member}}\n"
                               "    expect: {decision: permit}\n");
  PolicyHolder holder;
  ASSERT_TRUE(holder.reload({bundle, tests}).ok());
  const auto good = holder.current();
  dir.write("p.yaml", testing::bundleHead() + "rules:\n" + kPermitGuests);
  auto failed = holder.reload({bundle, tests});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().id, "policy.test_failed");
  EXPECT_NE(failed.error().message.find("test \"members read\""), std::string::npos)
      << failed.error().message;
  EXPECT_EQ(holder.current(), good);
  EXPECT_TRUE(holder.decide(reader("member")).permitted());
}

TEST(PolicyHolderTest, FillsInTheTimeFromItsClock) {
  auto clock = std::make_shared<core::ManualClock>(1'760'000'000'000);  // 2025-10-09
  PolicyHolder holder(clock);
  ASSERT_TRUE(
      holder
          .reloadSources(
              {{"p.yaml", testing::bundleHead() +
                              "rules:\n  - {id: P, effect: permit, actions: [channel.read], "
                              "when: [\"env.now < '2025-11-01T00:00:00Z'\"]}\n"}})
          .ok());
  EXPECT_TRUE(holder.decide(reader("member")).permitted());
  clock->advance(std::chrono::hours(24 * 30));
  EXPECT_FALSE(holder.decide(reader("member")).permitted());
}

TEST(PolicyHolderTest, ReadersSeeOneBundleOrTheOtherDuringReloads) {
  PolicyHolder holder;
  const std::vector<Source> members = {
      {"p.yaml", testing::bundleHead() + "rules:\n" + kPermitMembers}};
  const std::vector<Source> guests = {
      {"p.yaml", testing::bundleHead() + "rules:\n" + kPermitGuests}};
  ASSERT_TRUE(holder.reloadSources(members).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> inconsistent{0};
  std::thread readerThread([&] {
    while (!stop) {
      const auto bundle = holder.current();
      const bool member = decide(*bundle, reader("member")).permitted();
      const bool guest = decide(*bundle, reader("guest")).permitted();
      if (member == guest) ++inconsistent;
    }
  });
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(holder.reloadSources(i % 2 ? members : guests).ok());
  stop = true;
  readerThread.join();
  EXPECT_EQ(inconsistent, 0);
}

}  // namespace
}  // namespace parley::policy
