// `parleyd attributes set` against a real PostgreSQL: user values by field name (select options
// by name, lists comma-separated) and channel attributes by team/channel, validated as the API
// validates them (a refused value changes nothing), each change audited; nobody sets their own.

#include <gtest/gtest.h>

#include "tests/integration/gateway/parleyd_fixture.hpp"

namespace parley::testing {
namespace {

constexpr const char* kFixture = R"sql(
INSERT INTO users (id, username, email, roles) VALUES
  ('adminaaaaaaaaaaaaaaaaaaaaa', 'boss', 'boss@gbr.example', 'system_user system_admin'),
  ('aliceaaaaaaaaaaaaaaaaaaaaa', 'alice', 'alice@gbr.example', 'system_user');
INSERT INTO teams (id, display_name, name) VALUES ('teamnwaaaaaaaaaaaaaaaaaaaa', 'Northwind', 'nw');
INSERT INTO channels (id, team_id, type, display_name, name) VALUES
  ('nationalaaaaaaaaaaaaaaaaaa', 'teamnwaaaaaaaaaaaaaaaaaaaa', 'P', 'UK national', 'uk-national');
INSERT INTO property_fields (id, group_id, name, type, attrs)
  SELECT 'fieldclearanceaaaaaaaaaaaa', id, 'clearance', 'text', '{}' FROM property_groups;
INSERT INTO property_fields (id, group_id, name, type, attrs)
  SELECT 'fieldmissionsaaaaaaaaaaaaa', id, 'missions', 'multiselect',
         '{"options": [{"id": "optnorthwindaaaaaaaaaaaaa", "name": "NORTHWIND"},
                       {"id": "optsouthwindaaaaaaaaaaaaa", "name": "SOUTHWIND"}]}'
  FROM property_groups;
)sql";

class AttributesCliTest : public ParleydTest {
 protected:
  void SetUp() override {
    ParleydTest::SetUp();
    config_ = writeConfig();
    migrate(config_);
    const auto written = psql(kFixture);
    ASSERT_EQ(written.exitCode, 0) << written.err;
  }

  CommandResult set(std::vector<std::string> args) {
    args.insert(args.begin(), {"attributes", "set", "--config", config_.string()});
    return parleyd(args);
  }

  std::string query(const std::string& sql) {
    const auto result = psql(sql);
    EXPECT_EQ(result.exitCode, 0) << result.err;
    return result.out;
  }

  std::filesystem::path config_;
};

