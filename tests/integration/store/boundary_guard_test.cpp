// The boundary guard against a real PostgreSQL with the reference bundle (config/policy/
// northwind.yaml): users with admin-set attributes, the team "nw" with its channels, links to
// the bundle's two peers. Each case checks the verdict (and the message or profile as the peer
// would get it) and the audit row the decision left; the chain still verifies afterwards.

#include <gtest/gtest.h>

#include "core/model/permissions.hpp"
#include "core/policy/policy_holder.hpp"
#include "core/services/access_policy.hpp"
#include "core/services/boundary_guard.hpp"
#include "core/services/policy_attribute_service.hpp"
#include "core/store/postgres/database.hpp"
#include "tests/integration/store/store_fixture.hpp"

namespace parley::core::store {
namespace {

namespace services = core::services;
using testing::runSync;
using Strings = std::vector<std::string>;

constexpr const char* kAdmin = "adminaaaaaaaaaaaaaaaaaaaaa";
constexpr const char* kAlice = "aliceaaaaaaaaaaaaaaaaaaaaa";
constexpr const char* kBobPuppet = "bobpuppetaaaaaaaaaaaaaaaaa";
constexpr const char* kMissionOps = "missionopsaaaaaaaaaaaaaaaa";
constexpr const char* kNational = "nationalaaaaaaaaaaaaaaaaaa";
constexpr const char* kPost = "postaaaaaaaaaaaaaaaaaaaaaa";
// 2025-12-01T10:00:00Z: inside the NORTHWIND mission window.
constexpr std::int64_t kInMission = 1764583200000;

constexpr const char* kFixture = R"sql(
INSERT INTO users (id, username, email, first_name, last_name, roles) VALUES
  ('adminaaaaaaaaaaaaaaaaaaaaa', 'admin', 'admin@gbr.example', '', '', 'system_user system_admin'),
  ('aliceaaaaaaaaaaaaaaaaaaaaa', 'alice', 'alice@gbr.example', 'Alice', 'Smith', 'system_user'),
  ('bobpuppetaaaaaaaaaaaaaaaaa', 'bob.xmpp', 'bob@puppet.invalid', 'Bob', '', 'system_user');
INSERT INTO teams (id, display_name, name) VALUES ('teamnwaaaaaaaaaaaaaaaaaaaa', 'Northwind', 'nw');
INSERT INTO channels (id, team_id, type, display_name, name) VALUES
  ('missionopsaaaaaaaaaaaaaaaa', 'teamnwaaaaaaaaaaaaaaaaaaaa', 'O', 'Mission ops', 'mission-ops'),
  ('nationalaaaaaaaaaaaaaaaaaa', 'teamnwaaaaaaaaaaaaaaaaaaaa', 'P', 'UK national', 'uk-national');
)sql";

model::User userOf(const char* id, const char* username, bool admin = false) {
  model::User user;
  user.id = id;
  user.username = username;
  user.roles = admin ? "system_user system_admin" : "system_user";
  return user;
}

model::Link linkOf(const char* channel, std::string peer, std::string bridge) {
  model::Link link;
  link.id = "link" + peer;
  link.channelId = channel;
  link.bridge = std::move(bridge);
  link.peer = std::move(peer);
  link.remoteRoom = "ops@conference.remote.example";
  return link;
}

model::CanonicalMessage outbound(const char* channel, std::string label, std::string text) {
  model::CanonicalMessage message;
  message.postId = kPost;
  message.channelId = channel;
  message.text = std::move(text);
  message.label = std::move(label);
  message.author.userId = kAlice;
  message.author.username = "alice";
  return message;
}

model::CanonicalMessage inbound(std::string label, std::string sender, std::string domain) {
  model::CanonicalMessage message;
  message.postId = kPost;
  message.channelId = kMissionOps;
  message.text = "from the peer";
  message.label = std::move(label);
  message.author.userId = kBobPuppet;
  message.author.displayName = "Bob";
  message.author.remote = model::RemoteOrigin{"xmpp", "ops@conference.remote.example",
                                              std::move(sender), std::move(domain)};
  message.origin = message.author.remote;
  return message;
}

bool contains(const Strings& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

class BoundaryGuardTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    migrateOrFail();
    const auto written = execSql(kFixture);
    ASSERT_TRUE(written.ok()) << written.error().detail;
    clock_->advance(std::chrono::milliseconds(kInMission - clock_->nowMillis()));
    holder_ = std::make_shared<policy::PolicyHolder>(clock_);
    const auto loaded =
        holder_->reload({std::string(PARLEY_SOURCE_DIR) + "/config/policy/northwind.yaml"});
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    open(holder_);
    setAliceAttributes();
  }

