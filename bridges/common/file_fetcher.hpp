#pragma once
// Fetching the attachment of an inbound message (issue 6: a partner's XEP-0066 / XEP-0363 URL)
// over HTTP(S), with limits: a partner's user chooses the URL, so it must not make Parley read
// without bound, wait without bound, or reach into Parley's own network (SSRF).
//
// Boost.Beast rather than cpprestsdk (design.md §4 names cpprestsdk for long-lived peer
// clients): the address check needs the fetcher to resolve the host itself and connect to the
// very address it checked (cpprestsdk resolves again inside, so a DNS answer that changes in
// between — DNS rebinding — would slip through), and the size limit needs to stop reading
// mid-body; Beast gives both directly and is already how parleyd speaks HTTP.
//
// Rules: http(s) URLs only, https only unless allowHttp; every address the host resolves to
// that is loopback, private, link-local, CGNAT, multicast or otherwise not public is dropped
// unless allowPrivateAddresses (none left: refused); the whole fetch (resolve, connect, TLS,
// redirects, body) within `timeout`; at most `maxRedirects` redirects, each to the same scheme;
// a Content-Length above maxBytes is refused before the body is read, and a body that grows
// past it is abandoned. https verifies the server's certificate and host name against the
// system's CAs. The URL's query string may be a credential: nothing here logs it, and errors
// name only scheme, host and path.
//
// Blocking (its own io_context for the call): run it on a thread that may wait, never on an
// I/O thread or a database worker.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "bridges/common/attachment_fetch.hpp"
#include "core/common/asio.hpp"
#include "core/common/result.hpp"

namespace parley::bridges {

FetchResult fetchFile(std::string_view url, const FetchLimits& limits);

// ---- The pure parts, unit-tested. ----

struct FetchUrl {
  bool https = false;
  std::string host;    // without brackets for an IPv6 literal
  std::string port;    // "443" / "80" when the URL has none
  std::string target;  // path and query, "/" at least
};

// An absolute http(s) URL (https only unless allowHttp); kInvalidArgument otherwise.
core::Result<FetchUrl> parseFetchUrl(std::string_view url, bool allowHttp);

// A redirect's Location against the URL it came from (absolute, or an absolute path).
core::Result<FetchUrl> resolveRedirect(const FetchUrl& from, std::string_view location,
                                       bool allowHttp);

// Whether Parley may fetch from this address without allowPrivateAddresses: a global unicast
// address (not loopback, unspecified, private (RFC 1918, fc00::/7), link-local, CGNAT
// 100.64/10, multicast, broadcast, reserved or documentation ranges; a v4-mapped IPv6 address
// is judged as its IPv4 address).
bool isPublicAddress(const asio::ip::address& address);

// "scheme://host/path" of a URL: what may appear in logs and errors.
std::string urlForLog(std::string_view url);

}  // namespace parley::bridges
