#pragma once
// A personal access token (reference/mattermost-api.md §3.4, Mattermost's UserAccessToken).
// Like a session token, the token itself is shown once on creation and never stored: the
// store keeps its SHA-256 (security/token.hpp).

#include <cstdint>
#include <string>

namespace parley::core::model {

struct AccessToken {
  std::string id;
  std::string tokenHash;  // hex SHA-256 of the token
  std::string userId;
  std::string description;
  bool isActive = true;
  std::int64_t createAt = 0;
};

// Mattermost's limit on a token's description (model/user_access_token.go).
inline constexpr std::size_t kAccessTokenDescriptionMaxLength = 255;

// The session props that mark a session as standing for a personal access token, as
// Mattermost writes them: {"type": "UserAccessToken", "user_access_token_id": <id>}.
inline constexpr const char* kSessionPropType = "type";
inline constexpr const char* kSessionTypeUserAccessToken = "UserAccessToken";
inline constexpr const char* kSessionPropAccessTokenId = "user_access_token_id";

}  // namespace parley::core::model
