#include "gateway/api/client_support.hpp"

#include "gateway/api/session_context.hpp"

namespace parley::gateway::api {
namespace {

using http_proto::verb;

// Answers every request of a route with the same body, for a signed-in caller.
http::Handler constantForSession(ApiContextPtr api, unsigned status, nlohmann::json body) {
  auto shared = std::make_shared<const std::string>(body.dump());
  return withSession(std::move(api),
                     [status, shared](http::Request&,
                                      const AuthenticatedUser&) -> asio::awaitable<http::Response> {
                       co_return http::Response::json(status, *shared);
                     });
}

// Mattermost's answer to every emoji route while custom emoji are off (api4/emoji.go).
http::Handler emojiDisabled(ApiContextPtr api) {
  return withSession(
      std::move(api),
      [](http::Request&, const AuthenticatedUser&) -> asio::awaitable<http::Response> {
        co_return http::Response::error(
            core::makeError(core::ErrorCode::kNotImplemented, "api.emoji.disabled.app_error",
                            "Custom emoji have been disabled by the system admin."));
      });
}

}  // namespace

void registerClientSupportRoutes(http::Router& router, ApiContextPtr api) {
  // Parley licenses nothing and limits nothing: zero means "no limit" to the clients, which
  // then never show the user-limit banner or hide old history.
  router.add(verb::get, "/api/v4/limits/server",
             constantForSession(api, 200,
                                {{"maxUsersLimit", 0},
                                 {"maxUsersHardLimit", 0},
                                 {"activeUserCount", 0},
                                 {"singleChannelGuestCount", 0},
                                 {"singleChannelGuestLimit", 0},
                                 {"postHistoryLimit", 0},
                                 {"lastAccessiblePostTime", 0}}));
  for (const char* path : {"/api/v4/emoji", "/api/v4/emoji/name/{emoji_name}",
                           "/api/v4/emoji/{emoji_id}", "/api/v4/emoji/autocomplete"}) {
    router.add(verb::get, path, emojiDisabled(api));
  }
  router.add(verb::post, "/api/v4/emoji/search", emojiDisabled(api));
  router.add(verb::get, "/api/v4/plugins/webapp",
             constantForSession(api, 200, nlohmann::json::array()));
  router.add(verb::get, "/api/v4/system/notices/{team_id}",
             constantForSession(api, 200, nlohmann::json::array()));
}

}  // namespace parley::gateway::api
