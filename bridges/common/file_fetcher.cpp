#include "bridges/common/file_fetcher.hpp"

#include <openssl/ssl.h>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <vector>

namespace parley::bridges {
namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Outcome = FetchResult::Outcome;
using Deadline = std::chrono::steady_clock::time_point;

constexpr std::uint32_t kHeaderLimit = 16 * 1024;

core::Error badUrl(std::string message) {
  return core::makeError(core::ErrorCode::kInvalidArgument, "bridges.fetch.bad_url",
                         std::move(message));
}

FetchResult failure(Outcome outcome, std::string error) {
  FetchResult result;
  result.outcome = outcome;
  result.error = std::move(error);
  return result;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool inV4(const asio::ip::address_v4& address, std::uint32_t network, int prefix) {
  const std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  return (address.to_uint() & mask) == (network & mask);
}

constexpr std::uint32_t v4(std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

bool isPublicV4(const asio::ip::address_v4& address) {
  struct Range {
    std::uint32_t network;
    int prefix;
  };
  static constexpr std::array<Range, 16> kNotPublic = {{
      {v4(0, 0, 0, 0), 8},        // "this network"
      {v4(10, 0, 0, 0), 8},       // private
      {v4(100, 64, 0, 0), 10},    // CGNAT
      {v4(127, 0, 0, 0), 8},      // loopback
      {v4(169, 254, 0, 0), 16},   // link-local (cloud metadata services live here)
      {v4(172, 16, 0, 0), 12},    // private
      {v4(192, 0, 0, 0), 24},     // IETF protocol assignments
      {v4(192, 0, 2, 0), 24},     // documentation
      {v4(192, 88, 99, 0), 24},   // 6to4 relay anycast
      {v4(192, 168, 0, 0), 16},   // private
      {v4(198, 18, 0, 0), 15},    // benchmarking
      {v4(198, 51, 100, 0), 24},  // documentation
      {v4(203, 0, 113, 0), 24},   // documentation
      {v4(224, 0, 0, 0), 4},      // multicast
      {v4(240, 0, 0, 0), 4},      // reserved, broadcast
      {v4(255, 255, 255, 255), 32},
  }};
  return std::none_of(kNotPublic.begin(), kNotPublic.end(), [&](const Range& range) {
    return inV4(address, range.network, range.prefix);
  });
}

bool isPublicV6(const asio::ip::address_v6& address) {
  if (address.is_v4_mapped()) {
    return isPublicV4(asio::ip::make_address_v4(asio::ip::v4_mapped, address));
  }
  if (address.is_unspecified() || address.is_loopback() || address.is_link_local() ||
      address.is_site_local() || address.is_multicast() || address.is_v4_compatible()) {
    return false;
  }
  const auto bytes = address.to_bytes();
  if ((bytes[0] & 0xfe) == 0xfc) return false;  // fc00::/7 unique local
  if (bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0d && bytes[3] == 0xb8) {
    return false;  // 2001:db8::/32 documentation
  }
  if (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b) {
    return false;  // 64:ff9b::/96 NAT64
  }
  return (bytes[0] & 0xe0) == 0x20;  // 2000::/3: the global unicast space
}

asio::awaitable<void> stream_shutdown(beast::tcp_stream&, beast::error_code&) { co_return; }

asio::awaitable<void> stream_shutdown(beast::ssl_stream<beast::tcp_stream>& stream,
                                      beast::error_code& ec) {
  // The body is complete; a peer that closes without close_notify is no error here.
  co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
}

// One request/response over a connected stream (plain or TLS). Sets `result` or `location`.
template <class Stream>
asio::awaitable<void> exchange(Stream& stream, const FetchUrl& url, const FetchLimits& limits,
                               Deadline deadline, FetchResult& result, std::string& location) {
  beast::error_code ec;
  bhttp::request<bhttp::empty_body> request{bhttp::verb::get, url.target, 11};
  const bool defaultPort = url.port == (url.https ? "443" : "80");
  const bool literalV6 = url.host.find(':') != std::string::npos;
  const std::string host = literalV6 ? "[" + url.host + "]" : url.host;
  request.set(bhttp::field::host, defaultPort ? host : host + ":" + url.port);
  request.set(bhttp::field::user_agent, "Parley");
  request.set(bhttp::field::accept, "*/*");
  request.set(bhttp::field::connection, "close");
  beast::get_lowest_layer(stream).expires_at(deadline);
  co_await bhttp::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    result = failure(Outcome::kFailed, "sending the request failed: " + ec.message());
    co_return;
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(kHeaderLimit);
  // No limit while the header is read (Beast would refuse an announced length as an error
  // without telling it); the announced length is checked below, then the body is capped.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  beast::get_lowest_layer(stream).expires_at(deadline);
  co_await bhttp::async_read_header(stream, buffer, parser,
                                    asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    result = failure(Outcome::kFailed, "reading the response failed: " + ec.message());
    co_return;
  }
  const unsigned status = parser.get().result_int();
  if (status >= 300 && status < 400 && status != 304) {
    location = std::string(parser.get()[bhttp::field::location]);
    if (location.empty()) result = failure(Outcome::kFailed, "a redirect without a Location");
    co_return;
  }
  if (status < 200 || status >= 300) {
    result = failure(Outcome::kFailed, "the server answered HTTP " + std::to_string(status));
    co_return;
  }
  if (const auto length = parser.content_length(); length && *length > limits.maxBytes) {
    result.outcome = Outcome::kTooLarge;
    result.size = *length;
    co_return;
  }
  parser.body_limit(limits.maxBytes);
  beast::get_lowest_layer(stream).expires_at(deadline);
  co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec == bhttp::error::body_limit) {
    result.outcome = Outcome::kTooLarge;  // no length announced: the size is not known
    co_return;
  }
  if (ec) {
    result = failure(Outcome::kFailed, "reading the body failed: " + ec.message());
    co_return;
  }
  result.outcome = Outcome::kFetched;
  result.bytes = std::move(parser.get().body());
  result.size = result.bytes.size();
  if (url.https) {
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
    co_await stream_shutdown(stream, ec);
  }
}

// One URL: connect to its vetted addresses and exchange. Sets `result` or `location`.
asio::awaitable<void> fetchOnce(asio::io_context& io, asio::ssl::context& tls, const FetchUrl& url,
                                const std::vector<tcp::endpoint>& endpoints,
                                const FetchLimits& limits, Deadline deadline, FetchResult& result,
                                std::string& location) {
  beast::error_code ec;
  if (!url.https) {
    beast::tcp_stream stream(io);
    stream.expires_at(deadline);
    co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      result = failure(Outcome::kFailed, "cannot connect: " + ec.message());
      co_return;
    }
    co_await exchange(stream, url, limits, deadline, result, location);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> stream(io, tls);
  const bool literal = [&] {
    beast::error_code parse;
    (void)asio::ip::make_address(url.host, parse);
    return !parse;
  }();
  // SNI (not for an IP literal, which RFC 6066 forbids) and the certificate's name check.
  // SSL_set_tlsext_host_name() is a macro with a C cast: its call, spelled out.
  if (!literal && SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                           TLSEXT_NAMETYPE_host_name, const_cast<char*>(url.host.c_str())) != 1) {
    result = failure(Outcome::kFailed, "cannot set the TLS server name");
    co_return;
  }
  stream.set_verify_mode(asio::ssl::verify_peer);
  stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
  beast::get_lowest_layer(stream).expires_at(deadline);
  co_await beast::get_lowest_layer(stream).async_connect(
      endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    result = failure(Outcome::kFailed, "cannot connect: " + ec.message());
    co_return;
  }
  beast::get_lowest_layer(stream).expires_at(deadline);
  co_await stream.async_handshake(asio::ssl::stream_base::client,
                                  asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    result = failure(Outcome::kFailed, "TLS handshake failed: " + ec.message());
    co_return;
  }
  co_await exchange(stream, url, limits, deadline, result, location);
}

// The host's addresses Parley may connect to; kRefused/kFailed in `result` when none.
std::vector<tcp::endpoint> vettedEndpoints(asio::io_context& io, const FetchUrl& url,
                                           const FetchLimits& limits, FetchResult& result) {
  tcp::resolver resolver(io);
  beast::error_code ec;
  auto resolved = resolver.resolve(url.host, url.port, ec);
  if (ec) {
    result = failure(Outcome::kFailed, "cannot resolve " + url.host + ": " + ec.message());
    return {};
  }
  std::vector<tcp::endpoint> allowed;
  for (const auto& entry : resolved) {
    if (limits.allowPrivateAddresses || isPublicAddress(entry.endpoint().address())) {
      allowed.push_back(entry.endpoint());
    }
  }
  if (allowed.empty()) {
    result = failure(Outcome::kRefused, url.host + " is not a public address");
    return {};
  }
  return allowed;
}

asio::awaitable<void> fetchAll(asio::io_context& io, asio::ssl::context& tls, FetchUrl url,
                               const FetchLimits& limits, Deadline deadline, FetchResult& result) {
  for (int redirects = 0;; ++redirects) {
    const auto endpoints = vettedEndpoints(io, url, limits, result);
    if (endpoints.empty()) co_return;
    std::string location;
    co_await fetchOnce(io, tls, url, endpoints, limits, deadline, result, location);
    if (location.empty()) co_return;
    if (redirects >= limits.maxRedirects) {
      result = failure(Outcome::kFailed, "too many redirects");
      co_return;
    }
    auto next = resolveRedirect(url, location, limits.allowHttp);
    if (!next) {
      result = failure(Outcome::kRefused, "a redirect to an unusable URL");
      co_return;
    }
    if (next->https != url.https) {
      result = failure(Outcome::kRefused, "a redirect to another scheme");
      co_return;
    }
    url = std::move(*next);
  }
}

}  // namespace

