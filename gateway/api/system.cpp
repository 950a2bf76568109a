#include "gateway/api/system.hpp"

#include "core/common/blocking.hpp"
#include "core/common/log.hpp"
#include "core/services/health_service.hpp"

namespace parley::gateway::api {
namespace {

constexpr std::string_view kStatusOk = "OK";
constexpr std::string_view kStatusUnhealthy = "UNHEALTHY";

// The fields every ping answer carries.
nlohmann::json pingBody() {
  return {{"status", kStatusOk},     {"AndroidLatestVersion", ""},
          {"AndroidMinVersion", ""}, {"IosLatestVersion", ""},
          {"IosMinVersion", ""},     {"ActiveSearchBackend", "database"}};
}

// GET /api/v4/system/ping, as Mattermost answers it (api4/system.go getSystemPing): always
// the status and the mobile version fields; with get_server_status=true also a database and a
// file-store check, echoed as headers; when unhealthy, 500 unless use_rest_semantics=true.
asio::awaitable<http::Response> ping(const ApiContext& api, http::Request& request) {
  // The plain ping is what load balancers and clients poll: answer it from a prebuilt body.
  static const std::string kPlainBody = pingBody().dump();
  if (!request.query().isTrue("get_server_status")) co_return http::Response::json(200, kPlainBody);

  const core::Status database = co_await api.database->run(
      [](core::store::Store& store) { return core::services::checkDatabaseWritable(store); });
  const core::Status files =
      co_await core::runBlocking(*api.blocking, [&files = api.files] { return files->check(); });

  nlohmann::json body = pingBody();
  for (const auto& [key, status] :
       {std::pair{"database_status", &database}, std::pair{"filestore_status", &files}}) {
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
  const bool healthy = body["status"] == kStatusOk;
  const unsigned status = healthy || request.query().isTrue("use_rest_semantics") ? 200 : 500;
  http::Response response = http::Response::json(status, body);
  for (const char* key : {"status", "database_status", "filestore_status"}) {
    response.header(key, body[key].get<std::string>());
  }
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
