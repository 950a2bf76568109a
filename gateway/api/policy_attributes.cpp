#include "gateway/api/policy_attributes.hpp"

#include "core/services/policy_attribute_service.hpp"
#include "gateway/api/route_support.hpp"
#include "gateway/api/users_common.hpp"

namespace parley::gateway::api {
namespace {

namespace services = core::services;
using core::model::ChannelPolicyAttributes;
using core::store::Store;

nlohmann::json policyToJson(const ChannelPolicyAttributes& attributes) {
  return {{"channel_id", attributes.channelId}, {"label", attributes.label},
          {"mission", attributes.mission},      {"bridging", attributes.bridging},
          {"bridges", attributes.bridges},      {"guests", attributes.guests},
          {"update_at", attributes.updateAt},   {"updated_by", attributes.updatedBy}};
}

core::Result<ChannelPolicyAttributes> parsePolicy(const http::Request& request,
                                                  std::string channelId) {
  auto body = jsonObjectBody(request, "policy_attributes");
  if (!body) return std::move(body).error();
  ChannelPolicyAttributes attributes;
  attributes.channelId = std::move(channelId);
  std::optional<std::string> label;
  std::optional<std::string> mission;
  std::optional<std::string> bridging;
  std::optional<bool> guests;
  for (const auto& [key, slot] : {std::pair{"label", &label}, std::pair{"mission", &mission},
                                  std::pair{"bridging", &bridging}}) {
    if (auto read = readString(*body, key, *slot); !read) return std::move(read).error();
  }
  if (auto read = readBool(*body, "guests", guests); !read) return std::move(read).error();
  if (const auto bridges = body->find("bridges"); bridges != body->end() && !bridges->is_null()) {
    if (!bridges->is_array()) return invalidBodyParam("bridges");
    for (const auto& bridge : *bridges) {
      if (!bridge.is_string()) return invalidBodyParam("bridges");
      attributes.bridges.push_back(bridge.get<std::string>());
    }
  }
  attributes.label = label.value_or("");
  attributes.mission = mission.value_or("");
  if (bridging) attributes.bridging = *bridging;
  attributes.guests = guests.value_or(false);
  return attributes;
}

// GET /channels/{channel_id}/policy_attributes
asio::awaitable<http::Response> getPolicy(const ApiContext& api, http::Request& request,
                                          const AuthenticatedUser& caller) {
  const auto channelId = idParam(request, "channel_id");
  if (!channelId) co_return http::Response::error(channelId.error());
  auto attributes = co_await api.database->run([&caller, &channelId](Store& s) {
    return services::channelPolicyOf(s, caller.user, *channelId);
  });
  if (!attributes) co_return http::Response::error(std::move(attributes).error());
  co_return http::Response::json(200, policyToJson(*attributes));
}

// PUT /channels/{channel_id}/policy_attributes
asio::awaitable<http::Response> putPolicy(const ApiContext& api, http::Request& request,
                                          const AuthenticatedUser& caller) {
  const auto channelId = idParam(request, "channel_id");
  if (!channelId) co_return http::Response::error(channelId.error());
  auto parsed = parsePolicy(request, *channelId);
  if (!parsed) co_return http::Response::error(std::move(parsed).error());
  auto attributes = co_await api.database->run([&caller, &parsed](Store& s) {
    return services::setChannelPolicy(s, caller.user, std::move(*parsed));
  });
  if (!attributes) co_return http::Response::error(std::move(attributes).error());
  co_return http::Response::json(200, policyToJson(*attributes));
}

}  // namespace

void registerPolicyAttributeRoutes(http::Router& router, ApiContextPtr api) {
  using http_proto::verb;
  addCallerRoute(router, api, verb::get, "/api/v4/channels/{channel_id}/policy_attributes",
                 getPolicy);
  addCallerRoute(router, api, verb::put, "/api/v4/channels/{channel_id}/policy_attributes",
                 putPolicy);
}

}  // namespace parley::gateway::api
