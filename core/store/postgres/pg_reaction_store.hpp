#pragma once
// PostgreSQL implementation of ReactionStore (reactions table).

#include "core/store/postgres/connection.hpp"
#include "core/store/reaction_store.hpp"

namespace parley::core::store::postgres {

class PgStore;

class PgReactionStore final : public ReactionStore {
 public:
  explicit PgReactionStore(PgStore& store) : store_(store) {}

  Result<model::Reaction> save(const model::Reaction& reaction) override;
  Result<bool> remove(std::string_view userId, std::string_view postId, std::string_view emojiName,
                      std::int64_t at) override;
  Result<std::vector<model::Reaction>> forPosts(const std::vector<std::string>& postIds) override;

 private:
  PgStore& store_;
};

}  // namespace parley::core::store::postgres
