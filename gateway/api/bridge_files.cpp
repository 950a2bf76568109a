#include "gateway/api/bridge_files.hpp"

#include <charconv>

#include "core/services/bridge_file_url.hpp"
#include "gateway/api/files.hpp"

namespace parley::gateway::api {
namespace {

namespace services = core::services;

// A decimal Unix time; -1 when absent or not a number (then the grant fails its check).
std::int64_t parseExpiry(std::optional<std::string_view> text) {
  if (!text || text->empty() || text->size() > 18) return -1;
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size()) return -1;
  return value;
}

asio::awaitable<http::Response> serveBridgeFile(const ApiContext& api, http::Request& request) {
  services::BridgeFileGrant grant;
  grant.fileId = std::string(request.param("file_id"));
  grant.linkId = std::string(request.query().get("link").value_or(""));
  grant.expires = parseExpiry(request.query().get("exp"));
  const std::string signature(request.query().get("sig").value_or(""));
  const std::int64_t now = api.clock->nowMillis() / 1000;
  auto info = co_await api.database->run(
      [&grant, &signature, now](core::store::Store& s) -> core::Result<core::model::FileInfo> {
        auto key = services::bridgeFileKey(s);
        if (!key) return std::move(key).error();
        if (auto checked = services::checkBridgeFileGrant(*key, grant, signature, now); !checked) {
          return std::move(checked).error();
        }
        return services::bridgeFileOfLink(s, grant);
      });
  if (!info) co_return http::Response::error(std::move(info).error());
  auto bytes = co_await readStoredFile(api, *info, info->path);
  if (!bytes) co_return http::Response::error(std::move(bytes).error(), 404);
  const FileDelivery delivery = fileDelivery(info->mimeType, false);
  http::Response response = http::Response::text(200, std::move(*bytes), delivery.contentType);
  response.header("Content-Disposition", contentDisposition(info->name, delivery.attachment))
      .header("Cache-Control", "private, max-age=3600")
      .header("X-Content-Type-Options", "nosniff")
      .header("X-Frame-Options", "DENY")
      .header("Content-Security-Policy", "Frame-ancestors 'none'");
  co_return response;
}

}  // namespace

void registerBridgeFileRoutes(http::Router& router, ApiContextPtr api) {
  const ApiContext* context = api.get();
  router.add(http_proto::verb::get, std::string(services::kBridgeFileRoute) + "{file_id}/{name}",
             [context](http::Request& r) { return serveBridgeFile(*context, r); });
}

}  // namespace parley::gateway::api
