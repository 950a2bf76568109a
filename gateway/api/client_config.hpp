#pragma once
// The client bootstrap routes (reference/mattermost-api.md §5.1, §6):
//   GET /api/v4/config/client?format=old   the client configuration, a flat map of strings
//   GET /api/v4/license/client?format=old  the license as clients read it (unlicensed)
// Clients fetch both before login (and again after it: a valid session gets the full config),
// and mobile refuses a server whose config has an empty DiagnosticId. Without format=old both
// answer 501 as Mattermost does; any other format is 400.

#include <map>
#include <string>

#include "core/config/config.hpp"
#include "gateway/api/api_context.hpp"
#include "gateway/http/router.hpp"

namespace parley::gateway::api {

// Mattermost's client config and license are map[string]string; booleans are "true"/"false".
using StringMap = std::map<std::string, std::string>;

// What the client config reflects beyond gateway.yaml: state kept in the database.
struct InstallationFacts {
  std::string diagnosticId;   // core::services::diagnosticId()
  bool signupLocked = false;  // core::services::LockdownStatus::signupLocked
};

// Who asks: an anonymous client gets the limited config (Mattermost's
// LimitedClientConfigWithComputed), a logged-in user the full one (ClientConfigWithComputed).
enum class ClientConfigScope { kLimited, kFull };

// The client config for `scope`, from the configuration and the installation's facts.
// Open sign-up (EnableOpenServer) is advertised only while the configuration allows it and
// `parleyd init-admin` has not locked it.
StringMap clientConfig(const core::config::Config& config, const InstallationFacts& facts,
                       ClientConfigScope scope);

// The client license of an unlicensed server, which Parley always is.
StringMap clientLicense();

void registerClientConfigRoutes(http::Router& router, ApiContextPtr api);

}  // namespace parley::gateway::api