  void open(std::shared_ptr<const policy::PolicyHolder> holder) {
    if (database_) database_->stop();
    config::DatabaseConfig config;
    config.dsn = dsn_;
    config.poolSize = 2;
    database_ = postgres::openDatabase(config, clock_, {}, std::move(holder));
  }

  // Alice: GBR, SECRET REL GBR,USA,FRA, on NORTHWIND — set by an admin through the service.
  void setAliceAttributes() {
    const auto admin = userOf(kAdmin, "admin", true);
    std::map<std::string, nlohmann::json> values;
    for (const char* name : {"nationality", "clearance"}) {
      auto field = runSync(*database_, [&](Store& s) {
        return services::createProfileField(s, admin, {name, "text", std::nullopt});
      });
      ASSERT_TRUE(field.ok()) << field.error().message;
      values[field->id] = std::string(name) == "nationality" ? "GBR" : "SECRET REL GBR,USA,FRA";
    }
    auto missions = runSync(*database_, [&](Store& s) {
      return services::createProfileField(
          s, admin,
          {"missions", "multiselect", nlohmann::json{{"options", {{{"name", "NORTHWIND"}}}}}});
    });
    ASSERT_TRUE(missions.ok()) << missions.error().message;
    values[missions->id] = nlohmann::json::array({missions->attrs["options"][0]["id"]});
    auto set = runSync(
        *database_, [&](Store& s) { return services::setProfileValues(s, admin, kAlice, values); });
    ASSERT_TRUE(set.ok()) << set.error().message;
  }

  template <typename Guard>
  auto guard(Guard body) {
    return runSync(*database_, [&](Store& s) { return body(s); });
  }

  // The audit row a verdict names.
  policy::StoredAuditRecord auditRow(std::int64_t id) {
    auto rows = runSync(*database_, [](Store& s) {
      AuditQuery query;
      query.limit = 200;
      return s.audit().query(query);
    });
    EXPECT_TRUE(rows.ok());
    if (rows.ok())
      for (const auto& row : *rows)
        if (row.id == id) return row;
    ADD_FAILURE() << "no audit row " << id;
    return {};
  }

  std::vector<policy::StoredAuditRecord> rowsOf(const std::string& action) {
    auto rows = runSync(*database_, [&](Store& s) {
      AuditQuery query;
      query.action = action;
      return s.audit().query(query);
    });
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? *rows : std::vector<policy::StoredAuditRecord>{};
  }

  void expectChainIntact() {
    auto report = runSync(*database_, [](Store& s) { return s.audit().verify(); });
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->intact) << report->reason;
  }

  std::shared_ptr<policy::PolicyHolder> holder_;
};

