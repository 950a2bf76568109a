// User accounts beyond login (reference/mattermost-api.md §5.2, §9): creation under the
// sign-up rules, lookups, lists and search, patches, deactivation, passwords, statuses,
// preferences and the default profile image. Permissions are the services' business
// (core/services/user_service.hpp); this file parses, validates and serialises.

#include <memory>

#include "core/common/blocking.hpp"
#include "core/common/log.hpp"
#include "core/model/id.hpp"
#include "core/security/password.hpp"
#include "core/services/status_service.hpp"
#include "core/services/user_service.hpp"
#include "gateway/api/avatar.hpp"
#include "gateway/api/json/user_json.hpp"
#include "gateway/api/session_context.hpp"
#include "gateway/api/users.hpp"
#include "gateway/api/users_common.hpp"

namespace parley::gateway::api {
namespace {

namespace services = core::services;
using core::store::Store;

// Autocomplete answers at most this many users per list, search at most kSearchLimitMax.
constexpr std::int64_t kAutocompleteLimit = 100;
constexpr std::int64_t kSearchLimitDefault = 100;
constexpr std::int64_t kSearchLimitMax = 1000;

// The fields of a User JSON a client may send. Every field present must have its JSON type;
// a mistyped one is invalid_body_param "user", as Go's decoder fails there.
core::Result<services::UserFields> parseUserFields(const nlohmann::json& json) {
  services::UserFields fields;
  const std::pair<const char*, std::optional<std::string>*> texts[] = {
      {"username", &fields.username},    {"email", &fields.email},
      {"password", &fields.password},    {"nickname", &fields.nickname},
      {"first_name", &fields.firstName}, {"last_name", &fields.lastName},
      {"position", &fields.position},    {"locale", &fields.locale}};
  for (const auto& [key, slot] : texts) {
    const auto it = json.find(key);
    if (it == json.end() || it->is_null()) continue;
    if (!it->is_string()) return invalidBodyParam("user");
    *slot = it->get<std::string>();
  }
  const std::pair<const char*, std::optional<nlohmann::json>*> objects[] = {
      {"props", &fields.props},
      {"notify_props", &fields.notifyProps},
      {"timezone", &fields.timezone}};
  for (const auto& [key, slot] : objects) {
    const auto it = json.find(key);
    if (it == json.end() || it->is_null()) continue;
    if (!it->is_object()) return invalidBodyParam("user");
    *slot = *it;
  }
  if (const auto it = json.find("allow_marketing"); it != json.end() && !it->is_null()) {
    if (!it->is_boolean()) return invalidBodyParam("user");
    fields.allowMarketing = it->get<bool>();
  }
  return fields;
}

services::SignupSettings signupSettings(const ApiContext& api) {
  return {api.config->security.enableUserCreation, api.config->security.enableOpenServer};
}

// POST /api/v4/users: no session required; an admin's session bypasses the sign-up rules.
asio::awaitable<http::Response> createUser(const ApiContext& api, http::Request& request) {
  auto session = co_await findSession(api, request);
  if (!session) co_return authFailure(api, std::move(session).error());
  const core::model::User* caller = session->has_value() ? &(*session)->user : nullptr;

  auto body = jsonObjectBody(request, "user");
  if (!body) co_return http::Response::error(std::move(body).error());
  auto fields = parseUserFields(*body);
  if (!fields) co_return http::Response::error(std::move(fields).error());
  auto user = services::newUserFromFields(*fields, api.clock->nowMillis());
  if (!user) co_return http::Response::error(std::move(user).error());

  const services::SignupSettings settings = signupSettings(api);
  auto allowed = co_await api.database->run(
      [&caller, &settings](Store& s) { return services::checkSignupAllowed(s, caller, settings); });
  if (!allowed) co_return http::Response::error(std::move(allowed).error());

  const std::string& password = *fields->password;
  // runBlocking needs a default-constructible result, which Result<T> is not.
  auto hash = co_await core::runBlocking(
      *api.blocking, [&password] { return std::optional(core::security::hashPassword(password)); });
  if (!*hash) co_return http::Response::error(std::move(*hash).error());
  user->passwordHash = std::move(**hash);

  auto created = co_await api.database->run([&caller, &user, &settings](Store& s) {
    return services::createUser(s, caller, *user, settings);
  });
  if (!created) co_return userError(std::move(created).error());
  core::log::info("users", "user created",
                  {{"request_id", request.requestId()},
                   {"user_id", created->id},
                   {"by", caller != nullptr ? caller->id : std::string()},
                   {"roles", created->roles}});
  co_return http::Response::json(201, json::userToJson(*created));
}

// GET /users/{user_id}
asio::awaitable<http::Response> getUser(const ApiContext& api, http::Request& request,
                                        const AuthenticatedUser& caller) {
  const auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(userId.error());
  auto user = co_await api.database->run(
      [&caller, &userId](Store& s) { return services::getVisibleUser(s, caller.user, *userId); });
  if (!user) co_return http::Response::error(std::move(user).error());
  co_return http::Response::json(200, userFor(*user, caller));
}

// GET /users/username/{username} and /users/email/{email}
asio::awaitable<http::Response> getUserByName(const ApiContext& api, http::Request& request,
                                              const AuthenticatedUser& caller, bool byEmail) {
  const char* param = byEmail ? "email" : "username";
  const std::string key = core::model::normalizeUsernameOrEmail(request.param(param));
  if (byEmail ? !core::model::isValidEmail(key) : !core::model::isValidUsername(key)) {
    co_return http::Response::error(invalidUrlParam(param));
  }
  auto user = co_await api.database->run([&caller, &key, byEmail](Store& s) {
    return byEmail ? services::getVisibleUserByEmail(s, caller.user, key)
                   : services::getVisibleUserByUsername(s, caller.user, key);
  });
  if (!user) co_return http::Response::error(std::move(user).error());
  co_return http::Response::json(200, userFor(*user, caller));
}

// POST /users/ids[?since=<ms>]: the visible users among the ids; unknown ids are left out.
asio::awaitable<http::Response> getUsersByIds(const ApiContext& api, http::Request& request,
                                              const AuthenticatedUser& caller) {
  auto ids = stringArrayBody(request, "user_ids", services::kMaxIdsPerRequest);
  if (!ids) co_return http::Response::error(std::move(ids).error());
  for (const auto& id : *ids) {
    if (!core::model::isValidId(id)) co_return http::Response::error(invalidBodyParam("user_ids"));
  }
  const auto since = intParam(request, "since", 0);
  if (!since) co_return http::Response::error(since.error());
  const std::string visibleTo = services::visibilityRestriction(caller.user);
  auto users = co_await api.database->run(
      [&ids, &since, &visibleTo](Store& s) { return s.users().getByIds(*ids, *since, visibleTo); });
  if (!users) co_return http::Response::error(std::move(users).error());
  co_return http::Response::json(200, usersFor(*users, caller));
}

// POST /users/usernames
asio::awaitable<http::Response> getUsersByUsernames(const ApiContext& api, http::Request& request,
                                                    const AuthenticatedUser& caller) {
  auto names = stringArrayBody(request, "usernames", services::kMaxIdsPerRequest);
  if (!names) co_return http::Response::error(std::move(names).error());
  const std::string visibleTo = services::visibilityRestriction(caller.user);
  auto users = co_await api.database->run(
      [&names, &visibleTo](Store& s) { return s.users().getByUsernames(*names, visibleTo); });
  if (!users) co_return http::Response::error(std::move(users).error());
  co_return http::Response::json(200, usersFor(*users, caller));
}

// An optional id in the query string; invalid_url_param when present and malformed.
core::Status optionalIdParam(const http::Request& request, std::string_view name,
                             std::string& out) {
  const auto value = request.query().get(name);
  if (!value || value->empty()) return {};
  if (!core::model::isValidId(*value)) return invalidUrlParam(name);
  out = std::string(*value);
  return {};
}

asio::awaitable<http::Response> runSearch(const ApiContext& api, const AuthenticatedUser& caller,
                                          const core::store::UserQuery& query) {
  auto users = co_await api.database->run(
      [&caller, &query](Store& s) { return services::searchUsers(s, caller.user, query); });
  if (!users) co_return http::Response::error(std::move(users).error());
  co_return http::Response::json(200, usersFor(*users, caller));
}

// GET /users?in_team&not_in_team&in_channel&not_in_channel&without_team&active&inactive&role
// &sort&page&per_page
asio::awaitable<http::Response> listUsers(const ApiContext& api, http::Request& request,
                                          const AuthenticatedUser& caller) {
  core::store::UserQuery query;
  for (const auto& [name, slot] :
       {std::pair{"in_team", &query.inTeam}, std::pair{"not_in_team", &query.notInTeam},
        std::pair{"in_channel", &query.inChannel},
        std::pair{"not_in_channel", &query.notInChannel}}) {
    if (auto ok = optionalIdParam(request, name, *slot); !ok) {
      co_return http::Response::error(std::move(ok).error());
    }
  }
  const auto& q = request.query();
  query.withoutTeam = q.isTrue("without_team");
  const bool active = q.isTrue("active");
  const bool inactive = q.isTrue("inactive");
  if (active && inactive) co_return http::Response::error(invalidUrlParam("active"));
  if (active) query.active = core::store::UserQuery::Active::kActive;
  if (inactive) query.active = core::store::UserQuery::Active::kInactive;
  query.role = std::string(q.get("role").value_or(""));
  if (query.role.size() > 64) co_return http::Response::error(invalidUrlParam("role"));
  const std::string_view sort = q.get("sort").value_or("");
  if (sort == "last_activity_at" || sort == "create_at") {
    query.sort = std::string(sort);
  } else if (!sort.empty() && sort != "status" && sort != "admin") {
    co_return http::Response::error(invalidUrlParam("sort"));
  }
  const Paging paging = pagingOf(request);
  query.offset = offsetOf(paging);
  query.limit = paging.perPage;
  co_return co_await runSearch(api, caller, query);
}

// GET /users/autocomplete?name&in_team&in_channel&limit → {users, out_of_channel}
asio::awaitable<http::Response> autocompleteUsers(const ApiContext& api, http::Request& request,
                                                  const AuthenticatedUser& caller) {
  core::store::UserQuery base;
  base.term = std::string(request.query().get("name").value_or(""));
  if (base.term.size() > core::model::kEmailMaxLength) {
    co_return http::Response::error(invalidUrlParam("name"));
  }
  base.active = core::store::UserQuery::Active::kActive;
  base.termMatchesEmail = caller.user.isSystemAdmin();
  std::string teamId;
  std::string channelId;
  // Client4 sends in_team/in_channel, which the server reads; team_id/channel_id are the
  // names in the API documentation, accepted too.
  for (const auto& [names, slot] : {std::pair{std::pair{"in_team", "team_id"}, &teamId},
                                    std::pair{std::pair{"in_channel", "channel_id"}, &channelId}}) {
    for (const char* name : {names.first, names.second}) {
      if (!slot->empty()) break;
      if (auto ok = optionalIdParam(request, name, *slot); !ok) {
        co_return http::Response::error(std::move(ok).error());
      }
    }
  }
  auto limit = intParam(request, "limit", kAutocompleteLimit);
  if (!limit) co_return http::Response::error(limit.error());
  base.limit = (*limit == 0 || *limit > kAutocompleteLimit) ? kAutocompleteLimit : *limit;
  base.inTeam = teamId;

  core::store::UserQuery inChannel = base;
  core::store::UserQuery outOfChannel = base;
  inChannel.inChannel = channelId;
  outOfChannel.notInChannel = channelId;
  auto found = co_await api.database->run(
      [&caller, &inChannel, &outOfChannel, &channelId](Store& s)
          -> core::Result<
              std::pair<std::vector<core::model::User>, std::vector<core::model::User>>> {
        auto users = services::searchUsers(s, caller.user, inChannel);
        if (!users) return std::move(users).error();
        if (channelId.empty())
          return std::pair{std::move(*users), std::vector<core::model::User>()};
        auto others = services::searchUsers(s, caller.user, outOfChannel);
        if (!others) return std::move(others).error();
        return std::pair{std::move(*users), std::move(*others)};
      });
  if (!found) co_return http::Response::error(std::move(found).error());
  nlohmann::json body = {{"users", usersFor(found->first, caller)}};
  if (!channelId.empty()) body["out_of_channel"] = usersFor(found->second, caller);
  co_return http::Response::json(200, body);
}

// POST /users/search {term, team_id, not_in_team_id, in_channel_id, not_in_channel_id,
// allow_inactive, without_team, limit}
asio::awaitable<http::Response> searchUsers(const ApiContext& api, http::Request& request,
                                            const AuthenticatedUser& caller) {
  auto body = jsonObjectBody(request, "search");
  if (!body) co_return http::Response::error(std::move(body).error());
  core::store::UserQuery query;
  const std::pair<const char*, std::string*> ids[] = {{"team_id", &query.inTeam},
                                                      {"not_in_team_id", &query.notInTeam},
                                                      {"in_channel_id", &query.inChannel},
                                                      {"not_in_channel_id", &query.notInChannel}};
  for (const auto& [key, slot] : ids) {
    const auto it = body->find(key);
    if (it == body->end() || it->is_null()) continue;
    if (!it->is_string()) co_return http::Response::error(invalidBodyParam(key));
    const auto& id = it->get_ref<const std::string&>();
    if (id.empty()) continue;
    if (!core::model::isValidId(id)) co_return http::Response::error(invalidBodyParam(key));
    *slot = id;
  }
  const auto term = body->find("term");
  if (term == body->end() || !term->is_string() || term->get_ref<const std::string&>().empty() ||
      term->get_ref<const std::string&>().size() > core::model::kEmailMaxLength) {
    co_return http::Response::error(invalidBodyParam("term"));
  }
  query.term = term->get<std::string>();
  query.termMatchesEmail = caller.user.isSystemAdmin();
  for (const auto& [key, flag] :
       {std::pair{"allow_inactive", false}, std::pair{"without_team", true}}) {
    const auto it = body->find(key);
    if (it == body->end() || it->is_null()) continue;
    if (!it->is_boolean()) co_return http::Response::error(invalidBodyParam(key));
    if (flag) {
      query.withoutTeam = it->get<bool>();
    } else if (!it->get<bool>()) {
      query.active = core::store::UserQuery::Active::kActive;
    }
  }
  if (body->find("allow_inactive") == body->end()) {
    query.active = core::store::UserQuery::Active::kActive;
  }
  query.limit = kSearchLimitDefault;
  if (const auto it = body->find("limit"); it != body->end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 1 ||
        it->get<std::int64_t>() > kSearchLimitMax) {
      co_return http::Response::error(invalidBodyParam("limit"));
    }
    query.limit = it->get<std::int64_t>();
  }
  co_return co_await runSearch(api, caller, query);
}

// PUT /users/{user_id}/patch and PUT /users/{user_id} (update: the body's id must match).
asio::awaitable<http::Response> patchUser(const ApiContext& api, http::Request& request,
                                          const AuthenticatedUser& caller, bool fullUpdate) {
  const auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(userId.error());
  auto body = jsonObjectBody(request, "user");
  if (!body) co_return http::Response::error(std::move(body).error());
  if (fullUpdate) {
    const auto id = body->find("id");
    if (id == body->end() || !id->is_string() || id->get_ref<const std::string&>() != *userId) {
      co_return http::Response::error(invalidBodyParam("user_id"));
    }
  }
  auto fields = parseUserFields(*body);
  if (!fields) co_return http::Response::error(std::move(fields).error());
  auto user = co_await api.database->run([&caller, &userId, &fields, fullUpdate](Store& s) {
    return fullUpdate ? services::updateUser(s, caller.user, *userId, *fields)
                      : services::patchUser(s, caller.user, *userId, *fields);
  });
  if (!user) co_return userError(std::move(user).error());
  co_return http::Response::json(200, userFor(*user, caller));
}

// DELETE /users/{user_id} and PUT /users/{user_id}/active {active}
asio::awaitable<http::Response> setActive(const ApiContext& api, const AuthenticatedUser& caller,
                                          const std::string& userId, bool active,
                                          const http::Request& request) {
  auto user = co_await api.database->run([&caller, &userId, active](Store& s) {
    return services::setUserActive(s, caller.user, userId, active);
  });
  if (!user) co_return http::Response::error(std::move(user).error());
  core::log::info(
      "users", active ? "user activated" : "user deactivated",
      {{"request_id", request.requestId()}, {"user_id", userId}, {"by", caller.user.id}});
  co_return http::Response::statusOk();
}

asio::awaitable<http::Response> deactivateUser(const ApiContext& api, http::Request& request,
                                               const AuthenticatedUser& caller) {
  const auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(userId.error());
  co_return co_await setActive(api, caller, *userId, false, request);
}

asio::awaitable<http::Response> updateActive(const ApiContext& api, http::Request& request,
                                             const AuthenticatedUser& caller) {
  const auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(userId.error());
  auto body = jsonObjectBody(request, "active");
  if (!body) co_return http::Response::error(std::move(body).error());
  const auto active = body->find("active");
  if (active == body->end() || !active->is_boolean()) {
    co_return http::Response::error(invalidBodyParam("active"));
  }
  co_return co_await setActive(api, caller, *userId, active->get<bool>(), request);
}

// PUT /users/{user_id}/roles {roles}
asio::awaitable<http::Response> updateRoles(const ApiContext& api, http::Request& request,
                                            const AuthenticatedUser& caller) {
  const auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(userId.error());
  auto body = jsonObjectBody(request, "roles");
  if (!body) co_return http::Response::error(std::move(body).error());
  const auto roles = body->find("roles");
  if (roles == body->end() || !roles->is_string()) {
    co_return http::Response::error(invalidBodyParam("roles"));
  }
  const std::string& names = roles->get_ref<const std::string&>();
  auto user = co_await api.database->run([&caller, &userId, &names](Store& s) {
    return services::updateUserRoles(s, caller.user, *userId, names);
  });
  if (!user) co_return http::Response::error(std::move(user).error());
  core::log::info("users", "roles changed",
                  {{"request_id", request.requestId()},
                   {"user_id", user->id},
                   {"roles", user->roles},
                   {"by", caller.user.id}});
  co_return http::Response::statusOk();
}

// PUT /users/{user_id}/password {current_password, new_password}
asio::awaitable<http::Response> updatePassword(const ApiContext& api, http::Request& request,
                                               const AuthenticatedUser& caller) {
  const auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(userId.error());
  auto body = jsonObjectBody(request, "password");
  if (!body) co_return http::Response::error(std::move(body).error());
  std::string current;
  std::string next;
  for (const auto& [key, slot] :
       {std::pair{"current_password", &current}, std::pair{"new_password", &next}}) {
    const auto it = body->find(key);
    if (it == body->end() || it->is_null()) continue;
    if (!it->is_string()) co_return http::Response::error(invalidBodyParam(key));
    *slot = it->get<std::string>();
  }
  if (next.empty()) co_return http::Response::error(invalidBodyParam("new_password"));

  auto change = co_await api.database->run([&caller, &userId](Store& s) {
    return services::preparePasswordChange(s, caller.user, *userId);
  });
  if (!change) co_return http::Response::error(std::move(change).error());
  auto hash = co_await core::runBlocking(*api.blocking, [&change, &current, &next] {
    return std::optional(services::hashNewPassword(*change, current, next));
  });
  if (!*hash) co_return http::Response::error(std::move(*hash).error());
  const std::string& newHash = **hash;
  auto done = co_await api.database->run([&change, &newHash, &caller](Store& s) {
    return services::completePasswordChange(s, *change, newHash, caller.session.id);
  });
  if (!done) co_return http::Response::error(std::move(done).error());
  core::log::info("users", "password changed",
                  {{"request_id", request.requestId()},
                   {"user_id", change->target.id},
                   {"by", caller.user.id}});
  co_return http::Response::statusOk();
}

nlohmann::json statusToJson(const services::UserStatus& status) {
  return {{"user_id", status.userId},
          {"status", status.status},
          {"manual", status.manual},
          {"last_activity_at", status.lastActivityAt},
          {"dnd_end_time", status.dndEndTime}};
}

// POST /users/status/ids
asio::awaitable<http::Response> statusesByIds(const ApiContext& api, http::Request& request,
                                              const AuthenticatedUser& caller) {
  auto ids = stringArrayBody(request, "user_ids", services::kMaxIdsPerRequest);
  if (!ids) co_return http::Response::error(std::move(ids).error());
  for (const auto& id : *ids) {
    if (!core::model::isValidId(id)) co_return http::Response::error(invalidBodyParam("user_ids"));
  }
  auto statuses = co_await api.database->run(
      [&caller, &ids](Store& s) { return services::statusesOf(s, caller.user, *ids); });
  if (!statuses) co_return http::Response::error(std::move(statuses).error());
  nlohmann::json body = nlohmann::json::array();
  for (const auto& status : *statuses) body.push_back(statusToJson(status));
  co_return http::Response::json(200, body);
}

// GET /users/{user_id}/status
asio::awaitable<http::Response> statusOfUser(const ApiContext& api, http::Request& request,
                                             const AuthenticatedUser& caller) {
  const auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(userId.error());
  auto status = co_await api.database->run(
      [&caller, &userId](Store& s) -> core::Result<services::UserStatus> {
        auto user = services::getVisibleUser(s, caller.user, *userId);
        if (!user) return std::move(user).error();
        auto statuses = services::statusesOf(s, caller.user, {*userId});
        if (!statuses) return std::move(statuses).error();
        if (statuses->empty()) return services::UserStatus{*userId, "offline", false, 0, 0, ""};
        return statuses->front();
      });
  if (!status) co_return http::Response::error(std::move(status).error());
  co_return http::Response::json(200, statusToJson(*status));
}

// PUT /users/{user_id}/status {user_id, status, dnd_end_time?}
asio::awaitable<http::Response> updateStatus(const ApiContext& api, http::Request& request,
                                             const AuthenticatedUser& caller) {
  const auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(userId.error());
  auto body = jsonObjectBody(request, "status");
  if (!body) co_return http::Response::error(std::move(body).error());
  std::optional<std::string> bodyUserId;
  std::optional<std::string> status;
  if (auto read = readString(*body, "user_id", bodyUserId); !read) {
    co_return http::Response::error(std::move(read).error());
  }
  if (bodyUserId.value_or("") != *userId)
    co_return http::Response::error(invalidBodyParam("user_id"));
  if (auto read = readString(*body, "status", status); !read) {
    co_return http::Response::error(std::move(read).error());
  }
  std::int64_t dndEndTime = 0;
  if (const auto end = body->find("dnd_end_time"); end != body->end() && !end->is_null()) {
    if (!end->is_number_integer())
      co_return http::Response::error(invalidBodyParam("dnd_end_time"));
    dndEndTime = end->get<std::int64_t>();
  }
  const std::string wanted = status.value_or("");
  auto saved = co_await api.database->run([&caller, &userId, &wanted, &dndEndTime](Store& s) {
    return services::setStatus(s, caller.user, *userId, wanted, dndEndTime);
  });
  if (!saved) co_return http::Response::error(std::move(saved).error());
  co_return http::Response::json(200, statusToJson(*saved));
}

// GET /users/{user_id}/image and /image/default: the generated default avatar.
asio::awaitable<http::Response> profileImage(const ApiContext& api, http::Request& request,
                                             const AuthenticatedUser& caller) {
  const auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(userId.error());
  auto user = co_await api.database->run(
      [&caller, &userId](Store& s) { return services::getVisibleUser(s, caller.user, *userId); });
  if (!user) co_return http::Response::error(std::move(user).error());
  http::Response response = http::Response::text(200, defaultAvatarPng(user->id), "image/png");
  response.header("Cache-Control", "max-age=86400, private");
  co_return response;
}

// The body of PUT /users/{id}/preferences and .../delete: [{user_id, category, name, value}].
core::Result<std::vector<core::model::Preference>> parsePreferences(const http::Request& request) {
  const auto json = nlohmann::json::parse(request.body(), nullptr, /*allow_exceptions=*/false);
  if (!json.is_array() || json.empty() || json.size() > core::model::kPreferencesPerRequestMax) {
    return invalidBodyParam("preferences");
  }
  std::vector<core::model::Preference> preferences;
  for (const auto& item : json) {
    if (!item.is_object()) return invalidBodyParam("preferences");
    core::model::Preference preference;
    for (const auto& [key, slot] :
         {std::pair{"user_id", &preference.userId}, std::pair{"category", &preference.category},
          std::pair{"name", &preference.name}, std::pair{"value", &preference.value}}) {
      const auto it = item.find(key);
      if (it == item.end() || it->is_null()) continue;
      if (!it->is_string()) return invalidBodyParam("preferences");
      *slot = it->get<std::string>();
    }
    preferences.push_back(std::move(preference));
  }
  return preferences;
}

// GET /users/{user_id}/preferences
asio::awaitable<http::Response> getPreferences(const ApiContext& api, http::Request& request,
                                               const AuthenticatedUser& caller) {
  const auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(userId.error());
  auto preferences = co_await api.database->run(
      [&caller, &userId](Store& s) { return services::preferencesOf(s, caller.user, *userId); });
  if (!preferences) co_return http::Response::error(std::move(preferences).error());
  co_return http::Response::json(200, json::preferencesToJson(*preferences));
}

// PUT /users/{user_id}/preferences and POST /users/{user_id}/preferences/delete
asio::awaitable<http::Response> changePreferences(const ApiContext& api, http::Request& request,
                                                  const AuthenticatedUser& caller, bool remove) {
  const auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(userId.error());
  auto preferences = parsePreferences(request);
  if (!preferences) co_return http::Response::error(std::move(preferences).error());
  auto done = co_await api.database->run([&caller, &userId, &preferences, remove](Store& s) {
    return remove ? services::deletePreferences(s, caller.user, *userId, *preferences)
                  : services::savePreferences(s, caller.user, *userId, *preferences);
  });
  if (!done) co_return http::Response::error(std::move(done).error());
  co_return http::Response::statusOk();
}

}  // namespace

