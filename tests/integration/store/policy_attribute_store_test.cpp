// Policy attributes against a real PostgreSQL, through the services that guard them: what the
// enforcement points will read (userAttributes / channelPolicyInputs) after admins set fields,
// values and channel attributes; who may set them (never the user themself); limits; and the
// audit records every change leaves. Users and channels are written with SQL.

#include <gtest/gtest.h>

#include <algorithm>

#include "core/services/policy_attribute_service.hpp"
#include "core/store/postgres/pg_store.hpp"
#include "tests/integration/store/store_fixture.hpp"

namespace parley::core::store {
namespace {

namespace services = core::services;
using testing::runSync;

constexpr const char* kAdmin = "adminaaaaaaaaaaaaaaaaaaaaa";
constexpr const char* kOtherAdmin = "adminbbbbbbbbbbbbbbbbbbbbb";
constexpr const char* kUser = "useraaaaaaaaaaaaaaaaaaaaaa";
constexpr const char* kChannel = "channelaaaaaaaaaaaaaaaaaaa";
constexpr const char* kTeam = "teamaaaaaaaaaaaaaaaaaaaaaa";

constexpr const char* kFixture = R"sql(
INSERT INTO users (id, username, email, roles) VALUES
  ('adminaaaaaaaaaaaaaaaaaaaaa', 'admin', 'admin@example.org', 'system_user system_admin'),
  ('adminbbbbbbbbbbbbbbbbbbbbb', 'admin2', 'admin2@example.org', 'system_user system_admin'),
  ('useraaaaaaaaaaaaaaaaaaaaaa', 'user', 'user@example.org', 'system_user');
INSERT INTO teams (id, display_name, name) VALUES ('teamaaaaaaaaaaaaaaaaaaaaaa', 'Ops', 'ops');
INSERT INTO channels (id, team_id, type, display_name, name) VALUES
  ('channelaaaaaaaaaaaaaaaaaaa', 'teamaaaaaaaaaaaaaaaaaaaaaa', 'P', 'Ops', 'ops');
)sql";

model::User userOf(const char* id, bool admin) {
  model::User user;
  user.id = id;
  user.roles = admin ? "system_user system_admin" : "system_user";
  return user;
}

class PolicyAttributeStoreTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    migrateOrFail();
    const auto written = execSql(kFixture);
    ASSERT_TRUE(written.ok()) << written.error().detail;
    openPool();
  }

  model::PropertyField createField(const std::string& name, const std::string& type,
                                   nlohmann::json attrs = nlohmann::json::object()) {
    services::PropertyFieldInput input{name, type, attrs};
    auto field = runSync(*database_,
                         [&](Store& s) { return services::createProfileField(s, admin_, input); });
    EXPECT_TRUE(field.ok()) << field.error().id << " " << field.error().message;
    return field.ok() ? *field : model::PropertyField{};
  }

  Result<std::map<std::string, nlohmann::json>> setValues(
      const model::User& caller, const char* target,
      const std::map<std::string, nlohmann::json>& values) {
    return runSync(*database_,
                   [&](Store& s) { return services::setProfileValues(s, caller, target, values); });
  }

  model::AttributeMap userAttributes(const char* id) {
    auto attributes =
        runSync(*database_, [&](Store& s) { return s.policyAttributes().userAttributes(id); });
    EXPECT_TRUE(attributes.ok());
    return attributes.ok() ? *attributes : model::AttributeMap{};
  }

  std::vector<policy::StoredAuditRecord> audit() {
    auto rows = runSync(*database_, [](Store& s) { return s.audit().query(AuditQuery{}); });
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? *rows : std::vector<policy::StoredAuditRecord>{};
  }

  model::User admin_ = userOf(kAdmin, true);
  model::User otherAdmin_ = userOf(kOtherAdmin, true);
  model::User user_ = userOf(kUser, false);
};

