// The local enforcement point's request building (subject.role from Mattermost's roles,
// attribute names as the bundle's schema spells them) and its decisions against the reference
// example bundle: the same request the services build is permitted or denied as the reference
// rules C1-C4 say, and the user-facing error carries no label.

#include <gtest/gtest.h>

#include "core/model/user.hpp"
#include "core/policy/engine.hpp"
#include "core/services/access_policy.hpp"
#include "tests/unit/core/policy/policy_fixtures.hpp"

namespace parley::core::services {
namespace {

// 2025-12-01T10:00:00Z: inside the NORTHWIND mission window of the example bundle.
constexpr std::int64_t kInMission = 1764583200000;

model::User user(std::string roles = "system_user") {
  model::User u;
  u.id = "uuuuuuuuuuuuuuuuuuuuuuuuuu";
  u.roles = std::move(roles);
  return u;
}

model::Channel missionOps() {
  model::Channel c;
  c.id = "cccccccccccccccccccccccccc";
  c.teamId = "tttttttttttttttttttttttttt";
  c.name = "mission-ops";
  return c;
}

model::AttributeMap cleared() {
  return {{"clearance", std::string("SECRET REL GBR,USA,FRA")},
          {"nationality", std::string("GBR")},
          {"missions", std::vector<std::string>{"NORTHWIND"}}};
}

template <typename T>
T valueOf(const policy::Request& request, const std::string& name) {
  const auto it = request.attributes.find(name);
  EXPECT_NE(it, request.attributes.end()) << name;
  if (it == request.attributes.end()) return T{};
  EXPECT_TRUE(std::holds_alternative<T>(it->second)) << name;
  return std::holds_alternative<T>(it->second) ? std::get<T>(it->second) : T{};
}

TEST(AccessPolicyTest, SubjectRoleFollowsMattermostRoles) {
  model::ChannelMember admin;
  admin.schemeAdmin = true;
  model::ChannelMember plain;
  EXPECT_EQ(policySubjectRole(user("system_guest"), &admin), "guest");
  EXPECT_EQ(policySubjectRole(user("system_user"), &admin), "channel_admin");
  EXPECT_EQ(policySubjectRole(user("system_user"), &plain), "member");
  EXPECT_EQ(policySubjectRole(user("system_user"), nullptr), "member");
  // A system admin is not a channel admin by that alone.
  EXPECT_EQ(policySubjectRole(user("system_admin system_user"), nullptr), "member");
}

TEST(AccessPolicyTest, RequestNamesAttributesAsTheSchemaDoes) {
  const auto channel = missionOps();
  PolicyChannel context{
      &channel, nullptr, "nw", {{"label", std::string("SECRET REL GBR")}, {"guests", true}}};
  model::FileInfo file;
  file.mimeType = "application/pdf";
  file.size = 1234;
  auto subjectAttributes = cleared();
  // An admin-set field called "role" or "id" cannot replace what the gateway knows.
  subjectAttributes["role"] = std::string("releasing_officer");
  subjectAttributes["id"] = std::string("someone-else");
  const auto request = buildPolicyRequest(kActionFileDownload, user(), subjectAttributes, &context,
                                          &file, kInMission + 999);
  EXPECT_EQ(request.action, "file.download");
  EXPECT_EQ(valueOf<std::string>(request, "subject.clearance"), "SECRET REL GBR,USA,FRA");
  EXPECT_EQ(valueOf<std::string>(request, "subject.nationality"), "GBR");
  EXPECT_EQ(valueOf<std::vector<std::string>>(request, "subject.missions"),
            std::vector<std::string>{"NORTHWIND"});
  EXPECT_EQ(valueOf<std::string>(request, "subject.id"), "uuuuuuuuuuuuuuuuuuuuuuuuuu");
  EXPECT_EQ(valueOf<std::string>(request, "subject.role"), "member");
  EXPECT_EQ(valueOf<std::string>(request, "channel.label"), "SECRET REL GBR");
  EXPECT_TRUE(valueOf<bool>(request, "channel.guests"));
  EXPECT_EQ(valueOf<std::string>(request, "channel.name"), "nw/mission-ops");
  EXPECT_EQ(valueOf<std::string>(request, "file.type"), "application/pdf");
  EXPECT_EQ(valueOf<std::int64_t>(request, "file.size"), 1234);
  EXPECT_EQ(valueOf<std::int64_t>(request, "env.now"), kInMission / 1000);
}

TEST(AccessPolicyTest, WithoutChannelOrFileThereAreNoSuchAttributes) {
  const auto request = buildPolicyRequest(kActionChannelRead, user(), {}, nullptr, nullptr, 0);
  for (const auto& [name, value] : request.attributes) {
    EXPECT_FALSE(name.starts_with("channel.") || name.starts_with("file.")) << name;
  }
  EXPECT_EQ(request.attributes.size(), 3u);  // subject.id, subject.role, env.now
}

// The request as the services build it, decided by the reference bundle, with the channel's
// attributes taken from its channels section by "team/channel".
policy::Decision decideNorthwind(std::string_view action, const model::User& subject,
                                 const model::AttributeMap& attributes,
                                 const model::FileInfo* file = nullptr) {
  const auto bundle = policy::testing::northwind();
  EXPECT_NE(bundle, nullptr);
  const auto channel = missionOps();
  PolicyChannel context{&channel, nullptr, "nw", {}};
  auto request = buildPolicyRequest(action, subject, attributes, &context, file, kInMission);
  EXPECT_TRUE(policy::addChannelAttributes(*bundle, "nw/mission-ops", request));
  return policy::decide(*bundle, request);
}

TEST(AccessPolicyTest, ClearedMemberIsPermittedByTheReferenceRule) {
  for (auto action : {kActionChannelJoin, kActionChannelRead, kActionMessagePost}) {
    const auto decision = decideNorthwind(action, user(), cleared());
    EXPECT_TRUE(decision.permitted()) << action << ": " << decision.reason;
    EXPECT_EQ(decision.determiningRules, std::vector<std::string>{"C1-cleared-members"});
  }
}

TEST(AccessPolicyTest, UnclearedMemberIsDeniedWithTheClosestPermit) {
  auto attributes = cleared();
  attributes["clearance"] = std::string("RESTRICTED REL GBR");
  const auto decision = decideNorthwind(kActionChannelJoin, user(), attributes);
  ASSERT_FALSE(decision.permitted());
  ASSERT_TRUE(decision.closest.has_value());
  EXPECT_EQ(decision.closest->rule, "C1-cleared-members");
  EXPECT_EQ(decision.closest->failedClause, "clearance");

  const Error error = policyDenied(decision);
  EXPECT_EQ(error.code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(error.id, kPolicyDeniedId);
  EXPECT_NE(error.message.find(decision.reasonCode), std::string::npos);
  for (const char* secret : {"CONFIDENTIAL", "RESTRICTED", "GBR", "NORTHWIND"}) {
    EXPECT_EQ(error.message.find(secret), std::string::npos) << error.message;
  }
}

TEST(AccessPolicyTest, AttributesMissingMeansDenied) {
  const auto decision = decideNorthwind(kActionChannelRead, user(), {});
  EXPECT_FALSE(decision.permitted());
}

TEST(AccessPolicyTest, GuestsGetNoFilesEvenWhenCleared) {
  model::FileInfo file;
  file.mimeType = "application/pdf";
  file.size = 10;
  EXPECT_TRUE(decideNorthwind(kActionFileDownload, user(), cleared(), &file).permitted());
  const auto guest = decideNorthwind(kActionFileDownload, user("system_guest"), cleared(), &file);
  EXPECT_FALSE(guest.permitted());
  EXPECT_EQ(guest.determiningRules, std::vector<std::string>{"C3-guests-no-files"});
}

TEST(AccessPolicyTest, TheConnectionOriginIsSubjectViaVpnAndEnvOrigin) {
  auto subject = user();
  // A profile field of that name never stands in for the connection.
  const model::AttributeMap stored = {{"via_vpn", true}};
  auto request = buildPolicyRequest(kActionChannelRead, subject, stored, nullptr, nullptr, 0);
  EXPECT_EQ(request.attributes.count("subject.via_vpn"), 0u);
  EXPECT_EQ(request.attributes.count("env.origin"), 0u);

  subject.connectionOrigin = model::ConnectionOrigin::kVpn;
  request = buildPolicyRequest(kActionChannelRead, subject, stored, nullptr, nullptr, 0);
  EXPECT_TRUE(valueOf<bool>(request, "subject.via_vpn"));
  EXPECT_EQ(valueOf<std::string>(request, "env.origin"), "vpn");

  subject.connectionOrigin = model::ConnectionOrigin::kDirect;
  request = buildPolicyRequest(kActionChannelRead, subject, stored, nullptr, nullptr, 0);
  EXPECT_FALSE(valueOf<bool>(request, "subject.via_vpn"));
  EXPECT_EQ(valueOf<std::string>(request, "env.origin"), "direct");
}

// The reference's C2: a guest reads, joins and posts in the guests' channel over the VPN only.
TEST(AccessPolicyTest, AGuestIsPermittedTheLiaisonChannelOverTheVpnOnly) {
  const auto bundle = policy::testing::northwind();
  ASSERT_NE(bundle, nullptr);
  model::Channel liaison = missionOps();
  liaison.name = "liaison";
  PolicyChannel context{&liaison, nullptr, "nw", {}};
  const model::AttributeMap gina = {{"clearance", std::string("UNCLASSIFIED REL FRA")},
                                    {"nationality", std::string("FRA")},
                                    {"missions", std::vector<std::string>{"NORTHWIND"}}};
  auto guest = user("system_guest");
  for (auto action : {kActionChannelJoin, kActionChannelRead, kActionMessagePost}) {
    for (auto origin : {model::ConnectionOrigin::kVpn, model::ConnectionOrigin::kDirect,
                        model::ConnectionOrigin::kUnknown}) {
      guest.connectionOrigin = origin;
      auto request = buildPolicyRequest(action, guest, gina, &context, nullptr, kInMission);
      ASSERT_TRUE(policy::addChannelAttributes(*bundle, "nw/liaison", request));
      const auto decision = policy::decide(*bundle, request);
      if (origin == model::ConnectionOrigin::kVpn) {
        EXPECT_TRUE(decision.permitted()) << action << ": " << decision.reason;
        EXPECT_EQ(decision.determiningRules, std::vector<std::string>{"C2-guests-liaison"});
      } else {
        EXPECT_FALSE(decision.permitted()) << action;
        ASSERT_TRUE(decision.closest.has_value()) << action;
        EXPECT_EQ(decision.closest->rule, "C2-guests-liaison");
        EXPECT_EQ(decision.closest->failedClause, "vpn");
      }
    }
  }
}

}  // namespace
}  // namespace parley::core::services