core::Result<FetchUrl> parseFetchUrl(std::string_view url, bool allowHttp) {
  const auto colon = url.find("://");
  if (colon == std::string_view::npos) return badUrl("not an absolute URL");
  const std::string scheme = lower(url.substr(0, colon));
  FetchUrl out;
  if (scheme == "https") {
    out.https = true;
  } else if (scheme != "http" || !allowHttp) {
    return badUrl(allowHttp ? "only http(s) URLs are fetched" : "only https URLs are fetched");
  }
  std::string_view rest = url.substr(colon + 3);
  const auto pathStart = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, pathStart);
  std::string_view target =
      pathStart == std::string_view::npos ? std::string_view() : rest.substr(pathStart);
  if (const auto hash = target.find('#'); hash != std::string_view::npos) {
    target = target.substr(0, hash);
  }
  if (authority.find('@') != std::string_view::npos) return badUrl("credentials in the URL");
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return badUrl("an unterminated IPv6 literal");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return badUrl("garbage after the IPv6 literal");
      port = after.substr(1);
    }
  } else {
    const auto portColon = authority.rfind(':');
    out.host = std::string(authority.substr(0, portColon));
    if (portColon != std::string_view::npos) port = authority.substr(portColon + 1);
  }
  out.host = lower(out.host);
  if (out.host.empty()) return badUrl("no host");
  const bool hostChars = std::all_of(out.host.begin(), out.host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == ':' ||
           c == '_';
  });
  if (!hostChars) return badUrl("an invalid host");
  if (port.empty()) {
    out.port = out.https ? "443" : "80";
  } else {
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return badUrl("an invalid port");
    }
    const int number = std::stoi(std::string(port));
    if (number < 1 || number > 65535) return badUrl("an invalid port");
    out.port = std::string(port);
  }
  out.target =
      target.empty() || target.front() != '/' ? "/" + std::string(target) : std::string(target);
  const bool clean = std::none_of(out.target.begin(), out.target.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7f;
  });
  if (!clean) return badUrl("spaces or control characters in the URL");
  return out;
}

