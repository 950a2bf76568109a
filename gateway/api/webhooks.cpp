#include "gateway/api/webhooks.hpp"

#include <memory>

#include "core/common/await_callback.hpp"
#include "core/model/id.hpp"
#include "core/services/post_lanes.hpp"
#include "core/services/team_service.hpp"
#include "core/services/webhook_service.hpp"
#include "gateway/api/route_support.hpp"
#include "gateway/api/session_context.hpp"
#include "gateway/http/multipart.hpp"
#include "gateway/http/rate_limiter.hpp"

namespace parley::gateway::api {
namespace {

namespace services = core::services;
using core::model::IncomingWebhook;
using nlohmann::json;

json hookToJson(const IncomingWebhook& hook) {
  return {{"id", hook.id},
          {"create_at", hook.createAt},
          {"update_at", hook.updateAt},
          {"delete_at", hook.deleteAt},
          {"user_id", hook.userId},
          {"channel_id", hook.channelId},
          {"team_id", hook.teamId},
          {"display_name", hook.displayName},
          {"description", hook.description},
          {"username", hook.username},
          {"icon_url", hook.iconUrl},
          {"channel_locked", hook.channelLocked}};
}

core::Error incomingError(std::string detail) {
  return core::makeError(core::ErrorCode::kInvalidArgument, "api.webhook.incoming.error",
                         "Could not decode the multipart data of the incoming webhook.",
                         std::move(detail));
}

services::WebhookSettings settingsOf(const ApiContext& api) {
  const auto& config = api.config->webhooks;
  return {config.enableIncoming, config.enablePostUsernameOverride, config.enablePostIconOverride};
}

// The IncomingWebhook JSON of create and update: every field optional, of its type.
core::Result<services::IncomingWebhookInput> parseHookInput(const http::Request& request) {
  auto body = jsonObjectBody(request, "incoming_webhook");
  if (!body) return std::move(body).error();
  services::IncomingWebhookInput input;
  for (const auto& [key, field] :
       {std::pair{"id", &input.id}, std::pair{"channel_id", &input.channelId},
        std::pair{"user_id", &input.userId}, std::pair{"display_name", &input.displayName},
        std::pair{"description", &input.description}, std::pair{"username", &input.username},
        std::pair{"icon_url", &input.iconUrl}}) {
    std::optional<std::string> value;
    if (auto read = readString(*body, key, value); !read) return std::move(read).error();
    if (value) *field = std::move(*value);
  }
  std::optional<bool> locked;
  if (auto read = readBool(*body, "channel_locked", locked); !read) return std::move(read).error();
  input.channelLocked = locked.value_or(false);
  return input;
}

// Reading, listing and deleting answer 501 while hooks are off (creating and updating say so
// from the service).
std::optional<http::Response> refuseWhenDisabled(const ApiContext& api) {
  if (api.config->webhooks.enableIncoming) return std::nullopt;
  return http::Response::error(services::incomingWebhooksDisabled());
}

asio::awaitable<http::Response> createHook(const ApiContext& api, http::Request& request,
                                           const AuthenticatedUser& caller) {
  auto input = parseHookInput(request);
  if (!input) co_return http::Response::error(std::move(input).error());
  const auto settings = settingsOf(api);
  auto job = [&](core::store::Store& s) {
    return services::createIncomingWebhook(s, caller.user, *input, settings);
  };
  co_return co_await respond(api, job, hookToJson, 201);
}

asio::awaitable<http::Response> getHook(const ApiContext& api, http::Request& request,
                                        const AuthenticatedUser& caller) {
  if (auto refused = refuseWhenDisabled(api)) co_return std::move(*refused);
  auto hookId = idParam(request, "hook_id");
  if (!hookId) co_return http::Response::error(std::move(hookId).error());
  auto job = [&](core::store::Store& s) {
    return services::getIncomingWebhook(s, caller.user, *hookId);
  };
  co_return co_await respond(api, job, hookToJson);
}

asio::awaitable<http::Response> updateHook(const ApiContext& api, http::Request& request,
                                           const AuthenticatedUser& caller) {
  auto hookId = idParam(request, "hook_id");
  if (!hookId) co_return http::Response::error(std::move(hookId).error());
  auto input = parseHookInput(request);
  if (!input) co_return http::Response::error(std::move(input).error());
  const auto settings = settingsOf(api);
  auto job = [&](core::store::Store& s) {
    return services::updateIncomingWebhook(s, caller.user, *hookId, *input, settings);
  };
  co_return co_await respond(api, job, hookToJson);
}

asio::awaitable<http::Response> deleteHook(const ApiContext& api, http::Request& request,
                                           const AuthenticatedUser& caller) {
  if (auto refused = refuseWhenDisabled(api)) co_return std::move(*refused);
  auto hookId = idParam(request, "hook_id");
  if (!hookId) co_return http::Response::error(std::move(hookId).error());
  auto job = [&](core::store::Store& s) {
    return services::deleteIncomingWebhook(s, caller.user, *hookId);
  };
  co_return co_await respondOk(api, job);
}

asio::awaitable<http::Response> listHooks(const ApiContext& api, http::Request& request,
                                          const AuthenticatedUser& caller) {
  if (auto refused = refuseWhenDisabled(api)) co_return std::move(*refused);
  const std::string teamId(request.query().get("team_id").value_or(""));
  if (!teamId.empty() && !core::model::isValidId(teamId)) {
    co_return http::Response::error(services::invalidUrlParam("team_id"));
  }
  const Paging paging = pagingOf(request);
  const bool withTotal = request.query().isTrue("include_total_count");
  auto job = [&](core::store::Store& s) {
    return services::listIncomingWebhooks(s, caller.user, teamId, paging.page, paging.perPage,
                                          withTotal);
  };
  co_return co_await respond(api, job, [withTotal](const services::IncomingWebhookPage& page) {
    json hooks = jsonArray(page.hooks, hookToJson);
    if (!withTotal) return hooks;
    return json{{"incoming_webhooks", std::move(hooks)}, {"total_count", page.totalCount}};
  });
}

// `limiter` is null when webhooks.requests_per_second is 0.
asio::awaitable<http::Response> executeHook(const ApiContext& api, http::RateLimiter* limiter,
                                            http::Request& request) {
  const std::string hookId(request.param("hook_id"));
  if (limiter != nullptr) {
    if (auto decision = limiter->take(hookId); !decision.allowed) {
      co_return http::tooManyRequests(*limiter, decision);
    }
  }
  auto parsed = parseWebhookBody(request.header("Content-Type"), request.body());
  if (!parsed) co_return http::Response::error(std::move(parsed).error());
  if (!core::model::isValidId(hookId)) {
    co_return http::Response::error(core::makeError(core::ErrorCode::kInvalidArgument,
                                                    "web.incoming_webhook.invalid.app_error",
                                                    "Invalid webhook."));
  }
  const auto settings = settingsOf(api);
  auto done = co_await awaitCallback<core::Status>([&](auto reply) {
    api.database->submit([&api, &hookId, &parsed, &settings, reply](core::store::Store& s) {
      services::executeIncomingWebhook(s, *api.postLanes, hookId, *parsed, settings, reply);
    });
  });
  if (!done) co_return http::Response::error(std::move(done).error());
  co_return http::Response::text(200, "ok", "text/plain");
}

}  // namespace

core::Result<core::model::IncomingWebhookRequest> parseWebhookBody(std::string_view contentType,
                                                                   std::string_view body) {
  std::string mediaType(contentType.substr(0, contentType.find(';')));
  while (!mediaType.empty() && mediaType.back() == ' ') mediaType.pop_back();
  for (auto& c : mediaType) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));

  if (mediaType == "application/x-www-form-urlencoded") {
    const auto form = http::QueryParams::parse(body);
    return services::parseIncomingWebhookRequest(form.get("payload").value_or(""));
  }
  if (mediaType == "multipart/form-data") {
    auto boundary = http::multipartBoundary(contentType);
    if (!boundary || !boundary->has_value()) return incomingError("missing boundary");
    http::MultipartLimits limits;
    limits.maxParts = 16;
    auto parts = http::parseMultipart(body, **boundary, limits);
    if (!parts) return incomingError(parts.error().detail);
    core::model::IncomingWebhookRequest request;
    for (const auto& part : *parts) {
      const auto& name = part.headers.name;
      std::string* field = name == "text"         ? &request.text
                           : name == "channel"    ? &request.channel
                           : name == "username"   ? &request.username
                           : name == "icon_url"   ? &request.iconUrl
                           : name == "icon_emoji" ? &request.iconEmoji
                           : name == "type"       ? &request.type
                                                  : nullptr;
      if (field == nullptr) return incomingError("unknown field " + name);
      *field = part.body;
    }
    if (auto valid = services::validateIncomingWebhookRequest(request); !valid) {
      return std::move(valid).error();
    }
    return request;
  }
  return services::parseIncomingWebhookRequest(body);
}

void registerWebhookRoutes(http::Router& router, ApiContextPtr api) {
  using http_proto::verb;
  const auto session = [&api](auto handler) {
    return withSession(
        api, [context = api.get(), handler](http::Request& r, const AuthenticatedUser& u) {
          return handler(*context, r, u);
        });
  };
  router.add(verb::post, "/api/v4/hooks/incoming", session(createHook));
  router.add(verb::get, "/api/v4/hooks/incoming", session(listHooks));
  router.add(verb::get, "/api/v4/hooks/incoming/{hook_id}", session(getHook));
  router.add(verb::put, "/api/v4/hooks/incoming/{hook_id}", session(updateHook));
  router.add(verb::delete_, "/api/v4/hooks/incoming/{hook_id}", session(deleteHook));

  const auto& config = api->config->webhooks;
  std::shared_ptr<http::RateLimiter> limiter;
  if (config.requestsPerSecond > 0) {
    limiter = std::make_shared<http::RateLimiter>(config.requestsPerSecond, config.requestBurst,
                                                  api->clock);
  }
  router.add(verb::post, "/hooks/{hook_id}",
             [api, limiter](http::Request& r) { return executeHook(*api, limiter.get(), r); });
}

}  // namespace parley::gateway::api