TEST_F(PolicyAttributeStoreTest, AdminSetValuesBecomeTypedPolicyAttributes) {
  const auto clearance = createField("clearance", "text");
  const auto nationality =
      createField("nationality", "select",
                  {{"options", {{{"name", "GBR"}}, {{"name", "USA"}}, {{"name", "FRA"}}}}});
  const auto missions = createField(
      "missions", "multiselect", {{"options", {{{"name", "NORTHWIND"}}, {{"name", "SOUTHWIND"}}}}});
  ASSERT_EQ(nationality.attrs["options"].size(), 3U);
  const std::string gbr = nationality.attrs["options"][0]["id"];
  const std::string northwind = missions.attrs["options"][0]["id"];

  auto set = setValues(admin_, kUser,
                       {{clearance.id, "  SECRET REL GBR "},
                        {nationality.id, gbr},
                        {missions.id, nlohmann::json::array({northwind})}});
  ASSERT_TRUE(set.ok()) << set.error().id << " " << set.error().message;
  EXPECT_EQ((*set)[clearance.id], "SECRET REL GBR");  // trimmed as Mattermost does

  const auto attributes = userAttributes(kUser);
  ASSERT_EQ(attributes.size(), 3U);
  EXPECT_EQ(std::get<std::string>(attributes.at("clearance")), "SECRET REL GBR");
  EXPECT_EQ(std::get<std::string>(attributes.at("nationality")), "GBR");  // option name, not id
  EXPECT_EQ(std::get<std::vector<std::string>>(attributes.at("missions")),
            std::vector<std::string>{"NORTHWIND"});

  // Mattermost's API shape: values by field id, as stored.
  auto values =
      runSync(*database_, [&](Store& s) { return services::profileValuesOf(s, user_, kUser); });
  ASSERT_TRUE(values.ok());
  EXPECT_EQ((*values)[nationality.id], gbr);

  // Deleting a field takes its values away from policies at once.
  auto deleted = runSync(*database_, [&](Store& s) {
    return services::deleteProfileField(s, admin_, nationality.id);
  });
  ASSERT_TRUE(deleted.ok());
  EXPECT_FALSE(userAttributes(kUser).contains("nationality"));
  // The name is free again.
  createField("nationality", "text");

  const auto records = audit();
  ASSERT_GE(records.size(), 6U);  // 3 field creations, 1 value update, 1 delete, 1 creation
  EXPECT_EQ(records[0].record.action, "attributes.field.create");
  EXPECT_EQ(records[1].record.action, "attributes.field.delete");
  EXPECT_EQ(records[2].record.action, "attributes.user.update");
  EXPECT_EQ(records[2].record.subject, kAdmin);
  EXPECT_EQ(records[2].record.resource, std::string("user:") + kUser);
  EXPECT_EQ(records[2].record.detail["values"]["clearance"], "SECRET REL GBR");
  auto report = runSync(*database_, [](Store& s) { return s.audit().verify(); });
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact);
}

