#pragma once
// The client's address behind reverse proxies (gateway.yaml server.trusted_proxies). Only a
// trusted proxy's X-Forwarded-For is believed: a proxy appends the address it received the
// request from, so walking the header from the right, past the proxies we trust, gives the
// first address no trusted proxy vouches for — the client. Anything further left was written by
// the client itself and proves nothing.

#include <string>
#include <string_view>
#include <vector>

#include "core/common/network.hpp"
#include "gateway/http/exchange.hpp"

namespace parley::gateway::http {

// `peer` when it is not a trusted proxy (or there are none, or the header is empty); otherwise
// the right-most entry of `forwardedFor` (comma-separated; brackets around an IPv6 address are
// removed) that is not a trusted proxy, or the left-most entry when every one is. An entry that
// is not an address is returned as it is: it is no trusted proxy, and it matches no network.
std::string clientAddress(std::string_view peer, std::string_view forwardedFor,
                          const std::vector<core::Network>& trustedProxies);

// The same for a request: every X-Forwarded-For header, in order, as one list.
std::string clientAddress(const Request& request, const std::vector<core::Network>& trustedProxies);

}  // namespace parley::gateway::http
