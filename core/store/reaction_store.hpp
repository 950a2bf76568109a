#pragma once
// Persistence of reactions (reactions table) and the has_reactions flag of their posts. Call
// only from inside a database job (see store.hpp).

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/post.hpp"

namespace parley::core::store {

class ReactionStore {
 public:
  virtual ~ReactionStore() = default;

  // Adds the reaction, or revives it if it was removed (the same user, post and emoji are one
  // reaction); sets the post's has_reactions and update_at. Returns the stored reaction.
  virtual Result<model::Reaction> save(const model::Reaction& reaction) = 0;

  // Removes the reaction (soft delete) and recomputes the post's has_reactions; true when there
  // was one to remove.
  virtual Result<bool> remove(std::string_view userId, std::string_view postId,
                              std::string_view emojiName, std::int64_t at) = 0;

  // The live reactions of the posts, oldest first.
  virtual Result<std::vector<model::Reaction>> forPosts(
      const std::vector<std::string>& postIds) = 0;
};

}  // namespace parley::core::store