TEST_F(PolicyAttributeStoreTest, NobodySetsTheirOwnAttributesAndUsersSetNone) {
  const auto clearance = createField("clearance", "text");
  for (const auto* caller : {&admin_, &user_}) {
    auto refused = setValues(*caller, caller->id.c_str(), {{clearance.id, "SECRET"}});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(refused.error().id, "api.context.permissions.app_error");
  }
  auto refused = setValues(user_, kAdmin, {{clearance.id, "SECRET"}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  EXPECT_TRUE(userAttributes(kAdmin).empty());
  EXPECT_TRUE(userAttributes(kUser).empty());

  // Each refusal is audited as a denial.
  const auto records = audit();
  ASSERT_EQ(records.size(), 4U);
  EXPECT_EQ(records[0].record.decision, policy::AuditDecision::kDeny);
  EXPECT_EQ(records[0].record.detail["reason"], "not_system_admin");
  EXPECT_EQ(records[1].record.detail["reason"], "own_attributes");
  EXPECT_EQ(records[1].record.subject, kUser);

  // Another admin may set an admin's attributes.
  auto set = setValues(otherAdmin_, kAdmin, {{clearance.id, "SECRET"}});
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(std::get<std::string>(userAttributes(kAdmin).at("clearance")), "SECRET");
}

TEST_F(PolicyAttributeStoreTest, BadValuesChangeNothing) {
  const auto clearance = createField("clearance", "text");
  const auto nationality = createField("nationality", "select", {{"options", {{{"name", "GBR"}}}}});
  ASSERT_TRUE(setValues(admin_, kUser, {{clearance.id, "SECRET"}}).ok());
  // One bad value in the batch: nothing of it is written.
  auto refused =
      setValues(admin_, kUser, {{clearance.id, "TOP SECRET"}, {nationality.id, "notanoptionid"}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().id, "app.custom_profile_attributes.validate_value.app_error");
  refused = setValues(admin_, kUser, {{clearance.id, std::string(65, 'A')}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().id, "app.custom_profile_attributes.validate_value.app_error");
  refused = setValues(admin_, kUser, {{"fieldaaaaaaaaaaaaaaaaaaaaa", "x"}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kNotFound);
  const auto attributes = userAttributes(kUser);
  ASSERT_EQ(attributes.size(), 1U);
  EXPECT_EQ(std::get<std::string>(attributes.at("clearance")), "SECRET");
}

TEST_F(PolicyAttributeStoreTest, FieldLimitAndUniqueNames) {
  for (int n = 0; n < services::kProfileFieldLimit; ++n)
    createField("f" + std::to_string(n), "text");
  services::PropertyFieldInput input{std::string("one too many"), std::string("text"), {}};
  auto refused =
      runSync(*database_, [&](Store& s) { return services::createProfileField(s, admin_, input); });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().id, services::kFieldLimitReachedId);
  auto count = runSync(*database_, [](Store& s) { return s.policyAttributes().countFields(); });
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, services::kProfileFieldLimit);

  auto fields = runSync(*database_, [&](Store& s) { return s.policyAttributes().listFields(); });
  ASSERT_TRUE(fields.ok());
  // f0 renamed to another field's name (the list's order among fields created in the same
  // millisecond is not fixed, so the field is found by name).
  const auto f0 = std::find_if(fields->begin(), fields->end(),
                               [](const auto& field) { return field.name == "f0"; });
  ASSERT_NE(f0, fields->end());
  services::PropertyFieldInput rename{std::string("f1"), std::nullopt, std::nullopt};
  auto taken = runSync(
      *database_, [&](Store& s) { return services::patchProfileField(s, admin_, f0->id, rename); });
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().id, "model.property_field.is_valid.app_error");
}

TEST_F(PolicyAttributeStoreTest, ChannelPolicyAttributes) {
  const auto inputs = [&](const char* teamId) {
    return runSync(*database_, [&](Store& s) {
      return s.policyAttributes().channelPolicyInputs(kChannel, teamId);
    });
  };
  auto none = inputs(kTeam);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->attributes.empty());  // never set: nothing known, policies deny
  EXPECT_EQ(none->teamName, "ops") << "the bundle names the channel ops/<name>";
  EXPECT_EQ(inputs("")->teamName, "") << "a direct channel has no team";

  model::ChannelPolicyAttributes attributes;
  attributes.channelId = kChannel;
  attributes.label = "CONFIDENTIAL REL USA,GBR,FRA";
  attributes.mission = "NORTHWIND";
  attributes.bridging = "allowed";
  attributes.bridges = {"matrix-fra", "xmpp-usa"};
  attributes.guests = true;
  auto refused = runSync(
      *database_, [&](Store& s) { return services::setChannelPolicy(s, user_, attributes); });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);

  auto set = runSync(*database_,
                     [&](Store& s) { return services::setChannelPolicy(s, admin_, attributes); });
  ASSERT_TRUE(set.ok()) << set.error().message;
  auto read = inputs(kTeam);
  ASSERT_TRUE(read.ok());
  const auto& map = read->attributes;
  EXPECT_EQ(std::get<std::string>(map.at("label")), "CONFIDENTIAL REL USA,GBR,FRA");
  EXPECT_EQ(std::get<std::string>(map.at("mission")), "NORTHWIND");
  EXPECT_EQ(std::get<std::string>(map.at("bridging")), "allowed");
  EXPECT_EQ(std::get<std::vector<std::string>>(map.at("bridges")),
            (std::vector<std::string>{"matrix-fra", "xmpp-usa"}));
  EXPECT_TRUE(std::get<bool>(map.at("guests")));
  EXPECT_EQ(read->teamName, "ops");

  attributes.label = "SECRET<script>";
  auto bad = runSync(*database_,
                     [&](Store& s) { return services::setChannelPolicy(s, admin_, attributes); });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().id, "api.context.invalid_body_param.app_error");
  read = inputs(kTeam);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(std::get<std::string>(read->attributes.at("label")), "CONFIDENTIAL REL USA,GBR,FRA");
}