TEST_F(BoundaryGuardTest, NotReleasableToThePeerIsDeniedByB1AndAudited) {
  const auto link = linkOf(kMissionOps, "matrix-fra", "matrix");
  const auto message = outbound(kMissionOps, "CONFIDENTIAL REL USA,GBR", "for the anglos");
  const auto verdict =
      guard([&](Store& s) { return services::guardMessageEgress(s, link, message); });
  EXPECT_FALSE(verdict.permitted());
  EXPECT_TRUE(contains(verdict.decision.determiningRules, "B1-peer-clearance"));
  EXPECT_EQ(verdict.notifySender, "Not delivered to matrix-fra (releasability)");
  EXPECT_EQ(verdict.message.text, "for the anglos");  // nothing applied on a deny
  ASSERT_GT(verdict.auditId, 0);
  const auto row = auditRow(verdict.auditId);
  EXPECT_EQ(row.record.action, "message.egress");
  EXPECT_EQ(row.record.decision, policy::AuditDecision::kDeny);
  EXPECT_EQ(row.record.subject, kAlice);
  EXPECT_EQ(row.record.resource, std::string("post:") + kPost);
  EXPECT_TRUE(row.record.rules.is_array());
  EXPECT_NE(std::find(row.record.rules.begin(), row.record.rules.end(), "B1-peer-clearance"),
            row.record.rules.end());
  EXPECT_EQ(row.record.obligations[0]["type"], "notify_sender");
  EXPECT_EQ(row.record.bundleHash, holder_->current()->hash);
  EXPECT_EQ(row.record.detail["peer"], "matrix-fra");
  EXPECT_EQ(row.record.detail["bridge"], "matrix");
  EXPECT_EQ(row.record.detail["remote_room"], "ops@conference.remote.example");
  EXPECT_EQ(row.record.detail["direction"], "egress");
  EXPECT_EQ(row.record.detail["reason"],
            "CONFIDENTIAL REL TO USA, GBR is not releasable to matrix-fra");
  expectChainIntact();
}

TEST_F(BoundaryGuardTest, ReleasableToFraGoesOutWithE1Obligations) {
  const auto link = linkOf(kMissionOps, "matrix-fra", "matrix");
  const auto message = outbound(kMissionOps, "CONFIDENTIAL REL USA,GBR,FRA", "all partners");
  const auto verdict =
      guard([&](Store& s) { return services::guardMessageEgress(s, link, message); });
  ASSERT_TRUE(verdict.permitted()) << verdict.decision.reason;
  EXPECT_EQ(verdict.decision.determiningRules, Strings{"E1-to-matrix-fra"});
  EXPECT_EQ(verdict.message.text, "CONFIDENTIAL REL TO USA, GBR, FRA\nall partners");
  EXPECT_EQ(verdict.message.author.displayName, "Alice Smith [GBR]");
  EXPECT_TRUE(verdict.message.metadata.contains("org.example.nw.label"));
  EXPECT_EQ(auditRow(verdict.auditId).record.decision, policy::AuditDecision::kPermit);
}

TEST_F(BoundaryGuardTest, MissionChannelToXmppUsaIsPermittedWithE2Obligations) {
  const auto link = linkOf(kMissionOps, "xmpp-usa", "xmpp");
  auto message = outbound(kMissionOps, "CONFIDENTIAL REL USA,GBR,FRA", "to the US");
  message.files = {{"fileaaaaaaaaaaaaaaaaaaaaaa", "notes.txt", "text/plain", 12, "", ""},
                   {"filebbbbbbbbbbbbbbbbbbbbbb", "brief.pdf", "application/pdf", 1200, "", ""}};
  const auto verdict =
      guard([&](Store& s) { return services::guardMessageEgress(s, link, message); });
  ASSERT_TRUE(verdict.permitted()) << verdict.decision.reason;
  EXPECT_EQ(verdict.decision.determiningRules, Strings{"E2-to-xmpp-usa"});
  const auto& label = verdict.message.metadata[std::string(services::kMetadataLabel)];
  EXPECT_EQ(label["format"], "xep0258");
  EXPECT_EQ(label["label"], "CONFIDENTIAL REL USA,GBR,FRA");
  EXPECT_EQ(label["equivalent"], "US//CONFIDENTIAL//REL TO USA, GBR, FRA");
  // The PDF's own file.egress is denied (its metadata cannot be stripped): withheld.
  ASSERT_EQ(verdict.message.files.size(), 1u);
  EXPECT_EQ(verdict.message.files[0].name, "notes.txt");
  EXPECT_EQ(verdict.message.text, "to the US\n[attachment withheld]");
  const auto row = auditRow(verdict.auditId);
  EXPECT_EQ(row.record.decision, policy::AuditDecision::kPermit);
  Strings types;
  for (const auto& o : row.record.obligations) types.push_back(o["type"]);
  EXPECT_EQ(types, (Strings{"set_label", "strip_denied_attachments", "strip_file_metadata"}));
  // One decision per attachment.
  const auto files = rowsOf("file.egress");
  ASSERT_EQ(files.size(), 2u);
  for (const auto& file : files) {
    const bool pdf = file.record.resource == "file:filebbbbbbbbbbbbbbbbbbbbbb";
    EXPECT_EQ(file.record.decision,
              pdf ? policy::AuditDecision::kDeny : policy::AuditDecision::kPermit);
    if (pdf) {
      EXPECT_EQ(file.record.detail["errors"],
                nlohmann::json({"obligation_unfulfillable:strip_file_metadata"}));
    }
  }
  expectChainIntact();
}

