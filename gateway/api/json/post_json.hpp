#pragma once
// The Post, PostList, Reaction and PostPatch JSON of the Mattermost API (reference/
// mattermost-api.md §7), both ways: what clients send to create or edit posts is read here with
// Mattermost's error ids, what the API returns is written here.

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/post.hpp"
#include "core/services/post_service.hpp"

namespace parley::gateway::api::json {

// A post's JSON text with post.metadata {embeds, emojis, files, images, reactions};
// has_reactions and remote_id are omitted when empty (omitempty), participants is null.
// Written straight to text (every post's reply and event carries one), byte for byte what
// nlohmann's dump of the same object writes (core/common/json_text.hpp).
std::string postJsonText(const core::model::Post& post);

// A JSON array of posts.
std::string postsJsonText(const std::vector<core::model::Post>& posts);

// {first_inaccessible_post_time, has_next?, matches?, next_post_id, order, posts,
// prev_post_id}; `matches` (a search's terms per post) only when given.
std::string postListJsonText(const core::model::PostList& list,
                             const nlohmann::json* matches = nullptr);

nlohmann::json reactionToJson(const core::model::Reaction& reaction);

// The body of POST /posts: {channel_id, message, root_id, type, props, file_ids,
// pending_post_id, create_at, is_pinned}. A body that is not a JSON object, or a field of the
// wrong type, is 400 api.context.invalid_body_param.app_error naming it.
core::Result<core::model::Post> postFromJson(const std::string& body);

// The body of PUT /posts/{id}/patch (PostPatch; null or absent fields stay unchanged).
core::Result<core::services::PostPatch> postPatchFromJson(const std::string& body);

// A JSON array of strings (POST /posts/ids and similar); `name` is the parameter named in the
// 400 error.
core::Result<std::vector<std::string>> stringArrayFromJson(const std::string& body,
                                                           const char* name);

core::Error invalidBodyParam(std::string_view name);

}  // namespace parley::gateway::api::json
