// The real parleyd binary against a real PostgreSQL: start-up, ping, metrics, limits, errors,
// TLS, rate limiting, graceful shutdown, and the operator commands (migrate, init-admin,
// verify, check-config).

#include <csignal>

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "core/common/asio.hpp"
#include "core/model/id.hpp"
#include "gateway/http/client.hpp"
#include "tests/integration/gateway/parleyd_fixture.hpp"

namespace parley::testing {
namespace {

using gateway::http::ClientRequest;
using gateway::http::ClientResponse;
using namespace std::chrono_literals;

struct Received {
  std::string bytes;
  boost::system::error_code end;  // why reading stopped: eof when the server closed
};

// Reads until the server closes the connection or nothing arrives for `wait`.
Received readUntilClosed(asio::ip::tcp::socket& socket, std::chrono::milliseconds wait = 5s) {
  const timeval tv{static_cast<long>(wait.count() / 1000),
                   static_cast<long>(wait.count() % 1000) * 1000};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  Received received;
  std::array<char, 4096> chunk{};
  for (;;) {
    const std::size_t n = socket.read_some(asio::buffer(chunk), received.end);
    if (received.end) return received;
    received.bytes.append(chunk.data(), n);
  }
}

// Sends raw bytes on a fresh connection and returns what the server sends back.
std::string rawExchange(std::uint16_t port, const std::string& bytes,
                        std::chrono::milliseconds wait = 5s) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(socket, asio::buffer(bytes));
  return readUntilClosed(socket, wait).bytes;
}

TEST_F(ParleydTest, PingAnswersAsMattermostDoes) {
  auto server = startServer();
  const auto response = get(server->url() + "/api/v4/system/ping");
  ASSERT_EQ(response.status, 200u) << response.body;
  EXPECT_EQ(response.header("Content-Type"), "application/json");
  EXPECT_TRUE(core::model::isValidId(response.header("X-Request-Id")));
  EXPECT_TRUE(response.header("X-Version-Id").starts_with("10.11.0."))
      << "clients gate on the Mattermost version: " << response.header("X-Version-Id");
  const auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["status"], "OK");
  for (const char* key : {"AndroidLatestVersion", "AndroidMinVersion", "IosLatestVersion",
                          "IosMinVersion", "ActiveSearchBackend"}) {
    EXPECT_TRUE(body.contains(key)) << key;
  }
  EXPECT_FALSE(body.contains("database_status")) << "only with get_server_status=true";

  const auto again = get(server->url() + "/api/v4/system/ping");
  EXPECT_NE(again.header("X-Request-Id"), response.header("X-Request-Id"));
}

TEST_F(ParleydTest, PingWithServerStatusChecksDatabaseAndFileStore) {
  auto server = startServer();
  const auto response = get(server->url() + "/api/v4/system/ping?get_server_status=true");
  ASSERT_EQ(response.status, 200u) << response.body;
  const auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["status"], "OK");
  EXPECT_EQ(body["database_status"], "OK");
  EXPECT_EQ(body["filestore_status"], "OK");
  EXPECT_EQ(response.header("database_status"), "OK");
  EXPECT_EQ(response.header("filestore_status"), "OK");
}

TEST_F(ParleydTest, PingReportsADatabaseThatRefusesWrites) {
  const auto config = writeConfig();
  migrate(config);
  // As after a failover onto a read-only standby: reads work, writes do not.
  const auto readOnly =
      psql("ALTER DATABASE " + databaseName_ + " SET default_transaction_read_only = on");
  ASSERT_EQ(readOnly.exitCode, 0) << readOnly.err;
  ParleydServer server(config, env_);
  const auto response = get(server.url() + "/api/v4/system/ping?get_server_status=true");
  EXPECT_EQ(response.status, 500u) << response.body;
  EXPECT_EQ(nlohmann::json::parse(response.body)["database_status"], "UNHEALTHY");
  EXPECT_EQ(response.header("status"), "UNHEALTHY");
}

