#pragma once
// sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET. parleyd.service is
// Type=notify, so systemd considers the gateway started only once it listens.

#include <string_view>

namespace parley::gateway::cli {

// Sends `state` ("READY=1", "STOPPING=1", "RELOADING=1", ...). A no-op when not run by systemd.
void notifySystemd(std::string_view state);

}  // namespace parley::gateway::cli
