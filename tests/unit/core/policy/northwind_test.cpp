// The reference example bundle (config/policy/northwind.yaml): its own test file passes, and
// exhaustive properties over every label and clearance of its label policy hold.

#include <gtest/gtest.h>

#include "core/policy/policy_test.hpp"
#include "tests/unit/core/policy/policy_fixtures.hpp"

namespace parley::policy {
namespace {

using testing::northwind;

TEST(NorthwindTest, TheReferenceTestFilePasses) {
  const auto bundle = northwind();
  ASSERT_NE(bundle, nullptr);
  auto tests = readSources({testing::sourceFile("config/policy/northwind_test.yaml")});
  ASSERT_TRUE(tests.ok());
  auto report = runPolicyTests(*bundle, *tests);
  ASSERT_TRUE(report.ok()) << report.error().message;
  for (const auto& failure : report->failures) ADD_FAILURE() << failure;
  // 11 reference tests (one runs for two bridges), 10 of ours and the two C2 origin cases.
  EXPECT_EQ(report->tests, 24);
  EXPECT_EQ(report->properties, 3);
  EXPECT_GT(report->propertyCases, 5000);
}

const LabelPolicy& nw(const CompiledBundle& bundle) { return bundle.catalog.labelPolicies.at(0); }

// Every classification × every subset of REL × caveat on/off, for the subject's clearance and
// the channel's (and so the message's) label, with every other attribute set the way most
// likely to be permitted: no permit for local access without dominance. The request is
// prepared once per action and role; the two label slots are then set directly, so the
// 327,680 decisions stay fast in a debug build.
TEST(NorthwindTest, NoLocalPermitWithoutDominanceOverTheChannelLabel) {
  const auto bundle = northwind();
  ASSERT_NE(bundle, nullptr);
  const auto labels = nw(*bundle).allLabels();
  ASSERT_EQ(labels.size(), 64u);
  const auto slotOf = [&](const char* name) {
    return static_cast<std::size_t>(bundle->catalog.attribute(name)->slot);
  };
  const std::size_t clearanceSlot = slotOf("subject.clearance");
  const std::size_t channelSlot = slotOf("channel.label");
  const std::size_t messageSlot = slotOf("message.label");
  std::int64_t cases = 0, permits = 0;
  for (const char* action :
       {"channel.read", "channel.join", "message.post", "file.upload", "file.download"}) {
    for (const char* role : {"member", "guest", "channel_admin", "releasing_officer"}) {
      for (const bool guests : {true, false}) {
        const Request base{action,
                           {{"subject.role", std::string(role)},
                            {"subject.nationality", std::string("GBR")},
                            {"subject.clearance", std::string("UNCLASSIFIED")},
                            {"subject.missions", std::vector<std::string>{"NORTHWIND"}},
                            {"subject.via_vpn", true},
                            {"subject.display", std::string("someone")},
                            {"channel.label", std::string("UNCLASSIFIED")},
                            {"channel.mission", std::string("NORTHWIND")},
                            {"channel.guests", guests},
                            {"file.type", std::string("application/pdf")},
                            {"file.size", std::int64_t{1024}},
                            {"env.now", std::string("2025-12-01T10:00:00Z")}}};
        auto prepared = prepare(*bundle, base);
        ASSERT_TRUE(prepared.slots[clearanceSlot].present);
        ASSERT_TRUE(prepared.slots[messageSlot].present);
        for (const auto& clearance : labels) {
          prepared.slots[clearanceSlot].value.label = clearance;
          for (const auto& channel : labels) {
            prepared.slots[channelSlot].value.label = channel;
            prepared.slots[messageSlot].value.label = channel;  // its default
            const auto decision = decide(*bundle, prepared);
            ++cases;
            if (!decision.permitted()) continue;
            ++permits;
            ASSERT_TRUE(dominates(nw(*bundle), clearance, channel))
                << action << " permitted to a " << role << " cleared "
                << nw(*bundle).text(clearance) << " in a channel labelled "
                << nw(*bundle).text(channel) << " by " << decision.determiningRules.front();
          }
        }
      }
    }
  }
  EXPECT_EQ(cases, 5 * 4 * 2 * 64 * 64);
  EXPECT_GT(permits, 0);  // the property is not vacuous: dominating subjects get in
}

// The same through whole requests (label text parsed by prepare) for message.post.
TEST(NorthwindTest, NoPostWithoutDominanceThroughWholeRequests) {
  const auto bundle = northwind();
  ASSERT_NE(bundle, nullptr);
  const auto labels = nw(*bundle).allLabels();
  std::int64_t permits = 0;
  for (const auto& clearance : labels) {
    for (const auto& channel : labels) {
      const Request request{"message.post",
                            {{"subject.role", std::string("member")},
                             {"subject.clearance", nw(*bundle).text(clearance)},
                             {"subject.missions", std::vector<std::string>{"NORTHWIND"}},
                             {"channel.label", nw(*bundle).text(channel)},
                             {"channel.mission", std::string("NORTHWIND")}}};
      const auto decision = decide(*bundle, request);
      if (!decision.permitted()) continue;
      ++permits;
      ASSERT_TRUE(dominates(nw(*bundle), clearance, channel));
    }
  }
  EXPECT_GT(permits, 0);
}

// Every message label × both bridges × every channel of the bundle × every egress action: no
// permit unless the bridge's clearance dominates the message label.
TEST(NorthwindTest, NoEgressPermitAboveTheBridgeClearance) {
  const auto bundle = northwind();
  ASSERT_NE(bundle, nullptr);
  std::int64_t permits = 0;
  for (const char* action : {"message.egress", "thread.egress", "file.egress"}) {
    for (const auto& bridge : bundle->bridges) {
      for (const auto& channel : bundle->channels) {
        for (const auto& label : nw(*bundle).allLabels()) {
          Request request{action,
                          {{"bridge.id", bridge.id},
                           {"subject.role", std::string("member")},
                           {"subject.nationality", std::string("GBR")},
                           {"subject.clearance", std::string("SECRET REL USA,GBR,FRA NW-CMD")},
                           {"subject.display", std::string("someone")},
                           {"message.label", nw(*bundle).text(label)},
                           {"file.type", std::string("application/pdf")},
                           {"file.size", std::int64_t{1024}}}};
          ASSERT_TRUE(addChannelAttributes(*bundle, channel.name, request));
          const auto decision = decide(*bundle, request);
          if (!decision.permitted()) continue;
          ++permits;
          ASSERT_TRUE(dominates(nw(*bundle), *bridge.clearance, label))
              << action << " of " << nw(*bundle).text(label) << " to " << bridge.id;
          EXPECT_NE(channel.attributes.at("channel.bridging"), Value(std::string("never")));
        }
      }
    }
  }
  EXPECT_GT(permits, 0);
}

TEST(NorthwindTest, ExplainsTheReferenceDenials) {
  const auto bundle = northwind();
  ASSERT_NE(bundle, nullptr);
  Request guest{"channel.read",
                {{"subject.role", std::string("guest")},
                 {"subject.clearance", std::string("UNCLASSIFIED REL FRA")},
                 {"subject.missions", std::vector<std::string>{"NORTHWIND"}},
                 {"subject.via_vpn", true},
                 {"env.now", std::string("2025-12-01T10:00:00Z")}}};
  addChannelAttributes(*bundle, "nw/mission-ops", guest);
  const auto decision = decide(*bundle, guest);
  EXPECT_FALSE(decision.permitted());
  ASSERT_TRUE(decision.closest.has_value());
  EXPECT_EQ(decision.closest->rule, "C2-guests-liaison");
  EXPECT_EQ(decision.closest->failedClause, "channel");
}

}  // namespace
}  // namespace parley::policy