TEST_F(BoundaryGuardTest, AnUnmappableLabelCannotBeSentToXmppUsa) {
  const auto link = linkOf(kMissionOps, "xmpp-usa", "xmpp");
  const auto message = outbound(kMissionOps, "CONFIDENTIAL REL USA,GBR", "no US equivalent");
  const auto verdict =
      guard([&](Store& s) { return services::guardMessageEgress(s, link, message); });
  EXPECT_FALSE(verdict.permitted());
  EXPECT_EQ(verdict.decision.reasonCode, policy::kReasonObligation);
  EXPECT_EQ(verdict.decision.errors, Strings{"obligation_unfulfillable:set_label"});
  const auto row = auditRow(verdict.auditId);
  EXPECT_EQ(row.record.decision, policy::AuditDecision::kDeny);
  EXPECT_NE(row.record.detail["reason"].get<std::string>().find("E2-to-xmpp-usa"),
            std::string::npos);
}

TEST_F(BoundaryGuardTest, NationalChannelNeverEgresses) {
  for (const auto& [peer, bridge] : {std::pair{"xmpp-usa", "xmpp"}, {"matrix-fra", "matrix"}}) {
    const auto link = linkOf(kNational, peer, bridge);
    auto message = outbound(kNational, "", "national only");
    message.rootId = "rootaaaaaaaaaaaaaaaaaaaaaa";  // a reply: thread.egress
    const auto verdict =
        guard([&](Store& s) { return services::guardMessageEgress(s, link, message); });
    EXPECT_FALSE(verdict.permitted()) << peer;
    EXPECT_TRUE(contains(verdict.decision.determiningRules, "B2-national-never-bridges")) << peer;
    EXPECT_EQ(auditRow(verdict.auditId).record.action, "thread.egress");
  }
}

TEST_F(BoundaryGuardTest, IngressIsMappedBannedAndTagged) {
  const auto link = linkOf(kMissionOps, "xmpp-usa", "xmpp");
  const auto message = inbound("US//CONFIDENTIAL//REL TO USA, GBR, FRA", "bob@chat.mil.usa.example",
                               "chat.mil.usa.example");
  const auto verdict =
      guard([&](Store& s) { return services::guardMessageIngress(s, link, message); });
  ASSERT_TRUE(verdict.permitted()) << verdict.decision.reason;
  EXPECT_EQ(verdict.decision.determiningRules, Strings{"N1-ingress-default"});
  EXPECT_EQ(verdict.message.label, "CONFIDENTIAL REL USA,GBR,FRA");  // the local label
  EXPECT_EQ(verdict.message.text,
            "CONFIDENTIAL REL TO USA, GBR, FRA \xE2\x80\x94 from xmpp-usa\nfrom the peer");
  EXPECT_EQ(verdict.message.metadata[std::string(services::kMetadataOrigin)]["remote_user"],
            "bob@chat.mil.usa.example");
  const auto row = auditRow(verdict.auditId);
  EXPECT_EQ(row.record.subject, kBobPuppet);
  EXPECT_EQ(row.record.action, "message.ingress");
  EXPECT_EQ(row.record.detail["direction"], "ingress");
  EXPECT_EQ(row.record.detail["remote_user"], "bob@chat.mil.usa.example");
  EXPECT_EQ(row.record.detail["remote_server"], "chat.mil.usa.example");
}

TEST_F(BoundaryGuardTest, IngressAboveThePeersClearanceIsDeniedByI1) {
  const auto link = linkOf(kMissionOps, "matrix-fra", "matrix");
  const auto message =
      inbound("SECRET REL FRA", "@jean:matrix.def.fra.example", "matrix.def.fra.example");
  const auto verdict =
      guard([&](Store& s) { return services::guardMessageIngress(s, link, message); });
  EXPECT_FALSE(verdict.permitted());
  EXPECT_TRUE(contains(verdict.decision.determiningRules, "I1-ingress-within-peer"));
  EXPECT_EQ(auditRow(verdict.auditId).record.decision, policy::AuditDecision::kDeny);
}