TEST_F(AttributesCliTest, SetsUserValuesByFieldNameAndAuditsThem) {
  const auto result =
      set({"--user", "alice", "clearance=SECRET REL GBR", "missions=NORTHWIND, SOUTHWIND"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_NE(result.out.find("set 2 attribute(s) of user alice"), std::string::npos) << result.out;
  EXPECT_EQ(query("SELECT value FROM property_values WHERE field_id = 'fieldclearanceaaaaaaaaaaaa' "
                  "AND target_id = 'aliceaaaaaaaaaaaaaaaaaaaaa'"),
            "\"SECRET REL GBR\"\n");
  // Select values are stored as the API stores them: option ids.
  EXPECT_EQ(
      query("SELECT value FROM property_values WHERE field_id = 'fieldmissionsaaaaaaaaaaaaa'"),
      "[\"optnorthwindaaaaaaaaaaaaa\", \"optsouthwindaaaaaaaaaaaaa\"]\n");
  const auto audit = query(
      "SELECT subject || ' ' || resource || ' ' || decision || ' ' || "
      "(detail->'values'->>'clearance') "
      "FROM audit_log WHERE action = 'attributes.user.update'");
  EXPECT_TRUE(audit.starts_with("cli:")) << audit;
  EXPECT_NE(audit.find(" user:aliceaaaaaaaaaaaaaaaaaaaaa permit SECRET REL GBR"), std::string::npos)
      << audit;
}

TEST_F(AttributesCliTest, RefusedValuesChangeNothing) {
  struct Case {
    std::vector<std::string> args;
    int exitCode;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--user", "alice", "missions=EASTWIND"}, 2, "\"EASTWIND\" is not an option of missions"},
      {{"--user", "alice", "rank=colonel"},
       2,
       "No custom profile attribute field is named \"rank\""},
      {{"--user", "nobody", "clearance=SECRET"}, 2, ""},
      {{"--user", "alice", "clearance=" + std::string(65, 'A')}, 2, "validate_value"},
      {{"--channel", "nw/uk-national", "label=SECRET<script>"}, 2, "invalid_body_param"},
      {{"--channel", "nw/uk-national", "bridging=sometimes"}, 2, "invalid_body_param"},
      {{"--channel", "nw/uk-national", "colour=red"}, 2, "Unknown channel attribute \"colour\""},
      {{"--channel", "nw/elsewhere", "label=SECRET"}, 2, ""},
      {{"--channel", "uk-national", "label=SECRET"}, 2, "TEAM/CHANNEL"},
      {{"--user", "alice", "--channel", "nw/uk-national", "label=SECRET"}, 2, "either --user"},
      {{"--user", "alice"}, 2, "nothing to set"},
      {{"--user", "alice", "clearance"}, 2, "is not NAME=VALUE"},
  };
  for (const auto& c : cases) {
    const auto result = set(c.args);
    EXPECT_EQ(result.exitCode, c.exitCode) << c.args.back() << ": " << result.err;
    EXPECT_NE(result.err.find(c.message), std::string::npos) << c.args.back() << ": " << result.err;
  }
  EXPECT_EQ(query("SELECT count(*) FROM property_values"), "0\n");
  EXPECT_EQ(query("SELECT count(*) FROM channel_policy_attributes"), "0\n");
  EXPECT_EQ(query("SELECT count(*) FROM audit_log"), "0\n");
}

TEST_F(AttributesCliTest, SetsChannelAttributesKeepingTheOthers) {
  auto result = set({"--channel", "nw/uk-national", "label=CONFIDENTIAL REL GBR",
                     "mission=NORTHWIND", "bridging=allowed", "bridges=xmpp-usa,matrix-fra"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  result = set({"--channel", "nw/uk-national", "bridging=never", "guests=true"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(query("SELECT label || '|' || mission || '|' || bridging || '|' || guests FROM "
                  "channel_policy_attributes WHERE channel_id = 'nationalaaaaaaaaaaaaaaaaaa'"),
            "CONFIDENTIAL REL GBR|NORTHWIND|never|true\n");
  EXPECT_EQ(query("SELECT count(*) FROM audit_log WHERE action = 'attributes.channel.update' AND "
                  "resource = 'channel:nationalaaaaaaaaaaaaaaaaaa'"),
            "2\n");
}

TEST_F(AttributesCliTest, ActingAsAnAdminNeverOnOneself) {
  auto result = set({"--as", "boss", "--user", "alice", "clearance=SECRET REL GBR"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(query("SELECT subject FROM audit_log WHERE action = 'attributes.user.update'"),
            "adminaaaaaaaaaaaaaaaaaaaaa\n");
  // Nobody sets their own attributes: refused, and the attempt is audited.
  result = set({"--as", "boss", "--user", "boss", "clearance=SECRET"});
  EXPECT_EQ(result.exitCode, 1) << result.err;
  // Nor does a user who is not a system admin.
  result = set({"--as", "alice", "--user", "boss", "clearance=SECRET"});
  EXPECT_EQ(result.exitCode, 1) << result.err;
  EXPECT_EQ(query("SELECT count(*) FROM audit_log WHERE decision = 'deny'"), "2\n");
  EXPECT_EQ(query("SELECT count(*) FROM property_values WHERE target_id = "
                  "'adminaaaaaaaaaaaaaaaaaaaaa'"),
            "0\n");
}

}  // namespace
}  // namespace parley::testing
