#pragma once
// What the tests of the real parleyd binary share: one private PostgreSQL cluster per test
// executable, a fresh database and configuration per test case, and a blocking HTTP client.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/model/id.hpp"
#include "gateway/http/client.hpp"
#include "tests/support/postgres_cluster.hpp"
#include "tests/support/process.hpp"

namespace parley::testing {

// The executable's cluster, started before the first test.
PostgresCluster& cluster();

// One request on a fresh connection; throws when no response arrives.
gateway::http::ClientResponse send(const gateway::http::ClientRequest& request);
gateway::http::ClientResponse get(const std::string& url);

// The error JSON of `response`, after checking the fields every error carries.
nlohmann::json errorBody(const gateway::http::ClientResponse& response);

class ParleydTest : public ::testing::Test {
 protected:
  void SetUp() override;

  // A configuration on a free port with its own database and file directory.
  // `serverExtra` goes inside the server section, `extra` after the last section.
  std::filesystem::path writeConfig(const std::string& extra = "",
                                    const std::string& serverExtra = "");
  CommandResult parleyd(const std::vector<std::string>& args);
  void migrate(const std::filesystem::path& config);
  std::unique_ptr<ParleydServer> startServer(const std::string& extraConfig = "",
                                             const std::string& serverExtra = "");
  // Runs one SQL command on this test's database with psql.
  CommandResult psql(const std::string& sql);

  TempDir dir_{"parleyd-test"};
  std::string databaseName_;
  std::string dsn_;
  Environment env_;
};

}  // namespace parley::testing
