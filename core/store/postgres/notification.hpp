#pragma once
// What a connection does with a NOTIFY it read (LISTEN/NOTIFY), without libpq's header: the
// pool's wiring names it too.

#include <functional>
#include <string_view>

namespace parley::core::store::postgres {

// A notification received: its channel and payload.
using NotificationHandler = std::function<void(std::string_view channel, std::string_view payload)>;

}  // namespace parley::core::store::postgres