TEST_F(BoundaryGuardTest, IngressFromADomainNotAllowedIsDeniedByI3) {
  const auto link = linkOf(kMissionOps, "xmpp-usa", "xmpp");
  const auto message = inbound("US//UNCLASSIFIED", "mallory@evil.example", "evil.example");
  const auto verdict =
      guard([&](Store& s) { return services::guardMessageIngress(s, link, message); });
  EXPECT_FALSE(verdict.permitted());
  EXPECT_EQ(verdict.decision.determiningRules, Strings{"I3-ingress-sender-allowed"});
  const auto row = auditRow(verdict.auditId);
  EXPECT_EQ(row.record.detail["remote_server"], "evil.example");
  EXPECT_EQ(row.record.decision, policy::AuditDecision::kDeny);
}

TEST_F(BoundaryGuardTest, UserEgressRedactsTheProfile) {
  const auto link = linkOf(kMissionOps, "xmpp-usa", "xmpp");
  const auto alice = guard([&](Store& s) { return s.users().getById(kAlice); });
  ASSERT_TRUE(alice.ok());
  const auto profile = guard([&](Store& s) { return services::guardUserEgress(s, link, *alice); });
  ASSERT_TRUE(profile.has_value());
  EXPECT_EQ((*profile)["username"], "alice");
  EXPECT_EQ((*profile)["nationality"], "GBR");
  EXPECT_FALSE(profile->contains("email"));
  EXPECT_FALSE(profile->contains("clearance"));
  const auto rows = rowsOf("user.egress");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].record.resource, std::string("user:") + kAlice);
  EXPECT_EQ(rows[0].record.decision, policy::AuditDecision::kPermit);
  // The national channel's link gives nothing away.
  const auto national = linkOf(kNational, "xmpp-usa", "xmpp");
  EXPECT_FALSE(guard([&](Store& s) { return services::guardUserEgress(s, national, *alice); }));
  EXPECT_EQ(rowsOf("user.egress").size(), 2u);
}

TEST_F(BoundaryGuardTest, LinkingTheNationalChannelIsForbidden) {
  const auto admin = userOf(kAdmin, "admin", true);
  const auto channel = guard([&](Store& s) { return s.channels().get(kNational); });
  ASSERT_TRUE(channel.ok());
  const auto link = linkOf(kNational, "xmpp-usa", "xmpp");
  const auto status =
      guard([&](Store& s) { return services::guardChannelLink(s, admin, *channel, link); });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(status.error().id, services::kPolicyDeniedId);
  EXPECT_EQ(status.error().message.find("CONFIDENTIAL"), std::string::npos);
  const auto rows = rowsOf("channel.link");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].record.subject, kAdmin);
  EXPECT_EQ(rows[0].record.resource, std::string("channel:") + kNational);
  EXPECT_EQ(rows[0].record.decision, policy::AuditDecision::kDeny);
  EXPECT_NE(std::find(rows[0].record.rules.begin(), rows[0].record.rules.end(),
                      "B2-national-never-bridges"),
            rows[0].record.rules.end());
}

TEST_F(BoundaryGuardTest, InvalidUtf8FromAPeerIsAuditedWithoutThrowing) {
  const auto link = linkOf(kMissionOps, "xmpp-usa", "xmpp");
  auto message =
      inbound("US//UNCLASSIFIED\xFF", std::string("bob\xFE\x00x@chat.mil.usa.example", 26),
              "chat.mil.usa.example");
  message.author.userId.clear();  // no puppet yet: the subject names the remote sender
  message.author.displayName = "B\xC3";
  message.text = "\xF0\x28\x8C\x28";
  services::BoundaryVerdict verdict;
  ASSERT_NO_THROW(
      verdict = guard([&](Store& s) { return services::guardMessageIngress(s, link, message); }));
  EXPECT_FALSE(verdict.permitted());  // the label is not in the peer's map
  ASSERT_GT(verdict.auditId, 0);
  const auto row = auditRow(verdict.auditId);
  EXPECT_EQ(row.record.subject.rfind("remote:xmpp-usa/bob\xEF\xBF\xBD\xEF\xBF\xBD", 0), 0u);
  EXPECT_EQ(row.record.detail["label"], "US//UNCLASSIFIED\xEF\xBF\xBD");
  expectChainIntact();
}

