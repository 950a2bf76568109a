#pragma once
// The default profile image of a user (GET /users/{id}/image): Mattermost draws initials on a
// coloured square; Parley has no font renderer, so it serves a square in a colour derived from
// the user id, which keeps users apart in lists and costs no dependency beyond zlib.

#include <string>
#include <string_view>

namespace parley::gateway::api {

inline constexpr unsigned kAvatarSize = 128;  // pixels per side

// A kAvatarSize x kAvatarSize 8-bit RGB PNG, the same bytes for the same id. Thread-safe.
std::string defaultAvatarPng(std::string_view userId);

}  // namespace parley::gateway::api