// What a decision reads, in one statement: the channel with the subject's memberships, its
// attributes and team, and every one of the subject's attributes (one row each), whatever of it
// exists.
TEST_F(PolicyAttributeStoreTest, PolicyInputsAreTheAccessTheChannelsAttributesAndTheSubjects) {
  const auto inputs = [&](const char* userId, const char* channelId) {
    auto read = runSync(*database_, [&](Store& s) {
      return s.policyAttributes().policyInputs(userId, channelId, WithLinks::kNo);
    });
    EXPECT_TRUE(read.ok()) << read.error().message;
    return read.ok() ? *read : PolicyInputs{};
  };
  auto bare = inputs(kUser, kChannel);
  ASSERT_TRUE(bare.access.has_value());
  EXPECT_EQ(bare.access->channel.name, "ops");
  EXPECT_FALSE(bare.access->teamMember.has_value());
  EXPECT_FALSE(bare.access->isMember());
  EXPECT_EQ(bare.channelPolicy.teamName, "ops");
  EXPECT_TRUE(bare.channelPolicy.attributes.empty());
  EXPECT_TRUE(bare.subject.empty());

  const auto clearance = createField("clearance", "text");
  const auto nationality = createField("nationality", "select", {{"options", {{{"name", "GBR"}}}}});
  const std::string gbr = nationality.attrs["options"][0]["id"];
  ASSERT_TRUE(setValues(admin_, kUser, {{clearance.id, "SECRET"}, {nationality.id, gbr}}).ok());
  model::ChannelPolicyAttributes attributes;
  attributes.channelId = kChannel;
  attributes.label = "SECRET REL GBR";
  attributes.mission = "NORTHWIND";
  ASSERT_TRUE(runSync(*database_, [&](Store& s) {
                return services::setChannelPolicy(s, admin_, attributes);
              }).ok());

  ASSERT_TRUE(execSql("INSERT INTO team_members (team_id, user_id, scheme_user) VALUES "
                      "('teamaaaaaaaaaaaaaaaaaaaaaa', 'useraaaaaaaaaaaaaaaaaaaaaa', true);"
                      "INSERT INTO channel_members (channel_id, user_id, scheme_user, scheme_admin)"
                      " VALUES ('channelaaaaaaaaaaaaaaaaaaa', 'useraaaaaaaaaaaaaaaaaaaaaa', true,"
                      " true)")
                  .ok());

  auto full = inputs(kUser, kChannel);
  ASSERT_TRUE(full.access.has_value());
  EXPECT_EQ(full.access->channel.id, kChannel);
  auto access = runSync(*database_, [](Store& s) { return s.channels().access(kUser, kChannel); });
  ASSERT_TRUE(access.ok());
  ASSERT_TRUE(full.access->teamMember.has_value()) << "the subject's memberships, as access()";
  EXPECT_EQ(full.access->teamMember->teamId, access->teamMember->teamId);
  ASSERT_TRUE(full.access->isMember());
  EXPECT_EQ(full.access->member->schemeAdmin, access->member->schemeAdmin);
  EXPECT_TRUE(full.access->member->schemeAdmin);
  EXPECT_EQ(std::get<std::string>(full.channelPolicy.attributes.at("label")), "SECRET REL GBR");
  EXPECT_EQ(std::get<std::string>(full.channelPolicy.attributes.at("mission")), "NORTHWIND");
  EXPECT_EQ(full.subject, userAttributes(kUser)) << "the same as read on their own";
  EXPECT_EQ(full.subject.size(), 2U);
  EXPECT_EQ(std::get<std::string>(full.subject.at("clearance")), "SECRET");

  auto otherUser = inputs(kAdmin, kChannel);
  EXPECT_TRUE(otherUser.subject.empty()) << "another user's attributes are not the subject's";
  ASSERT_TRUE(otherUser.access.has_value());
  EXPECT_FALSE(otherUser.access->isMember()) << "nor their memberships";
  EXPECT_EQ(otherUser.channelPolicy.attributes, full.channelPolicy.attributes);

  auto noChannel = inputs(kUser, "channelzzzzzzzzzzzzzzzzzzz");
  EXPECT_FALSE(noChannel.access.has_value());
  EXPECT_TRUE(noChannel.channelPolicy.attributes.empty());
  EXPECT_EQ(noChannel.channelPolicy.teamName, "");
  EXPECT_EQ(noChannel.subject.size(), 2U) << "the subject's attributes do not need the channel";
}

