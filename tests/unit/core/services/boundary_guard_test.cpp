// The boundary guard's pure parts: the request it builds for each direction (the local author
// on egress, the puppet mapped from the bundle on ingress), decisions of the reference bundle
// on those requests, the obligations it fulfils on a canonical message or a profile (and the
// ones it cannot, which deny), and the audit record helpers (UTF-8 safe).

#include <gtest/gtest.h>

#include "core/policy/audit_log.hpp"
#include "core/policy/engine.hpp"
#include "core/services/boundary_guard.hpp"
#include "tests/unit/core/policy/policy_fixtures.hpp"

namespace parley::core::services {
namespace {

using Strings = std::vector<std::string>;

// 2025-12-01T10:00:00Z: inside the NORTHWIND mission window of the example bundle.
constexpr std::int64_t kInMission = 1764583200000;

model::User alice() {
  model::User u;
  u.id = "aaaaaaaaaaaaaaaaaaaaaaaaaa";
  u.username = "alice";
  u.firstName = "Alice";
  u.lastName = "Smith";
  u.email = "alice@gbr.example";
  return u;
}

model::AttributeMap aliceAttributes() {
  return {{"clearance", std::string("SECRET REL GBR,USA,FRA")},
          {"nationality", std::string("GBR")},
          {"missions", std::vector<std::string>{"NORTHWIND"}}};
}

model::Channel missionOps() {
  model::Channel c;
  c.id = "cccccccccccccccccccccccccc";
  c.teamId = "tttttttttttttttttttttttttt";
  c.name = "mission-ops";
  return c;
}

model::Link linkTo(std::string peer, std::string bridge = "xmpp") {
  model::Link link;
  link.id = "llllllllllllllllllllllllll";
  link.channelId = "cccccccccccccccccccccccccc";
  link.bridge = std::move(bridge);
  link.remoteRoom = "ops@conference.chat.mil.usa.example";
  link.peer = std::move(peer);
  return link;
}

model::CanonicalMessage post(std::string label, std::string text = "hello") {
  model::CanonicalMessage m;
  m.postId = "pppppppppppppppppppppppppp";
  m.channelId = "cccccccccccccccccccccccccc";
  m.text = std::move(text);
  m.label = std::move(label);
  m.author.userId = "aaaaaaaaaaaaaaaaaaaaaaaaaa";
  m.author.username = "alice";
  return m;
}

model::CanonicalMessage inbound(std::string label, std::string domain = "chat.mil.usa.example") {
  model::CanonicalMessage m;
  m.channelId = "cccccccccccccccccccccccccc";
  m.text = "from bob";
  m.label = std::move(label);
  m.author.userId = "bbbbbbbbbbbbbbbbbbbbbbbbbb";
  m.author.displayName = "Bob";
  m.author.remote = model::RemoteOrigin{"xmpp", "ops@conference.chat.mil.usa.example",
                                        "bob@" + domain, std::move(domain)};
  return m;
}

template <typename T>
T valueOf(const policy::Request& request, const std::string& name) {
  const auto it = request.attributes.find(name);
  EXPECT_NE(it, request.attributes.end()) << name;
  if (it == request.attributes.end()) return T{};
  EXPECT_TRUE(std::holds_alternative<T>(it->second)) << name;
  return std::holds_alternative<T>(it->second) ? std::get<T>(it->second) : T{};
}

struct Fixture {
  policy::BundlePtr bundle = policy::testing::northwind();
  model::Channel channel = missionOps();
  PolicyChannel policyChannel{&channel, nullptr, "nw", {}};
  model::User author = alice();
  model::AttributeMap attributes = aliceAttributes();

