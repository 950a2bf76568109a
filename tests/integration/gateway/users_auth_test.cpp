// Login, sessions and request authentication on the real parleyd binary against a real
// PostgreSQL (reference/mattermost-api.md §3): tokens, cookies, CSRF, logout, expiry, the
// masked credentials error, failed-attempt lock-out and the login rate limit.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/algorithm/string/predicate.hpp>
#include <chrono>
#include <future>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "core/model/id.hpp"
#include "tests/integration/gateway/parleyd_fixture.hpp"

namespace parley::testing {
namespace {

using gateway::http::ClientRequest;
using gateway::http::ClientResponse;

constexpr const char* kPassword = "correct horse battery";
using Headers = std::vector<std::pair<std::string, std::string>>;

// The Set-Cookie values of a response.
std::vector<std::string> cookiesOf(const ClientResponse& response) {
  std::vector<std::string> cookies;
  for (const auto& [name, value] : response.headers) {
    if (boost::algorithm::iequals(name, "Set-Cookie")) cookies.push_back(value);
  }
  return cookies;
}

// The Set-Cookie value for cookie `name`, or "".
std::string cookieNamed(const ClientResponse& response, const std::string& name) {
  for (const auto& cookie : cookiesOf(response)) {
    if (cookie.starts_with(name + "=")) return cookie;
  }
  return "";
}

// "NAME=value; ..." → "value".
std::string cookieValueOf(const std::string& setCookie) {
  const auto equals = setCookie.find('=');
  return setCookie.substr(equals + 1, setCookie.find(';') - equals - 1);
}

class UsersAuthTest : public ParleydTest {
 protected:
  // A server with a first administrator "admin" / admin@example.org and kPassword.
  void startWithAdmin(const std::string& extraConfig = "") {
    const auto config = writeConfig(extraConfig);
    migrate(config);
    const auto passwordFile = dir_.write("admin-password", std::string(kPassword) + "\n");
    const auto created =
        parleyd({"init-admin", "--config", config.string(), "--username", "admin", "--email",
                 "admin@example.org", "--password-file", passwordFile.string()});
    ASSERT_EQ(created.exitCode, 0) << created.err << created.out;
    server_ = std::make_unique<ParleydServer>(config, env_);
  }

  ClientResponse call(const std::string& method, const std::string& path, std::string body = "",
                      Headers headers = {}) {
    ClientRequest request;
    request.method = method;
    request.url = server_->url() + path;
    request.body = std::move(body);
    request.headers = std::move(headers);
    return send(request);
  }

  ClientResponse login(const std::string& loginId, const std::string& password,
                       Headers headers = {}) {
    const nlohmann::json body = {
        {"login_id", loginId}, {"password", password}, {"token", ""}, {"device_id", ""}};
    return call("POST", "/api/v4/users/login", body.dump(), std::move(headers));
  }

  // Logs in as the admin and returns the session token.
  std::string loginToken() {
    const auto response = login("admin", kPassword);
    EXPECT_EQ(response.status, 200u) << response.body;
    return response.header("Token");
  }

  ClientResponse me(Headers headers) {
    return call("GET", "/api/v4/users/me", "", std::move(headers));
  }

  static Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

  // The value of an unlabelled metric on /metrics.
  double metric(const std::string& name) {
    const auto response = get(server_->url() + "/metrics");
    const auto at = response.body.find("\n" + name + " ");
    EXPECT_NE(at, std::string::npos) << name;
    return at == std::string::npos ? -1 : std::stod(response.body.substr(at + name.size() + 2));
  }

