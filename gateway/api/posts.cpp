#include "gateway/api/posts.hpp"

#include <tuple>

#include "core/common/await_callback.hpp"
#include "core/model/id.hpp"
#include "core/services/post_service.hpp"
#include "core/services/search_service.hpp"
#include "gateway/api/json/file_json.hpp"
#include "gateway/api/json/post_json.hpp"
#include "gateway/api/paging.hpp"
#include "gateway/api/route_support.hpp"
#include "gateway/api/session_context.hpp"

namespace parley::gateway::api {
namespace {

namespace services = core::services;
using core::store::Store;

core::Error invalidUrlParam(std::string_view name) {
  return core::makeError(core::ErrorCode::kInvalidArgument,
                         "api.context.invalid_url_param.app_error",
                         "Invalid or missing " + std::string(name) + " parameter in request URL.");
}

http::Response postResponse(core::Result<core::model::Post> post, unsigned status = 200) {
  if (!post) return http::Response::error(std::move(post).error());
  return http::Response::json(status, json::postJsonText(*post));
}

http::Response listResponse(core::Result<core::model::PostList> list) {
  if (!list) return http::Response::error(std::move(list).error());
  return http::Response::json(200, json::postListJsonText(*list));
}

http::Response statusResponse(core::Status status) {
  if (!status) return http::Response::error(std::move(status).error());
  return http::Response::statusOk();
}

// POST /api/v4/posts
asio::awaitable<http::Response> createPost(const ApiContext& api, http::Request& request,
                                           const AuthenticatedUser& caller) {
  auto draft = json::postFromJson(request.body());
  if (!draft) co_return http::Response::error(std::move(draft).error());
  auto created = co_await awaitCallback<core::Result<core::model::Post>>(
      [&](auto reply) { api.postLanes->create(caller.user, std::move(*draft), reply); });
  co_return postResponse(std::move(created), 201);
}

// GET /api/v4/posts/{post_id}?include_deleted=
asio::awaitable<http::Response> getPost(const ApiContext& api, http::Request& request,
                                        const AuthenticatedUser& caller) {
  const std::string postId(request.param("post_id"));
  const bool includeDeleted = request.query().isTrue("include_deleted");
  auto post = co_await api.database->run([&caller, &postId, includeDeleted](Store& s) {
    return services::getPost(s, caller.user, postId, includeDeleted);
  });
  co_return postResponse(std::move(post));
}

// POST /api/v4/posts/ids
asio::awaitable<http::Response> getPostsByIds(const ApiContext& api, http::Request& request,
                                              const AuthenticatedUser& caller) {
  auto ids = json::stringArrayFromJson(request.body(), "post_ids");
  if (!ids) co_return http::Response::error(std::move(ids).error());
  auto posts = co_await api.database->run(
      [&caller, &ids](Store& s) { return services::getPostsByIds(s, caller.user, *ids); });
  if (!posts) co_return http::Response::error(std::move(posts).error());
  co_return http::Response::json(200, json::postsJsonText(*posts));
}

asio::awaitable<http::Response> applyPatch(const ApiContext& api, const AuthenticatedUser& caller,
                                           const std::string& postId,
                                           const services::PostPatch& patch) {
  auto post = co_await api.database->run([&caller, &postId, &patch](Store& s) {
    return services::patchPost(s, caller.user, postId, patch);
  });
  co_return postResponse(std::move(post));
}

// PUT /api/v4/posts/{post_id}/patch
asio::awaitable<http::Response> patchPost(const ApiContext& api, http::Request& request,
                                          const AuthenticatedUser& caller) {
  const std::string postId(request.param("post_id"));
  auto patch = json::postPatchFromJson(request.body());
  if (!patch) co_return http::Response::error(std::move(patch).error());
  co_return co_await applyPatch(api, caller, postId, *patch);
}

// PUT /api/v4/posts/{post_id}: the whole editable post; omitted fields become blank.
asio::awaitable<http::Response> updatePost(const ApiContext& api, http::Request& request,
                                           const AuthenticatedUser& caller) {
  const std::string postId(request.param("post_id"));
  auto post = json::postFromJson(request.body());
  if (!post) co_return http::Response::error(std::move(post).error());
  const auto body = nlohmann::json::parse(request.body(), nullptr, false);
  if (const auto id = body.find("id"); id != body.end() && *id != postId) {
    co_return http::Response::error(json::invalidBodyParam("id"));
  }
  services::PostPatch patch;
  patch.message = post->message;
  patch.isPinned = post->isPinned;
  patch.props = post->props;
  patch.fileIds = post->fileIds;
  co_return co_await applyPatch(api, caller, postId, patch);
}

// DELETE /api/v4/posts/{post_id}
asio::awaitable<http::Response> deletePost(const ApiContext& api, http::Request& request,
                                           const AuthenticatedUser& caller) {
  const std::string postId(request.param("post_id"));
  auto deleted = co_await api.database->run(
      [&caller, &postId](Store& s) { return services::deletePost(s, caller.user, postId); });
  co_return statusResponse(std::move(deleted));
}

asio::awaitable<http::Response> pin(const ApiContext& api, http::Request& request,
                                    const AuthenticatedUser& caller, bool pinned) {
  const std::string postId(request.param("post_id"));
  auto done = co_await api.database->run([&caller, &postId, pinned](Store& s) {
    return services::setPinned(s, caller.user, postId, pinned);
  });
  co_return statusResponse(std::move(done));
}

// GET /api/v4/posts/{post_id}/files/info → [FileInfo]
asio::awaitable<http::Response> getPostFiles(const ApiContext& api, http::Request& request,
                                             const AuthenticatedUser& caller) {
  const std::string postId(request.param("post_id"));
  const bool includeDeleted = request.query().isTrue("include_deleted");
  auto files = co_await api.database->run([&caller, &postId, includeDeleted](Store& s) {
    return services::getPostFiles(s, caller.user, postId, includeDeleted);
  });
  if (!files) co_return http::Response::error(std::move(files).error());
  nlohmann::json body = nlohmann::json::array();
  for (const auto& file : *files) body.push_back(json::fileInfoToJson(file));
  co_return http::Response::json(200, body);
}

// GET /api/v4/posts/{post_id}/thread?perPage=&fromPost=&fromCreateAt=&direction=
asio::awaitable<http::Response> getThread(const ApiContext& api, http::Request& request,
                                          const AuthenticatedUser& caller) {
  const std::string postId(request.param("post_id"));
  services::ThreadOptions options;
  const auto& query = request.query();
  options.perPage = queryInt(query, "perPage", 0, kPerPageMaximum);
  if (const auto from = query.get("fromPost"); from && !from->empty()) {
    if (!core::model::isValidId(*from))
      co_return http::Response::error(invalidUrlParam("fromPost"));
    options.fromPost = std::string(*from);
  }
  if (const auto from = query.get("fromCreateAt"); from && !from->empty()) {
    const auto value = parseMillis(*from);
    if (!value) co_return http::Response::error(invalidUrlParam("fromCreateAt"));
    options.fromCreateAt = *value;
  }
  if (const auto direction = query.get("direction"); direction && !direction->empty()) {
    if (*direction != "up" && *direction != "down") {
      co_return http::Response::error(invalidUrlParam("direction"));
    }
    options.up = *direction == "up";
  }
  auto list = co_await api.database->run([&caller, &postId, &options](Store& s) {
    return services::getThread(s, caller.user, postId, options);
  });
  co_return listResponse(std::move(list));
}

// GET /api/v4/channels/{channel_id}/posts (reference §5.5 "Channel post paging").
asio::awaitable<http::Response> getChannelPosts(const ApiContext& api, http::Request& request,
                                                const AuthenticatedUser& caller) {
  const std::string channelId(request.param("channel_id"));
  const auto& query = request.query();
  services::ChannelPostsQuery posts;
  const Paging paging = pagingOf(request);
  posts.page = paging.page;
  posts.perPage = paging.perPage;
  if (const auto since = query.get("since"); since && !since->empty()) {
    const auto value = parseMillis(*since);
    if (!value) co_return http::Response::error(invalidUrlParam("since"));
    posts.since = *value;
  }
  posts.before = std::string(query.get("before").value_or(""));
  posts.after = std::string(query.get("after").value_or(""));
  posts.skipFetchThreads = query.isTrue("skipFetchThreads");
  posts.includeDeleted = query.isTrue("include_deleted");

  // The ETag covers the newest page only: any write to the channel's posts changes it.
  const bool newestPage = posts.since == 0 && posts.before.empty() && posts.after.empty() &&
                          posts.page == 0 && !posts.includeDeleted;
  if (!newestPage) {
    auto list = co_await api.database->run([&caller, &channelId, &posts](Store& s) {
      return services::getChannelPosts(s, caller.user, channelId, posts);
    });
    co_return listResponse(std::move(list));
  }
  const std::string etagSuffix =
      "." + std::to_string(posts.perPage) + (posts.skipFetchThreads ? ".s" : ".t");
  const std::string_view cached = request.header("If-None-Match");
  auto newest = co_await api.database->run([&](Store& s) {
    return services::getNewestChannelPosts(
        s, caller.user, channelId, posts, [&](std::int64_t lastUpdateAt) {
          return cached == std::to_string(lastUpdateAt) + etagSuffix;
        });
  });
  if (!newest) co_return http::Response::error(std::move(newest).error());
  const std::string etag = std::to_string(newest->lastUpdateAt) + etagSuffix;
  if (!newest->posts) {
    http::Response notModified = http::Response::text(304, "");
    notModified.header("ETag", etag);
    co_return notModified;
  }
  http::Response response = listResponse(std::move(*newest->posts));
  if (response.status() == 200) response.header("ETag", etag);
  co_return response;
}

// GET /api/v4/channels/{channel_id}/pinned
asio::awaitable<http::Response> getPinned(const ApiContext& api, http::Request& request,
                                          const AuthenticatedUser& caller) {
  const std::string channelId(request.param("channel_id"));
  auto list = co_await api.database->run([&caller, &channelId](Store& s) {
    return services::getPinnedPosts(s, caller.user, channelId);
  });
  co_return listResponse(std::move(list));
}

// GET /api/v4/users/{user_id}/channels/{channel_id}/posts/unread?limit_before=&limit_after=
asio::awaitable<http::Response> getUnread(const ApiContext& api, http::Request& request,
                                          const AuthenticatedUser& caller) {
  std::string userId(request.param("user_id"));
  if (userId == "me") userId = caller.user.id;
  const std::string channelId(request.param("channel_id"));
  const int before = queryInt(request.query(), "limit_before", kLimitDefault, kLimitMaximum);
  const int after = queryInt(request.query(), "limit_after", kLimitDefault, kLimitMaximum);
  auto list = co_await api.database->run([&caller, &userId, &channelId, before, after](Store& s) {
    return services::getPostsAroundLastUnread(s, caller.user, userId, channelId, before, after);
  });
  co_return listResponse(std::move(list));
}

// {terms, is_or_search, time_zone_offset, include_deleted_channels, page, per_page}
core::Result<services::SearchParams> searchParamsFromJson(const std::string& body) {
  const auto in = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!in.is_object()) return json::invalidBodyParam("search");
  services::SearchParams params;
  const auto field = [&in](const char* key) {
    const auto it = in.find(key);
    return it == in.end() || it->is_null() ? nullptr : &*it;
  };
  if (const auto* terms = field("terms")) {
    if (!terms->is_string()) return json::invalidBodyParam("terms");
    params.terms = terms->get<std::string>();
  }
  for (auto [key, flag] : {std::pair{"is_or_search", &params.isOrSearch},
                           std::pair{"include_deleted_channels", &params.includeDeletedChannels}}) {
    if (const auto* value = field(key)) {
      if (!value->is_boolean()) return json::invalidBodyParam(key);
      *flag = value->get<bool>();
    }
  }
  // Offsets are at most ±14 hours; pages are bounded by the service.
  for (auto [key, number, low, high] :
       {std::tuple{"time_zone_offset", &params.timeZoneOffset, -50'400, 50'400},
        std::tuple{"page", &params.page, -1'000'000, 1'000'000},
        std::tuple{"per_page", &params.perPage, -1'000'000, 1'000'000}}) {
    if (const auto* value = field(key)) {
      if (!value->is_number_integer()) return json::invalidBodyParam(key);
      const auto n = value->get<std::int64_t>();
      if (n < low || n > high) return json::invalidBodyParam(key);
      *number = static_cast<int>(n);
    }
  }
  return params;
}

// POST /api/v4/teams/{team_id}/posts/search and POST /api/v4/posts/search →
// PostListWithSearchMatches.
asio::awaitable<http::Response> searchPosts(const ApiContext& api, http::Request& request,
                                            const AuthenticatedUser& caller) {
  const std::string teamId(request.param("team_id"));
  auto params = searchParamsFromJson(request.body());
  if (!params) co_return http::Response::error(std::move(params).error());
  auto found = co_await api.database->run([&caller, &teamId, &params](Store& s) {
    return services::searchPosts(s, caller.user, teamId, *params);
  });
  if (!found) co_return http::Response::error(std::move(found).error());
  const nlohmann::json matches = found->matches;
  co_return http::Response::json(200, json::postListJsonText(found->list, &matches));
}

}  // namespace

