#include "gateway/api/users.hpp"

#include <memory>

#include "core/common/blocking.hpp"
#include "core/common/log.hpp"
#include "core/model/id.hpp"
#include "core/model/user.hpp"
#include "core/services/session_service.hpp"
#include "gateway/api/json/session_json.hpp"
#include "gateway/api/json/user_json.hpp"
#include "gateway/api/session_context.hpp"
#include "gateway/api/users_common.hpp"
#include "gateway/http/forwarded.hpp"
#include "gateway/http/rate_limiter.hpp"

namespace parley::gateway::api {
namespace {

struct LoginLimits {
  explicit LoginLimits(const core::ClockPtr& clock)
      : perAddress(kLoginPerAddressPerSecond, kLoginPerAddressBurst, clock),
        perAccount(kLoginPerAccountPerSecond, kLoginPerAccountBurst, clock) {}
  http::RateLimiter perAddress;
  http::RateLimiter perAccount;
};

struct LoginRequest {
  std::string loginId;
  std::string password;
  std::string deviceId;
};

// {login_id, password, token, device_id}: every field present must be a string. The MFA
// `token` is accepted and ignored until multi-factor authentication exists.
core::Result<LoginRequest> parseLogin(const std::string& body) {
  const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return invalidBodyParam("login");
  LoginRequest login;
  for (auto [key, field] :
       {std::pair{"login_id", &login.loginId}, std::pair{"password", &login.password},
        std::pair{"device_id", &login.deviceId}}) {
    const auto it = json.find(key);
    if (it == json.end() || it->is_null()) continue;
    if (!it->is_string()) return invalidBodyParam(key);
    *field = it->get<std::string>();
  }
  if (const auto it = json.find("token"); it != json.end() && !it->is_null() && !it->is_string()) {
    return invalidBodyParam("token");
  }
  return login;
}

// POST /api/v4/users/login. The account is read in one database job, the password checked on
// the blocking pool, and the session written in a second job (session_service.hpp).
asio::awaitable<http::Response> login(const ApiContext& api, LoginLimits& limits,
                                      http::Request& request) {
  // Behind trusted proxies, per client: not one budget for everyone behind the proxy.
  const std::string client = http::clientAddress(request, api.config->server.trustedProxies);
  if (auto decision = limits.perAddress.take(client); !decision.allowed) {
    co_return http::tooManyRequests(limits.perAddress, decision);
  }
  auto parsed = parseLogin(request.body());
  if (!parsed) co_return http::Response::error(std::move(parsed).error());
  const LoginRequest& input = *parsed;
  const std::string accountKey = core::model::normalizeUsernameOrEmail(input.loginId);
  if (auto decision = limits.perAccount.take(accountKey); !decision.allowed) {
    co_return http::tooManyRequests(limits.perAccount, decision);
  }

  auto account = co_await api.database->run([&input](core::store::Store& store) {
    return core::services::findLoginAccount(store, input.loginId, input.password);
  });
  if (!account) co_return http::Response::error(std::move(account).error());
  const bool matches = co_await core::runBlocking(
      *api.blocking, [&account, &input] { return checkPassword(*account, input.password); });

  core::services::LoginOptions options;
  options.deviceId = input.deviceId;
  options.sessionLength = api.config->security.sessionLength;
  auto result = co_await api.database->run([&account, matches, &options](core::store::Store& s) {
    return core::services::completeLogin(s, *account, matches, options);
  });
  if (!result) {
    core::log::info(
        "auth", "login failed",
        {{"request_id", request.requestId()}, {"remote", client}, {"error_id", result.error().id}});
    co_return http::Response::error(std::move(result).error());
  }
  core::log::info("auth", "login",
                  {{"request_id", request.requestId()},
                   {"user_id", result->user.id},
                   {"session_id", result->session.id}});

  http::Response response = http::Response::json(200, json::userToJson(result->user));
  response.header("Token", result->token);
  if (request.header(http::kRequestedWithHeader) == http::kRequestedWithXml) {
    attachSessionCookies(response, api, *result);
  }
  co_return response;
}

// POST /api/v4/users/logout: revokes the caller's session if there is one; always clears the
// cookies and answers StatusOK, as Mattermost does.
asio::awaitable<http::Response> logout(const ApiContext& api, http::Request& request) {
  auto caller = co_await findSession(api, request);
  if (!caller) co_return authFailure(api, std::move(caller).error());
  if (caller->has_value()) {
    const core::model::Session& session = (*caller)->session;
    auto revoked = co_await api.database->run(
        [&session](core::store::Store& s) { return core::services::logout(s, session); });
    if (!revoked) co_return http::Response::error(std::move(revoked).error());
  }
  http::Response response = http::Response::statusOk();
  clearSessionCookies(response, api);
  co_return response;
}

// PUT /api/v4/users/sessions/device {device_id}: the mobile app registers its push token.
asio::awaitable<http::Response> attachDevice(const ApiContext& api, http::Request& request,
                                             const AuthenticatedUser& caller) {
  const auto json = nlohmann::json::parse(request.body(), nullptr, /*allow_exceptions=*/false);
  const auto field = json.is_object() ? json.find("device_id") : json.end();
  if (field == json.end() || !field->is_string()) {
    co_return http::Response::error(invalidBodyParam("device_id"));
  }
  const std::string deviceId = field->get<std::string>();
  auto attached = co_await api.database->run([&caller, &deviceId](core::store::Store& s) {
    return core::services::attachDevice(s, caller.session, deviceId);
  });
  if (!attached) co_return http::Response::error(std::move(attached).error());
  co_return http::Response::statusOk();
}

// GET /api/v4/users/{user_id}/sessions
asio::awaitable<http::Response> listSessions(const ApiContext& api, http::Request& request,
                                             const AuthenticatedUser& caller) {
  const auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(userId.error());
  auto sessions = co_await api.database->run([&caller, &userId](core::store::Store& s) {
    return core::services::sessionsOfUser(s, caller.user, *userId);
  });
  if (!sessions) co_return http::Response::error(std::move(sessions).error());
  nlohmann::json body = nlohmann::json::array();
  for (const auto& session : *sessions) body.push_back(json::sessionToJson(session));
  co_return http::Response::json(200, body);
}

// POST /api/v4/users/{user_id}/sessions/revoke {session_id}
asio::awaitable<http::Response> revokeSession(const ApiContext& api, http::Request& request,
                                              const AuthenticatedUser& caller) {
  const auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(userId.error());
  const auto json = nlohmann::json::parse(request.body(), nullptr, /*allow_exceptions=*/false);
  const auto field = json.is_object() ? json.find("session_id") : json.end();
  if (field == json.end() || !field->is_string() || field->get_ref<const std::string&>().empty()) {
    co_return http::Response::error(invalidBodyParam("session_id"));
  }
  const std::string sessionId = field->get<std::string>();
  auto revoked = co_await api.database->run([&caller, &userId, &sessionId](core::store::Store& s) {
    return core::services::revokeSessionOfUser(s, caller.user, *userId, sessionId);
  });
  if (!revoked) {
    core::Error error = std::move(revoked).error();
    // Mattermost answers an unknown session id with 400, not 404.
    const auto status =
        error.code == core::ErrorCode::kNotFound ? std::optional<unsigned>(400) : std::nullopt;
    co_return http::Response::error(std::move(error), status);
  }
  co_return http::Response::statusOk();
}

// POST /api/v4/users/{user_id}/sessions/revoke/all
asio::awaitable<http::Response> revokeAllSessions(const ApiContext& api, http::Request& request,
                                                  const AuthenticatedUser& caller) {
  const auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(userId.error());
  auto revoked = co_await api.database->run([&caller, &userId](core::store::Store& s) {
    return core::services::revokeAllSessionsOfUser(s, caller.user, *userId);
  });
  if (!revoked) co_return http::Response::error(std::move(revoked).error());
  co_return http::Response::statusOk();
}

}  // namespace

void registerUserRoutes(http::Router& router, ApiContextPtr api) {
  using http_proto::verb;
  // First: their /users/<word>/{x} patterns must come before /users/{user_id}/<word> ones.
  registerAccessTokenRoutes(router, api);
  registerUserProfileRoutes(router, api);
  auto limits = std::make_shared<LoginLimits>(api->clock);

  router.add(verb::post, "/api/v4/users/login",
             [api, limits](http::Request& request) { return login(*api, *limits, request); });

  router.add(verb::post, "/api/v4/users/logout",
             [api](http::Request& request) { return logout(*api, request); });

  // Routes whose handler is f(api, request, caller).
  const auto withCaller = [&router, &api](verb method, const char* pattern, auto handler) {
    addCallerRoute(router, api, method, pattern, handler);
  };
  withCaller(verb::put, "/api/v4/users/sessions/device", attachDevice);
  withCaller(verb::get, "/api/v4/users/{user_id}/sessions", listSessions);
  withCaller(verb::post, "/api/v4/users/{user_id}/sessions/revoke", revokeSession);
  withCaller(verb::post, "/api/v4/users/{user_id}/sessions/revoke/all", revokeAllSessions);

  router.add(verb::get, "/api/v4/users/me",
             withSession(api,
                         [](http::Request&,
                            const AuthenticatedUser& caller) -> asio::awaitable<http::Response> {
                           co_return http::Response::json(200, json::userToJson(caller.user));
                         }));
}

}  // namespace parley::gateway::api
