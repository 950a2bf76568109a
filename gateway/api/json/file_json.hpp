#pragma once
// The FileInfo JSON of the Mattermost API (reference/mattermost-api.md §7 "FileInfo"): paths
// and the SHA-256 stay inside Parley; post_id, width, height and has_preview_image are left out
// when empty (Mattermost's omitempty); mini_preview is base64 or null, remote_id a string or
// null.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "core/model/file_info.hpp"

namespace parley::gateway::api::json {

nlohmann::json fileInfoToJson(const core::model::FileInfo& info);

// Standard base64 with padding (Go's encoding of []byte in JSON).
std::string base64Encode(std::string_view bytes);

}  // namespace parley::gateway::api::json
