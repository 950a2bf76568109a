#pragma once
// Turns the core's domain events into the events of Mattermost's WebSocket API
// (reference/mattermost-api.md §8.3): the event name, the data exactly as Mattermost sends it
// (objects that Mattermost double-encodes are JSON strings here, user_updated's user is an
// object) and the broadcast audience. Pure functions, plus the sink that publishes the result on
// the event bus.

#include <vector>

#include "core/events/domain_event.hpp"
#include "core/events/event.hpp"
#include "core/events/event_bus.hpp"

namespace parley::gateway::websocket {

// The WebSocket events one domain event becomes: one for most, two for user_removed (the
// channel's members, and the removed user) and leave_team (the team, and the user who left).
// Any thread.
std::vector<core::events::Event> renderEvent(const core::events::DomainEvent& event);

// A sink for core::store::postgres::openDatabase(): renders every committed domain event and
// publishes the result on `bus`. Runs on the database worker that committed; never blocks.
core::events::DomainEventSink publishingSink(core::events::EventBusPtr bus);

}  // namespace parley::gateway::websocket