TEST_F(ParleydTest, MetricsCountRequestsAndShowThePool) {
  auto server = startServer();
  for (int i = 0; i < 3; ++i) get(server->url() + "/api/v4/system/ping");
  get(server->url() + "/no/such/page");
  const auto response = get(server->url() + "/metrics");
  ASSERT_EQ(response.status, 200u);
  EXPECT_TRUE(response.header("Content-Type").starts_with("text/plain; version=0.0.4"));
  EXPECT_NE(
      response.body.find(
          R"(parley_http_requests_total{method="GET",route="/api/v4/system/ping",code="2xx"} 3)"),
      std::string::npos)
      << response.body;
  EXPECT_NE(response.body.find(
                R"(parley_http_requests_total{method="any",route="unmatched",code="4xx"} 1)"),
            std::string::npos);
  EXPECT_NE(response.body.find("parley_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(response.body.find("parley_db_pool_size 2"), std::string::npos);
  EXPECT_NE(response.body.find("\nparley_db_round_trips "), std::string::npos);
}

TEST_F(ParleydTest, UnknownRouteIs404AndWrongMethodIs405WithErrorJson) {
  auto server = startServer();
  const auto missing = get(server->url() + "/api/v4/no/such/route");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(errorBody(missing)["id"], "api.context.404.app_error");

  ClientRequest post;
  post.method = "POST";
  post.url = server->url() + "/api/v4/system/ping";
  const auto wrongMethod = send(post);
  EXPECT_EQ(wrongMethod.status, 405u);
  EXPECT_EQ(wrongMethod.header("Allow"), "GET");
  EXPECT_EQ(errorBody(wrongMethod)["id"], "api.context.method_not_allowed.app_error");
}

TEST_F(ParleydTest, OversizeBodyIs413WithErrorJsonAndChangesNothing) {
  auto server = startServer("limits:\n  max_body_size: 1KiB\n");
  ClientRequest post;
  post.method = "POST";
  post.url = server->url() + "/api/v4/system/ping";
  post.body = std::string(2048, 'x');
  const auto response = send(post);
  EXPECT_EQ(response.status, 413u);
  EXPECT_EQ(errorBody(response)["id"], "api.context.request_body_too_large.app_error");

  // A chunked body has no Content-Length to refuse up front: it is cut off at the limit.
  const std::string chunk(1500, 'y');
  const std::string chunked =
      "POST /api/v4/system/ping HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
      (std::ostringstream() << std::hex << chunk.size()).str() + "\r\n" + chunk + "\r\n0\r\n\r\n";
  const std::string raw = rawExchange(server->port(), chunked);
  EXPECT_TRUE(raw.starts_with("HTTP/1.1 413")) << raw.substr(0, 200);
  EXPECT_NE(raw.find("api.context.request_body_too_large.app_error"), std::string::npos);

  // The server is still fine afterwards.
  EXPECT_EQ(get(server->url() + "/api/v4/system/ping").status, 200u);
}

TEST_F(ParleydTest, OversizeHeadersAre431AndGarbageIs400) {
  auto server = startServer("limits:\n  max_header_size: 1KiB\n");
  ClientRequest request;
  request.url = server->url() + "/api/v4/system/ping";
  request.headers.emplace_back("X-Padding", std::string(4096, 'h'));
  const auto response = send(request);
  EXPECT_EQ(response.status, 431u);
  EXPECT_EQ(errorBody(response)["id"], "api.context.request_headers_too_large.app_error");

  const std::string raw = rawExchange(server->port(), "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_TRUE(raw.starts_with("HTTP/1.1 400")) << raw.substr(0, 200);
  EXPECT_NE(raw.find("api.context.bad_request.app_error"), std::string::npos);
  EXPECT_EQ(get(server->url() + "/api/v4/system/ping").status, 200u);
}

TEST_F(ParleydTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto server = startServer();
  const std::string request = "GET /api/v4/system/ping HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string last =
      "GET /api/v4/system/ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string raw = rawExchange(server->port(), request + request + last);
  std::size_t responses = 0;
  for (std::size_t at = raw.find("HTTP/1.1 200"); at != std::string::npos;
       at = raw.find("HTTP/1.1 200", at + 1)) {
    ++responses;
  }
  EXPECT_EQ(responses, 3u) << raw;
}

TEST_F(ParleydTest, IdleAndSlowConnectionsAreClosedAtTheirTimeouts) {
  auto server = startServer("limits:\n  idle_timeout: 1s\n  request_timeout: 1s\n");
  asio::io_context io;
  const auto closedWithin = [](asio::ip::tcp::socket& socket, std::chrono::milliseconds limit) {
    const auto end = readUntilClosed(socket, limit).end;
    return end == asio::error::eof || end == asio::error::connection_reset;
  };

  // Connects and says nothing.
  asio::ip::tcp::socket silent(io);
  silent.connect({asio::ip::make_address("127.0.0.1"), server->port()});
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(closedWithin(silent, 4s)) << "an idle connection must be closed";
  EXPECT_GE(std::chrono::steady_clock::now() - started, 900ms) << "not before its time";

  // Sends headers, then never the body it announced (slowloris).
  asio::ip::tcp::socket slow(io);
  slow.connect({asio::ip::make_address("127.0.0.1"), server->port()});
  asio::write(slow,
              asio::buffer(std::string(
                  "POST /api/v4/system/ping HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n")));
  EXPECT_TRUE(closedWithin(slow, 4s)) << "a request that stalls must be cut off";

  const auto metrics = get(server->url() + "/metrics");
  EXPECT_NE(metrics.body.find("parley_http_timeouts_total 2"), std::string::npos) << metrics.body;
}

TEST_F(ParleydTest, SigtermWithAnIdleKeepAliveConnectionExitsZeroPromptly) {
  auto server = startServer();
  asio::io_context io;
  asio::ip::tcp::socket idle(io);
  idle.connect({asio::ip::make_address("127.0.0.1"), server->port()});
  const std::string request = "GET /api/v4/system/ping HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::write(idle, asio::buffer(request));
  std::array<char, 1024> reply{};
  ASSERT_GT(idle.read_some(asio::buffer(reply)), 0u);  // answered; the connection stays open

  const auto started = std::chrono::steady_clock::now();
  const auto code = server->stop(SIGTERM, 10s);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(code.has_value()) << "parleyd did not exit on SIGTERM";
  EXPECT_EQ(*code, 0);
  EXPECT_LT(took, 2s) << "an idle connection must not hold shutdown for the grace period";
  EXPECT_NE(server->log().find("\"msg\":\"stopped\""), std::string::npos) << server->log();
}

TEST_F(ParleydTest, SigtermLetsAnInFlightRequestFinish) {
  auto server = startServer();
  // Send the request line and headers but hold back the body: the request is in flight.
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), server->port()});
  const std::string head =
      "POST /api/v4/no/such/route HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n";
  asio::write(socket, asio::buffer(head));
  std::this_thread::sleep_for(200ms);

  std::optional<int> code;
  std::thread stopper([&] { code = server->stop(SIGTERM, 10s); });
  std::this_thread::sleep_for(300ms);
  asio::write(socket, asio::buffer(std::string("hello")));
  const std::string received = readUntilClosed(socket).bytes;
  stopper.join();
  EXPECT_TRUE(received.starts_with("HTTP/1.1 404")) << received;
  EXPECT_NE(received.find("Connection: close"), std::string::npos) << received;
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
}