// A caller that posts next (the API's POST, the ingress) asks for the channel's links with the
// inputs; the others do not read them.
TEST_F(PolicyAttributeStoreTest, PolicyInputsBringTheChannelsLinksWhenAskedFor) {
  ASSERT_TRUE(execSql("INSERT INTO links (id, channel_id, bridge, remote_room, create_at) VALUES"
                      " ('linkaaaaaaaaaaaaaaaaaaaaaa', 'channelaaaaaaaaaaaaaaaaaaa', 'xmpp',"
                      " 'ops@rooms.example', 1),"
                      " ('linkbbbbbbbbbbbbbbbbbbbbbb', 'channelaaaaaaaaaaaaaaaaaaa', 'matrix',"
                      " '!ops:example.org', 2)")
                  .ok());
  const auto linksOf = [&](WithLinks withLinks) {
    auto read = runSync(*database_, [&](Store& s) {
      return s.policyAttributes().policyInputs(kUser, kChannel, withLinks);
    });
    EXPECT_TRUE(read.ok()) << read.error().message;
    std::vector<std::string> rooms;
    if (read.ok()) {
      for (const auto& link : read->links) rooms.push_back(link.bridge + " " + link.remoteRoom);
    }
    return rooms;
  };
  EXPECT_EQ(linksOf(WithLinks::kYes),
            (std::vector<std::string>{"xmpp ops@rooms.example", "matrix !ops:example.org"}))
      << "oldest first";
  EXPECT_TRUE(linksOf(WithLinks::kNo).empty());
}