void registerPostRoutes(http::Router& router, ApiContextPtr api) {
  using http_proto::verb;
  const auto withCaller = [&router, &api](verb method, const char* pattern, auto handler) {
    addCallerRoute(router, api, method, pattern, handler);
  };
  withCaller(verb::post, "/api/v4/posts", createPost);
  withCaller(verb::post, "/api/v4/posts/ids", getPostsByIds);
  withCaller(verb::get, "/api/v4/posts/{post_id}", getPost);
  withCaller(verb::put, "/api/v4/posts/{post_id}", updatePost);
  withCaller(verb::delete_, "/api/v4/posts/{post_id}", deletePost);
  withCaller(verb::put, "/api/v4/posts/{post_id}/patch", patchPost);
  withCaller(verb::get, "/api/v4/posts/{post_id}/thread", getThread);
  withCaller(verb::get, "/api/v4/posts/{post_id}/files/info", getPostFiles);
  withCaller(verb::post, "/api/v4/posts/{post_id}/pin", withExtra(pin, true));
  withCaller(verb::post, "/api/v4/posts/{post_id}/unpin", withExtra(pin, false));
  withCaller(verb::get, "/api/v4/channels/{channel_id}/posts", getChannelPosts);
  withCaller(verb::get, "/api/v4/channels/{channel_id}/pinned", getPinned);
  withCaller(verb::get, "/api/v4/users/{user_id}/channels/{channel_id}/posts/unread", getUnread);
  withCaller(verb::post, "/api/v4/posts/search", searchPosts);
  withCaller(verb::post, "/api/v4/teams/{team_id}/posts/search", searchPosts);
}

}  // namespace parley::gateway::api