TEST_F(ParleydTest, RateLimitAnswers429WithRateLimitHeaders) {
  auto server = startServer("limits:\n  requests_per_second: 1\n  request_burst: 2\n");
  EXPECT_EQ(get(server->url() + "/api/v4/system/ping").status, 200u);
  EXPECT_EQ(get(server->url() + "/api/v4/system/ping").status, 200u);
  const auto limited = get(server->url() + "/api/v4/system/ping");
  EXPECT_EQ(limited.status, 429u);
  EXPECT_EQ(errorBody(limited)["id"], "api.context.rate_limit_exceeded.app_error");
  EXPECT_EQ(limited.header("X-RateLimit-Limit"), "2");
  EXPECT_EQ(limited.header("X-RateLimit-Remaining"), "0");
  EXPECT_FALSE(limited.header("X-RateLimit-Reset").empty());
  EXPECT_FALSE(limited.header("Retry-After").empty());
}

TEST_F(ParleydTest, ServesTlsWhenConfigured) {
  const auto key = dir_.path() / "key.pem";
  const auto cert = dir_.path() / "cert.pem";
  const auto made = run("/usr/bin/openssl",
                        {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                         "-days", "1", "-keyout", key.string(), "-out", cert.string()});
  ASSERT_EQ(made.exitCode, 0) << made.err;
  auto server = startServer("", "  tls:\n    cert_file: cert.pem\n    key_file: key.pem\n");
  ClientRequest request;
  request.url = server->url(true) + "/api/v4/system/ping";
  request.verifyTls = false;
  const auto response = send(request);
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(nlohmann::json::parse(response.body)["status"], "OK");

  // Plain HTTP on the TLS port gets no HTTP answer.
  const std::string raw = rawExchange(server->port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 2s);
  EXPECT_FALSE(raw.starts_with("HTTP/1.1 200"));
}