core::Result<FetchUrl> resolveRedirect(const FetchUrl& from, std::string_view location,
                                       bool allowHttp) {
  if (location.find("://") != std::string_view::npos) return parseFetchUrl(location, allowHttp);
  if (location.starts_with("//")) {
    return parseFetchUrl(std::string(from.https ? "https:" : "http:") + std::string(location),
                         allowHttp);
  }
  if (!location.starts_with("/")) return badUrl("a relative redirect");
  FetchUrl next = from;
  next.target = std::string(location.substr(0, location.find('#')));
  const bool clean = std::none_of(next.target.begin(), next.target.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7f;
  });
  if (!clean) return badUrl("spaces or control characters in the redirect");
  return next;
}

bool isPublicAddress(const asio::ip::address& address) {
  return address.is_v4() ? isPublicV4(address.to_v4()) : isPublicV6(address.to_v6());
}

std::string urlForLog(std::string_view url) {
  return std::string(url.substr(0, url.find_first_of("?#")));
}

FetchResult fetchFile(std::string_view url, const FetchLimits& limits) {
  auto parsed = parseFetchUrl(url, limits.allowHttp);
  if (!parsed) return failure(Outcome::kRefused, parsed.error().message);
  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_default_verify_paths();
  tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                  asio::ssl::context::no_tlsv1_1);
  FetchResult result;
  const Deadline deadline = std::chrono::steady_clock::now() + limits.timeout;
  asio::co_spawn(io, fetchAll(io, tls, std::move(*parsed), limits, deadline, result),
                 asio::detached);
  io.run();
  return result;
}

}  // namespace parley::bridges
