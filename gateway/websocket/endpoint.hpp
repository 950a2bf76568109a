#pragma once
// GET /api/v4/websocket on the REST listener: the server hands requests for this path over
// (http/upgrade.hpp) and each becomes a Session (session.hpp) on its connection's I/O thread.
//
// Wiring (gateway/cli/serve.cpp): create the EventBus, then
//   auto hub = websocket::Hub::create(websocket::hubOptions(*config),
//                                     websocket::databaseMemberLookup(database), bus, clock);
//   server->setUpgradeHandler(websocket::makeEndpoint(apiContext, hub));
// and on shutdown hub->stop() before the server drains.

#include <memory>

#include "gateway/api/api_context.hpp"
#include "gateway/http/upgrade.hpp"
#include "gateway/websocket/hub.hpp"

namespace parley::gateway::websocket {

inline constexpr std::string_view kWebsocketPath = "/api/v4/websocket";

// The hub's settings from the configuration (limits, hello's version and host name).
HubOptions hubOptions(const core::config::Config& config);

http::UpgradeHandlerPtr makeEndpoint(api::ApiContextPtr api, HubPtr hub);

}  // namespace parley::gateway::websocket