// Two threads in mission-ops with the same unclassified reply: under a root labelled
// CONFIDENTIAL REL USA,GBR the reply carries the thread's high-water mark, which FRA is not
// cleared for; under an unclassified root it goes out.
constexpr const char* kThreads = R"sql(
INSERT INTO posts (id, create_at, user_id, channel_id, root_id, message, props) VALUES
  ('rootconfaaaaaaaaaaaaaaaaaa', 1000, 'aliceaaaaaaaaaaaaaaaaaaaaa', 'missionopsaaaaaaaaaaaaaaaa',
   NULL, 'the plan', '{"parley_label": "CONFIDENTIAL REL USA,GBR"}'),
  ('replyconfaaaaaaaaaaaaaaaaa', 2000, 'aliceaaaaaaaaaaaaaaaaaaaaa', 'missionopsaaaaaaaaaaaaaaaa',
   'rootconfaaaaaaaaaaaaaaaaaa', 'lunch at noon', '{"parley_label": "UNCLASSIFIED REL USA,GBR,FRA"}'),
  ('rootunclaaaaaaaaaaaaaaaaaa', 1000, 'aliceaaaaaaaaaaaaaaaaaaaaa', 'missionopsaaaaaaaaaaaaaaaa',
   NULL, 'canteen', '{"parley_label": "UNCLASSIFIED REL USA,GBR,FRA"}'),
  ('replyunclaaaaaaaaaaaaaaaaa', 2000, 'aliceaaaaaaaaaaaaaaaaaaaaa', 'missionopsaaaaaaaaaaaaaaaa',
   'rootunclaaaaaaaaaaaaaaaaaa', 'lunch at noon', '{"parley_label": "UNCLASSIFIED REL USA,GBR,FRA"}'),
  ('laterconfaaaaaaaaaaaaaaaaa', 3000, 'aliceaaaaaaaaaaaaaaaaaaaaa', 'missionopsaaaaaaaaaaaaaaaa',
   'rootunclaaaaaaaaaaaaaaaaaa', 'later secret', '{"parley_label": "SECRET REL USA,GBR,FRA"}');
)sql";

TEST_F(BoundaryGuardTest, AReplyCrossesUnderItsThreadsHighWaterMark) {
  ASSERT_TRUE(execSql(kThreads).ok());
  const auto link = linkOf(kMissionOps, "matrix-fra", "matrix");
  const auto reply = [](const char* root, const char* id) {
    // As the drainer builds it: the reply's own label.
    auto message = outbound(kMissionOps, "UNCLASSIFIED REL USA,GBR,FRA", "lunch at noon");
    message.postId = id;
    message.rootId = root;
    return message;
  };
  const auto labels = guard([](Store& s) {
    return s.posts().threadLabels("rootconfaaaaaaaaaaaaaaaaaa", "replyconfaaaaaaaaaaaaaaaaa");
  });
  ASSERT_TRUE(labels.ok());
  EXPECT_EQ(*labels, (Strings{"CONFIDENTIAL REL USA,GBR", "UNCLASSIFIED REL USA,GBR,FRA"}));

  const auto denied = guard([&](Store& s) {
    return services::guardMessageEgress(
        s, link, reply("rootconfaaaaaaaaaaaaaaaaaa", "replyconfaaaaaaaaaaaaaaaaa"));
  });
  EXPECT_FALSE(denied.permitted());
  EXPECT_TRUE(contains(denied.decision.determiningRules, "B1-peer-clearance"));
  const auto row = auditRow(denied.auditId);
  EXPECT_EQ(row.record.action, "thread.egress");
  EXPECT_EQ(row.record.decision, policy::AuditDecision::kDeny);
  EXPECT_EQ(row.record.resource, "post:replyconfaaaaaaaaaaaaaaaaa");
  EXPECT_EQ(row.record.detail["reason"],
            "CONFIDENTIAL REL TO USA, GBR is not releasable to matrix-fra");

  // A later SECRET reply of the other thread does not raise the mark of an earlier one.
  const auto permitted = guard([&](Store& s) {
    return services::guardMessageEgress(
        s, link, reply("rootunclaaaaaaaaaaaaaaaaaa", "replyunclaaaaaaaaaaaaaaaaa"));
  });
  ASSERT_TRUE(permitted.permitted()) << permitted.decision.reason;
  EXPECT_EQ(permitted.decision.determiningRules, Strings{"E1-to-matrix-fra"});
  EXPECT_EQ(permitted.message.label, "UNCLASSIFIED REL USA,GBR,FRA");
  EXPECT_EQ(auditRow(permitted.auditId).record.action, "thread.egress");
  expectChainIntact();
}

