#include "gateway/http/client.hpp"

#include "gateway/http/beast.hpp"

namespace parley::gateway::http {
namespace {

using tcp = asio::ip::tcp;

struct ParsedUrl {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;
};

core::Result<ParsedUrl> parseUrl(const std::string& url) {
  ParsedUrl parsed;
  std::string_view rest(url);
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
    parsed.tls = true;
  } else {
    return core::makeError(core::ErrorCode::kInvalidArgument, "http.client.url",
                           "URL must start with http:// or https://: " + url);
  }
  const auto slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  parsed.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  // [v6]:port, host:port, host
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return core::makeError(core::ErrorCode::kInvalidArgument, "http.client.url",
                             "malformed IPv6 address in " + url);
    }
    parsed.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':') {
      parsed.port = std::string(authority.substr(close + 2));
    }
  } else {
    const auto colon = authority.rfind(':');
    parsed.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) parsed.port = std::string(authority.substr(colon + 1));
  }
  if (parsed.port.empty()) parsed.port = parsed.tls ? "443" : "80";
  if (parsed.host.empty()) {
    return core::makeError(core::ErrorCode::kInvalidArgument, "http.client.url",
                           "URL has no host: " + url);
  }
  return parsed;
}

template <typename Stream>
core::Result<ClientResponse> exchange(Stream& stream, const ParsedUrl& url,
                                      const ClientRequest& request) {
  http_proto::request<http_proto::string_body> out{http_proto::string_to_verb(request.method),
                                                   url.target, 11};
  out.set(http_proto::field::host, url.host);
  out.set(http_proto::field::user_agent, "parleyd");
  for (const auto& [name, value] : request.headers) out.set(name, value);
  out.body() = request.body;
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    out.prepare_payload();
  }

  beast::error_code ec;
  http_proto::write(stream, out, ec);
  if (ec) {
    return core::makeError(core::ErrorCode::kUnavailable, "http.client.write",
                           "sending the request failed: " + ec.message());
  }
  beast::flat_buffer buffer;
  http_proto::response_parser<http_proto::string_body> parser;
  parser.body_limit(std::uint64_t{64} * 1024 * 1024);
  if (request.method == "HEAD") parser.skip(true);
  http_proto::read(stream, buffer, parser, ec);
  if (ec) {
    return core::makeError(core::ErrorCode::kUnavailable, "http.client.read",
                           "reading the response failed: " + ec.message());
  }
  auto& in = parser.get();
  ClientResponse response;
  response.status = in.result_int();
  for (const auto& field : in) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  response.body = std::move(in.body());
  return response;
}

}  // namespace

std::string ClientResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(key, beast::string_view(name.data(), name.size()))) return value;
  }
  return {};
}

core::Result<ClientResponse> fetch(const ClientRequest& request) {
  auto url = parseUrl(request.url);
  if (!url) return std::move(url).error();

  asio::io_context io;
  tcp::resolver resolver(io);
  beast::error_code ec;
  const auto endpoints = resolver.resolve(url->host, url->port, ec);
  if (ec) {
    return core::makeError(core::ErrorCode::kUnavailable, "http.client.resolve",
                           "cannot resolve " + url->host + ": " + ec.message());
  }

  // Blocking calls with a deadline: run each operation asynchronously and bound io.run().
  beast::tcp_stream tcpStream(io);
  tcpStream.expires_after(request.timeout);
  tcpStream.async_connect(endpoints, [&ec](beast::error_code e, const auto&) { ec = e; });
  io.run();
  if (ec) {
    return core::makeError(
        core::ErrorCode::kUnavailable, "http.client.connect",
        "cannot connect to " + url->host + ":" + url->port + ": " + ec.message());
  }
  // Once connected, plain blocking I/O with socket-level timeouts.
  const auto millis = request.timeout.count();
  const timeval tv{static_cast<time_t>(millis / 1000),
                   static_cast<suseconds_t>((millis % 1000) * 1000)};
  const int fd = tcpStream.socket().native_handle();
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  tcp::socket socket = tcpStream.release_socket();

  if (!url->tls) return exchange(socket, *url, request);

  asio::ssl::context tls(asio::ssl::context::tls_client);
  if (request.verifyTls) {
    tls.set_default_verify_paths();
    tls.set_verify_mode(asio::ssl::verify_peer);
  } else {
    tls.set_verify_mode(asio::ssl::verify_none);
  }
  asio::ssl::stream<tcp::socket> stream(std::move(socket), tls);
  // SNI; SSL_set_tlsext_host_name is a macro over this call with a C-style cast.
  SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(url->host.c_str()));
  if (request.verifyTls) {
    stream.set_verify_callback(asio::ssl::host_name_verification(url->host));
  }
  stream.handshake(asio::ssl::stream_base::client, ec);
  if (ec) {
    return core::makeError(core::ErrorCode::kUnavailable, "http.client.tls",
                           "TLS handshake with " + url->host + " failed: " + ec.message());
  }
  return exchange(stream, *url, request);
}

}  // namespace parley::gateway::http
