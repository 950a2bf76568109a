#include "tests/integration/gateway/parleyd_fixture.hpp"

#include <stdexcept>

namespace parley::testing {
namespace {

PostgresCluster* gSharedCluster = nullptr;

class ClusterEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { gSharedCluster = &PostgresCluster::shared(); }
};
const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new ClusterEnvironment);

}  // namespace

PostgresCluster& cluster() { return *gSharedCluster; }

gateway::http::ClientResponse send(const gateway::http::ClientRequest& request) {
  auto response = gateway::http::fetch(request);
  if (!response) throw std::runtime_error(response.error().message);
  return std::move(response.value());
}

gateway::http::ClientResponse get(const std::string& url) {
  gateway::http::ClientRequest request;
  request.url = url;
  return send(request);
}

nlohmann::json errorBody(const gateway::http::ClientResponse& response) {
  auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["request_id"], response.header("X-Request-Id"));
  EXPECT_EQ(body["status_code"], response.status);
  EXPECT_TRUE(body.contains("message"));
  EXPECT_TRUE(body.contains("detailed_error"));
  return body;
}

void ParleydTest::SetUp() {
  databaseName_ = "parley_" + core::model::newId();
  dsn_ = cluster().createDatabase(databaseName_);
  env_ = {{"PARLEY_DATABASE_DSN", dsn_}};
}

std::filesystem::path ParleydTest::writeConfig(const std::string& extra,
                                               const std::string& serverExtra) {
  const std::string yaml =
      "server:\n"
      "  listen: 127.0.0.1:0\n"
      "  threads: 2\n"
      "  shutdown_grace: 3s\n" +
      serverExtra +
      "database:\n"
      "  dsn_env: PARLEY_DATABASE_DSN\n"
      "  pool_size: 2\n"
      "  connect_timeout: 2s\n"
      "files:\n"
      "  directory: files\n" +
      extra;
  return dir_.write("gateway.yaml", yaml);
}

CommandResult ParleydTest::parleyd(const std::vector<std::string>& args) {
  return run(parleydPath(), args, env_);
}

void ParleydTest::migrate(const std::filesystem::path& config) {
  const auto result = parleyd({"migrate", "--config", config.string()});
  ASSERT_EQ(result.exitCode, 0) << result.err;
}

std::unique_ptr<ParleydServer> ParleydTest::startServer(const std::string& extraConfig,
                                                        const std::string& serverExtra) {
  const auto config = writeConfig(extraConfig, serverExtra);
  migrate(config);
  return std::make_unique<ParleydServer>(config, env_);
}

CommandResult ParleydTest::psql(const std::string& sql) {
  return run("/usr/bin/psql", {dsn_, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql});
}

}  // namespace parley::testing
