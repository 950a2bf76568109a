#pragma once
// Reactions (reference/mattermost-api.md §5.6, api4/reaction.go): add, remove and list, with
// Mattermost's checks. Call from inside a database job.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/link.hpp"
#include "core/model/post.hpp"
#include "core/model/user.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

// Adds `reaction` (user_id, post_id, emoji_name; create_at optional) as `user`; adding the same
// reaction again returns it unchanged. 400 api.reaction.save_reaction.invalid.app_error for
// invalid ids or an empty or over-long name, 400 model.reaction.is_valid.emoji_name.app_error for
// other characters, 403 api.reaction.save_reaction.user_id.app_error when user_id is not the
// caller, 403 without add_reaction (or read access) on the post's channel, 403
// api.reaction.save.archived_channel.app_error in an archived channel, 404 app.post.get.app_error
// for a missing or deleted post. The reaction goes out over the channel's links (outbox, same
// transaction) except toward `origin` (a reaction that came in over a link).
Result<model::Reaction> addReaction(
    store::Store& store, const model::User& user, model::Reaction reaction,
    const std::optional<model::RemoteOrigin>& origin = std::nullopt);

// Removes `userId`'s reaction: remove_reaction on the channel, and remove_others_reactions for
// someone else's. Removing a reaction that is not there succeeds (Mattermost's StatusOK).
// A removal that removed something goes out like addReaction's.
Status removeReaction(store::Store& store, const model::User& user, std::string_view userId,
                      std::string_view postId, std::string_view emojiName,
                      const std::optional<model::RemoteOrigin>& origin = std::nullopt);

// The reactions of a post the caller can read, oldest first.
Result<std::vector<model::Reaction>> reactionsOfPost(store::Store& store, const model::User& user,
                                                     std::string_view postId);

// POST /posts/ids/reactions: for each readable post among `postIds`, its reactions (an empty
// list for a post without any); at most kMaxPostIds ids.
Result<std::map<std::string, std::vector<model::Reaction>>> reactionsOfPosts(
    store::Store& store, const model::User& user, const std::vector<std::string>& postIds);

}  // namespace parley::core::services
