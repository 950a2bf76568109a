#include "gateway/api/system.hpp"

#include "core/common/blocking.hpp"
#include "core/common/log.hpp"
#include "core/services/health_service.hpp"

namespace parley::gateway::api {
namespace {

constexpr std::string_view kStatusOk = "OK";
constexpr std::string_view kStatusUnhealthy = "UNHEALTHY";

// GET /api/v4/system/ping, as Mattermost answers it (api4/system.go getSystemPing): always
// the status and the mobile version fields; with get_server_status=true also a database and a
// file-store check, echoed as headers; when unhealthy, 500 unless use_rest_semantics=true.
asio::awaitable<http::Response> ping(const ApiContext& api, http::Request& request) {
  nlohmann::json body = {
      {"status", kStatusOk},
      {"AndroidLatestVersion", ""},
      {"AndroidMinVersion", ""},
      {"IosLatestVersion", ""},
      {"IosMinVersion", ""},
  };
  std::vector<std::pair<std::string, std::string>> headers;

  if (request.query().isTrue("get_server_status")) {
    const core::Status database = co_await api.database->run(
        [](core::store::Store& store) { return core::services::checkDatabaseWritable(store); });
    const core::Status files =
        co_await core::runBlocking(*api.blocking, [&files = api.files] { return files->check(); });
    for (const auto& [key, status] : {std::pair{"database_status", &database},
                                      std::pair{"filestore_status", &files}}) {
      body[key] = status->ok() ? kStatusOk : kStatusUnhealthy;
      if (!status->ok()) {
        body["status"] = kStatusUnhealthy;
        core::log::warn("health", "health check failed",
                        {{"request_id", request.requestId()},
                         {"check", key},
                         {"error", status->error().message},
                         {"detail", status->error().detail}});
      }
    }
    for (const char* key : {"status", "database_status", "filestore_status"}) {
      headers.emplace_back(key, body[key].get<std::string>());
    }
  }
  body["ActiveSearchBackend"] = "database";

  const bool healthy = body["status"] == kStatusOk;
  const unsigned status = healthy || request.query().isTrue("use_rest_semantics") ? 200 : 500;
  http::Response response = http::Response::json(status, body);
  for (auto& [name, value] : headers) response.header(std::move(name), std::move(value));
  co_return response;
}

}  // namespace

void registerSystemRoutes(http::Router& router, ApiContextPtr api) {
  using http_proto::verb;

  router.add(verb::get, "/", [](http::Request&) -> asio::awaitable<http::Response> {
    co_return http::Response::text(200, "Parley\n");
  });

  router.add(verb::get, "/api/v4/system/ping",
             [api](http::Request& request) { return ping(*api, request); });

  router.add(verb::get, "/metrics", [api](http::Request&) -> asio::awaitable<http::Response> {
    co_return http::Response::text(200, api->metrics->render(),
                                   "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace parley::gateway::api
