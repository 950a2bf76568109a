#include "gateway/api/channels.hpp"

#include <algorithm>
#include <charconv>

#include "core/model/id.hpp"
#include "core/model/permissions.hpp"
#include "core/services/channel_service.hpp"
#include "core/services/permissions.hpp"
#include "gateway/api/json/channel_json.hpp"
#include "gateway/api/route_support.hpp"
#include "gateway/api/session_context.hpp"

namespace parley::gateway::api {
namespace {

namespace services = core::services;
using core::model::Channel;
using core::model::ChannelMember;
using core::store::Store;

nlohmann::json channelsJson(const std::vector<Channel>& channels) {
  return jsonArray(channels, json::channelToJson);
}
nlohmann::json membersJson(const std::vector<ChannelMember>& members) {
  return jsonArray(members, json::channelMemberToJson);
}

// Reads the optional string fields `keys` of a JSON object into `outs`.
core::Status readStrings(
    const nlohmann::json& body,
    std::initializer_list<std::pair<const char*, std::optional<std::string>*>> fields) {
  for (const auto& [key, out] : fields) {
    if (auto read = readString(body, key, *out); !read) return read;
  }
  return {};
}

// POST /api/v4/channels {team_id, name, display_name, type, purpose, header} → 201 Channel
asio::awaitable<http::Response> createChannel(const ApiContext& api, http::Request& request,
                                              const AuthenticatedUser& caller) {
  auto body = jsonObjectBody(request, "channel");
  if (!body) co_return http::Response::error(std::move(body).error());
  std::optional<std::string> teamId, name, displayName, type, purpose, header;
  if (auto read = readStrings(*body, {{"team_id", &teamId},
                                      {"name", &name},
                                      {"display_name", &displayName},
                                      {"type", &type},
                                      {"purpose", &purpose},
                                      {"header", &header}});
      !read) {
    co_return http::Response::error(std::move(read).error());
  }
  services::NewChannel input;
  input.teamId = teamId.value_or("");
  input.name = name.value_or("");
  input.displayName = displayName.value_or("");
  input.type = type && type->size() == 1 ? type->front() : '\0';
  input.purpose = purpose.value_or("");
  input.header = header.value_or("");
  auto job = [&](Store& s) { return services::createChannel(s, caller.user, input); };
  co_return co_await respond(api, job, json::channelToJson, 201);
}

// POST /api/v4/channels/direct ["user_a", "user_b"] → 201 Channel (the existing one if any)
asio::awaitable<http::Response> createDirect(const ApiContext& api, http::Request& request,
                                             const AuthenticatedUser& caller) {
  auto body = jsonArrayBody(request, "user_ids");
  if (!body) co_return http::Response::error(std::move(body).error());
  auto ids = idList(*body, "user_ids");
  if (!ids || ids->size() != 2) {
    co_return http::Response::error(services::invalidBodyParam("user_ids"));
  }
  const std::vector<std::string>& userIds = *ids;
  auto job = [&](Store& s) -> core::Result<Channel> {
    if (userIds[0] == caller.user.id) {
      return services::getOrCreateDirectChannel(s, caller.user, userIds[1]);
    }
    if (userIds[1] == caller.user.id) {
      return services::getOrCreateDirectChannel(s, caller.user, userIds[0]);
    }
    // Between two other users: administrators only, acting as the first of them.
    if (!services::hasSystemPermission(caller.user, core::model::permission::kManageSystem)) {
      return services::permissionDenied(core::model::permission::kManageSystem);
    }
    auto first = s.users().getById(userIds[0]);
    if (!first) return std::move(first).error();
    return services::getOrCreateDirectChannel(s, *first, userIds[1]);
  };
  co_return co_await respond(api, job, json::channelToJson, 201);
}

// POST /api/v4/channels/group ["user_a", ...] → 201 Channel
asio::awaitable<http::Response> createGroup(const ApiContext& api, http::Request& request,
                                            const AuthenticatedUser& caller) {
  auto body = jsonArrayBody(request, "user_ids");
  if (!body) co_return http::Response::error(std::move(body).error());
  auto ids = idList(*body, "user_ids");
  if (!ids) co_return http::Response::error(std::move(ids).error());
  auto job = [&](Store& s) { return services::getOrCreateGroupChannel(s, caller.user, *ids); };
  co_return co_await respond(api, job, json::channelToJson, 201);
}

// GET /api/v4/channels/{channel_id}
asio::awaitable<http::Response> getChannel(const ApiContext& api, http::Request& request,
                                           const AuthenticatedUser& caller) {
  auto channelId = idParam(request, "channel_id");
  if (!channelId) co_return http::Response::error(std::move(channelId).error());
  auto job = [&](Store& s) { return services::getChannel(s, caller.user, *channelId); };
  co_return co_await respond(api, job, json::channelToJson);
}

// PUT /api/v4/channels/{channel_id}/patch {display_name, name, header, purpose}, and
// PUT /api/v4/channels/{channel_id} with a whole channel (whose id must be the path's).
asio::awaitable<http::Response> patchChannel(const ApiContext& api, http::Request& request,
                                             const AuthenticatedUser& caller, bool whole) {
  auto channelId = idParam(request, "channel_id");
  if (!channelId) co_return http::Response::error(std::move(channelId).error());
  auto body = jsonObjectBody(request, "channel");
  if (!body) co_return http::Response::error(std::move(body).error());
  services::ChannelPatch patch;
  std::optional<std::string> bodyId;
  if (auto read = readStrings(*body, {{"name", &patch.name},
                                      {"display_name", &patch.displayName},
                                      {"header", &patch.header},
                                      {"purpose", &patch.purpose},
                                      {"id", &bodyId}});
      !read) {
    co_return http::Response::error(std::move(read).error());
  }
  if (whole && bodyId != *channelId) {
    co_return http::Response::error(services::invalidBodyParam("channel"));
  }
  auto job = [&](Store& s) { return services::patchChannel(s, caller.user, *channelId, patch); };
  co_return co_await respond(api, job, json::channelToJson);
}

// DELETE /api/v4/channels/{channel_id}: archives it.
asio::awaitable<http::Response> archiveChannel(const ApiContext& api, http::Request& request,
                                               const AuthenticatedUser& caller) {
  auto channelId = idParam(request, "channel_id");
  if (!channelId) co_return http::Response::error(std::move(channelId).error());
  auto job = [&](Store& s) { return services::archiveChannel(s, caller.user, *channelId); };
  co_return co_await respondOk(api, job);
}

// POST /api/v4/channels/{channel_id}/restore
asio::awaitable<http::Response> restoreChannel(const ApiContext& api, http::Request& request,
                                               const AuthenticatedUser& caller) {
  auto channelId = idParam(request, "channel_id");
  if (!channelId) co_return http::Response::error(std::move(channelId).error());
  auto job = [&](Store& s) { return services::restoreChannel(s, caller.user, *channelId); };
  co_return co_await respond(api, job, json::channelToJson);
}

// GET /api/v4/channels/{channel_id}/stats
asio::awaitable<http::Response> channelStats(const ApiContext& api, http::Request& request,
                                             const AuthenticatedUser& caller) {
  auto channelId = idParam(request, "channel_id");
  if (!channelId) co_return http::Response::error(std::move(channelId).error());
  auto job = [&](Store& s) { return services::channelStats(s, caller.user, *channelId); };
  co_return co_await respond(api, job, json::channelStatsToJson);
}

// GET /api/v4/channels/{channel_id}/timezones and .../member_counts_by_group: Parley has no
// user groups, and the web app only sizes its @-mention warnings with the timezones, so both
// answer an empty list once the caller may read the channel.
asio::awaitable<http::Response> emptyChannelList(const ApiContext& api, http::Request& request,
                                                 const AuthenticatedUser& caller) {
  auto channelId = idParam(request, "channel_id");
  if (!channelId) co_return http::Response::error(std::move(channelId).error());
  auto job = [&](Store& s) { return services::getChannel(s, caller.user, *channelId); };
  co_return co_await respond(api, job, [](const Channel&) { return nlohmann::json::array(); });
}

// POST /api/v4/channels/{channel_id}/members {user_id} → 201 ChannelMember, or
// {user_ids: [...]} → 201 [ChannelMember].
asio::awaitable<http::Response> addMembers(const ApiContext& api, http::Request& request,
                                           const AuthenticatedUser& caller) {
  auto channelId = idParam(request, "channel_id");
  if (!channelId) co_return http::Response::error(std::move(channelId).error());
  auto body = jsonObjectBody(request, "channel_member");
  if (!body) co_return http::Response::error(std::move(body).error());
  std::vector<std::string> userIds;
  const bool many = body->contains("user_ids");
  if (many) {
    auto ids = idList((*body)["user_ids"], "user_ids");
    if (!ids || ids->empty()) {
      co_return http::Response::error(services::invalidBodyParam("user_ids"));
    }
    userIds = std::move(*ids);
  } else {
    std::optional<std::string> userId;
    if (auto read = readString(*body, "user_id", userId);
        !read || !userId || !core::model::isValidId(*userId)) {
      co_return http::Response::error(services::invalidBodyParam("user_id"));
    }
    userIds.push_back(*userId);
  }
  auto job = [&](Store& s) {
    return services::addChannelMembers(s, caller.user, *channelId, userIds);
  };
  co_return co_await respond(
      api, job,
      [many](const std::vector<ChannelMember>& members) {
        return many ? membersJson(members) : json::channelMemberToJson(members.front());
      },
      201);
}

// GET /api/v4/channels/{channel_id}/members
asio::awaitable<http::Response> listMembers(const ApiContext& api, http::Request& request,
                                            const AuthenticatedUser& caller) {
  auto channelId = idParam(request, "channel_id");
  if (!channelId) co_return http::Response::error(std::move(channelId).error());
  const Paging paging = pagingOf(request);
  auto job = [&](Store& s) {
    return services::listChannelMembers(s, caller.user, *channelId, paging.page, paging.perPage);
  };
  co_return co_await respond(api, job, membersJson);
}

// POST /api/v4/channels/{channel_id}/members/ids ["user_id", ...]
asio::awaitable<http::Response> membersByIds(const ApiContext& api, http::Request& request,
                                             const AuthenticatedUser& caller) {
  auto channelId = idParam(request, "channel_id");
  if (!channelId) co_return http::Response::error(std::move(channelId).error());
  auto body = jsonArrayBody(request, "user_ids");
  if (!body) co_return http::Response::error(std::move(body).error());
  auto ids = idList(*body, "user_ids");
  if (!ids || ids->empty()) co_return http::Response::error(services::invalidBodyParam("user_ids"));
  auto job = [&](Store& s) {
    return services::channelMembersByIds(s, caller.user, *channelId, *ids);
  };
  co_return co_await respond(api, job, membersJson);
}

// GET /api/v4/channels/{channel_id}/members/{user_id}
asio::awaitable<http::Response> getMember(const ApiContext& api, http::Request& request,
                                          const AuthenticatedUser& caller) {
  auto path = memberPath(request, caller, "channel_id");
  if (!path) co_return http::Response::error(std::move(path).error());
  const std::string& channelId = path->parentId;
  const std::string& userId = path->userId;
  auto job = [&](Store& s) {
    return services::getChannelMember(s, caller.user, channelId, userId);
  };
  co_return co_await respond(api, job, json::channelMemberToJson);
}

// DELETE /api/v4/channels/{channel_id}/members/{user_id}
asio::awaitable<http::Response> removeMember(const ApiContext& api, http::Request& request,
                                             const AuthenticatedUser& caller) {
  auto path = memberPath(request, caller, "channel_id");
  if (!path) co_return http::Response::error(std::move(path).error());
  const std::string& channelId = path->parentId;
  const std::string& userId = path->userId;
  auto job = [&](Store& s) {
    return services::removeChannelMember(s, caller.user, channelId, userId);
  };
  co_return co_await respondOk(api, job);
}

// PUT /api/v4/channels/{channel_id}/members/{user_id}/notify_props {desktop, push, ...}
asio::awaitable<http::Response> updateNotifyProps(const ApiContext& api, http::Request& request,
                                                  const AuthenticatedUser& caller) {
  auto path = memberPath(request, caller, "channel_id");
  if (!path) co_return http::Response::error(std::move(path).error());
  const std::string& channelId = path->parentId;
  const std::string& userId = path->userId;
  auto body = jsonObjectBody(request, "notify_props");
  if (!body) co_return http::Response::error(std::move(body).error());
  auto job = [&](Store& s) {
    return services::updateChannelMemberNotifyProps(s, caller.user, channelId, userId, *body);
  };
  co_return co_await respondOk(api, job);
}

nlohmann::json viewedJson(const std::map<std::string, std::int64_t>& times) {
  return {{"status", "OK"}, {"last_viewed_at_times", times}};
}

// POST /api/v4/channels/members/{user_id}/view {channel_id, prev_channel_id}
asio::awaitable<http::Response> viewChannel(const ApiContext& api, http::Request& request,
                                            const AuthenticatedUser& caller) {
  auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(std::move(userId).error());
  auto body = jsonObjectBody(request, "channel_view");
  if (!body) co_return http::Response::error(std::move(body).error());
  std::optional<std::string> channelId, prevChannelId;
  std::optional<bool> collapsed;
  if (auto read =
          readStrings(*body, {{"channel_id", &channelId}, {"prev_channel_id", &prevChannelId}});
      !read) {
    co_return http::Response::error(std::move(read).error());
  }
  if (auto read = readBool(*body, "collapsed_threads_supported", collapsed); !read) {
    co_return http::Response::error(std::move(read).error());
  }
  std::vector<std::string> channelIds;
  for (auto [key, value] :
       {std::pair{"channel_id", &channelId}, std::pair{"prev_channel_id", &prevChannelId}}) {
    if (!*value || (*value)->empty()) continue;
    if (!core::model::isValidId(**value)) {
      co_return http::Response::error(services::invalidBodyParam(key));
    }
    channelIds.push_back(**value);
  }
  auto job = [&](Store& s) { return services::viewChannels(s, caller.user, *userId, channelIds); };
  co_return co_await respond(api, job, viewedJson);
}

// POST /api/v4/channels/members/{user_id}/mark_read ["channel_id", ...]
asio::awaitable<http::Response> markRead(const ApiContext& api, http::Request& request,
                                         const AuthenticatedUser& caller) {
  auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(std::move(userId).error());
  auto body = jsonArrayBody(request, "channel_ids");
  if (!body) co_return http::Response::error(std::move(body).error());
  auto ids = idList(*body, "channel_ids");
  if (!ids) co_return http::Response::error(std::move(ids).error());
  auto job = [&](Store& s) { return services::viewChannels(s, caller.user, *userId, *ids); };
  co_return co_await respond(api, job, viewedJson);
}

// GET /api/v4/teams/{team_id}/channels and .../channels/private
asio::awaitable<http::Response> teamChannels(const ApiContext& api, http::Request& request,
                                             const AuthenticatedUser& caller, char type) {
  auto teamId = idParam(request, "team_id");
  if (!teamId) co_return http::Response::error(std::move(teamId).error());
  const Paging paging = pagingOf(request);
  auto job = [&](Store& s) {
    return services::listTeamChannels(s, caller.user, *teamId, type, paging.page, paging.perPage);
  };
  co_return co_await respond(api, job, channelsJson);
}

// GET /api/v4/teams/{team_id}/channels/autocomplete?name= and .../search_autocomplete?name=
asio::awaitable<http::Response> autocompleteChannels(const ApiContext& api, http::Request& request,
                                                     const AuthenticatedUser& caller,
                                                     services::ChannelSearch kind) {
  auto teamId = idParam(request, "team_id");
  if (!teamId) co_return http::Response::error(std::move(teamId).error());
  const std::string term(request.query().get("name").value_or(""));
  auto job = [&](Store& s) {
    return services::searchTeamChannels(s, caller.user, *teamId, term, kind);
  };
  co_return co_await respond(api, job, channelsJson);
}

// POST /api/v4/teams/{team_id}/channels/search {term}
asio::awaitable<http::Response> searchChannels(const ApiContext& api, http::Request& request,
                                               const AuthenticatedUser& caller) {
  auto teamId = idParam(request, "team_id");
  if (!teamId) co_return http::Response::error(std::move(teamId).error());
  auto body = jsonObjectBody(request, "channel_search");
  if (!body) co_return http::Response::error(std::move(body).error());
  std::optional<std::string> term;
  if (auto read = readString(*body, "term", term); !read) {
    co_return http::Response::error(std::move(read).error());
  }
  if (!term) co_return http::Response::error(services::invalidBodyParam("channel_search"));
  auto job = [&](Store& s) {
    return services::searchTeamChannels(s, caller.user, *teamId, *term,
                                        services::ChannelSearch::kBrowse);
  };
  co_return co_await respond(api, job, channelsJson);
}

// GET /api/v4/teams/{team_id}/channels/deleted
asio::awaitable<http::Response> archivedChannels(const ApiContext& api, http::Request& request,
                                                 const AuthenticatedUser& caller) {
  auto teamId = idParam(request, "team_id");
  if (!teamId) co_return http::Response::error(std::move(teamId).error());
  const Paging paging = pagingOf(request);
  auto job = [&](Store& s) {
    return services::listArchivedChannels(s, caller.user, *teamId, paging.page, paging.perPage);
  };
  co_return co_await respond(api, job, channelsJson);
}

core::Result<std::string> channelNameParam(const http::Request& request) {
  const std::string name(request.param("channel_name"));
  if (name.empty() || name.size() > services::kChannelNameMaxLength) {
    return services::invalidUrlParam("channel_name");
  }
  return name;
}

// GET /api/v4/teams/{team_id}/channels/name/{channel_name}?include_deleted
asio::awaitable<http::Response> channelByName(const ApiContext& api, http::Request& request,
                                              const AuthenticatedUser& caller) {
  auto teamId = idParam(request, "team_id");
  if (!teamId) co_return http::Response::error(std::move(teamId).error());
  auto name = channelNameParam(request);
  if (!name) co_return http::Response::error(std::move(name).error());
  const bool includeDeleted = request.query().isTrue("include_deleted");
  auto job = [&](Store& s) {
    return services::getChannelByName(s, caller.user, *teamId, *name, includeDeleted);
  };
  co_return co_await respond(api, job, json::channelToJson);
}

// GET /api/v4/teams/name/{team_name}/channels/name/{channel_name}?include_deleted
asio::awaitable<http::Response> channelByTeamName(const ApiContext& api, http::Request& request,
                                                  const AuthenticatedUser& caller) {
  const std::string teamName(request.param("team_name"));
  if (teamName.empty() || teamName.size() > services::kTeamNameMaxLength) {
    co_return http::Response::error(services::invalidUrlParam("team_name"));
  }
  auto name = channelNameParam(request);
  if (!name) co_return http::Response::error(std::move(name).error());
  const bool includeDeleted = request.query().isTrue("include_deleted");
  auto job = [&](Store& s) {
    return services::getChannelByTeamName(s, caller.user, teamName, *name, includeDeleted);
  };
  co_return co_await respond(api, job, json::channelToJson);
}

core::store::ChannelListOptions listOptionsOf(const http::Request& request) {
  core::store::ChannelListOptions options;
  options.includeDeleted = request.query().isTrue("include_deleted");
  if (const auto since = request.query().get("last_delete_at")) {
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(since->data(), since->data() + since->size(), value);
    if (error == std::errc() && end == since->data() + since->size() && value > 0) {
      options.lastDeleteAt = value;
    }
  }
  return options;
}

// GET /api/v4/users/{user_id}/teams/{team_id}/channels and GET /api/v4/users/{user_id}/channels
asio::awaitable<http::Response> channelsOfUser(const ApiContext& api, http::Request& request,
                                               const AuthenticatedUser& caller, bool inTeam) {
  auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(std::move(userId).error());
  std::string teamId;
  if (inTeam) {
    auto id = idParam(request, "team_id");
    if (!id) co_return http::Response::error(std::move(id).error());
    teamId = std::move(*id);
  }
  const auto options = listOptionsOf(request);
  auto job = [&](Store& s) {
    return services::channelsOfUser(s, caller.user, *userId, teamId, options);
  };
  co_return co_await respond(api, job, channelsJson);
}

// GET /api/v4/users/{user_id}/teams/{team_id}/channels/members and
// GET /api/v4/users/{user_id}/channel_members?page=-1 (page -1: all of them).
asio::awaitable<http::Response> membershipsOfUser(const ApiContext& api, http::Request& request,
                                                  const AuthenticatedUser& caller, bool inTeam) {
  auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(std::move(userId).error());
  std::string teamId;
  Paging paging{0, -1};
  if (inTeam) {
    auto id = idParam(request, "team_id");
    if (!id) co_return http::Response::error(std::move(id).error());
    teamId = std::move(*id);
  } else if (request.query().get("page") != "-1") {
    paging = pagingOf(request);
  }
  auto job = [&](Store& s) {
    return services::channelMembershipsOfUser(s, caller.user, *userId, teamId, paging.page,
                                              paging.perPage);
  };
  co_return co_await respond(api, job, membersJson);
}

// The path of the sidebar routes, /users/{user_id}/teams/{team_id}/channels/categories/...:
// parentId is the team.
core::Result<MemberPath> sidebarPath(const http::Request& request,
                                     const AuthenticatedUser& caller) {
  return memberPath(request, caller, "team_id");
}

// A SidebarCategory JSON object: id, display_name, sorting, muted, collapsed, channel_ids.
core::Result<services::SidebarCategory> parseCategory(const nlohmann::json& json) {
  if (!json.is_object()) return services::invalidBodyParam("category");
  services::SidebarCategory category;
  std::optional<std::string> id, displayName, sorting;
  std::optional<bool> muted, collapsed;
  if (auto read =
          readStrings(json, {{"id", &id}, {"display_name", &displayName}, {"sorting", &sorting}});
      !read) {
    return std::move(read).error();
  }
  for (auto [key, out] : {std::pair{"muted", &muted}, std::pair{"collapsed", &collapsed}}) {
    if (auto read = readBool(json, key, *out); !read) return std::move(read).error();
  }
  if (const auto it = json.find("channel_ids"); it != json.end() && !it->is_null()) {
    auto ids = idList(*it, "channel_ids");
    if (!ids) return std::move(ids).error();
    category.channelIds = std::move(*ids);
  }
  category.id = id.value_or("");
  category.displayName = displayName.value_or("");
  category.sorting = sorting.value_or("");
  category.muted = muted.value_or(false);
  category.collapsed = collapsed.value_or(false);
  return category;
}

nlohmann::json categoriesJson(const std::vector<services::SidebarCategory>& categories) {
  return jsonArray(categories, json::sidebarCategoryToJson);
}

// GET /api/v4/users/{user_id}/teams/{team_id}/channels/categories[/order|/{category_id}]
enum class CategoryView { kAll, kOrder, kOne };

asio::awaitable<http::Response> categories(const ApiContext& api, http::Request& request,
                                           const AuthenticatedUser& caller, CategoryView view) {
  auto path = sidebarPath(request, caller);
  if (!path) co_return http::Response::error(std::move(path).error());
  const std::string categoryId(request.param("category_id"));
  auto job = [&](Store& s) -> core::Result<nlohmann::json> {
    auto categories = services::sidebarCategories(s, caller.user, path->userId, path->parentId);
    if (!categories) return std::move(categories).error();
    nlohmann::json order = nlohmann::json::array();
    for (const auto& category : *categories) order.push_back(category.id);
    if (view == CategoryView::kOrder) return order;
    if (view == CategoryView::kOne) {
      const auto it = std::find_if(categories->begin(), categories->end(),
                                   [&categoryId](const auto& c) { return c.id == categoryId; });
      if (it == categories->end()) {
        return core::makeError(core::ErrorCode::kNotFound,
                               "app.channel.sidebar_categories.app_error",
                               "Unable to find the sidebar category.");
      }
      return json::sidebarCategoryToJson(*it);
    }
    return nlohmann::json{{"categories", categoriesJson(*categories)}, {"order", order}};
  };
  co_return co_await respond(api, job, [](const nlohmann::json& body) { return body; });
}

// POST /api/v4/users/{user_id}/teams/{team_id}/channels/categories → 201 SidebarCategory
asio::awaitable<http::Response> createCategory(const ApiContext& api, http::Request& request,
                                               const AuthenticatedUser& caller) {
  auto path = sidebarPath(request, caller);
  if (!path) co_return http::Response::error(std::move(path).error());
  auto body = jsonObjectBody(request, "category");
  if (!body) co_return http::Response::error(std::move(body).error());
  auto category = parseCategory(*body);
  if (!category) co_return http::Response::error(std::move(category).error());
  auto job = [&](Store& s) {
    return services::createSidebarCategory(s, caller.user, path->userId, path->parentId, *category);
  };
  co_return co_await respond(api, job, json::sidebarCategoryToJson, 201);
}

// PUT /api/v4/users/{user_id}/teams/{team_id}/channels/categories [SidebarCategory...], and
// PUT .../categories/{category_id} with one category (whose id must be the path's).
asio::awaitable<http::Response> updateCategories(const ApiContext& api, http::Request& request,
                                                 const AuthenticatedUser& caller, bool one) {
  auto path = sidebarPath(request, caller);
  if (!path) co_return http::Response::error(std::move(path).error());
  auto body = one ? jsonObjectBody(request, "category") : jsonArrayBody(request, "categories");
  if (!body) co_return http::Response::error(std::move(body).error());
  std::vector<services::SidebarCategory> changes;
  const nlohmann::json items = one ? nlohmann::json::array({*body}) : *body;
  if (items.empty() || items.size() > kMaxIdsPerRequest) {
    co_return http::Response::error(services::invalidBodyParam("categories"));
  }
  for (const auto& item : items) {
    auto category = parseCategory(item);
    if (!category) co_return http::Response::error(std::move(category).error());
    changes.push_back(std::move(*category));
  }
  if (one && changes.front().id != request.param("category_id")) {
    co_return http::Response::error(services::invalidBodyParam("category"));
  }
  auto job = [&](Store& s) {
    return services::updateSidebarCategories(s, caller.user, path->userId, path->parentId, changes);
  };
  co_return co_await respond(
      api, job, [one](const std::vector<services::SidebarCategory>& changed) {
        return one ? json::sidebarCategoryToJson(changed.front()) : categoriesJson(changed);
      });
}

// PUT /api/v4/users/{user_id}/teams/{team_id}/channels/categories/order ["id", ...]
asio::awaitable<http::Response> updateCategoryOrder(const ApiContext& api, http::Request& request,
                                                    const AuthenticatedUser& caller) {
  auto path = sidebarPath(request, caller);
  if (!path) co_return http::Response::error(std::move(path).error());
  auto body = jsonArrayBody(request, "order");
  if (!body) co_return http::Response::error(std::move(body).error());
  std::vector<std::string> order;
  for (const auto& item : *body) {
    if (!item.is_string() || item.get_ref<const std::string&>().size() > 128) {
      co_return http::Response::error(services::invalidBodyParam("order"));
    }
    order.push_back(item.get<std::string>());
  }
  auto job = [&](Store& s) {
    return services::updateSidebarCategoryOrder(s, caller.user, path->userId, path->parentId,
                                                order);
  };
  co_return co_await respond(
      api, job, [](const std::vector<std::string>& ids) { return nlohmann::json(ids); });
}

// DELETE /api/v4/users/{user_id}/teams/{team_id}/channels/categories/{category_id}
asio::awaitable<http::Response> deleteCategory(const ApiContext& api, http::Request& request,
                                               const AuthenticatedUser& caller) {
  auto path = sidebarPath(request, caller);
  if (!path) co_return http::Response::error(std::move(path).error());
  const std::string categoryId(request.param("category_id"));
  auto job = [&](Store& s) {
    return services::deleteSidebarCategory(s, caller.user, path->userId, path->parentId,
                                           categoryId);
  };
  co_return co_await respondOk(api, job);
}

}  // namespace

void registerChannelRoutes(http::Router& router, ApiContextPtr api) {
  using http_proto::verb;
  const auto withCaller = [&router, &api](verb method, const char* pattern, auto handler) {
    addCallerRoute(router, api, method, pattern, handler);
  };
  withCaller(verb::post, "/api/v4/channels", createChannel);
  withCaller(verb::post, "/api/v4/channels/direct", createDirect);
  withCaller(verb::post, "/api/v4/channels/group", createGroup);
  // Before /channels/{channel_id}/...: patterns match in registration order.
  withCaller(verb::post, "/api/v4/channels/members/{user_id}/view", viewChannel);
  withCaller(verb::post, "/api/v4/channels/members/{user_id}/mark_read", markRead);
  withCaller(verb::get, "/api/v4/channels/{channel_id}", getChannel);
  withCaller(verb::put, "/api/v4/channels/{channel_id}", withExtra(patchChannel, true));
  withCaller(verb::delete_, "/api/v4/channels/{channel_id}", archiveChannel);
  withCaller(verb::put, "/api/v4/channels/{channel_id}/patch", withExtra(patchChannel, false));
  withCaller(verb::post, "/api/v4/channels/{channel_id}/restore", restoreChannel);
  withCaller(verb::get, "/api/v4/channels/{channel_id}/stats", channelStats);
  withCaller(verb::get, "/api/v4/channels/{channel_id}/timezones", emptyChannelList);
  withCaller(verb::get, "/api/v4/channels/{channel_id}/member_counts_by_group", emptyChannelList);
  withCaller(verb::post, "/api/v4/channels/{channel_id}/members", addMembers);
  withCaller(verb::get, "/api/v4/channels/{channel_id}/members", listMembers);
  withCaller(verb::post, "/api/v4/channels/{channel_id}/members/ids", membersByIds);
  withCaller(verb::get, "/api/v4/channels/{channel_id}/members/{user_id}", getMember);
  withCaller(verb::delete_, "/api/v4/channels/{channel_id}/members/{user_id}", removeMember);
  withCaller(verb::put, "/api/v4/channels/{channel_id}/members/{user_id}/roles",
             memberRolesRoute("channel_id", services::updateChannelMemberRoles));
  withCaller(verb::put, "/api/v4/channels/{channel_id}/members/{user_id}/schemeRoles",
             memberSchemeRolesRoute("channel_id", services::updateChannelMemberSchemeRoles));
  withCaller(verb::put, "/api/v4/channels/{channel_id}/members/{user_id}/notify_props",
             updateNotifyProps);
  withCaller(verb::get, "/api/v4/teams/{team_id}/channels",
             withExtra(teamChannels, core::model::kChannelOpen));
  withCaller(verb::get, "/api/v4/teams/{team_id}/channels/private",
             withExtra(teamChannels, core::model::kChannelPrivate));
  withCaller(verb::get, "/api/v4/teams/{team_id}/channels/deleted", archivedChannels);
  withCaller(verb::get, "/api/v4/teams/{team_id}/channels/autocomplete",
             withExtra(autocompleteChannels, services::ChannelSearch::kAutocomplete));
  withCaller(verb::get, "/api/v4/teams/{team_id}/channels/search_autocomplete",
             withExtra(autocompleteChannels, services::ChannelSearch::kMemberOnly));
  withCaller(verb::post, "/api/v4/teams/{team_id}/channels/search", searchChannels);
  withCaller(verb::get, "/api/v4/teams/{team_id}/channels/name/{channel_name}", channelByName);
  withCaller(verb::get, "/api/v4/teams/name/{team_name}/channels/name/{channel_name}",
             channelByTeamName);
  withCaller(verb::get, "/api/v4/users/{user_id}/channels", withExtra(channelsOfUser, false));
  withCaller(verb::get, "/api/v4/users/{user_id}/teams/{team_id}/channels",
             withExtra(channelsOfUser, true));
  withCaller(verb::get, "/api/v4/users/{user_id}/channel_members",
             withExtra(membershipsOfUser, false));
  withCaller(verb::get, "/api/v4/users/{user_id}/teams/{team_id}/channels/members",
             withExtra(membershipsOfUser, true));
  withCaller(verb::get, "/api/v4/users/{user_id}/teams/{team_id}/channels/categories",
             withExtra(categories, CategoryView::kAll));
  withCaller(verb::get, "/api/v4/users/{user_id}/teams/{team_id}/channels/categories/order",
             withExtra(categories, CategoryView::kOrder));
  withCaller(verb::get, "/api/v4/users/{user_id}/teams/{team_id}/channels/categories/{category_id}",
             withExtra(categories, CategoryView::kOne));
  withCaller(verb::post, "/api/v4/users/{user_id}/teams/{team_id}/channels/categories",
             createCategory);
  withCaller(verb::put, "/api/v4/users/{user_id}/teams/{team_id}/channels/categories",
             withExtra(updateCategories, false));
  // Before .../categories/{category_id}: patterns match in registration order.
  withCaller(verb::put, "/api/v4/users/{user_id}/teams/{team_id}/channels/categories/order",
             updateCategoryOrder);
  withCaller(verb::put, "/api/v4/users/{user_id}/teams/{team_id}/channels/categories/{category_id}",
             withExtra(updateCategories, true));
  withCaller(verb::delete_,
             "/api/v4/users/{user_id}/teams/{team_id}/channels/categories/{category_id}",
             deleteCategory);
}

}  // namespace parley::gateway::api