void registerUserProfileRoutes(http::Router& router, ApiContextPtr api) {
  using http_proto::verb;
  router.add(verb::post, "/api/v4/users",
             [api](http::Request& request) { return createUser(*api, request); });

  const auto withCaller = [&router, &api](verb method, const char* pattern, auto handler) {
    addCallerRoute(router, api, method, pattern, handler);
  };
  // Literal routes and /users/<word>/{x} before /users/{user_id}/<word>: the router takes the
  // first pattern that matches.
  withCaller(verb::get, "/api/v4/users", listUsers);
  withCaller(verb::post, "/api/v4/users/ids", getUsersByIds);
  withCaller(verb::post, "/api/v4/users/usernames", getUsersByUsernames);
  withCaller(verb::get, "/api/v4/users/autocomplete", autocompleteUsers);
  withCaller(verb::post, "/api/v4/users/search", searchUsers);
  withCaller(verb::post, "/api/v4/users/status/ids", statusesByIds);
  withCaller(verb::get, "/api/v4/users/username/{username}",
             withExtra(getUserByName, /*byEmail=*/false));
  withCaller(verb::get, "/api/v4/users/email/{email}", withExtra(getUserByName, /*byEmail=*/true));

  withCaller(verb::get, "/api/v4/users/{user_id}", getUser);
  withCaller(verb::put, "/api/v4/users/{user_id}", withExtra(patchUser, /*fullUpdate=*/true));
  withCaller(verb::delete_, "/api/v4/users/{user_id}", deactivateUser);
  withCaller(verb::put, "/api/v4/users/{user_id}/patch",
             withExtra(patchUser, /*fullUpdate=*/false));
  withCaller(verb::put, "/api/v4/users/{user_id}/active", updateActive);
  withCaller(verb::put, "/api/v4/users/{user_id}/password", updatePassword);
  withCaller(verb::put, "/api/v4/users/{user_id}/roles", updateRoles);
  withCaller(verb::get, "/api/v4/users/{user_id}/status", statusOfUser);
  withCaller(verb::put, "/api/v4/users/{user_id}/status", updateStatus);
  withCaller(verb::get, "/api/v4/users/{user_id}/image", profileImage);
  withCaller(verb::get, "/api/v4/users/{user_id}/image/default", profileImage);
  withCaller(verb::get, "/api/v4/users/{user_id}/preferences", getPreferences);
  withCaller(verb::put, "/api/v4/users/{user_id}/preferences",
             withExtra(changePreferences, /*remove=*/false));
  withCaller(verb::post, "/api/v4/users/{user_id}/preferences/delete",
             withExtra(changePreferences, /*remove=*/true));
}

}  // namespace parley::gateway::api
