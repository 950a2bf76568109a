#pragma once
// How Parley presents its version to Mattermost clients.
//
// Clients gate features on the Mattermost server version they see in X-Version-Id and in the
// WebSocket hello (mobile refuses servers below 9.11 and fully supports 10.11 and up,
// reference/mattermost-api.md §2), so Parley reports the Mattermost API level it implements,
// not its own release number. Parley's own version is in `parleyd --version` and the start-up
// log line, keeping the wire identical to Mattermost's.

#include <string>
#include <string_view>

#include "core/config/config.hpp"

namespace parley::gateway::api {

// The Mattermost server version whose API Parley implements.
inline constexpr std::string_view kMattermostApiVersion = "10.11.0";

// The build number reported with it (X-Version-Id, the client config's BuildNumber).
inline constexpr std::string_view kBuildNumber = "0";

// "<version>.<build>.<client config hash>.<licensed>", e.g. 10.11.0.0.3f2a….false. The hash
// changes when a client-visible setting changes, which tells clients to refetch the config.
std::string versionId(const core::config::Config& config);

}  // namespace parley::gateway::api