  policy::Request egress(std::string_view action, const model::Link& link,
                         const model::CanonicalMessage& message,
                         const model::FileRef* file = nullptr) {
    BoundaryRequestInput input{action,      &link,    &policyChannel, &author,
                               &attributes, &message, file,           kInMission};
    return buildBoundaryRequest(input, bundle.get());
  }
  policy::Request ingress(const model::Link& link, const model::CanonicalMessage& message) {
    BoundaryRequestInput input{kActionMessageIngress,
                               &link,
                               &policyChannel,
                               nullptr,
                               nullptr,
                               &message,
                               nullptr,
                               kInMission};
    return buildBoundaryRequest(input, bundle.get());
  }
};

TEST(BoundaryGuardTest, EgressRequestHasTheAuthorThePeerAndTheChannel) {
  Fixture f;
  model::FileRef file{"ffffffffffffffffffffffffff", "a.pdf", "application/pdf", 1234, "", ""};
  const auto link = linkTo("xmpp-usa");
  const auto request = f.egress(kActionFileEgress, link, post("CONFIDENTIAL REL USA,GBR"), &file);
  EXPECT_EQ(request.action, "file.egress");
  EXPECT_EQ(valueOf<std::string>(request, "bridge.id"), "xmpp-usa");
  EXPECT_EQ(valueOf<std::string>(request, "subject.id"), "aaaaaaaaaaaaaaaaaaaaaaaaaa");
  EXPECT_EQ(valueOf<std::string>(request, "subject.display"), "Alice Smith");
  EXPECT_EQ(valueOf<std::string>(request, "subject.nationality"), "GBR");
  EXPECT_EQ(valueOf<std::string>(request, "subject.role"), "member");
  EXPECT_EQ(valueOf<std::string>(request, "message.label"), "CONFIDENTIAL REL USA,GBR");
  // From the bundle's channels section, as local enforcement does.
  EXPECT_EQ(valueOf<std::string>(request, "channel.label"), "CONFIDENTIAL REL USA,GBR,FRA");
  EXPECT_EQ(valueOf<std::string>(request, "channel.bridging"), "allowed");
  EXPECT_EQ(valueOf<std::string>(request, "file.type"), "application/pdf");
  EXPECT_EQ(valueOf<std::int64_t>(request, "file.size"), 1234);
  EXPECT_EQ(valueOf<std::int64_t>(request, "env.now"), kInMission / 1000);
  EXPECT_EQ(request.attributes.count("subject.remote"), 0u);
}

TEST(BoundaryGuardTest, StoredChannelAttributesWinOverTheBundle) {
  Fixture f;
  f.policyChannel.attributes = {{"bridging", std::string("never")}};
  const auto link = linkTo("xmpp-usa");
  const auto request = f.egress(kActionMessageEgress, link, post(""));
  EXPECT_EQ(valueOf<std::string>(request, "channel.bridging"), "never");
  EXPECT_EQ(request.attributes.count("message.label"), 0u);  // the bundle's default applies
}

TEST(BoundaryGuardTest, IngressSubjectIsThePuppetMappedByTheBundle) {
  Fixture f;
  const auto link = linkTo("xmpp-usa");
  auto request = f.ingress(link, inbound("US//CONFIDENTIAL//REL TO USA, GBR, FRA"));
  EXPECT_EQ(valueOf<std::string>(request, "subject.id"), "bbbbbbbbbbbbbbbbbbbbbbbbbb");
  EXPECT_EQ(valueOf<std::string>(request, "subject.remote"), "xmpp-usa");
  EXPECT_EQ(valueOf<std::string>(request, "subject.display"), "Bob");
  EXPECT_EQ(valueOf<std::string>(request, "remote.user"), "bob@chat.mil.usa.example");
  EXPECT_EQ(valueOf<std::string>(request, "remote.server"), "chat.mil.usa.example");
  EXPECT_EQ(valueOf<std::string>(request, "remote.label"),
            "US//CONFIDENTIAL//REL TO USA, GBR, FRA");
  EXPECT_EQ(request.attributes.count("message.label"), 0u);
  // bridges.xmpp-usa.remote_users
  EXPECT_EQ(valueOf<std::string>(request, "subject.nationality"), "USA");
  EXPECT_EQ(valueOf<std::string>(request, "subject.role"), "member");
  EXPECT_EQ(valueOf<std::string>(request, "subject.clearance"), "SECRET REL USA");
  // A per-domain mapping wins over the peer's.
  request = f.ingress(link, inbound("", "conference.chat.mil.usa.example"));
  EXPECT_EQ(valueOf<std::string>(request, "subject.role"), "guest");
  EXPECT_EQ(valueOf<std::string>(request, "subject.nationality"), "USA");
}

TEST(BoundaryGuardTest, RemoteSenderIsTheAuthorElseTheOrigin) {
  auto message = inbound("");
  EXPECT_EQ(remoteSenderOf(message)->remoteId, "bob@chat.mil.usa.example");
  message.origin = message.author.remote;
  message.origin->remoteId = "other@x";
  EXPECT_EQ(remoteSenderOf(message)->remoteId, "bob@chat.mil.usa.example");
  message.author.remote.reset();
  EXPECT_EQ(remoteSenderOf(message)->remoteId, "other@x");
  message.origin.reset();
  EXPECT_FALSE(remoteSenderOf(message).has_value());
}

// The reference bundle's boundary rules on the requests the guard builds.
TEST(BoundaryGuardTest, ReferenceBundleDecidesTheBoundaryRequests) {
  Fixture f;
  struct Case {
    const char* name;
    std::string peer;
    std::string label;
    bool permitted;
    Strings rules;
  };
  const std::vector<Case> cases = {
      {"REL USA,GBR is not releasable to FRA",
       "matrix-fra",
       "CONFIDENTIAL REL USA,GBR",
       false,
       {"B1-peer-clearance"}},
      {"REL USA,GBR,FRA goes to FRA with E1",
       "matrix-fra",
       "CONFIDENTIAL REL USA,GBR,FRA",
       true,
       {"E1-to-matrix-fra"}},
      {"SECRET stays off a CONFIDENTIAL peer",
       "matrix-fra",
       "SECRET REL USA,GBR,FRA",
       false,
       {"B1-peer-clearance"}},
      {"to the USA peer with E2",
       "xmpp-usa",
       "CONFIDENTIAL REL USA,GBR,FRA",
       true,
       {"E2-to-xmpp-usa"}},
      {"the channel's label by default", "xmpp-usa", "", true, {"E2-to-xmpp-usa"}},
  };
  for (const auto& c : cases) {
    const auto link = linkTo(c.peer);
    const auto decision =
        policy::decide(*f.bundle, f.egress(kActionMessageEgress, link, post(c.label)));
    EXPECT_EQ(decision.permitted(), c.permitted) << c.name << ": " << decision.reason;
    for (const auto& rule : c.rules) {
      EXPECT_NE(std::find(decision.determiningRules.begin(), decision.determiningRules.end(), rule),
                decision.determiningRules.end())
          << c.name << ": " << rule;
    }
  }
  // National channel: B2 for every boundary action.
  f.policyChannel.attributes = {{"bridging", std::string("never")}};
  for (auto action : {kActionMessageEgress, kActionThreadEgress, kActionChannelLink}) {
    const auto link = linkTo("xmpp-usa");
    const auto decision = policy::decide(*f.bundle, f.egress(action, link, post("")));
    EXPECT_FALSE(decision.permitted()) << action;
    EXPECT_NE(std::find(decision.determiningRules.begin(), decision.determiningRules.end(),
                        "B2-national-never-bridges"),
              decision.determiningRules.end())
        << action;
  }
}

TEST(BoundaryGuardTest, ReferenceBundleDecidesIngress) {
  Fixture f;
  const auto link = linkTo("xmpp-usa");
  // Mapped label within the peer's clearance and the channel's: N1.
  auto prepared = policy::prepare(
      *f.bundle, f.ingress(link, inbound("US//CONFIDENTIAL//REL TO USA, GBR, FRA")));
  auto decision = policy::decide(*f.bundle, prepared);
  EXPECT_TRUE(decision.permitted()) << decision.reason;
  EXPECT_EQ(policy::preparedLabel(*f.bundle, prepared, "message.label"),
            "CONFIDENTIAL REL USA,GBR,FRA");
  // An unmapped label fails closed.
  decision = policy::decide(*f.bundle, f.ingress(link, inbound("US//SECRET//NOFORN")));
  EXPECT_FALSE(decision.permitted());
  EXPECT_EQ(decision.errors, Strings{"label_unmapped"});
  // A sender domain the peer does not allow: I3.
  decision =
      policy::decide(*f.bundle, f.ingress(link, inbound("US//UNCLASSIFIED", "evil.example")));
  EXPECT_FALSE(decision.permitted());
  EXPECT_EQ(decision.determiningRules, Strings{"I3-ingress-sender-allowed"});
  // Above the peer's clearance (the FRA peer, labels in the bundle's own policy): I1.
  const auto fra = linkTo("matrix-fra", "matrix");
  auto message = inbound("SECRET REL FRA", "matrix.def.fra.example");
  decision = policy::decide(*f.bundle, f.ingress(fra, message));
  EXPECT_FALSE(decision.permitted());
  EXPECT_NE(std::find(decision.determiningRules.begin(), decision.determiningRules.end(),
                      "I1-ingress-within-peer"),
            decision.determiningRules.end());
}

policy::Obligation obligation(std::string type, nlohmann::json params) {
  return {std::move(type), std::move(params)};
}

TEST(BoundaryGuardTest, MessageObligationsAreApplied) {
  auto message = post("CONFIDENTIAL REL USA,GBR,FRA", "text");
  message.files = {{"f1", "a.txt", "text/plain", 3, "", ""},
                   {"f2", "b.pdf", "application/pdf", 9, "", ""}};
  const std::vector<policy::Obligation> obligations = {
      obligation("add_banner",
                 {{"text", "CONFIDENTIAL REL TO USA, GBR, FRA"}, {"position", "top"}}),
      obligation("set_metadata", {{"key", "org.example.nw.label"}, {"value", "<xml/>"}}),
      obligation("rewrite_sender", {{"display", "Alice Smith [GBR]"}}),
      obligation("strip_denied_attachments", {{"placeholder", "[withheld]"}}),
      obligation("strip_file_metadata", nlohmann::json::object()),
      obligation("set_label", {{"format", "xep0258"},
                               {"map", "xmpp-usa.label_map"},
                               {"label", "CONFIDENTIAL REL USA,GBR,FRA"},
                               {"marking", "CONFIDENTIAL REL TO USA, GBR, FRA"},
                               {"equivalent", "US//CONFIDENTIAL//REL TO USA, GBR, FRA"}}),
      obligation("tag_origin", {{"bridge", "xmpp-usa"}, {"remote_user", "bob"}}),
  };
  const auto failure = applyMessageObligations(obligations, {false, true}, message);
  ASSERT_FALSE(failure.has_value()) << *failure;
  EXPECT_EQ(message.text, "CONFIDENTIAL REL TO USA, GBR, FRA\ntext\n[withheld]");
  EXPECT_EQ(message.author.displayName, "Alice Smith [GBR]");
  ASSERT_EQ(message.files.size(), 1u);
  EXPECT_EQ(message.files[0].fileId, "f1");
  EXPECT_EQ(message.metadata["org.example.nw.label"], "<xml/>");
  EXPECT_EQ(message.metadata[std::string(kMetadataLabel)]["equivalent"],
            "US//CONFIDENTIAL//REL TO USA, GBR, FRA");
  EXPECT_FALSE(message.metadata[std::string(kMetadataLabel)].contains("map"));
  EXPECT_EQ(message.metadata[std::string(kMetadataOrigin)]["remote_user"], "bob");
  EXPECT_EQ(message.label, "CONFIDENTIAL REL USA,GBR,FRA");
}

TEST(BoundaryGuardTest, ObligationsTheGuardCannotFulfil) {
  struct Case {
    const char* name;
    std::vector<policy::Obligation> obligations;
    std::vector<model::FileRef> files;
    std::vector<bool> denied;
    std::string failure;  // prefix; "" = fulfilled
  };
  const model::FileRef text{"f1", "a.txt", "text/plain", 3, "", ""};
  const model::FileRef pdf{"f2", "b.pdf", "application/pdf", 9, "", ""};
  const std::vector<Case> cases = {
      {"unmapped label",
       {obligation("set_label", {{"format", "xep0258"},
                                 {"map", "xmpp-usa.label_map"},
                                 {"label", "CONFIDENTIAL REL USA,GBR"}})},
       {},
       {},
       "set_label: CONFIDENTIAL REL USA,GBR has no equivalent in xmpp-usa.label_map"},
      {"label without a map",
       {obligation("set_label", {{"format", "marking"}, {"label", "SECRET"}})},
       {},
       {},
       ""},
      {"denied attachment without strip", {}, {text}, {true}, "attachments: a.txt is denied"},
      {"metadata of a pdf",
       {obligation("strip_file_metadata", {})},
       {pdf},
       {false},
       "strip_file_metadata: cannot remove embedded metadata from application/pdf"},
      {"no metadata in plain text", {obligation("strip_file_metadata", {})}, {text}, {false}, ""},
      {"stripped before the metadata check",
       {obligation("strip_file_metadata", {}), obligation("strip_denied_attachments", {})},
       {pdf},
       {true},
       ""},
      {"profile obligation on a message",
       {obligation("redact_fields", {{"fields", {"email"}}})},
       {},
       {},
       "redact_fields: does not apply to a message"},
  };
  for (const auto& c : cases) {
    auto message = post("");
    message.files = c.files;
    const auto failure = applyMessageObligations(c.obligations, c.denied, message);
    if (c.failure.empty()) {
      EXPECT_FALSE(failure.has_value()) << c.name << ": " << failure.value_or("");
    } else {
      ASSERT_TRUE(failure.has_value()) << c.name;
      EXPECT_TRUE(failure->starts_with(c.failure)) << c.name << ": " << *failure;
    }
  }
}

TEST(BoundaryGuardTest, BannerOnlyWhereTextTravels) {
  const std::vector<policy::Obligation> banner = {
      obligation("add_banner", {{"text", "B"}, {"position", "bottom"}})};
  auto message = post("", "x");
  EXPECT_FALSE(applyMessageObligations(banner, {}, message));
  EXPECT_EQ(message.text, "x\nB");
  message = post("", "");
  message.change = model::MessageChange::kReaction;
  message.emoji = "smile";
  EXPECT_FALSE(applyMessageObligations(banner, {}, message));
  EXPECT_EQ(message.text, "");
}

TEST(BoundaryGuardTest, ProfileRedaction) {
  auto profile = peerProfileOf(alice(), {{"clearance", std::string("SECRET REL GBR")},
                                         {"email", std::string("not-the-address")},
                                         {"missions", std::vector<std::string>{"NORTHWIND"}}});
  EXPECT_EQ(profile["email"], "alice@gbr.example");  // an attribute cannot replace a field
  EXPECT_EQ(profile["clearance"], "SECRET REL GBR");
  EXPECT_EQ(profile["display_name"], "Alice Smith");
  EXPECT_FALSE(applyProfileObligations(
      {obligation("redact_fields", {{"fields", {"email", "phone", "clearance"}}})}, profile));
  EXPECT_FALSE(profile.contains("email"));
  EXPECT_FALSE(profile.contains("clearance"));
  EXPECT_EQ(profile["username"], "alice");
  EXPECT_EQ(profile["missions"], nlohmann::json({"NORTHWIND"}));
  EXPECT_EQ(applyProfileObligations({obligation("add_banner", {{"text", "x"}})}, profile),
            "add_banner: does not apply to a profile");
}

TEST(BoundaryGuardTest, DisplayNameFallsBack) {
  auto user = alice();
  EXPECT_EQ(displayNameOf(user), "Alice Smith");
  user.firstName.clear();
  EXPECT_EQ(displayNameOf(user), "Smith");
  user.lastName.clear();
  user.nickname = "al";
  EXPECT_EQ(displayNameOf(user), "al");
  user.nickname.clear();
  EXPECT_EQ(displayNameOf(user), "alice");
}

TEST(BoundaryGuardTest, AnUnfulfilledObligationDenies) {
  policy::Decision decision;
  decision.effect = policy::Effect::kPermit;
  decision.determiningRules = {"E2-to-xmpp-usa"};
  decision.obligations = {obligation("set_label", {})};
  denyForObligation(decision, "set_label: X has no equivalent in m");
  EXPECT_FALSE(decision.permitted());
  EXPECT_EQ(decision.reasonCode, policy::kReasonObligation);
  EXPECT_EQ(decision.errors, Strings{"obligation_unfulfillable:set_label"});
  EXPECT_NE(decision.reason.find("E2-to-xmpp-usa"), std::string::npos);
  EXPECT_TRUE(decision.obligations.empty());
}

TEST(BoundaryGuardTest, EmbeddedMetadataTypes) {
  EXPECT_FALSE(mayCarryEmbeddedMetadata("text/plain"));
  EXPECT_FALSE(mayCarryEmbeddedMetadata("text/plain; charset=utf-8"));
  EXPECT_TRUE(mayCarryEmbeddedMetadata("image/jpeg"));
  EXPECT_TRUE(mayCarryEmbeddedMetadata("application/pdf"));
  EXPECT_TRUE(mayCarryEmbeddedMetadata(""));
}

TEST(BoundaryGuardTest, AuditTextIsValidUtf8WithoutNul) {
  struct Case {
    std::string in;
    std::string out;
  };
  const std::string r = "\xEF\xBF\xBD";
  const std::vector<Case> cases = {
      {"plain", "plain"},
      {"caf\xC3\xA9 \xF0\x9F\x98\x80", "caf\xC3\xA9 \xF0\x9F\x98\x80"},
      {"a\xFF"
       "b",
       "a" + r + "b"},
      {std::string("a\0b", 3), "a" + r + "b"},
      {"\xC3", r},                          // truncated sequence
      {"\xC0\xAF", r + r},                  // overlong
      {"\xED\xA0\x80", r + r + r},          // surrogate
      {"\xF4\x90\x80\x80", r + r + r + r},  // above U+10FFFF
  };
  for (const auto& c : cases) EXPECT_EQ(policy::auditText(c.in), c.out);
}

TEST(BoundaryGuardTest, AuditRecordOfADecisionDumpsWhateverAPeerSent) {
  policy::Decision decision;
  decision.effect = policy::Effect::kDeny;
  decision.closest = policy::ClosestPermit{"E1", "target.bridge"};
  decision.obligations = {obligation("notify_sender", {{"text", "not \xFF delivered"}})};
  decision.reasonCode = "policy.denied.no_permit";
  decision.bundleHash = "abc";
  auto record = policy::auditRecordOf(decision, 5, "remote:x/\xFE", "post:p", "message.ingress",
                                      {{"remote_user", "b\xC3"}, {"bad\xFF key", 1}});
  EXPECT_EQ(record.decision, policy::AuditDecision::kDeny);
  EXPECT_EQ(record.rules,
            nlohmann::json::array({{{"closest", "E1"}, {"failed_clause", "target.bridge"}}}));
  EXPECT_EQ(record.detail["reason_code"], "policy.denied.no_permit");
  EXPECT_EQ(record.obligations[0]["type"], "notify_sender");
  EXPECT_THROW((void)record.detail.dump(), nlohmann::json::type_error);
  policy::sanitizeAuditRecord(record);
  EXPECT_NO_THROW((void)record.detail.dump());
  EXPECT_NO_THROW((void)record.obligations.dump());
  EXPECT_EQ(record.subject, "remote:x/\xEF\xBF\xBD");
  EXPECT_EQ(record.detail["remote_user"], "b\xEF\xBF\xBD");
  EXPECT_TRUE(record.detail.contains("bad\xEF\xBF\xBD key"));
  EXPECT_TRUE(policy::validateAuditRecord(record).ok());
  EXPECT_FALSE(policy::canonicalJson(1, record).empty());
}

TEST(BoundaryGuardTest, RemoteUsersMappingIsCheckedAtLoad) {
  const auto bad = [](const std::string& remoteUsers) {
    auto text = policy::testing::bundleHead();
    const std::string anchor = "label_map: {\"THEIR//SECRET\": \"SECRET REL FRA\"}";
    text.replace(text.find(anchor), anchor.size(),
                 anchor + ",\n         remote_users: " + remoteUsers);
    text += "rules:\n  - {id: R, effect: permit, actions: [message.ingress]}\n";
    auto bundle = policy::compileBundle({{"b.yaml", text}});
    return bundle.ok() ? std::string() : bundle.error().message;
  };
  EXPECT_EQ(bad("{attributes: {role: member, clearance: \"SECRET REL FRA\"}}"), "");
  EXPECT_EQ(bad("{attributes: {rank: colonel}}"),
            "b.yaml:25: bridges.peer.remote_users.attributes: unknown attribute subject.rank");
  EXPECT_EQ(bad("{attributes: {role: admiral}}")
                .rfind("b.yaml:25: bridges.peer.remote_users."
                       "attributes.role: ",
                       0),
            0u);
  EXPECT_EQ(bad("{attributes: {id: x}}"),
            "b.yaml:25: bridges.peer.remote_users.attributes: unknown attribute subject.id");
  EXPECT_EQ(bad("{domains: {a.example: {clearance: \"TOP SECRET\"}}}")
                .rfind("b.yaml:25: bridges.peer.remote_users.domains.a.example.clearance: ", 0),
            0u);
  EXPECT_EQ(bad("{owners: x}").rfind("b.yaml:25: unknown key \"owners\"", 0), 0u);
}

}  // namespace
}  // namespace parley::core::services
