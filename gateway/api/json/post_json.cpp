#include "gateway/api/json/post_json.hpp"

#include "core/common/json_text.hpp"
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

namespace {

// A post's JSON without its message, files and reactions is about 400 bytes.
constexpr std::size_t kPostJsonBaseBytes = 512;

void appendStringArray(std::string& out, const std::vector<std::string>& values) {
  core::appendJsonArray(out, values, core::appendJsonString);
}

void appendPostJson(std::string& out, const core::model::Post& post) {
  // The members in nlohmann's order (ascending keys), as postJsonText() promises.
  core::JsonObjectText object(out);
  object.string("channel_id", post.channelId)
      .integer("create_at", post.createAt)
      .integer("delete_at", post.deleteAt)
      .integer("edit_at", post.editAt);
  appendStringArray(object.member("file_ids"), post.fileIds);
  if (post.hasReactions) object.boolean("has_reactions", true);
  object.string("hashtags", post.hashtags)
      .string("id", post.id)
      .boolean("is_pinned", post.isPinned)
      .integer("last_reply_at", post.lastReplyAt)
      .string("message", post.message);
  {
    std::string& metadata = object.member("metadata");
    metadata += R"({"embeds":[],"emojis":[],"files":)";
    core::appendJsonArray(metadata, post.files, [](std::string& to, const auto& file) {
      to += core::dumpJson(fileInfoToJson(file));
    });
    metadata += R"(,"images":{},"reactions":)";
    core::appendJsonArray(metadata, post.reactions, [](std::string& to, const auto& reaction) {
      to += core::dumpJson(reactionToJson(reaction));
    });
    metadata += "}";
  }
  object.string("original_id", post.originalId)
      .null("participants")
      .string("pending_post_id", post.pendingPostId);
  if (post.props.is_object()) {
    object.value("props", post.props);
  } else {
    object.raw("props", "{}");
  }
  if (!post.remoteId.empty()) object.string("remote_id", post.remoteId);
  object.integer("reply_count", post.replyCount)
      .string("root_id", post.rootId)
      .string("type", post.type)
      .integer("update_at", post.updateAt)
      .string("user_id", post.userId);
  object.close();
}

}  // namespace

std::string postJsonText(const core::model::Post& post) {
  std::string out;
  out.reserve(kPostJsonBaseBytes + post.message.size());
  appendPostJson(out, post);
  return out;
}

std::string postsJsonText(const std::vector<core::model::Post>& posts) {
  std::string out;
  out.reserve(posts.size() * kPostJsonBaseBytes);
  core::appendJsonArray(out, posts, appendPostJson);
  return out;
}

std::string postListJsonText(const core::model::PostList& list, const nlohmann::json* matches) {
  std::string out;
  out.reserve(list.posts.size() * kPostJsonBaseBytes);
  core::JsonObjectText object(out);
  object.integer("first_inaccessible_post_time", 0);
  if (list.hasNext) object.boolean("has_next", *list.hasNext);
  if (matches != nullptr) object.value("matches", *matches);
  object.string("next_post_id", list.nextPostId);
  appendStringArray(object.member("order"), list.order);
  {
    // list.posts is ordered by id, as nlohmann's object would order its keys.
    core::JsonObjectText posts(object.member("posts"));
    for (const auto& [id, post] : list.posts) appendPostJson(posts.member(id), post);
    posts.close();
  }
  object.string("prev_post_id", list.prevPostId);
  object.close();
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