TEST_F(ParleydTest, InitAdminOnceThenVerifyPasses) {
  auto server = startServer();
  const auto config = dir_.path() / "gateway.yaml";
  const std::string url = server->url();

  const auto before = parleyd({"verify", "--config", config.string(), "--url", url});
  EXPECT_EQ(before.exitCode, 1) << before.out;
  EXPECT_NE(before.out.find("FAIL  lockdown"), std::string::npos) << before.out;

  const auto created = parleyd({"init-admin", "--config", config.string()});
  ASSERT_EQ(created.exitCode, 0) << created.err;
  std::smatch password;
  ASSERT_TRUE(std::regex_search(created.out, password, std::regex("password: (\\S{20,})")))
      << created.out;

  const auto again = parleyd({"init-admin", "--config", config.string(), "--username", "other"});
  EXPECT_EQ(again.exitCode, 3) << again.err;
  EXPECT_EQ(again.out.find("password"), std::string::npos) << "nothing new to print";

  const auto after = parleyd({"verify", "--config", config.string(), "--url", url});
  EXPECT_EQ(after.exitCode, 0) << after.out;
  for (const char* check : {"ok    ping", "ok    database", "ok    lockdown"}) {
    EXPECT_NE(after.out.find(check), std::string::npos) << after.out;
  }
  EXPECT_EQ(server->log().find(password[1].str()), std::string::npos)
      << "the password must never reach a log";
}

TEST_F(ParleydTest, ServeRefusesADatabaseWithoutTheSchema) {
  const auto config = writeConfig();
  const auto result = run(parleydPath(), {"serve", "--config", config.string()}, env_, 20s);
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_NE(result.err.find("parleyd migrate"), std::string::npos) << result.err;
}

TEST_F(ParleydTest, ServeRefusesADatabaseAheadOfTheBinary) {
  const auto config = writeConfig();
  migrate(config);
  // As if a newer parleyd had migrated this database: serving it could corrupt its data.
  const auto newer = psql(
      "INSERT INTO schema_migrations (version, name, checksum, applied_at) "
      "VALUES (9999, 'from_the_future', 'x', 0)");
  ASSERT_EQ(newer.exitCode, 0) << newer.err;
  const auto result = run(parleydPath(), {"serve", "--config", config.string()}, env_, 20s);
  EXPECT_EQ(result.exitCode, 1) << result.err;
  EXPECT_NE(result.err.find("9999"), std::string::npos) << result.err;
}

TEST_F(ParleydTest, CheckConfigPointsAtTheBadLine) {
  const auto good = writeConfig();
  const auto ok = parleyd({"check-config", "--config", good.string()});
  EXPECT_EQ(ok.exitCode, 0) << ok.err;

  const auto bad = dir_.write("bad.yaml",
                              "server:\n  listen: 127.0.0.1:0\n  lisen: oops\n"
                              "database:\n  dsn_env: PARLEY_DATABASE_DSN\n");
  const auto result = parleyd({"check-config", "--config", bad.string()});
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_NE(result.err.find(bad.string() + ":3: "), std::string::npos) << result.err;
  // serve refuses the same file the same way.
  EXPECT_EQ(parleyd({"serve", "--config", bad.string()}).exitCode, 2);
}

// Last: this one stops the shared cluster and starts it again.
TEST_F(ParleydTest, DatabaseOutageIsReportedAndRecoveredFrom) {
  auto server = startServer();
  const auto config = dir_.path() / "gateway.yaml";
  const std::string statusUrl = server->url() + "/api/v4/system/ping?get_server_status=true";
  ASSERT_EQ(get(statusUrl).status, 200u);

  cluster().stop();
  const auto down = get(statusUrl);
  EXPECT_EQ(down.status, 500u) << down.body;
  const auto body = nlohmann::json::parse(down.body);
  EXPECT_EQ(body["status"], "UNHEALTHY");
  EXPECT_EQ(body["database_status"], "UNHEALTHY");
  EXPECT_EQ(body["filestore_status"], "OK");
  EXPECT_EQ(get(statusUrl + "&use_rest_semantics=true").status, 200u);

  const auto verify = parleyd({"verify", "--config", config.string(), "--url", server->url()});
  EXPECT_EQ(verify.exitCode, 1);
  EXPECT_NE(verify.out.find("FAIL  database"), std::string::npos) << verify.out;
  EXPECT_NE(verify.out.find("FAIL  ping"), std::string::npos) << verify.out;

  cluster().start();
  // The pool reconnects on its own; no restart of parleyd.
  bool recovered = false;
  for (int attempt = 0; attempt < 50 && !recovered; ++attempt) {
    recovered = get(statusUrl).status == 200;
    if (!recovered) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(recovered) << server->log();
}

}  // namespace
}  // namespace parley::testing