// A channel's access read with the policy inputs of the user who asked (one round trip) decides
// for that user only: another subject is decided on their own attributes, read afresh.
TEST_F(BoundaryGuardTest, InputsReadForOneUserDecideForThatUserOnly) {
  ASSERT_TRUE(execSql("INSERT INTO team_members (team_id, user_id, scheme_user) VALUES "
                      "('teamnwaaaaaaaaaaaaaaaaaaaa', 'aliceaaaaaaaaaaaaaaaaaaaaa', true);"
                      "INSERT INTO channel_members (channel_id, user_id, scheme_user) VALUES "
                      "('missionopsaaaaaaaaaaaaaaaa', 'aliceaaaaaaaaaaaaaaaaaaaaa', true)")
                  .ok());
  const auto alice = userOf(kAlice, "alice");
  const auto admin = userOf(kAdmin, "admin", true);  // no clearance, no mission
  const auto decided = guard([&](Store& s) -> Result<std::pair<bool, bool>> {
    auto policed = services::requirePolicedChannelPermission(s, alice, kMissionOps,
                                                             model::permission::kReadChannel);
    if (!policed) return std::move(policed).error();
    if (!policed->policyInputs) return makeError(ErrorCode::kInternal, "x", "no inputs read");
    return std::pair{services::enforceChannelPolicy(s, "channel.read", alice, *policed).ok(),
                     services::enforceChannelPolicy(s, "channel.read", admin, *policed).ok()};
  });
  ASSERT_TRUE(decided.ok()) << decided.error().message;
  EXPECT_TRUE(decided->first) << "alice is cleared for mission-ops";
  EXPECT_FALSE(decided->second) << "the admin is not, whatever alice's attributes say";
  const auto denials = rowsOf("channel.read");
  ASSERT_EQ(denials.size(), 1U);
  EXPECT_EQ(denials.front().record.subject, kAdmin);
}

TEST_F(BoundaryGuardTest, WithoutABundleNothingCrosses) {
  const auto link = linkOf(kMissionOps, "xmpp-usa", "xmpp");
  const auto message = outbound(kMissionOps, "CONFIDENTIAL REL USA,GBR,FRA", "x");
  // A holder with no bundle loaded, then no policy configured at all.
  open(std::make_shared<policy::PolicyHolder>(clock_));
  auto verdict = guard([&](Store& s) { return services::guardMessageEgress(s, link, message); });
  EXPECT_FALSE(verdict.permitted());
  EXPECT_EQ(verdict.decision.reasonCode, policy::kReasonNoBundle);
  EXPECT_GT(verdict.auditId, 0);
  open(nullptr);
  verdict = guard([&](Store& s) { return services::guardMessageEgress(s, link, message); });
  EXPECT_FALSE(verdict.permitted());
  EXPECT_EQ(auditRow(verdict.auditId).record.detail["reason_code"], policy::kReasonNoBundle);
  const auto channel = guard([&](Store& s) { return s.channels().get(kMissionOps); });
  ASSERT_TRUE(channel.ok());
  const auto status = guard([&](Store& s) {
    return services::guardChannelLink(s, userOf(kAdmin, "admin", true), *channel, link);
  });
  EXPECT_FALSE(status.ok());
}

}  // namespace
}  // namespace parley::core::store
