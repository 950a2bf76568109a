#include "gateway/api/links.hpp"

#include "core/services/link_service.hpp"
#include "core/services/team_service.hpp"
#include "gateway/api/route_support.hpp"

namespace parley::gateway::api {
namespace {

namespace services = core::services;
using core::store::Store;

core::Result<services::NewLink> parseLink(const http::Request& request) {
  auto body = jsonObjectBody(request, "link");
  if (!body) return std::move(body).error();
  services::NewLink link;
  std::optional<std::string> channelId;
  std::optional<std::string> bridge;
  std::optional<std::string> remoteRoom;
  std::optional<std::string> peer;
  std::optional<std::string> direction;
  std::optional<bool> readOnly;
  for (const auto& [key, slot] : {std::pair{"channel_id", &channelId}, std::pair{"bridge", &bridge},
                                  std::pair{"remote_room", &remoteRoom}, std::pair{"peer", &peer},
                                  std::pair{"direction", &direction}}) {
    if (auto read = readString(*body, key, *slot); !read) return std::move(read).error();
  }
  if (auto read = readBool(*body, "read_only", readOnly); !read) return std::move(read).error();
  link.channelId = channelId.value_or("");
  link.bridge = bridge.value_or("");
  link.remoteRoom = remoteRoom.value_or("");
  link.peer = peer.value_or("");
  link.readOnly = readOnly.value_or(false);
  if (direction) {
    const auto parsed = services::linkDirectionFromName(*direction);
    if (!parsed) return services::invalidBodyParam("direction");
    link.direction = *parsed;
  }
  return link;
}

std::vector<std::string> configuredBridges(const ApiContext& api) {
  std::vector<std::string> names;
  for (const auto& bridge : api.config->bridges) names.push_back(bridge.name);
  return names;
}

// GET /parley/links
asio::awaitable<http::Response> listLinks(const ApiContext& api, http::Request&,
                                          const AuthenticatedUser& caller) {
  auto job = [&caller](Store& s) { return services::listLinks(s, caller.user); };
  co_return co_await respond(api, job,
                             [](const auto& links) { return jsonArray(links, linkToJson); });
}

// POST /parley/links
asio::awaitable<http::Response> createLink(const ApiContext& api, http::Request& request,
                                           const AuthenticatedUser& caller) {
  auto input = parseLink(request);
  if (!input) co_return http::Response::error(std::move(input).error());
  const auto bridges = configuredBridges(api);
  auto job = [&caller, &input, &bridges](Store& s) {
    return services::createLink(s, caller.user, *input, bridges);
  };
  co_return co_await respond(api, job, linkToJson, 201);
}

// DELETE /parley/links/{link_id}
asio::awaitable<http::Response> deleteLink(const ApiContext& api, http::Request& request,
                                           const AuthenticatedUser& caller) {
  const auto linkId = idParam(request, "link_id");
  if (!linkId) co_return http::Response::error(linkId.error());
  auto job = [&caller, &linkId](Store& s) { return services::deleteLink(s, caller.user, *linkId); };
  co_return co_await respondOk(api, job);
}

}  // namespace

nlohmann::json linkToJson(const core::model::Link& link) {
  return {{"id", link.id},
          {"channel_id", link.channelId},
          {"bridge", link.bridge},
          {"remote_room", link.remoteRoom},
          {"peer", link.peer},
          {"direction", core::model::linkDirectionName(link.direction)},
          {"read_only", link.readOnly},
          {"created_by", link.createdBy},
          {"create_at", link.createAt},
          {"update_at", link.updateAt}};
}

void registerLinkRoutes(http::Router& router, ApiContextPtr api) {
  using http_proto::verb;
  addCallerRoute(router, api, verb::get, "/api/v4/parley/links", listLinks);
  addCallerRoute(router, api, verb::post, "/api/v4/parley/links", createLink);
  addCallerRoute(router, api, verb::delete_, "/api/v4/parley/links/{link_id}", deleteLink);
}

}  // namespace parley::gateway::api
