#include "gateway/api/json/post_json.hpp"

#include "gateway/api/json/file_json.hpp"

namespace parley::gateway::api::json {
namespace {

using nlohmann::json;

json parseBody(const std::string& body) {
  return json::parse(body, nullptr, /*allow_exceptions=*/false);
}

// Reads `key` of `object` into `out` when present and not null; false when it has another type.
bool readString(const json& object, const char* key, std::string& out) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return true;
  if (!it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

bool readStrings(const json& value, std::vector<std::string>& out) {
  if (!value.is_array()) return false;
  out.clear();
  for (const auto& item : value) {
    if (!item.is_string()) return false;
    out.push_back(item.get<std::string>());
  }
  return true;
}

}  // namespace

core::Error invalidBodyParam(std::string_view name) {
  return core::makeError(core::ErrorCode::kInvalidArgument,
                         "api.context.invalid_body_param.app_error",
                         "Invalid or missing " + std::string(name) + " in request body.");
}

json reactionToJson(const core::model::Reaction& reaction) {
  return {{"user_id", reaction.userId},
          {"post_id", reaction.postId},
          {"emoji_name", reaction.emojiName},
          {"create_at", reaction.createAt},
          {"update_at", reaction.updateAt},
          {"delete_at", reaction.deleteAt},
          {"remote_id", reaction.remoteId.empty() ? json(nullptr) : json(reaction.remoteId)},
          {"channel_id", reaction.channelId}};
}

json postToJson(const core::model::Post& post) {
  json reactions = json::array();
  for (const auto& reaction : post.reactions) reactions.push_back(reactionToJson(reaction));
  json files = json::array();
  for (const auto& file : post.files) files.push_back(fileInfoToJson(file));
  json out = {{"id", post.id},
              {"create_at", post.createAt},
              {"update_at", post.updateAt},
              {"edit_at", post.editAt},
              {"delete_at", post.deleteAt},
              {"is_pinned", post.isPinned},
              {"user_id", post.userId},
              {"channel_id", post.channelId},
              {"root_id", post.rootId},
              {"original_id", post.originalId},
              {"message", post.message},
              {"type", post.type},
              {"props", post.props.is_object() ? post.props : json::object()},
              {"hashtags", post.hashtags},
              {"file_ids", post.fileIds},
              {"pending_post_id", post.pendingPostId},
              {"reply_count", post.replyCount},
              {"last_reply_at", post.lastReplyAt},
              {"participants", nullptr},
              {"metadata",
               {{"embeds", json::array()},
                {"emojis", json::array()},
                {"files", std::move(files)},
                {"images", json::object()},
                {"reactions", std::move(reactions)}}}};
  if (post.hasReactions) out["has_reactions"] = true;
  if (!post.remoteId.empty()) out["remote_id"] = post.remoteId;
  return out;
}

json postListToJson(const core::model::PostList& list) {
  json posts = json::object();
  for (const auto& [id, post] : list.posts) posts[id] = postToJson(post);
  json out = {{"order", list.order},
              {"posts", std::move(posts)},
              {"next_post_id", list.nextPostId},
              {"prev_post_id", list.prevPostId},
              {"first_inaccessible_post_time", 0}};
  if (list.hasNext) out["has_next"] = *list.hasNext;
  return out;
}

core::Result<core::model::Post> postFromJson(const std::string& body) {
  const json in = parseBody(body);
  if (!in.is_object()) return invalidBodyParam("post");
  core::model::Post post;
  for (auto [key, field] :
       {std::pair{"channel_id", &post.channelId}, std::pair{"message", &post.message},
        std::pair{"root_id", &post.rootId}, std::pair{"type", &post.type},
        std::pair{"pending_post_id", &post.pendingPostId}}) {
    if (!readString(in, key, *field)) return invalidBodyParam(key);
  }
  if (const auto it = in.find("props"); it != in.end() && !it->is_null()) {
    if (!it->is_object()) return invalidBodyParam("props");
    post.props = *it;
  }
  if (const auto it = in.find("file_ids"); it != in.end() && !it->is_null()) {
    if (!readStrings(*it, post.fileIds)) return invalidBodyParam("file_ids");
  }
  if (const auto it = in.find("create_at"); it != in.end() && !it->is_null()) {
    if (!it->is_number_integer()) return invalidBodyParam("create_at");
    post.createAt = it->get<std::int64_t>();
  }
  if (const auto it = in.find("is_pinned"); it != in.end() && !it->is_null()) {
    if (!it->is_boolean()) return invalidBodyParam("is_pinned");
    post.isPinned = it->get<bool>();
  }
  return post;
}

core::Result<core::services::PostPatch> postPatchFromJson(const std::string& body) {
  const json in = parseBody(body);
  if (!in.is_object()) return invalidBodyParam("patch");
  core::services::PostPatch patch;
  if (const auto it = in.find("message"); it != in.end() && !it->is_null()) {
    if (!it->is_string()) return invalidBodyParam("message");
    patch.message = it->get<std::string>();
  }
  if (const auto it = in.find("is_pinned"); it != in.end() && !it->is_null()) {
    if (!it->is_boolean()) return invalidBodyParam("is_pinned");
    patch.isPinned = it->get<bool>();
  }
  if (const auto it = in.find("has_reactions"); it != in.end() && !it->is_null()) {
    if (!it->is_boolean()) return invalidBodyParam("has_reactions");
    patch.hasReactions = it->get<bool>();
  }
  if (const auto it = in.find("props"); it != in.end() && !it->is_null()) {
    if (!it->is_object()) return invalidBodyParam("props");
    patch.props = *it;
  }
  if (const auto it = in.find("file_ids"); it != in.end() && !it->is_null()) {
    std::vector<std::string> ids;
    if (!readStrings(*it, ids)) return invalidBodyParam("file_ids");
    patch.fileIds = std::move(ids);
  }
  return patch;
}

core::Result<std::vector<std::string>> stringArrayFromJson(const std::string& body,
                                                           const char* name) {
  std::vector<std::string> values;
  if (!readStrings(parseBody(body), values)) return invalidBodyParam(name);
  return values;
}

}  // namespace parley::gateway::api::json
