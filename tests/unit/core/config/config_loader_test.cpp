#include "core/config/config_loader.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <tuple>

#include "tests/support/temp_dir.hpp"

namespace parley::core::config {
namespace {

using namespace std::chrono_literals;

std::filesystem::path sourceDir() { return PARLEY_SOURCE_DIR; }

EnvLookup fakeEnvironment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    const auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

EnvLookup testEnvironment() {
  return fakeEnvironment({{"PARLEY_DATABASE_DSN", "dbname=parley"}, {"EMPTY_VAR", ""}});
}

std::vector<std::string> problemStrings(const LoadResult& result) {
  std::vector<std::string> out;
  for (const auto& problem : result.problems) out.push_back(problem.toString());
  return out;
}

std::string replaceAll(std::string text, std::string_view from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// Files the tables refer to, relative to the directory the configs are "in".
class ConfigDir {
 public:
  ConfigDir() {
    dir_.write("cert.pem", "certificate\n");
    dir_.write("key.pem", "key\n");
    dir_.write("policy.yaml", "rules: []\n");
    dir_.write("db.dsn", "host=/run/postgresql dbname=parley\n\n");
    dir_.write("empty.dsn", "\n");
    std::filesystem::create_directories(dir_.path() / "adir");
  }
  const std::filesystem::path& path() const { return dir_.path(); }
  const testing::TempDir& dir() const { return dir_; }

 private:
  testing::TempDir dir_{"parley-config"};
};

LoadResult loadString(std::string_view yaml, const ConfigDir& dir,
                      const EnvLookup& env = testEnvironment()) {
  return loadConfigString(yaml, "gateway.yaml", dir.path(), env);
}

// ---------------------------------------------------------------------------------------------
// The table of bad files. Each row lists EVERY problem expected, as parleyd check-config prints
// them; "$DIR" stands for the directory holding the file.

struct BadFile {
  std::string name;
  std::string yaml;
  std::vector<std::string> expected;
};

// A valid database section, to complete files whose mistakes are elsewhere.
std::string dbSection() { return "database: {dsn: dbname=parley}\n"; }

std::vector<BadFile> badFiles() {
  return {
      {"UnknownTopLevelKey",
       "servr:\n  listen: 127.0.0.1:8065\n" + dbSection(),
       {R"(gateway.yaml:1: unknown key "servr" at the top level (did you mean "server"?))"}},
      {"UnknownNestedKey",
       "server:\n  lisen: 127.0.0.1:8065\n" + dbSection(),
       {R"(gateway.yaml:2: unknown key "lisen" in server (did you mean "listen"?))"}},
      {"UnknownKeyWithoutNearMatch",
       "limits:\n  colour: blue\n" + dbSection(),
       {R"(gateway.yaml:2: unknown key "colour" in limits (expected one of: max_body_size, )"
        R"(max_header_size, requests_per_second, request_burst, idle_timeout, request_timeout, )"
        R"(max_connections))"}},
      {"UnknownKeyTwoLevelsDown",
       "server:\n  tls:\n    cert_file: cert.pem\n    key_file: key.pem\n    min_verison: "
       "\"1.3\"\n" +
           dbSection(),
       {R"(gateway.yaml:5: unknown key "min_verison" in server.tls (did you mean "min_version"?))"}},
      {"DuplicateKey",
       "server:\n  listen: 127.0.0.1:8065\n  listen: 127.0.0.1:9000\n" + dbSection(),
       {R"(gateway.yaml:3: duplicate key "listen" in server (first set on line 2))"}},
      {"YesIsNotABoolean",
       "security:\n  enable_open_server: yes\n" + dbSection(),
       {R"(gateway.yaml:2: security.enable_open_server: expected true or false, got "yes")"}},
      {"QuotedBoolean",
       "logging:\n  access_log: \"true\"\n" + dbSection(),
       {R"(gateway.yaml:2: logging.access_log: expected true or false without quotes, got "true")"}},
      {"SectionIsAScalar",
       "server: 8065\n" + dbSection(),
       {R"(gateway.yaml:1: server: expected a map, got "8065")"}},
      {"MapWhereANumberBelongs",
       "server:\n  threads:\n    count: 2\n" + dbSection(),
       {R"(gateway.yaml:3: server.threads: expected an integer from 0 to 256, got a map)"}},
      {"ThreadsOutOfRange",
       "server:\n  threads: 300\n" + dbSection(),
       {R"(gateway.yaml:2: server.threads: expected an integer from 0 to 256, got "300")"}},
      {"MaxConnectionsOutOfRange",
       "limits:\n  max_connections: 2000000\n" + dbSection(),
       {R"(gateway.yaml:2: limits.max_connections: expected an integer from 1 to 1,000,000, got "2000000")"}},
      {"ListenWithoutPort",
       "server:\n  listen: abc\n" + dbSection(),
       {R"(gateway.yaml:2: server.listen: expected host:port such as 127.0.0.1:8065, got "abc")"}},
      {"ListenPortTooLarge",
       "server:\n  listen: 127.0.0.1:70000\n" + dbSection(),
       {R"(gateway.yaml:2: server.listen: the port must be a number from 0 to 65535, got "70000")"}},
      {"ListenIpv6WithoutBrackets",
       "server:\n  listen: \"::1:8065\"\n" + dbSection(),
       {R"(gateway.yaml:2: server.listen: expected host:port such as 127.0.0.1:8065 (an IPv6 )"
        R"(address goes in brackets, as in [::1]:8065), got "::1:8065")"}},
      {"ListenBadAddress",
       "server:\n  listen: 10.0.0.300:8065\n" + dbSection(),
       {R"(gateway.yaml:2: server.listen: "10.0.0.300" is not an IPv4 address or a host name)"}},
      {"SiteUrlWithPath",
       "server:\n  site_url: https://chat.example.org/mattermost\n" + dbSection(),
       {R"(gateway.yaml:2: server.site_url: expected an http:// or https:// URL without a path, )"
        R"(such as https://chat.example.org, got "https://chat.example.org/mattermost")"}},
      {"EmptyString",
       "server:\n  site_url: \"\"\n" + dbSection(),
       {R"(gateway.yaml:2: server.site_url: must not be empty)"}},
      {"DurationWithoutUnit",
       "server:\n  shutdown_grace: 30\n" + dbSection(),
       {R"(gateway.yaml:2: server.shutdown_grace: expected a duration with a unit (ms, s, m, h or d) )"
        R"(such as "30s", got "30")"}},
      {"DurationOutOfRange",
       "security:\n  session_length: 30s\n" + dbSection(),
       {R"(gateway.yaml:2: security.session_length: expected a duration from 1m to 3650d, got "30s")"}},
      {"BadSize",
       "limits:\n  max_body_size: 10 MB\n" + dbSection(),
       {R"(gateway.yaml:2: limits.max_body_size: expected a number of bytes or a size with a unit )"
        R"((KB, MB, GB, KiB, MiB, GiB, ...) such as "100MiB", got "10 MB")"}},
      {"SizeOutOfRange",
       "limits:\n  max_body_size: 2GiB\n" + dbSection(),
       {R"(gateway.yaml:2: limits.max_body_size: expected a size from 1KiB to 1GiB, got "2GiB")"}},
      {"NegativeRate",
       "limits:\n  requests_per_second: -1\n" + dbSection(),
       {R"(gateway.yaml:2: limits.requests_per_second: expected a number of at least 0, got "-1")"}},
      {"BadLogLevel",
       "logging:\n  level: verbose\n" + dbSection(),
       {R"(gateway.yaml:2: logging.level: expected one of debug, info, warn, error, got "verbose")"}},
      {"MissingDatabaseSection",
       "server:\n  threads: 2\n",
       {R"(gateway.yaml:1: missing required section "database" (it needs one of dsn, dsn_file or dsn_env))"}},
      {"MissingDsn",
       "server: {}\ndatabase:\n  pool_size: 4\n",
       {R"(gateway.yaml:2: database: one of dsn, dsn_file or dsn_env is required)"}},
      {"TwoDsnSources",
       "database:\n  dsn: dbname=parley\n  dsn_env: PARLEY_DATABASE_DSN\n",
       {R"(gateway.yaml:3: database: only one of dsn, dsn_file or dsn_env may be set, found dsn and dsn_env)"}},
      {"ThreeDsnSources",
       "database:\n  dsn_file: db.dsn\n  dsn: dbname=parley\n  dsn_env: PARLEY_DATABASE_DSN\n",
       {R"(gateway.yaml:3: database: only one of dsn, dsn_file or dsn_env may be set, found dsn_file, dsn and dsn_env)"}},
      {"DsnEnvUnset",
       "database:\n  dsn_env: PARLEY_NOT_SET\n",
       {R"(gateway.yaml:2: database.dsn_env: the environment variable PARLEY_NOT_SET is not set)"}},
      {"DsnEnvEmpty",
       "database:\n  dsn_env: EMPTY_VAR\n",
       {R"(gateway.yaml:2: database.dsn_env: the environment variable EMPTY_VAR is empty)"}},
      {"DsnEnvNotAName",
       "database:\n  dsn_env: 2 words\n",
       {R"(gateway.yaml:2: database.dsn_env: expected the name of an environment variable (letters, )"
        R"(digits and underscores) such as PARLEY_DATABASE_DSN)"}},
      {"DsnFileMissing",
       "database:\n  dsn_file: missing.dsn\n",
       {R"(gateway.yaml:2: database.dsn_file: cannot read "missing.dsn" ($DIR/missing.dsn): No such file or directory)"}},
      {"DsnFileEmpty",
       "database:\n  dsn_file: empty.dsn\n",
       {R"(gateway.yaml:2: database.dsn_file: "empty.dsn" is empty)"}},
      {"DsnNotAConnectionString",
       "database:\n  dsn: not a dsn\n",
       {R"(gateway.yaml:2: database.dsn: it is not a valid PostgreSQL connection string )"
        R"((keyword=value pairs or a postgresql:// URI))"}},
      {"DatabaseIsEmpty",
       "database:\n",
       {R"(gateway.yaml:1: database: one of dsn, dsn_file or dsn_env is required)"}},
      {"PoolSizeZero",
       "database:\n  dsn: dbname=parley\n  pool_size: 0\n",
       {R"(gateway.yaml:3: database.pool_size: expected an integer from 1 to 256, got "0")"}},
      {"ClusterNodeIdWithASpace",
       "cluster:\n  node_id: gw 1\n" + dbSection(),
       {R"(gateway.yaml:2: cluster.node_id: must be at most 64 letters, digits, dots, dashes and )"
        R"(underscores)"}},
      {"ClusterNodeIdTooLong",
       "cluster:\n  node_id: " + std::string(65, 'n') + "\n" + dbSection(),
       {R"(gateway.yaml:2: cluster.node_id: must be at most 64 letters, digits, dots, dashes and )"
        R"(underscores)"}},
      {"TlsWithoutKey",
       "server:\n  tls:\n    cert_file: cert.pem\n" + dbSection(),
       {R"(gateway.yaml:2: server.tls: missing required key "key_file")"}},
      {"TlsEmpty",
       "server:\n  tls:\n" + dbSection(),
       {R"(gateway.yaml:2: server.tls: missing required key "cert_file")",
        R"(gateway.yaml:2: server.tls: missing required key "key_file")"}},
      {"TlsFileMissing",
       "server:\n  tls:\n    cert_file: nothere.pem\n    key_file: key.pem\n" + dbSection(),
       {R"(gateway.yaml:3: server.tls.cert_file: cannot read "nothere.pem" ($DIR/nothere.pem): No such file or directory)"}},
      {"TlsKeyIsADirectory",
       "server:\n  tls:\n    cert_file: cert.pem\n    key_file: adir\n" + dbSection(),
       {R"(gateway.yaml:4: server.tls.key_file: cannot read "adir" ($DIR/adir): it is a directory)"}},
      {"BadTlsMinVersion",
       "server:\n  tls:\n    cert_file: cert.pem\n    key_file: key.pem\n    min_version: "
       "\"1.1\"\n" +
           dbSection(),
       {R"(gateway.yaml:5: server.tls.min_version: expected one of 1.2, 1.3, got "1.1")"}},
      {"EnabledBridge",
       "bridges:\n  workspaces:\n    enabled: true\n" + dbSection(),
       {R"(gateway.yaml:3: bridges.workspaces.enabled: the workspaces bridge is not available in this version of parleyd)"}},
      {"EnabledMatrixBridgeWithoutItsKeys",
       "bridges:\n  matrix:\n    enabled: true\n" + dbSection(),
       {R"(gateway.yaml:2: bridges.matrix: missing required key "homeserver_url")",
        R"(gateway.yaml:2: bridges.matrix: missing required key "server_name")",
        R"(gateway.yaml:2: bridges.matrix: missing required key "url")",
        R"(gateway.yaml:2: bridges.matrix: missing required key "token_file")"}},
      {"UnknownBridge",
       "bridges:\n  irc:\n    enabled: false\n" + dbSection(),
       {R"(gateway.yaml:2: unknown key "irc" in bridges (expected one of: matrix, xmpp, workspaces))"}},
      {"LinkToUnconfiguredBridge",
       "bridges:\n  matrix: {enabled: false}\nlinks:\n  - channel: ops/town-square\n    bridge: "
       "xmpp\n"
       "    remote: ops@conference.partner.example\n" +
           dbSection(),
       {R"(gateway.yaml:5: links[0].bridge: "xmpp" is not configured in bridges (configured: matrix))"}},
      {"LinkWithoutBridgesSection",
       "links:\n  - {channel: ops/town-square, bridge: matrix, remote: "
       "\"!abc:partner.example\"}\n" +
           dbSection(),
       {R"(gateway.yaml:2: links[0].bridge: "matrix" is not configured in bridges (no bridge is configured))"}},
      {"BadLinkDirection",
       "bridges:\n  matrix:\nlinks:\n  - channel: ops/town-square\n    bridge: matrix\n"
       "    remote: \"#ops:partner.example\"\n    direction: sideways\n" +
           dbSection(),
       {R"(gateway.yaml:7: links[0].direction: expected one of both, in, out, got "sideways")"}},
      {"LinkMissingRemote",
       "bridges:\n  matrix:\nlinks:\n  - channel: ops/town-square\n    bridge: matrix\n"
       "  - channel: ops/alerts\n" +
           dbSection(),
       {R"(gateway.yaml:4: links[0]: missing required key "remote")",
        R"(gateway.yaml:6: links[1]: missing required key "bridge")",
        R"(gateway.yaml:6: links[1]: missing required key "remote")"}},
      {"DuplicateLink",
       "bridges:\n  matrix:\nlinks:\n  - {channel: ops/town-square, bridge: matrix, remote: "
       "\"#ops:p.example\"}\n"
       "  - {channel: ops/town-square, bridge: matrix, remote: \"#ops:p.example\", direction: "
       "in}\n" +
           dbSection(),
       {R"(gateway.yaml:5: links[1]: links "ops/town-square" to "#ops:p.example" on matrix a second time)"}},
      {"BadLinkPeer",
       "bridges:\n  matrix:\nlinks:\n  - channel: ops/town-square\n    bridge: matrix\n"
       "    remote: \"#ops:partner.example\"\n    peer: Matrix FRA\n" +
           dbSection(),
       {R"(gateway.yaml:7: links[0].peer: a peer is 1 to 64 of a-z 0-9 . - _ (the policy bundle's bridges: key))"}},
      {"LinksNotAList",
       "links:\n  channel: ops/town-square\n" + dbSection(),
       {R"(gateway.yaml:2: links: expected a list, got a map)"}},
      {"LinkItemNotAMap",
       "links:\n  - ops/town-square\n" + dbSection(),
       {R"(gateway.yaml:2: links[0]: expected a map with channel, bridge and remote, got "ops/town-square")"}},
      {"MissingPolicyFile",
       "policy:\n  files:\n    - policy.yaml\n    - policies/missing.yaml\n" + dbSection(),
       {R"(gateway.yaml:4: policy.files[1]: cannot read "policies/missing.yaml" ($DIR/policies/missing.yaml): )"
        R"(No such file or directory)"}},
      {"PolicyFilesNotAList",
       "policy:\n  files: policy.yaml\n" + dbSection(),
       {R"(gateway.yaml:2: policy.files: expected a list of file paths, got "policy.yaml")"}},
      {"BadVpnNetwork",
       "policy:\n  vpn_networks:\n    - 10.8.0.0/16\n    - 10.8.1.0/16\n    - fd00:8::/129\n" +
           dbSection(),
       {R"(gateway.yaml:4: policy.vpn_networks[1]: "10.8.1.0/16" is not a network: it has address bits set beyond the /16 prefix)",
        R"(gateway.yaml:5: policy.vpn_networks[2]: "fd00:8::/129" is not a network: the prefix length must be 0 to 128)"}},
      {"BadTrustedProxy",
       "server:\n  trusted_proxies: [proxy.example]\n" + dbSection(),
       {R"(gateway.yaml:2: server.trusted_proxies[0]: "proxy.example" is not a network: expected an IPv4 or IPv6 address with an optional /prefix, e.g. 10.8.0.0/16)"}},
      {"YamlSyntaxError",
       "server:\n  listen: [127.0.0.1:8065\ndatabase:\n  dsn: x\n",
       {R"(gateway.yaml:3: YAML syntax error at column 9: end of sequence flow not found)"}},
      {"TabIndentation",
       "server:\n\tlisten: 127.0.0.1:8065\n" + dbSection(),
       {R"(gateway.yaml:2: YAML syntax error at column 8: illegal map value)"}},
      {"EmptyFile",
       "",
       {R"(gateway.yaml:1: the file is empty; it needs at least a database section)"}},
      {"OnlyComments",
       "# nothing yet\n\n",
       {R"(gateway.yaml:1: the file is empty; it needs at least a database section)"}},
      {"TopLevelList",
       "- server\n- database\n",
       {R"(gateway.yaml:1: expected a map of sections such as server and database, got a list)"}},
      {"TwoDocuments",
       dbSection() + "---\nserver: {}\n",
       {R"(gateway.yaml:3: expected one YAML document, found 2)"}},
  };
}

class BadFileTest : public ::testing::TestWithParam<BadFile> {};

TEST_P(BadFileTest, ReportsExactlyTheseProblems) {
  const BadFile& row = GetParam();
  const ConfigDir dir;
  const auto result = loadString(row.yaml, dir);
  EXPECT_FALSE(result.ok());
  std::vector<std::string> expected;
  for (const auto& line : row.expected)
    expected.push_back(replaceAll(line, "$DIR", dir.path().string()));
  EXPECT_EQ(problemStrings(result), expected);
}

INSTANTIATE_TEST_SUITE_P(Table, BadFileTest, ::testing::ValuesIn(badFiles()),
                         [](const ::testing::TestParamInfo<BadFile>& row) {
                           return row.param.name;
                         });

TEST(ConfigLoaderTest, TheTableIsLargeAndItsNamesAreUnique) {
  std::set<std::string> names;
  const auto rows = badFiles();
  for (const auto& row : rows) names.insert(row.name);
  EXPECT_EQ(names.size(), rows.size());
  EXPECT_GE(rows.size(), 20u);
}

// ---------------------------------------------------------------------------------------------

TEST(ConfigLoaderTest, ReportsEveryProblemOfAFileInLineOrder) {
  ConfigDir dir;
  const auto result = loadString(
      "server:\n"                        // 1
      "  listen: localhost\n"            // 2
      "  threads: many\n"                // 3
      "database:\n"                      // 4
      "  dsn_env: PARLEY_NOT_SET\n"      // 5
      "  pool_size: 1000\n"              // 6
      "limits:\n"                        // 7
      "  max_body_size: 1GB\n"           // 8  (fine: 10^9 bytes is below 1GiB)
      "  max_header_size: 2MiB\n"        // 9
      "bridges:\n"                       // 10
      "  workspaces: {enabled: true}\n"  // 11
      "logging:\n"                       // 12
      "  levle: debug\n",                // 13
      dir);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(
      problemStrings(result),
      (std::vector<std::string>{
          R"(gateway.yaml:2: server.listen: expected host:port such as 127.0.0.1:8065, got "localhost")",
          R"(gateway.yaml:3: server.threads: expected an integer from 0 to 256, got "many")",
          R"(gateway.yaml:5: database.dsn_env: the environment variable PARLEY_NOT_SET is not set)",
          R"(gateway.yaml:6: database.pool_size: expected an integer from 1 to 256, got "1000")",
          R"(gateway.yaml:9: limits.max_header_size: expected a size from 1KiB to 1MiB, got "2MiB")",
          R"(gateway.yaml:11: bridges.workspaces.enabled: the workspaces bridge is not available in this version of parleyd)",
          R"(gateway.yaml:13: unknown key "levle" in logging (did you mean "level"?))",
      }));
}

TEST(ConfigLoaderTest, ProblemPrintsAsFileLineMessage) {
  EXPECT_EQ((Problem{"/etc/parley/gateway.yaml", 12, "server.threads: too many"}).toString(),
            "/etc/parley/gateway.yaml:12: server.threads: too many");
}

TEST(ConfigLoaderTest, SecretsNeverAppearInProblems) {
  ConfigDir dir;
  const std::string secret = "s3cr3t-pw";
  dir.dir().write("secret-garbage.dsn", "password=" + secret + " and then garbage\n");
  const auto env = fakeEnvironment({{"BAD_DSN", "user=x password=" + secret + " junk"}});
  const std::vector<std::string> files = {
      // a valid DSN beside other mistakes
      "server: {threads: -1}\ndatabase:\n  dsn: host=db password=" + secret + "\n  pool_size: 0\n",
      // an unparsable DSN
      "database:\n  dsn: host=db password=" + secret + " nonsense\n",
      // the DSN itself where a path or a variable name belongs
      "database:\n  dsn_file: \"host=db password=" + secret + "\"\n",
      "database:\n  dsn_env: postgresql://parley:" + secret + "@db/parley\n",
      // an unparsable DSN from a variable and from a file
      "database:\n  dsn_env: BAD_DSN\n",
      "database:\n  dsn_file: secret-garbage.dsn\n",
      // the DSN in the wrong shape, or twice
      "database:\n  dsn: [host=db, password=" + secret + "]\n",
      "database:\n  dsn: {password: " + secret + "}\n",
      "database:\n  dsn: host=db password=" + secret + "\n  dsn_env: BAD_DSN\n",
      // a misspelt key holding the DSN
      "database:\n  dns: host=db password=" + secret + "\n",
  };
  for (const auto& yaml : files) {
    const auto result = loadString(yaml, dir, env);
    EXPECT_FALSE(result.ok()) << yaml;
    for (const auto& problem : problemStrings(result)) {
      EXPECT_EQ(problem.find(secret), std::string::npos) << problem;
    }
  }
}

TEST(ConfigLoaderTest, TheExampleFileLoadsAndHoldsTheDefaults) {
  const auto result =
      loadConfigFile(sourceDir() / "config/gateway.example.yaml", testEnvironment());
  ASSERT_TRUE(result.ok()) << (result.problems.empty() ? "" : result.problems[0].toString());
  Config expected;
  expected.sourceFile = sourceDir() / "config/gateway.example.yaml";
  expected.database.dsn = "dbname=parley";
  EXPECT_TRUE(*result.config == expected)
      << "gateway.example.yaml must show the defaults (the database section aside)";
}

TEST(ConfigLoaderTest, TheDevFileLoads) {
  const auto result = loadConfigFile(
      sourceDir() / "config/gateway.dev.yaml",
      fakeEnvironment({{"PARLEY_DATABASE_DSN", "postgresql://parley@/parley?host=/tmp"}}));
  ASSERT_TRUE(result.ok()) << (result.problems.empty() ? "" : result.problems[0].toString());
  const Config& config = *result.config;
  EXPECT_EQ(config.server.listenHost, "127.0.0.1");
  EXPECT_EQ(config.server.listenPort, 8065);
  EXPECT_EQ(config.server.siteUrl, "http://127.0.0.1:8065");
  EXPECT_TRUE(config.server.enableDeveloper);
  EXPECT_EQ(config.database.dsn, "postgresql://parley@/parley?host=/tmp");
  EXPECT_EQ(config.files.directory, sourceDir() / ".parley/files");
  EXPECT_EQ(config.logging.level, log::Level::kInfo);
}

TEST(ConfigLoaderTest, TheDevFileNamesTheMissingVariable) {
  const auto file = sourceDir() / "config/gateway.dev.yaml";
  const auto result = loadConfigFile(file, fakeEnvironment({}));
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_EQ(result.problems[0].file, file.string());
  EXPECT_EQ(result.problems[0].message,
            "database.dsn_env: the environment variable PARLEY_DATABASE_DSN is not set");
}

TEST(ConfigLoaderTest, ReadsEveryValue) {
  ConfigDir dir;
  dir.dir().write("policies/base.yaml", "rules: []\n");
  dir.dir().write("policies/partners.yaml", "rules: []\n");
  dir.dir().write("KEY", "key\n");
  const std::string yaml = R"(
server:
  listen: "[::1]:0"
  site_url: https://chat.example.org/
  threads: 4
  enable_developer: true
  shutdown_grace: 1500ms
  tls:
    cert_file: cert.pem
    key_file: KEY
    min_version: 1.3
database:
  dsn_file: db.dsn
  pool_size: 16
  connect_timeout: 2s
  statement_timeout: 0ms
files:
  directory: ../uploads
  max_file_size: 50MB
security:
  enable_open_server: true
  enable_user_creation: false
  enable_guest_accounts: true
  enable_user_access_tokens: false
  enable_bot_account_creation: false
  session_length: 12h
limits:
  max_body_size: 1048576
  max_header_size: 32KiB
  requests_per_second: 2.5
  request_burst: 10
  idle_timeout: 2m
  request_timeout: 45s
  max_connections: 500
logging:
  level: debug
  access_log: true
bridges:
  xmpp:
  matrix:
    enabled: false
links:
  - channel: ops/town-square
    bridge: matrix
    remote: "!abc:partner.example"
  - channel: ops/alerts
    bridge: xmpp
    remote: alerts@conference.partner.example
    direction: out
    read_only: true
    peer: xmpp-usa
policy:
  files: [policies/base.yaml, policies/partners.yaml]
)";
  const auto good = loadString(yaml, dir);
  ASSERT_TRUE(good.ok()) << (good.problems.empty() ? "" : good.problems[0].toString());
  const Config& c = *good.config;
  EXPECT_EQ(c.server.listenHost, "::1");
  EXPECT_EQ(c.server.listenPort, 0);
  EXPECT_EQ(c.server.siteUrl, "https://chat.example.org");
  EXPECT_EQ(c.server.threads, 4u);
  EXPECT_TRUE(c.server.enableDeveloper);
  EXPECT_EQ(c.server.shutdownGrace, 1500ms);
  ASSERT_TRUE(c.server.tls.has_value());
  EXPECT_EQ(c.server.tls->certFile, dir.path() / "cert.pem");
  EXPECT_EQ(c.server.tls->keyFile, dir.path() / "KEY");
  EXPECT_EQ(c.server.tls->minVersion, "1.3");
  EXPECT_EQ(c.database.dsn, "host=/run/postgresql dbname=parley");  // trailing newlines gone
  EXPECT_EQ(c.database.poolSize, 16u);
  EXPECT_EQ(c.database.connectTimeout, 2s);
  EXPECT_EQ(c.database.statementTimeout, 0ms);
  EXPECT_EQ(c.files.directory, (dir.path() / "../uploads").lexically_normal());
  EXPECT_EQ(c.files.maxFileSize, 50'000'000u);
  EXPECT_TRUE(c.security.enableOpenServer);
  EXPECT_FALSE(c.security.enableUserCreation);
  EXPECT_TRUE(c.security.enableGuestAccounts);
  EXPECT_FALSE(c.security.enableUserAccessTokens);
  EXPECT_FALSE(c.security.enableBotAccountCreation);
  EXPECT_EQ(c.security.sessionLength, 12h);
  EXPECT_EQ(c.limits.maxBodyBytes, 1'048'576u);
  EXPECT_EQ(c.limits.maxHeaderBytes, 32u * 1024);
  EXPECT_DOUBLE_EQ(c.limits.requestsPerSecond, 2.5);
  EXPECT_EQ(c.limits.requestBurst, 10u);
  EXPECT_EQ(c.limits.idleTimeout, 2min);
  EXPECT_EQ(c.limits.requestTimeout, 45s);
  EXPECT_EQ(c.limits.maxConnections, 500u);
  EXPECT_EQ(c.logging.level, log::Level::kDebug);
  EXPECT_TRUE(c.logging.accessLog);
  EXPECT_EQ(c.bridges, (std::vector<BridgeConfig>{{"xmpp", false}, {"matrix", false}}));
  ASSERT_EQ(c.links.size(), 2u);
  EXPECT_EQ(c.links[0], (LinkConfig{"ops/town-square", "matrix", "!abc:partner.example",
                                    LinkConfig::Direction::kBoth, false, ""}));
  EXPECT_EQ(c.links[1], (LinkConfig{"ops/alerts", "xmpp", "alerts@conference.partner.example",
                                    LinkConfig::Direction::kOutbound, true, "xmpp-usa"}));
  EXPECT_EQ(c.policy.files,
            (std::vector<std::filesystem::path>{dir.path() / "policies/base.yaml",
                                                dir.path() / "policies/partners.yaml"}));
}

TEST(ConfigLoaderTest, ReadsVpnNetworksAndTrustedProxies) {
  ConfigDir dir;
  const auto result = loadString(
      "server:\n  trusted_proxies: [127.0.0.1, \"::1\", 192.0.2.0/24]\n"
      "policy:\n  vpn_networks: [10.8.0.0/16, \"fd00:8::/32\"]\n" +
          dbSection(),
      dir);
  ASSERT_TRUE(result.ok()) << result.problems.front().toString();
  const auto& config = *result.config;
  ASSERT_EQ(config.server.trustedProxies.size(), 3u);
  EXPECT_EQ(config.server.trustedProxies[0].text(), "127.0.0.1/32");
  EXPECT_EQ(config.server.trustedProxies[1].text(), "::1/128");
  EXPECT_EQ(config.server.trustedProxies[2].text(), "192.0.2.0/24");
  ASSERT_EQ(config.policy.vpnNetworks.size(), 2u);
  EXPECT_TRUE(config.policy.vpnNetworks[0].contains("10.8.3.4"));
  EXPECT_TRUE(config.policy.vpnNetworks[1].contains("fd00:8:1::1"));
  // Default: none of either.
  const auto plain = loadString(dbSection(), dir);
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain.config->server.trustedProxies.empty());
  EXPECT_TRUE(plain.config->policy.vpnNetworks.empty());
}

TEST(ConfigLoaderTest, ReadsTheClusterSection) {
  ConfigDir dir;
  auto result = loadString("cluster:\n  enabled: true\n  node_id: gw-1.dmz_a\n" + dbSection(), dir);
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problemStrings(result));
  EXPECT_TRUE(result.config->cluster.enabled);
  EXPECT_EQ(result.config->cluster.nodeId, "gw-1.dmz_a");
  result = loadString("cluster:\n  enabled: true\n  node_id: \"\"\n" + dbSection(), dir);
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problemStrings(result));
  EXPECT_EQ(result.config->cluster.nodeId, "") << "empty: a random id at start";
}

TEST(ConfigLoaderTest, AcceptsHostNamesAndAnyAddress) {
  ConfigDir dir;
  for (const auto& [listen, host, port] :
       {std::tuple{"localhost:8065", "localhost", 8065}, std::tuple{"0.0.0.0:80", "0.0.0.0", 80},
        std::tuple{"[::]:443", "::", 443},
        std::tuple{"chat-1.example.org:65535", "chat-1.example.org", 65535}}) {
    const auto result =
        loadString(std::string("server: {listen: \"") + listen + "\"}\n" + dbSection(), dir);
    ASSERT_TRUE(result.ok()) << listen;
    EXPECT_EQ(result.config->server.listenHost, host);
    EXPECT_EQ(result.config->server.listenPort, port);
  }
}

TEST(ConfigLoaderTest, AnEmptySectionMeansItsDefaults) {
  ConfigDir dir;
  const auto result = loadString(
      "server:\nfiles:\nsecurity:\nlimits:\nlogging:\nbridges:\nlinks:\npolicy:\n" + dbSection(),
      dir);
  ASSERT_TRUE(result.ok()) << (result.problems.empty() ? "" : result.problems[0].toString());
  Config expected;
  expected.sourceFile = "gateway.yaml";
  expected.database.dsn = "dbname=parley";
  EXPECT_TRUE(*result.config == expected);
}

TEST(ConfigLoaderTest, LoadConfigFileResolvesPathsAgainstTheFilesDirectory) {
  ConfigDir dir;
  dir.dir().write("etc/policy.yaml", "rules: []\n");
  const auto file =
      dir.dir().write("etc/gateway.yaml",
                      "files: {directory: data}\npolicy: {files: [policy.yaml]}\n" + dbSection());
  const auto result = loadConfigFile(file, testEnvironment());
  ASSERT_TRUE(result.ok()) << (result.problems.empty() ? "" : result.problems[0].toString());
  EXPECT_EQ(result.config->sourceFile, file);
  EXPECT_EQ(result.config->files.directory, dir.path() / "etc/data");
  EXPECT_EQ(result.config->policy.files,
            std::vector<std::filesystem::path>{dir.path() / "etc/policy.yaml"});
}

TEST(ConfigLoaderTest, AnUnreadableFileIsAProblem) {
  ConfigDir dir;
  const auto missing = dir.path() / "nope.yaml";
  const auto result = loadConfigFile(missing, testEnvironment());
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(problemStrings(result),
            std::vector<std::string>{missing.string() +
                                     ":1: cannot read the file: No such file or directory"});
  const auto directory = loadConfigFile(dir.path() / "adir", testEnvironment());
  EXPECT_EQ(problemStrings(directory),
            std::vector<std::string>{(dir.path() / "adir").string() +
                                     ":1: cannot read the file: it is a directory"});
}

TEST(ConfigLoaderTest, ProcessEnvironmentReadsTheRealEnvironment) {
  ::setenv("PARLEY_CONFIG_TEST_VAR", "value", 1);
  const auto env = processEnvironment();
  EXPECT_EQ(env("PARLEY_CONFIG_TEST_VAR"), std::optional<std::string>("value"));
  ::unsetenv("PARLEY_CONFIG_TEST_VAR");
  EXPECT_EQ(env("PARLEY_CONFIG_TEST_VAR"), std::nullopt);
}

}  // namespace
}  // namespace parley::core::config
