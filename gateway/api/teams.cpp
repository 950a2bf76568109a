#include "gateway/api/teams.hpp"

#include "core/model/id.hpp"
#include "core/services/team_service.hpp"
#include "gateway/api/json/team_json.hpp"
#include "gateway/api/route_support.hpp"
#include "gateway/api/session_context.hpp"

namespace parley::gateway::api {
namespace {

namespace services = core::services;
using core::model::Team;
using core::model::TeamMember;
using core::store::Store;

nlohmann::json teamsJson(const std::vector<Team>& teams) {
  return jsonArray(teams, json::teamToJson);
}
nlohmann::json membersJson(const std::vector<TeamMember>& members) {
  return jsonArray(members, json::teamMemberToJson);
}

// {name, display_name, type, description, company_name, allowed_domains, allow_open_invite}.
core::Result<services::NewTeam> parseNewTeam(const http::Request& request) {
  auto body = jsonObjectBody(request, "team");
  if (!body) return std::move(body).error();
  std::optional<std::string> name, displayName, type, description, company, domains;
  std::optional<bool> open;
  for (auto [key, out] :
       {std::pair{"name", &name}, std::pair{"display_name", &displayName}, std::pair{"type", &type},
        std::pair{"description", &description}, std::pair{"company_name", &company},
        std::pair{"allowed_domains", &domains}}) {
    if (auto read = readString(*body, key, *out); !read) return std::move(read).error();
  }
  if (auto read = readBool(*body, "allow_open_invite", open); !read) {
    return std::move(read).error();
  }
  services::NewTeam team;
  team.name = name.value_or("");
  team.displayName = displayName.value_or("");
  team.type = type && type->size() == 1 ? type->front() : '\0';
  team.description = description.value_or("");
  team.companyName = company.value_or("");
  team.allowedDomains = domains.value_or("");
  team.allowOpenInvite = open.value_or(false);
  return team;
}

// POST /api/v4/teams
asio::awaitable<http::Response> createTeam(const ApiContext& api, http::Request& request,
                                           const AuthenticatedUser& caller) {
  auto input = parseNewTeam(request);
  if (!input) co_return http::Response::error(std::move(input).error());
  auto job = [&](Store& s) { return services::createTeam(s, caller.user, *input); };
  co_return co_await respond(api, job, json::teamToJson, 201);
}

// GET /api/v4/teams?page&per_page&include_total_count
asio::awaitable<http::Response> listTeams(const ApiContext& api, http::Request& request,
                                          const AuthenticatedUser& caller) {
  const Paging paging = pagingOf(request);
  const bool includeTotal = request.query().isTrue("include_total_count");
  auto job = [&](Store& s) {
    return services::listTeams(s, caller.user, paging.page, paging.perPage, includeTotal);
  };
  co_return co_await respond(api, job, [](const services::TeamPage& page) {
    if (!page.totalCount) return teamsJson(page.teams);
    return nlohmann::json{{"teams", teamsJson(page.teams)}, {"total_count", *page.totalCount}};
  });
}

// GET /api/v4/teams/{team_id}
asio::awaitable<http::Response> getTeam(const ApiContext& api, http::Request& request,
                                        const AuthenticatedUser& caller) {
  auto teamId = idParam(request, "team_id");
  if (!teamId) co_return http::Response::error(std::move(teamId).error());
  auto job = [&](Store& s) { return services::getTeam(s, caller.user, *teamId); };
  co_return co_await respond(api, job, json::teamToJson);
}

// GET /api/v4/teams/name/{team_name}
asio::awaitable<http::Response> getTeamByName(const ApiContext& api, http::Request& request,
                                              const AuthenticatedUser& caller) {
  const std::string name(request.param("team_name"));
  if (name.empty() || name.size() > services::kTeamNameMaxLength) {
    co_return http::Response::error(services::invalidUrlParam("team_name"));
  }
  auto job = [&](Store& s) { return services::getTeamByName(s, caller.user, name); };
  co_return co_await respond(api, job, json::teamToJson);
}

// PUT /api/v4/teams/{team_id}/patch, and PUT /api/v4/teams/{team_id} with a whole team
// (whose id must be the path's).
asio::awaitable<http::Response> patchTeam(const ApiContext& api, http::Request& request,
                                          const AuthenticatedUser& caller, bool whole) {
  auto teamId = idParam(request, "team_id");
  if (!teamId) co_return http::Response::error(std::move(teamId).error());
  auto body = jsonObjectBody(request, "team");
  if (!body) co_return http::Response::error(std::move(body).error());
  services::TeamPatch patch;
  std::optional<std::string> bodyId;
  for (auto [key, out] :
       {std::pair{"display_name", &patch.displayName}, std::pair{"description", &patch.description},
        std::pair{"company_name", &patch.companyName},
        std::pair{"allowed_domains", &patch.allowedDomains}, std::pair{"id", &bodyId}}) {
    if (auto read = readString(*body, key, *out); !read) {
      co_return http::Response::error(std::move(read).error());
    }
  }
  if (auto read = readBool(*body, "allow_open_invite", patch.allowOpenInvite); !read) {
    co_return http::Response::error(std::move(read).error());
  }
  if (whole && bodyId != *teamId) {
    co_return http::Response::error(services::invalidBodyParam("team"));
  }
  auto job = [&](Store& s) { return services::patchTeam(s, caller.user, *teamId, patch); };
  co_return co_await respond(api, job, json::teamToJson);
}

// POST /api/v4/teams/{team_id}/restore
asio::awaitable<http::Response> restoreTeam(const ApiContext& api, http::Request& request,
                                            const AuthenticatedUser& caller) {
  auto teamId = idParam(request, "team_id");
  if (!teamId) co_return http::Response::error(std::move(teamId).error());
  auto job = [&](Store& s) { return services::restoreTeam(s, caller.user, *teamId); };
  co_return co_await respond(api, job, json::teamToJson);
}

// DELETE /api/v4/teams/{team_id}[?permanent=true]
asio::awaitable<http::Response> deleteTeam(const ApiContext& api, http::Request& request,
                                           const AuthenticatedUser& caller) {
  auto teamId = idParam(request, "team_id");
  if (!teamId) co_return http::Response::error(std::move(teamId).error());
  const bool permanent = request.query().isTrue("permanent");
  auto job = [&](Store& s) { return services::deleteTeam(s, caller.user, *teamId, permanent); };
  co_return co_await respondOk(api, job);
}

// GET /api/v4/users/{user_id}/teams
asio::awaitable<http::Response> teamsOfUser(const ApiContext& api, http::Request& request,
                                            const AuthenticatedUser& caller) {
  auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(std::move(userId).error());
  auto job = [&](Store& s) { return services::teamsOfUser(s, caller.user, *userId); };
  co_return co_await respond(api, job, teamsJson);
}

// GET /api/v4/users/{user_id}/teams/members
asio::awaitable<http::Response> membershipsOfUser(const ApiContext& api, http::Request& request,
                                                  const AuthenticatedUser& caller) {
  auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(std::move(userId).error());
  auto job = [&](Store& s) { return services::teamMembershipsOfUser(s, caller.user, *userId); };
  co_return co_await respond(api, job, membersJson);
}

// GET /api/v4/users/{user_id}/teams/unread
asio::awaitable<http::Response> unreadsOfUser(const ApiContext& api, http::Request& request,
                                              const AuthenticatedUser& caller) {
  auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(std::move(userId).error());
  auto job = [&](Store& s) { return services::teamUnreadsOfUser(s, caller.user, *userId); };
  co_return co_await respond(api, job, [](const std::vector<core::store::TeamUnread>& unreads) {
    return jsonArray(unreads, json::teamUnreadToJson);
  });
}

// POST /api/v4/teams/{team_id}/members {team_id, user_id} → 201 TeamMember
asio::awaitable<http::Response> addMember(const ApiContext& api, http::Request& request,
                                          const AuthenticatedUser& caller) {
  auto teamId = idParam(request, "team_id");
  if (!teamId) co_return http::Response::error(std::move(teamId).error());
  auto body = jsonObjectBody(request, "team_member");
  if (!body) co_return http::Response::error(std::move(body).error());
  std::optional<std::string> userId, bodyTeamId;
  if (auto read = readString(*body, "user_id", userId);
      !read || !userId || !core::model::isValidId(*userId)) {
    co_return http::Response::error(services::invalidBodyParam("user_id"));
  }
  if (auto read = readString(*body, "team_id", bodyTeamId);
      !read || (bodyTeamId && *bodyTeamId != *teamId)) {
    co_return http::Response::error(services::invalidBodyParam("team_id"));
  }
  auto job = [&](Store& s) { return services::addTeamMember(s, caller.user, *teamId, *userId); };
  co_return co_await respond(api, job, json::teamMemberToJson, 201);
}

// POST /api/v4/teams/{team_id}/members/batch [{team_id, user_id}, ...] → 201 [TeamMember]
asio::awaitable<http::Response> addMembers(const ApiContext& api, http::Request& request,
                                           const AuthenticatedUser& caller) {
  auto teamId = idParam(request, "team_id");
  if (!teamId) co_return http::Response::error(std::move(teamId).error());
  auto body = jsonArrayBody(request, "team_members");
  if (!body) co_return http::Response::error(std::move(body).error());
  if (body->empty() || body->size() > kMaxIdsPerRequest) {
    co_return http::Response::error(services::invalidBodyParam("team_members"));
  }
  std::vector<std::string> userIds;
  for (const auto& item : *body) {
    std::optional<std::string> userId;
    if (!item.is_object() || !readString(item, "user_id", userId) || !userId ||
        !core::model::isValidId(*userId)) {
      co_return http::Response::error(services::invalidBodyParam("user_id"));
    }
    userIds.push_back(*userId);
  }
  // One transaction: either every user is added or none.
  auto job = [&](Store& s) -> core::Result<std::vector<TeamMember>> {
    std::vector<TeamMember> added;
    core::Status written = s.transaction([&](Store& tx) -> core::Status {
      for (const auto& userId : userIds) {
        auto member = services::addTeamMember(tx, caller.user, *teamId, userId);
        if (!member) return std::move(member).error();
        added.push_back(std::move(*member));
      }
      return {};
    });
    if (!written) return std::move(written).error();
    return added;
  };
  co_return co_await respond(api, job, membersJson, 201);
}

// GET /api/v4/teams/{team_id}/members
asio::awaitable<http::Response> listMembers(const ApiContext& api, http::Request& request,
                                            const AuthenticatedUser& caller) {
  auto teamId = idParam(request, "team_id");
  if (!teamId) co_return http::Response::error(std::move(teamId).error());
  const Paging paging = pagingOf(request);
  auto job = [&](Store& s) {
    return services::listTeamMembers(s, caller.user, *teamId, paging.page, paging.perPage);
  };
  co_return co_await respond(api, job, membersJson);
}

// GET /api/v4/teams/{team_id}/members/{user_id}
asio::awaitable<http::Response> getMember(const ApiContext& api, http::Request& request,
                                          const AuthenticatedUser& caller) {
  auto path = memberPath(request, caller, "team_id");
  if (!path) co_return http::Response::error(std::move(path).error());
  const std::string& teamId = path->parentId;
  const std::string& userId = path->userId;
  auto job = [&](Store& s) { return services::getTeamMember(s, caller.user, teamId, userId); };
  co_return co_await respond(api, job, json::teamMemberToJson);
}

// DELETE /api/v4/teams/{team_id}/members/{user_id}
asio::awaitable<http::Response> removeMember(const ApiContext& api, http::Request& request,
                                             const AuthenticatedUser& caller) {
  auto path = memberPath(request, caller, "team_id");
  if (!path) co_return http::Response::error(std::move(path).error());
  const std::string& teamId = path->parentId;
  const std::string& userId = path->userId;
  auto job = [&](Store& s) { return services::removeTeamMember(s, caller.user, teamId, userId); };
  co_return co_await respondOk(api, job);
}

// GET /api/v4/teams/{team_id}/stats
asio::awaitable<http::Response> teamStats(const ApiContext& api, http::Request& request,
                                          const AuthenticatedUser& caller) {
  auto teamId = idParam(request, "team_id");
  if (!teamId) co_return http::Response::error(std::move(teamId).error());
  auto job = [&](Store& s) { return services::teamStats(s, caller.user, *teamId); };
  co_return co_await respond(api, job, [&teamId](const core::store::TeamStats& stats) {
    return json::teamStatsToJson(*teamId, stats);
  });
}

}  // namespace

void registerTeamRoutes(http::Router& router, ApiContextPtr api) {
  using http_proto::verb;
  const auto withCaller = [&router, &api](verb method, const char* pattern, auto handler) {
    addCallerRoute(router, api, method, pattern, handler);
  };

  withCaller(verb::post, "/api/v4/teams", createTeam);
  withCaller(verb::get, "/api/v4/teams", listTeams);
  // Before /teams/{team_id}/...: patterns match in registration order.
  withCaller(verb::get, "/api/v4/teams/name/{team_name}", getTeamByName);
  withCaller(verb::get, "/api/v4/teams/{team_id}", getTeam);
  withCaller(verb::delete_, "/api/v4/teams/{team_id}", deleteTeam);
  withCaller(verb::put, "/api/v4/teams/{team_id}", withExtra(patchTeam, true));
  withCaller(verb::put, "/api/v4/teams/{team_id}/patch", withExtra(patchTeam, false));
  withCaller(verb::post, "/api/v4/teams/{team_id}/restore", restoreTeam);
  withCaller(verb::get, "/api/v4/teams/{team_id}/stats", teamStats);
  withCaller(verb::post, "/api/v4/teams/{team_id}/members", addMember);
  withCaller(verb::get, "/api/v4/teams/{team_id}/members", listMembers);
  withCaller(verb::post, "/api/v4/teams/{team_id}/members/batch", addMembers);
  withCaller(verb::get, "/api/v4/teams/{team_id}/members/{user_id}", getMember);
  withCaller(verb::delete_, "/api/v4/teams/{team_id}/members/{user_id}", removeMember);
  withCaller(verb::put, "/api/v4/teams/{team_id}/members/{user_id}/roles",
             memberRolesRoute("team_id", services::updateTeamMemberRoles));
  withCaller(verb::put, "/api/v4/teams/{team_id}/members/{user_id}/schemeRoles",
             memberSchemeRolesRoute("team_id", services::updateTeamMemberSchemeRoles));
  withCaller(verb::get, "/api/v4/users/{user_id}/teams", teamsOfUser);
  withCaller(verb::get, "/api/v4/users/{user_id}/teams/members", membershipsOfUser);
  withCaller(verb::get, "/api/v4/users/{user_id}/teams/unread", unreadsOfUser);
}

}  // namespace parley::gateway::api
