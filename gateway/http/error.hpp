#pragma once
// Mattermost's error JSON (reference/mattermost-api.md §4): every error the API returns has
// the shape {"id", "message", "detailed_error", "request_id", "status_code"}.

#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace parley::gateway::http {

// The HTTP status an error code maps to.
unsigned statusFor(core::ErrorCode code);

// Serialises `error` as Mattermost does. `detailed_error` is blanked unless `showDetail` is set
// (Mattermost's EnableDeveloper), because it may describe internals.
std::string errorJson(const core::Error& error, unsigned status, std::string_view requestId,
                      bool showDetail);

}  // namespace parley::gateway::http
