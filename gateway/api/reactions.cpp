#include "gateway/api/reactions.hpp"

#include "core/services/reaction_service.hpp"
#include "gateway/api/json/post_json.hpp"
#include "gateway/api/route_support.hpp"
#include "gateway/api/session_context.hpp"

namespace parley::gateway::api {
namespace {

namespace services = core::services;
using core::store::Store;

// {user_id, post_id, emoji_name, create_at?}: a body that is not an object or has fields of the
// wrong type is 400 api.context.invalid_body_param.app_error (reaction).
core::Result<core::model::Reaction> reactionFromJson(const std::string& body) {
  const auto in = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!in.is_object()) return json::invalidBodyParam("reaction");
  core::model::Reaction reaction;
  for (auto [key, field] :
       {std::pair{"user_id", &reaction.userId}, std::pair{"post_id", &reaction.postId},
        std::pair{"emoji_name", &reaction.emojiName}}) {
    const auto it = in.find(key);
    if (it == in.end() || it->is_null()) continue;
    if (!it->is_string()) return json::invalidBodyParam("reaction");
    *field = it->get<std::string>();
  }
  if (const auto it = in.find("create_at"); it != in.end() && !it->is_null()) {
    if (!it->is_number_integer()) return json::invalidBodyParam("reaction");
    reaction.createAt = it->get<std::int64_t>();
  }
  return reaction;
}

nlohmann::json reactionsToJson(const std::vector<core::model::Reaction>& reactions) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& reaction : reactions) out.push_back(json::reactionToJson(reaction));
  return out;
}

// POST /api/v4/reactions → 200 Reaction (Mattermost never writes 201 here).
asio::awaitable<http::Response> addReaction(const ApiContext& api, http::Request& request,
                                            const AuthenticatedUser& caller) {
  auto reaction = reactionFromJson(request.body());
  if (!reaction) co_return http::Response::error(std::move(reaction).error());
  auto saved = co_await api.database->run([&caller, &reaction](Store& s) {
    return services::addReaction(s, caller.user, std::move(*reaction));
  });
  if (!saved) co_return http::Response::error(std::move(saved).error());
  co_return http::Response::json(200, json::reactionToJson(*saved));
}

// DELETE /api/v4/users/{user_id}/posts/{post_id}/reactions/{emoji_name}
asio::awaitable<http::Response> removeReaction(const ApiContext& api, http::Request& request,
                                               const AuthenticatedUser& caller) {
  std::string userId(request.param("user_id"));
  if (userId == "me") userId = caller.user.id;
  const std::string postId(request.param("post_id"));
  const std::string emoji(request.param("emoji_name"));
  auto removed = co_await api.database->run([&caller, &userId, &postId, &emoji](Store& s) {
    return services::removeReaction(s, caller.user, userId, postId, emoji);
  });
  if (!removed) co_return http::Response::error(std::move(removed).error());
  co_return http::Response::statusOk();
}

// GET /api/v4/posts/{post_id}/reactions
asio::awaitable<http::Response> reactionsOfPost(const ApiContext& api, http::Request& request,
                                                const AuthenticatedUser& caller) {
  const std::string postId(request.param("post_id"));
  auto reactions = co_await api.database->run(
      [&caller, &postId](Store& s) { return services::reactionsOfPost(s, caller.user, postId); });
  if (!reactions) co_return http::Response::error(std::move(reactions).error());
  co_return http::Response::json(200, reactionsToJson(*reactions));
}

// POST /api/v4/posts/ids/reactions → {post_id: [Reaction]}
asio::awaitable<http::Response> reactionsOfPosts(const ApiContext& api, http::Request& request,
                                                 const AuthenticatedUser& caller) {
  auto ids = json::stringArrayFromJson(request.body(), "post_ids");
  if (!ids) co_return http::Response::error(std::move(ids).error());
  auto byPost = co_await api.database->run(
      [&caller, &ids](Store& s) { return services::reactionsOfPosts(s, caller.user, *ids); });
  if (!byPost) co_return http::Response::error(std::move(byPost).error());
  nlohmann::json body = nlohmann::json::object();
  for (const auto& [postId, reactions] : *byPost) body[postId] = reactionsToJson(reactions);
  co_return http::Response::json(200, body);
}

}  // namespace

void registerReactionRoutes(http::Router& router, ApiContextPtr api) {
  using http_proto::verb;
  const auto withCaller = [&router, &api](verb method, const char* pattern, auto handler) {
    addCallerRoute(router, api, method, pattern, handler);
  };
  withCaller(verb::post, "/api/v4/reactions", addReaction);
  withCaller(verb::delete_, "/api/v4/users/{user_id}/posts/{post_id}/reactions/{emoji_name}",
             removeReaction);
  withCaller(verb::get, "/api/v4/posts/{post_id}/reactions", reactionsOfPost);
  withCaller(verb::post, "/api/v4/posts/ids/reactions", reactionsOfPosts);
}

}  // namespace parley::gateway::api