  // Polls GET /users/me with `headers` until it answers `status`, for up to 5 s: a change made
  // by another process (psql here) reaches the server's session cache through a NOTIFY, a few
  // milliseconds after it committed.
  ClientResponse meUntil(unsigned status, const Headers& headers) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
      auto response = me(headers);
      if (response.status == status || std::chrono::steady_clock::now() >= deadline) {
        return response;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  void TearDown() override {
    if (HasFailure() && server_) std::cerr << "parleyd log:\n" << server_->log();
  }

  std::unique_ptr<ParleydServer> server_;
};

TEST_F(UsersAuthTest, LoginByUsernameOrEmailGivesATokenThatAuthenticatesMe) {
  startWithAdmin();
  const auto byName = login("admin", kPassword);
  ASSERT_EQ(byName.status, 200u) << byName.body;
  const std::string token = byName.header("Token");
  EXPECT_TRUE(core::model::isValidId(token)) << token;
  EXPECT_TRUE(cookiesOf(byName).empty()) << "cookies only for XMLHttpRequest logins";
  const auto user = nlohmann::json::parse(byName.body);
  EXPECT_EQ(user["username"], "admin");
  EXPECT_EQ(user["email"], "admin@example.org");
  EXPECT_FALSE(user.contains("password"));
  EXPECT_EQ(user.value("auth_data", ""), "");
  EXPECT_TRUE(core::model::isValidId(user["id"].get<std::string>()));
  EXPECT_GT(user["last_login"].get<std::int64_t>(), 0);

  const auto byEmail = login("  ADMIN@example.org ", kPassword);
  ASSERT_EQ(byEmail.status, 200u) << byEmail.body;
  EXPECT_NE(byEmail.header("Token"), token) << "every login is a new session";

  const auto self = me(bearer(token));
  ASSERT_EQ(self.status, 200u) << self.body;
  const auto body = nlohmann::json::parse(self.body);
  EXPECT_EQ(body["id"], user["id"]);
  EXPECT_NE(body["roles"].get<std::string>().find("system_admin"), std::string::npos);
  EXPECT_FALSE(body.contains("password"));
  for (const char* field :
       {"create_at", "update_at", "delete_at", "username", "auth_service", "email",
        "email_verified", "nickname", "first_name", "last_name", "position", "roles", "locale",
        "timezone", "notify_props", "last_password_update", "disable_welcome_email"}) {
    EXPECT_TRUE(body.contains(field)) << field;
  }

  // The legacy "Token" scheme works too.
  EXPECT_EQ(me({{"Authorization", "Token " + token}}).status, 200u);

  // Only the SHA-256 of the token is stored.
  const auto hashed =
      psql("SELECT count(*) FROM sessions WHERE token_hash = sha256('" + token + "'::bytea)");
  EXPECT_EQ(hashed.out, "1\n") << hashed.err;
  const auto plain = psql("SELECT count(*) FROM sessions s WHERE s::text LIKE '%" + token + "%'");
  EXPECT_EQ(plain.out, "0\n") << plain.err;

  const std::string log = server_->log();
  EXPECT_EQ(log.find(kPassword), std::string::npos) << "the password must never reach a log";
  EXPECT_EQ(log.find(token), std::string::npos) << "tokens must never reach a log";
}

TEST_F(UsersAuthTest, WrongPasswordAndUnknownUserGetTheSameAnswer) {
  startWithAdmin();
  const auto wrong = login("admin", "not the password");
  const auto unknown = login("nobody", kPassword);
  ASSERT_EQ(wrong.status, 401u) << wrong.body;
  ASSERT_EQ(unknown.status, 401u) << unknown.body;
  const auto wrongBody = errorBody(wrong);
  const auto unknownBody = errorBody(unknown);
  EXPECT_EQ(wrongBody["id"], "api.user.login.invalid_credentials_email_username");
  EXPECT_EQ(unknownBody["id"], wrongBody["id"]);
  EXPECT_EQ(unknownBody["message"], wrongBody["message"]);
  EXPECT_EQ(wrong.header("Token"), "");

  const auto failures = psql("SELECT failed_attempts FROM users WHERE username = 'admin'");
  EXPECT_EQ(failures.out, "1\n") << failures.err;
  ASSERT_EQ(login("admin", kPassword).status, 200u);
  EXPECT_EQ(psql("SELECT failed_attempts FROM users WHERE username = 'admin'").out, "0\n")
      << "a successful login resets the count";
}

TEST_F(UsersAuthTest, BadRequestsAndBadTokensAreRefusedWithMattermostIds) {
  startWithAdmin();
  const auto malformed = call("POST", "/api/v4/users/login", "{\"login_id\": ");
  EXPECT_EQ(malformed.status, 400u);
  EXPECT_EQ(errorBody(malformed)["id"], "api.context.invalid_body_param.app_error");
  const auto wrongType =
      call("POST", "/api/v4/users/login", R"({"login_id":"admin","password":7})");
  EXPECT_EQ(wrongType.status, 400u);
  EXPECT_EQ(errorBody(wrongType)["id"], "api.context.invalid_body_param.app_error");
  const auto blank = login("admin", "");
  EXPECT_EQ(blank.status, 400u);
  EXPECT_EQ(errorBody(blank)["id"], "api.user.login.blank_pwd.app_error");

  for (const Headers& headers : {Headers{}, bearer("nosuchtoken"), bearer(core::model::newId()),
                                 Headers{{"Authorization", "Basic YWRtaW46cGFzc3dvcmQ="}}}) {
    const auto refused = me(headers);
    EXPECT_EQ(refused.status, 401u) << refused.body;
    EXPECT_EQ(errorBody(refused)["id"], "api.context.session_expired.app_error");
  }

  const std::string token = loginToken();
  const auto inQuery = call("GET", "/api/v4/users/me?access_token=" + token);
  EXPECT_EQ(inQuery.status, 401u);
  EXPECT_EQ(errorBody(inQuery)["id"], "api.context.token_provided.app_error");
  // Tokens are cut to 50 characters, so trailing garbage past that does not matter.
  EXPECT_EQ(me(bearer(token + std::string(24, ' ') + "x")).status, 401u);
  EXPECT_EQ(me(bearer(token + std::string(24, 'x') + "tail")).status, 401u);
}

TEST_F(UsersAuthTest, CookieLoginSetsCookiesAndCookieWritesNeedCsrfProof) {
  startWithAdmin();
  const auto response = login("admin", kPassword, {{"X-Requested-With", "XMLHttpRequest"}});
  ASSERT_EQ(response.status, 200u) << response.body;
  const std::string authCookie = cookieNamed(response, "MMAUTHTOKEN");
  const std::string userCookie = cookieNamed(response, "MMUSERID");
  const std::string csrfCookie = cookieNamed(response, "MMCSRF");
  const std::string token = response.header("Token");
  EXPECT_EQ(cookieValueOf(authCookie), token);
  EXPECT_NE(authCookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(authCookie.find("Path=/"), std::string::npos);
  EXPECT_NE(authCookie.find("Max-Age=2592000"), std::string::npos) << "30 days by default";
  EXPECT_EQ(authCookie.find("Secure"), std::string::npos) << "the site URL is http";
  EXPECT_EQ(cookieValueOf(userCookie), nlohmann::json::parse(response.body)["id"]);
  EXPECT_EQ(userCookie.find("HttpOnly"), std::string::npos) << "read by the web app";
  const std::string csrf = cookieValueOf(csrfCookie);
  EXPECT_TRUE(core::model::isValidId(csrf));
  EXPECT_EQ(csrfCookie.find("HttpOnly"), std::string::npos) << "read by the web app";

  const std::string cookie = "MMAUTHTOKEN=" + token + "; MMUSERID=x; MMCSRF=" + csrf;
  EXPECT_EQ(me({{"Cookie", cookie}}).status, 200u) << "GET needs no CSRF proof";
  EXPECT_EQ(me({{"Cookie", cookie}, {"Authorization", "Bearer " + core::model::newId()}}).status,
            200u)
      << "the cookie wins over the header";

  // A cross-site form post carries the cookie but can set neither header.
  const auto forged = call("POST", "/api/v4/users/logout", "", {{"Cookie", cookie}});
  EXPECT_EQ(forged.status, 401u) << forged.body;
  EXPECT_EQ(errorBody(forged)["id"], "api.context.session_expired.app_error");
  EXPECT_FALSE(cookieNamed(forged, "MMAUTHTOKEN").empty()) << "the cookie is cleared";
  const auto wrongCsrf = call("POST", "/api/v4/users/logout", "",
                              {{"Cookie", cookie}, {"X-CSRF-Token", core::model::newId()}});
  EXPECT_EQ(wrongCsrf.status, 401u);
  EXPECT_EQ(me({{"Cookie", cookie}}).status, 200u) << "refused writes did not log out";

  const auto loggedOut =
      call("POST", "/api/v4/users/logout", "", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  ASSERT_EQ(loggedOut.status, 200u) << loggedOut.body;
  EXPECT_EQ(nlohmann::json::parse(loggedOut.body), nlohmann::json({{"status", "OK"}}));
  for (const char* name : {"MMAUTHTOKEN", "MMUSERID", "MMCSRF"}) {
    const auto cleared = cookieNamed(loggedOut, name);
    EXPECT_NE(cleared.find("Max-Age=0"), std::string::npos) << name << ": " << cleared;
  }
  EXPECT_EQ(me({{"Cookie", cookie}}).status, 401u);
  EXPECT_EQ(me(bearer(token)).status, 401u);

  // X-Requested-With: XMLHttpRequest is proof enough (Mattermost's non-strict CSRF mode).
  const auto second = login("admin", kPassword, {{"X-Requested-With", "XMLHttpRequest"}});
  const std::string secondCookie = "MMAUTHTOKEN=" + second.header("Token");
  const auto xhrLogout = call("POST", "/api/v4/users/logout", "",
                              {{"Cookie", secondCookie}, {"X-Requested-With", "XMLHttpRequest"}});
  EXPECT_EQ(xhrLogout.status, 200u) << xhrLogout.body;
  EXPECT_EQ(me({{"Cookie", secondCookie}}).status, 401u);
}

TEST_F(UsersAuthTest, LogoutRevokesOnlyThatSession) {
  startWithAdmin();
  const std::string first = loginToken();
  const std::string second = loginToken();
  // Known to the server's session cache from here on.
  ASSERT_EQ(me(bearer(first)).status, 200u);
  ASSERT_EQ(me(bearer(second)).status, 200u);
  const auto out = call("POST", "/api/v4/users/logout", "", bearer(first));
  ASSERT_EQ(out.status, 200u) << out.body;
  // At once, not soon: the logout's own connection heard it before the response was sent.
  EXPECT_EQ(me(bearer(first)).status, 401u);
  EXPECT_EQ(me(bearer(second)).status, 200u);
  EXPECT_EQ(call("POST", "/api/v4/users/logout").status, 200u) << "without a session: StatusOK";
}

TEST_F(UsersAuthTest, ADeviceKeepsOneSession) {
  startWithAdmin();
  const nlohmann::json mobile = {
      {"login_id", "admin"}, {"password", kPassword}, {"device_id", "android_rn-v2:push1"}};
  const auto phone = call("POST", "/api/v4/users/login", mobile.dump());
  ASSERT_EQ(phone.status, 200u) << phone.body;
  const auto again = call("POST", "/api/v4/users/login", mobile.dump());
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(me(bearer(phone.header("Token"))).status, 401u) << "replaced by the new login";
  EXPECT_EQ(me(bearer(again.header("Token"))).status, 200u);

  // The mobile app registers its push token after logging in.
  const std::string other = loginToken();
  const auto attached = call("PUT", "/api/v4/users/sessions/device",
                             R"({"device_id":"android_rn-v2:push1"})", bearer(other));
  ASSERT_EQ(attached.status, 200u) << attached.body;
  EXPECT_EQ(nlohmann::json::parse(attached.body), nlohmann::json({{"status", "OK"}}));
  EXPECT_EQ(me(bearer(again.header("Token"))).status, 401u) << "the device moved to `other`";
  EXPECT_EQ(me(bearer(other)).status, 200u);
  EXPECT_EQ(psql("SELECT device_id FROM sessions").out, "android_rn-v2:push1\n");

  for (const char* body : {"", "{}", R"({"device_id":""})", R"({"device_id":5})"}) {
    const auto bad = call("PUT", "/api/v4/users/sessions/device", body, bearer(other));
    EXPECT_EQ(bad.status, 400u) << body;
    EXPECT_EQ(errorBody(bad)["id"], "api.context.invalid_body_param.app_error") << body;
  }
  EXPECT_EQ(call("PUT", "/api/v4/users/sessions/device", R"({"device_id":"x"})").status, 401u);
}

TEST_F(UsersAuthTest, UsersListAndRevokeTheirSessionsAndAdminsAnyones) {
  startWithAdmin();
  // A second, ordinary account with the admin's password (no sign-up route yet).
  const std::string bobId = core::model::newId();
  ASSERT_EQ(psql("INSERT INTO users (id, username, email, password, roles) SELECT '" + bobId +
                 "', 'bob', 'bob@example.org', password, 'system_user' FROM users")
                .exitCode,
            0);
  const std::string admin1 = loginToken();
  const std::string admin2 = loginToken();
  const auto bobLogin = login("bob", kPassword);
  ASSERT_EQ(bobLogin.status, 200u) << bobLogin.body;
  const std::string bob = bobLogin.header("Token");

  const auto mine = call("GET", "/api/v4/users/me/sessions", "", bearer(admin1));
  ASSERT_EQ(mine.status, 200u) << mine.body;
  const auto sessions = nlohmann::json::parse(mine.body);
  ASSERT_EQ(sessions.size(), 2u);
  for (const auto& session : sessions) {
    EXPECT_EQ(session["token"], "");
    EXPECT_TRUE(core::model::isValidId(session["id"].get<std::string>()));
    EXPECT_NE(session["roles"].get<std::string>().find("system_admin"), std::string::npos);
  }
  EXPECT_EQ(mine.body.find(admin1), std::string::npos);
  EXPECT_EQ(mine.body.find(admin2), std::string::npos);
  const std::string adminId = sessions[0]["user_id"];

  const auto spying = call("GET", "/api/v4/users/" + adminId + "/sessions", "", bearer(bob));
  EXPECT_EQ(spying.status, 403u);
  EXPECT_EQ(errorBody(spying)["id"], "api.context.permissions.app_error");
  const auto badId = call("GET", "/api/v4/users/nope/sessions", "", bearer(bob));
  EXPECT_EQ(badId.status, 400u);
  EXPECT_EQ(errorBody(badId)["id"], "api.context.invalid_url_param.app_error");
  const auto bobs = call("GET", "/api/v4/users/" + bobId + "/sessions", "", bearer(admin1));
  ASSERT_EQ(bobs.status, 200u) << bobs.body;
  const std::string bobSession = nlohmann::json::parse(bobs.body).at(0)["id"];

  const auto revokePath = "/api/v4/users/" + adminId + "/sessions/revoke";
  const nlohmann::json first = {{"session_id", sessions[0]["id"]}};
  EXPECT_EQ(call("POST", revokePath, first.dump(), bearer(bob)).status, 403u);
  const nlohmann::json notTheirs = {{"session_id", bobSession}};
  const auto mismatch = call("POST", revokePath, notTheirs.dump(), bearer(admin1));
  EXPECT_EQ(mismatch.status, 400u);
  EXPECT_EQ(errorBody(mismatch)["id"], "api.context.invalid_url_param.app_error");
  const nlohmann::json unknown = {{"session_id", core::model::newId()}};
  EXPECT_EQ(call("POST", revokePath, unknown.dump(), bearer(admin1)).status, 400u);
  EXPECT_EQ(call("POST", revokePath, "{}", bearer(admin1)).status, 400u);

  // sessions[0] is admin1's or admin2's (same activity time): exactly that one must stop working.
  const auto revoked = call("POST", revokePath, first.dump(), bearer(admin1));
  ASSERT_EQ(revoked.status, 200u) << revoked.body;
  const int alive = (me(bearer(admin1)).status == 200u) + (me(bearer(admin2)).status == 200u);
  EXPECT_EQ(alive, 1) << "exactly the named session is gone";
  EXPECT_EQ(me(bearer(bob)).status, 200u);

  const auto all = call("POST", "/api/v4/users/" + bobId + "/sessions/revoke/all", "",
                        bearer(me(bearer(admin1)).status == 200u ? admin1 : admin2));
  ASSERT_EQ(all.status, 200u) << all.body;
  EXPECT_EQ(me(bearer(bob)).status, 401u);
}

TEST_F(UsersAuthTest, ExpiredSessionsAndDeactivatedUsersAreRefused) {
  startWithAdmin();
  const std::string token = loginToken();
  ASSERT_EQ(me(bearer(token)).status, 200u);
  const auto expired = psql("UPDATE sessions SET expires_at = 1");
  ASSERT_EQ(expired.exitCode, 0) << expired.err;
  const auto refused = meUntil(401, bearer(token));
  EXPECT_EQ(refused.status, 401u);
  EXPECT_EQ(errorBody(refused)["id"], "api.context.session_expired.app_error");
  EXPECT_EQ(psql("SELECT count(*) FROM sessions").out, "0\n") << "an expired session is deleted";

  const std::string live = loginToken();
  ASSERT_EQ(me(bearer(live)).status, 200u);
  ASSERT_EQ(psql("UPDATE users SET delete_at = 1").exitCode, 0);
  EXPECT_EQ(meUntil(401, bearer(live)).status, 401u);
  const auto inactive = login("admin", kPassword);
  EXPECT_EQ(inactive.status, 401u);
  EXPECT_EQ(errorBody(inactive)["id"], "api.user.login.inactive.app_error");
}

TEST_F(UsersAuthTest, AKnownSessionCostsNoDatabaseWorkUntilItsUserChanges) {
  startWithAdmin();
  const std::string token = loginToken();
  ASSERT_EQ(me(bearer(token)).status, 200u);
  EXPECT_EQ(metric("parley_session_cache_trusted"), 1);
  // parleyd's own background work may run a job now and then: the fewest jobs over a few rounds
  // of five requests is what the requests cost (a request that cost one would show in each).
  double fewestJobs = std::numeric_limits<double>::max();
  for (int round = 0; round < 3 && fewestJobs > 0; ++round) {
    const double jobs = metric("parley_db_jobs_completed");
    const double hits = metric("parley_session_cache_hits");
    for (int i = 0; i < 5; ++i) ASSERT_EQ(me(bearer(token)).status, 200u);
    fewestJobs = std::min(fewestJobs, metric("parley_db_jobs_completed") - jobs);
    EXPECT_EQ(metric("parley_session_cache_hits"), hits + 5) << "each request found its session";
  }
  EXPECT_EQ(fewestJobs, 0) << "five requests, not one database job";

  // Changed by another process: the cached user goes, the new roles are seen.
  ASSERT_EQ(psql("UPDATE users SET roles = 'system_user', nickname = 'demoted'").exitCode, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  nlohmann::json self;
  do {
    const auto response = me(bearer(token));
    ASSERT_EQ(response.status, 200u) << response.body;
    self = nlohmann::json::parse(response.body);
  } while (self["nickname"] != "demoted" && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(self["nickname"], "demoted");
  EXPECT_EQ(self["roles"], "system_user");
}

TEST_F(UsersAuthTest, SessionLengthComesFromTheConfiguration) {
  startWithAdmin("security:\n  session_length: 2h\n");
  const auto response = login("admin", kPassword, {{"X-Requested-With", "XMLHttpRequest"}});
  ASSERT_EQ(response.status, 200u) << response.body;
  EXPECT_NE(cookieNamed(response, "MMAUTHTOKEN").find("Max-Age=7200"), std::string::npos);
  const auto length = psql("SELECT expires_at - create_at FROM sessions");
  EXPECT_EQ(length.out, "7200000\n") << length.err;
}

TEST_F(UsersAuthTest, TooManyWrongPasswordsLockTheAccount) {
  startWithAdmin();
  for (int i = 0; i < 10; ++i) {
    const auto wrong = login("admin", "wrong password " + std::to_string(i));
    ASSERT_EQ(wrong.status, 401u) << i << wrong.body;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));  // under the rate limit
  }
  const auto locked = login("admin", kPassword);
  EXPECT_EQ(locked.status, 401u);
  EXPECT_EQ(errorBody(locked)["id"], "api.user.check_user_login_attempts.too_many.app_error");
}

TEST_F(UsersAuthTest, LoginIsRateLimitedPerClientAddress) {
  startWithAdmin();
  // All at once, so that the bucket (a burst of 10, refilled at 5/s) cannot refill between
  // attempts however slowly a loaded machine answers them.
  constexpr int kAttempts = 30;
  std::vector<std::future<ClientResponse>> attempts;
  for (int i = 0; i < kAttempts; ++i) {
    attempts.push_back(std::async(
        std::launch::async, [this, i] { return login("nobody" + std::to_string(i), kPassword); }));
  }
  unsigned limited = 0;
  ClientResponse refused;
  for (auto& attempt : attempts) {
    auto response = attempt.get();
    if (response.status == 429u) {
      ++limited;
      refused = std::move(response);
    } else {
      EXPECT_EQ(response.status, 401u) << response.body;
    }
  }
  EXPECT_GE(limited, 10u) << "a burst of 10, refilled at 5/s";
  ASSERT_EQ(refused.status, 429u);
  EXPECT_EQ(errorBody(refused)["id"], "api.context.rate_limit_exceeded.app_error");
  EXPECT_EQ(refused.header("X-RateLimit-Limit"), "10");
  EXPECT_FALSE(refused.header("Retry-After").empty());
  EXPECT_EQ(get(server_->url() + "/api/v4/system/ping").status, 200u)
      << "only login is limited this tightly";
}

}  // namespace
}  // namespace parley::testing