// The drainer reads ahead the inputs of the decision it expects to make first, with the link's
// rows. They are taken only by the call for the same user and channel, without the links: any
// other call reads its own.
TEST_F(PolicyAttributeStoreTest, PolicyInputsReadAheadServeOnlyTheirOwnUserAndChannel) {
  const auto clearance = createField("clearance", "text");
  ASSERT_TRUE(setValues(admin_, kUser, {{clearance.id, "SECRET"}}).ok());
  ASSERT_TRUE(execSql("INSERT INTO links (id, channel_id, bridge, remote_room, create_at) VALUES"
                      " ('linkaaaaaaaaaaaaaaaaaaaaaa', 'channelaaaaaaaaaaaaaaaaaaa', 'xmpp',"
                      " 'ops@rooms.example', 1)")
                  .ok());
  struct Seen {
    std::uint64_t sending = 0;  // round trips of the read sent ahead and the statement after it
    std::uint64_t other = 0;    // of another user's inputs
    std::uint64_t withLinks = 0;
    std::uint64_t taking = 0;  // of the call the read was for
    PolicyInputs otherInputs;
    PolicyInputs linkedInputs;
    PolicyInputs takenInputs;
  };
  auto seen = runSync(*database_, [&](Store& s) -> Result<Seen> {
    postgres::Connection& connection = *static_cast<postgres::PgStore&>(s).connection();
    Seen counted;
    auto done = s.transaction([&](Store& tx) -> Status {
      connection.takeRoundTrips();
      tx.policyAttributes().policyInputsAhead(kUser, kChannel, WithLinks::kNo);
      if (auto read = tx.system().get("anything"); !read) return std::move(read).error();
      counted.sending = connection.takeRoundTrips();
      auto other = tx.policyAttributes().policyInputs(kAdmin, kChannel, WithLinks::kNo);
      if (!other) return std::move(other).error();
      counted.other = connection.takeRoundTrips();
      auto linked = tx.policyAttributes().policyInputs(kUser, kChannel, WithLinks::kYes);
      if (!linked) return std::move(linked).error();
      counted.withLinks = connection.takeRoundTrips();
      auto taken = tx.policyAttributes().policyInputs(kUser, kChannel, WithLinks::kNo);
      if (!taken) return std::move(taken).error();
      counted.taking = connection.takeRoundTrips();
      counted.otherInputs = std::move(*other);
      counted.linkedInputs = std::move(*linked);
      counted.takenInputs = std::move(*taken);
      return {};
    });
    if (!done) return std::move(done).error();
    return counted;
  });
  ASSERT_TRUE(seen.ok()) << seen.error().message;
  EXPECT_EQ(seen->sending, 1U) << "BEGIN, the inputs and the next statement together";
  EXPECT_EQ(seen->other, 1U) << "another user's inputs are read for themselves";
  EXPECT_TRUE(seen->otherInputs.subject.empty()) << "and are that user's";
  EXPECT_EQ(seen->withLinks, 1U) << "a call that needs the links reads for itself";
  EXPECT_EQ(seen->linkedInputs.links.size(), 1U);
  EXPECT_EQ(seen->taking, 0U) << "the call the read was for took it";
  EXPECT_EQ(seen->takenInputs.subjectId, kUser);
  ASSERT_EQ(seen->takenInputs.subject.size(), 1U);
  EXPECT_EQ(std::get<std::string>(seen->takenInputs.subject.at("clearance")), "SECRET");
  ASSERT_TRUE(seen->takenInputs.access.has_value());
  EXPECT_EQ(seen->takenInputs.access->channel.id, kChannel);
  EXPECT_TRUE(seen->takenInputs.links.empty());
}

// The ingress reads ahead the inputs of a crossing with the channel's links: the call that
// needs both takes both, in the round trip they travelled with.
TEST_F(PolicyAttributeStoreTest, PolicyInputsReadAheadWithLinksServeTheCallWithLinks) {
  ASSERT_TRUE(execSql("INSERT INTO links (id, channel_id, bridge, remote_room, create_at) VALUES"
                      " ('linkaaaaaaaaaaaaaaaaaaaaaa', 'channelaaaaaaaaaaaaaaaaaaa', 'xmpp',"
                      " 'ops@rooms.example', 1)")
                  .ok());
  struct Seen {
    std::uint64_t sending = 0;  // round trips of the reads sent ahead and the statement after
    std::uint64_t taking = 0;   // of the call they were for
    PolicyInputs inputs;
  };
  auto seen = runSync(*database_, [&](Store& s) -> Result<Seen> {
    postgres::Connection& connection = *static_cast<postgres::PgStore&>(s).connection();
    Seen counted;
    auto done = s.transaction([&](Store& tx) -> Status {
      connection.takeRoundTrips();
      tx.policyAttributes().policyInputsAhead(kUser, kChannel, WithLinks::kYes);
      if (auto read = tx.system().get("anything"); !read) return std::move(read).error();
      counted.sending = connection.takeRoundTrips();
      auto taken = tx.policyAttributes().policyInputs(kUser, kChannel, WithLinks::kYes);
      if (!taken) return std::move(taken).error();
      counted.taking = connection.takeRoundTrips();
      counted.inputs = std::move(*taken);
      return {};
    });
    if (!done) return std::move(done).error();
    return counted;
  });
  ASSERT_TRUE(seen.ok()) << seen.error().message;
  EXPECT_EQ(seen->sending, 1U) << "BEGIN, the inputs, the links and the next statement together";
  EXPECT_EQ(seen->taking, 0U) << "the call with links took both";
  ASSERT_EQ(seen->inputs.links.size(), 1U);
  EXPECT_EQ(seen->inputs.links.front().remoteRoom, "ops@rooms.example");
  ASSERT_TRUE(seen->inputs.access.has_value());
  EXPECT_EQ(seen->inputs.access->channel.id, kChannel);
}

}  // namespace
}  // namespace parley::core::store
