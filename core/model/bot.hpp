#pragma once
// A bot account (reference/mattermost-api.md §3.4, Mattermost's Bot). A bot is also a User
// with is_bot set: the username is the user's, the display name is the user's first name (as
// Mattermost stores it), and its tokens are personal access tokens on that user id.

#include <cstdint>
#include <string>

namespace parley::core::model {

struct Bot {
  std::string userId;
  std::string username;
  std::string displayName;
  std::string description;
  std::string ownerId;
  std::int64_t lastIconUpdate = 0;
  std::int64_t createAt = 0;
  std::int64_t updateAt = 0;
  std::int64_t deleteAt = 0;
};

// Mattermost's limits (model/bot.go): BotDisplayNameMaxRunes, BotDescriptionMaxRunes.
inline constexpr std::size_t kBotDisplayNameMaxLength = 64;
inline constexpr std::size_t kBotDescriptionMaxLength = 1024;

}  // namespace parley::core::model
