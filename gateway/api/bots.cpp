#include "gateway/api/bots.hpp"

#include "core/common/log.hpp"
#include "core/services/bot_service.hpp"
#include "gateway/api/session_context.hpp"
#include "gateway/api/users_common.hpp"

namespace parley::gateway::api {
namespace {

namespace services = core::services;
using core::store::Store;

// Mattermost's Bot JSON (model/bot.go).
nlohmann::json botToJson(const core::model::Bot& bot) {
  return {{"user_id", bot.userId},           {"username", bot.username},
          {"display_name", bot.displayName}, {"description", bot.description},
          {"owner_id", bot.ownerId},         {"last_icon_update", bot.lastIconUpdate},
          {"create_at", bot.createAt},       {"update_at", bot.updateAt},
          {"delete_at", bot.deleteAt}};
}

core::Result<services::BotFields> parseBotFields(const http::Request& request) {
  auto body = jsonObjectBody(request, "bot");
  if (!body) return std::move(body).error();
  services::BotFields fields;
  for (const auto& [key, slot] :
       {std::pair{"username", &fields.username}, std::pair{"display_name", &fields.displayName},
        std::pair{"description", &fields.description}}) {
    const auto it = body->find(key);
    if (it == body->end() || it->is_null()) continue;
    if (!it->is_string()) return invalidBodyParam("bot");
    *slot = it->get<std::string>();
  }
  return fields;
}

asio::awaitable<http::Response> botResponse(core::Result<core::model::Bot> bot, unsigned status) {
  if (!bot) co_return userError(std::move(bot).error());
  co_return http::Response::json(status, botToJson(*bot));
}

// POST /bots {username, display_name, description}
asio::awaitable<http::Response> createBot(const ApiContext& api, http::Request& request,
                                          const AuthenticatedUser& caller) {
  auto fields = parseBotFields(request);
  if (!fields) co_return http::Response::error(std::move(fields).error());
  const bool enabled = api.config->security.enableBotAccountCreation;
  auto bot = co_await api.database->run([&caller, &fields, enabled](Store& s) {
    return services::createBot(s, caller.user, *fields, enabled);
  });
  if (bot) {
    core::log::info("users", "bot created",
                    {{"request_id", request.requestId()},
                     {"bot_user_id", bot->userId},
                     {"by", caller.user.id}});
  }
  co_return co_await botResponse(std::move(bot), 201);
}

// GET /bots?page&per_page&include_deleted&only_orphaned
asio::awaitable<http::Response> listBots(const ApiContext& api, http::Request& request,
                                         const AuthenticatedUser& caller) {
  const Paging paging = pagingOf(request);
  core::store::BotQuery query;
  query.offset = offsetOf(paging);
  query.limit = paging.perPage;
  query.includeDeleted = request.query().isTrue("include_deleted");
  query.onlyOrphaned = request.query().isTrue("only_orphaned");
  auto bots = co_await api.database->run(
      [&caller, &query](Store& s) { return services::listBots(s, caller.user, query); });
  if (!bots) co_return http::Response::error(std::move(bots).error());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& bot : *bots) out.push_back(botToJson(bot));
  co_return http::Response::json(200, out);
}

// GET /bots/{bot_user_id}?include_deleted
asio::awaitable<http::Response> getBot(const ApiContext& api, http::Request& request,
                                       const AuthenticatedUser& caller) {
  const auto botId = idParam(request, "bot_user_id");
  if (!botId) co_return http::Response::error(botId.error());
  const bool includeDeleted = request.query().isTrue("include_deleted");
  auto bot = co_await api.database->run([&caller, &botId, includeDeleted](Store& s) {
    return services::getBot(s, caller.user, *botId, includeDeleted);
  });
  co_return co_await botResponse(std::move(bot), 200);
}

// PUT /bots/{bot_user_id}
asio::awaitable<http::Response> patchBot(const ApiContext& api, http::Request& request,
                                         const AuthenticatedUser& caller) {
  const auto botId = idParam(request, "bot_user_id");
  if (!botId) co_return http::Response::error(botId.error());
  auto fields = parseBotFields(request);
  if (!fields) co_return http::Response::error(std::move(fields).error());
  auto bot = co_await api.database->run([&caller, &botId, &fields](Store& s) {
    return services::patchBot(s, caller.user, *botId, *fields);
  });
  co_return co_await botResponse(std::move(bot), 200);
}

// POST /bots/{bot_user_id}/disable|enable
asio::awaitable<http::Response> setBotActive(const ApiContext& api, http::Request& request,
                                             const AuthenticatedUser& caller, bool active) {
  const auto botId = idParam(request, "bot_user_id");
  if (!botId) co_return http::Response::error(botId.error());
  auto bot = co_await api.database->run([&caller, &botId, active](Store& s) {
    return services::setBotActive(s, caller.user, *botId, active);
  });
  co_return co_await botResponse(std::move(bot), 200);
}

}  // namespace

void registerBotRoutes(http::Router& router, ApiContextPtr api) {
  using http_proto::verb;
  const auto withCaller = [&router, &api](verb method, const char* pattern, auto handler) {
    addCallerRoute(router, api, method, pattern, handler);
  };
  withCaller(verb::post, "/api/v4/bots", createBot);
  withCaller(verb::get, "/api/v4/bots", listBots);
  withCaller(verb::get, "/api/v4/bots/{bot_user_id}", getBot);
  withCaller(verb::put, "/api/v4/bots/{bot_user_id}", patchBot);
  withCaller(verb::post, "/api/v4/bots/{bot_user_id}/disable",
             [](const ApiContext& a, http::Request& r, const AuthenticatedUser& c) {
               return setBotActive(a, r, c, false);
             });
  withCaller(verb::post, "/api/v4/bots/{bot_user_id}/enable",
             [](const ApiContext& a, http::Request& r, const AuthenticatedUser& c) {
               return setBotActive(a, r, c, true);
             });
}

}  // namespace parley::gateway::api
