#include "gateway/http/server.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <unordered_set>

#include "core/common/log.hpp"
#include "core/model/id.hpp"
#include "gateway/http/error.hpp"

namespace parley::gateway::http {
namespace {

using tcp = asio::ip::tcp;
using BeastResponse = http_proto::response<http_proto::string_body>;
constexpr auto kComponent = "http";

// Errors that just mean the client went away or a timeout fired: not worth a log line.
bool isQuietDisconnect(const beast::error_code& ec) {
  return ec == http_proto::error::end_of_stream || ec == asio::error::operation_aborted ||
         ec == asio::error::connection_reset || ec == asio::error::eof ||
         ec == beast::error::timeout || ec == asio::error::broken_pipe ||
         ec == asio::ssl::error::stream_truncated;
}

core::Result<tcp::endpoint> resolveListen(const std::string& host, std::uint16_t port) {
  beast::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) return tcp::endpoint(address, port);
  asio::io_context io;
  tcp::resolver resolver(io);
  const auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) {
    return core::makeError(core::ErrorCode::kInvalidArgument, "http.listen.resolve",
                           "cannot resolve listen host \"" + host + "\": " + ec.message());
  }
  return results.begin()->endpoint();
}

core::Result<std::unique_ptr<asio::ssl::context>> makeTlsContext(
    const core::config::TlsConfig& tls) {
  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_compression |
                       asio::ssl::context::single_dh_use);
  const int minimum = tls.minVersion == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
  SSL_CTX_set_min_proto_version(context->native_handle(), minimum);
  beast::error_code ec;
  context->use_certificate_chain_file(tls.certFile.string(), ec);
  if (ec) {
    return core::makeError(
        core::ErrorCode::kInvalidArgument, "http.tls.certificate",
        "cannot load TLS certificate " + tls.certFile.string() + ": " + ec.message());
  }
  context->use_private_key_file(tls.keyFile.string(), asio::ssl::context::pem, ec);
  if (ec) {
    return core::makeError(
        core::ErrorCode::kInvalidArgument, "http.tls.key",
        "cannot load TLS private key " + tls.keyFile.string() + ": " + ec.message());
  }
  return context;
}

}  // namespace

// One I/O thread's world. `connections` is only touched from that thread.
struct Server::Context {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::unordered_set<Connection*> connections;
};

// What the sweeper and shutdown need to know about a live connection, valid while its
// coroutine runs.
//
// Timeouts are deadlines checked by one sweeper per I/O thread rather than a timer per socket
// operation: arming a deadline is a store, where Beast's per-operation timers cost a timer-queue
// insert and a cancellation on every read and write. Deadlines are honoured to within one sweep
// interval, which is plenty for timeouts measured in seconds.
struct Server::Connection {
  tcp::socket* socket = nullptr;
  std::chrono::steady_clock::time_point deadline{};
  bool idle = true;  // waiting for the next request (or for the TLS handshake)

  void expiresAfter(std::chrono::steady_clock::time_point now, std::chrono::milliseconds limit) {
    deadline = now + limit;
  }
};

Server::Server(ServerOptions options, std::shared_ptr<const Router> router,
               core::metrics::Registry& metrics, core::ClockPtr clock)
    : options_(std::move(options)), router_(std::move(router)), clock_(std::move(clock)) {
  if (options_.limits.requestsPerSecond > 0) {
    rateLimiter_.emplace(options_.limits.requestsPerSecond, options_.limits.requestBurst, clock_);
  }
  timeouts_ = &metrics.counter("parley_http_timeouts_total",
                               "Connections closed because a read, write or idle timeout passed.");
  rejectedConnections_ =
      &metrics.counter("parley_http_connections_rejected_total",
                       "Connections closed at once because limits.max_connections were open.");
  metrics.gauge("parley_http_connections_open", "Open HTTP and WebSocket connections.", {},
                [this] { return static_cast<double>(open_.load()); });
}

Server::~Server() { shutdown(); }

core::Result<std::unique_ptr<Server>> Server::create(ServerOptions options,
                                                     std::shared_ptr<const Router> router,
                                                     core::metrics::Registry& metrics,
                                                     core::ClockPtr clock) {
  auto endpoint = resolveListen(options.host, options.port);
  if (!endpoint) return std::move(endpoint).error();

  std::unique_ptr<asio::ssl::context> tls;
  if (options.tls) {
    auto made = makeTlsContext(*options.tls);
    if (!made) return std::move(made).error();
    tls = std::move(made.value());
  }

  const unsigned threads =
      options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  std::unique_ptr<Server> server(
      new Server(std::move(options), std::move(router), metrics, std::move(clock)));
  if (tls) server->tls_.emplace(std::move(*tls));
  for (unsigned i = 0; i < threads; ++i) server->contexts_.push_back(std::make_unique<Context>());

  beast::error_code ec;
  auto acceptor = std::make_unique<tcp::acceptor>(server->contexts_.front()->io);
  acceptor->open(endpoint->protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(*endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return core::makeError(core::ErrorCode::kUnavailable, "http.listen",
                           "cannot listen on " + endpoint->address().to_string() + ":" +
                               std::to_string(endpoint->port()) + ": " + ec.message());
  }
  server->port_ = acceptor->local_endpoint().port();
  server->acceptor_ = std::move(acceptor);
  return server;
}

void Server::start() {
  if (started_.exchange(true)) return;
  asio::co_spawn(contexts_.front()->io, acceptLoop(), asio::detached);
  for (auto& context : contexts_) {
    asio::co_spawn(context->io, sweep(*context), asio::detached);
  }
  for (auto& context : contexts_) {
    threads_.emplace_back([&io = context->io] {
      for (;;) {
        try {
          io.run();
          return;
        } catch (const std::exception& e) {
          // A handler threw past every catch: log and keep the thread serving.
          core::log::error(kComponent, "unexpected exception on an I/O thread",
                           {{"error", e.what()}});
        }
      }
    });
  }
  core::log::info(kComponent, "listening",
                  {{"address", acceptor_->local_endpoint().address().to_string()},
                   {"port", port_},
                   {"tls", tls_.has_value()},
                   {"threads", contexts_.size()}});
}

void Server::connectionOpened() { open_.fetch_add(1); }

void Server::connectionClosed() {
  if (open_.fetch_sub(1) == 1 && draining_.load()) {
    std::lock_guard lock(drainMutex_);
    drained_.notify_all();
  }
}

asio::awaitable<void> Server::acceptLoop() {
  for (;;) {
    Context& context = *contexts_[nextContext_++ % contexts_.size()];
    beast::error_code ec;
    tcp::socket socket = co_await acceptor_->async_accept(
        context.io.get_executor(), asio::redirect_error(asio::use_awaitable, ec));
    if (draining_.load() || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // EMFILE and friends: back off briefly instead of spinning on the error.
      core::log::warn(kComponent, "accept failed", {{"error", ec.message()}});
      asio::steady_timer pause(contexts_.front()->io, std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (open_.load() >= options_.limits.maxConnections) {
      rejectedConnections_->increment();
      socket.close(ec);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    connectionOpened();
    if (tls_) asio::co_spawn(context.io, runTls(std::move(socket), context), asio::detached);
    else asio::co_spawn(context.io, runPlain(std::move(socket), context), asio::detached);
  }
}

asio::awaitable<void> Server::sweep(Context& context) {
  // Often enough that a deadline is honoured to within a quarter of the shortest timeout.
  const auto shortest = std::min(options_.limits.idleTimeout, options_.limits.requestTimeout);
  const auto interval = std::clamp<std::chrono::milliseconds>(
      shortest / 4, std::chrono::milliseconds(50), std::chrono::milliseconds(1000));
  asio::steady_timer timer(context.io);
  beast::error_code ec;
  while (!stopped_.load()) {
    timer.expires_after(interval);
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    const auto now = clock_->steadyNow();
    for (Connection* connection : context.connections) {
      if (connection->deadline > now || !connection->socket->is_open()) continue;
      // Closing fails the pending operation at once; the connection's coroutine then ends.
      timeouts_->increment();
      connection->socket->close(ec);
    }
  }
}

asio::awaitable<void> Server::runPlain(tcp::socket socket, Context& context) {
  tcp::socket& stream = socket;
  Connection connection{&socket};
  context.connections.insert(&connection);
  try {
    co_await serve(stream, connection);
  } catch (const std::exception& e) {
    core::log::error(kComponent, "connection failed", {{"error", e.what()}});
  }
  context.connections.erase(&connection);
  beast::error_code ignored;
  stream.shutdown(tcp::socket::shutdown_send, ignored);
  stream.close(ignored);
  connectionClosed();
}

asio::awaitable<void> Server::runTls(tcp::socket socket, Context& context) {
  asio::ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
  Connection connection{&stream.next_layer()};
  context.connections.insert(&connection);
  try {
    beast::error_code ec;
    connection.expiresAfter(clock_->steadyNow(), options_.limits.requestTimeout);
    co_await stream.async_handshake(asio::ssl::stream_base::server,
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      co_await serve(stream, connection);
      connection.idle = true;  // a peer that never answers close_notify is cut at shutdown
      connection.expiresAfter(clock_->steadyNow(), std::chrono::seconds(2));
      co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
    } else if (!isQuietDisconnect(ec)) {
      core::log::debug(kComponent, "TLS handshake failed", {{"error", ec.message()}});
    }
  } catch (const std::exception& e) {
    core::log::error(kComponent, "connection failed", {{"error", e.what()}});
  }
  context.connections.erase(&connection);
  beast::error_code ignored;
  stream.next_layer().close(ignored);
  connectionClosed();
}

template <typename Stream>
asio::awaitable<void> Server::serve(Stream& stream, Connection& connection) {
  beast::error_code ec;
  const std::string remote = connection.socket->remote_endpoint(ec).address().to_string();
  beast::flat_buffer buffer;
  std::optional<UpgradeRequest> upgrade;

  while (!draining_.load()) {
    http_proto::request_parser<http_proto::string_body> parser;
    parser.header_limit(options_.limits.maxHeaderBytes);
    // Routes with their own body limit (uploads) may take more than the server-wide limit;
    // the limit that applies is set once the headers say where the request goes.
    parser.body_limit(std::max(options_.limits.maxBodyBytes, router_->largestBodyLimit()));
    const BodyLimit* routeLimit = nullptr;

    connection.idle = true;
    connection.expiresAfter(clock_->steadyNow(), options_.limits.idleTimeout);
    co_await http_proto::async_read_header(stream, buffer, parser,
                                           asio::redirect_error(asio::use_awaitable, ec));
    connection.idle = false;
    // From here the whole request (body, handler, response) must finish within the limit.
    connection.expiresAfter(clock_->steadyNow(), options_.limits.requestTimeout);

    if (!ec && !parser.is_done()) {
      auto& header = parser.get();
      const std::string_view target(header.target().data(), header.target().size());
      routeLimit = router_->bodyLimit(header.method(), target.substr(0, target.find('?')));
      const std::uint64_t limit = routeLimit ? routeLimit->bytes : options_.limits.maxBodyBytes;
      if (parser.content_length() && *parser.content_length() > limit) {
        ec = http_proto::error::body_limit;
      } else {
        parser.body_limit(limit);
      }
    }
    if (!ec && !parser.is_done()) {
      auto& header = parser.get();
      // A client that waits for "100 Continue" before sending its body (curl does for large
      // uploads) gets it only once the headers passed every limit above.
      if (beast::iequals(header[http_proto::field::expect], "100-continue")) {
        http_proto::response<http_proto::empty_body> proceed{http_proto::status::continue_,
                                                             header.version()};
        co_await http_proto::async_write(stream, proceed,
                                         asio::redirect_error(asio::use_awaitable, ec));
      }
      if (!ec) {
        co_await http_proto::async_read(stream, buffer, parser,
                                        asio::redirect_error(asio::use_awaitable, ec));
      }
    }

    if (ec) {
      if (isQuietDisconnect(ec)) co_return;
      // Malformed or over a limit: answer once, then close; the stream position is unknown.
      const bool bodyUnread = ec == http_proto::error::body_limit;
      BeastResponse rejection = rejectBeforeRouting(ec, parser.get().version(), routeLimit);
      connection.expiresAfter(clock_->steadyNow(), options_.limits.requestTimeout);
      co_await http_proto::async_write(stream, rejection,
                                       asio::redirect_error(asio::use_awaitable, ec));
      if (bodyUnread && !ec) co_await discardUnread(connection);
      co_return;
    }

    auto& request = parser.get();
    if (upgrade_ && upgrade_->accepts(request)) {
      upgrade.emplace(UpgradeRequest{parser.release(), remote});
      break;
    }
    BeastResponse response = co_await handle(request, remote);
    const bool keepAlive = request.keep_alive() && !draining_.load();
    response.keep_alive(keepAlive);

    connection.expiresAfter(clock_->steadyNow(), options_.limits.requestTimeout);
    co_await http_proto::async_write(stream, response,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !keepAlive) co_return;
  }
  if (!upgrade) co_return;
  // The handler keeps its own deadlines; the connection counts as idle so that a shutdown
  // cancels it like a keep-alive connection.
  connection.idle = true;
  connection.deadline = std::chrono::steady_clock::time_point::max();
  // Clients wait for the 101 before they send a frame, so nothing the handler needs is left in
  // the buffer; releasing it keeps a long-lived connection small.
  buffer = beast::flat_buffer();
  co_await upgrade_->run(stream, std::move(*upgrade));
}

asio::awaitable<void> Server::discardUnread(Connection& connection) {
  // A client still sending the body refused gets a reset if the socket closes with unread data
  // in it, and a reset can come before it read the 413 (a homeserver would see a connection
  // failure instead of M_TOO_LARGE). So the rest is read and dropped first (raw bytes: the
  // connection closes after this), for a bounded time and amount.
  constexpr std::size_t kMaxDiscardBytes = 64 * 1024 * 1024;
  connection.expiresAfter(clock_->steadyNow(), std::chrono::seconds(2));
  std::array<char, 16 * 1024> sink{};
  std::size_t discarded = 0;
  beast::error_code ec;
  while (!ec && discarded < kMaxDiscardBytes) {
    discarded += co_await connection.socket->async_read_some(
        asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<BeastResponse> Server::handle(BeastRequest& raw, const std::string& remote) {
  const auto started = clock_->steadyNow();
  Request request(raw, core::model::newRequestId(), remote);
  RouteMetrics* metrics = &router_->unmatchedMetrics();
  std::optional<Response> response;

  if (rateLimiter_) {
    const auto decision = rateLimiter_->take(remote);
    if (!decision.allowed) response = tooManyRequests(*rateLimiter_, decision);
  }

  if (!response) {
    auto match = router_->match(raw.method(), request.path());
    if (match.route) {
      metrics = match.route->metrics.get();
      request.setParams(std::move(match.params));
      try {
        response = co_await match.route->handler(request);
      } catch (const std::exception& e) {
        // A broken invariant in a handler: one request fails, the server goes on.
        core::log::error(kComponent, "handler threw",
                         {{"request_id", request.requestId()},
                          {"route", match.route->pattern},
                          {"error", e.what()}});
        response = Response::error(core::makeError(core::ErrorCode::kInternal,
                                                   "api.context.internal_error.app_error",
                                                   "An internal error occurred.", e.what()));
      }
    } else if (!match.allowed.empty()) {
      std::string allow;
      for (const auto method : match.allowed) {
        if (!allow.empty()) allow += ", ";
        allow += std::string(http_proto::to_string(method));
      }
      response = Response::error(
          core::makeError(
              core::ErrorCode::kInvalidArgument, "api.context.method_not_allowed.app_error",
              "This method is not allowed on this URL.",
              std::string(http_proto::to_string(raw.method())) + " " + std::string(request.path())),
          405);
      response->header("Allow", allow);
    } else {
      response = Response::error(
          core::makeError(core::ErrorCode::kNotFound, "api.context.404.app_error",
                          "Sorry, we could not find the page.", std::string(request.path())));
    }
  }

  const unsigned status = response->status();
  BeastResponse out =
      finish(std::move(*response), raw.version(), raw.method() == http_proto::verb::head,
             raw.method() == http_proto::verb::get, request.requestId());
  const double seconds = std::chrono::duration<double>(clock_->steadyNow() - started).count();
  metrics->record(status, seconds);
  if (options_.accessLog) {
    core::log::info(kComponent, "request",
                    {{"request_id", request.requestId()},
                     {"method", std::string(http_proto::to_string(raw.method()))},
                     {"path", std::string(request.path())},
                     {"status", status},
                     {"duration_ms", seconds * 1000.0},
                     {"remote", remote}});
  }
  co_return out;
}

BeastResponse Server::finish(Response response, unsigned version, bool isHead, bool isGet,
                             const std::string& requestId) const {
  BeastResponse out{static_cast<http_proto::status>(response.status()), version};
  out.set(http_proto::field::content_type, response.contentType());
  out.set("X-Request-Id", requestId);
  out.set("X-Version-Id", options_.versionId);
  out.set("X-Content-Type-Options", "nosniff");
  out.set("Referrer-Policy", "no-referrer");
  if (isGet || isHead) out.set(http_proto::field::expires, "0");
  for (const auto& [name, value] : response.headers()) out.insert(name, value);

  if (response.error()) {
    out.body() =
        errorJson(*response.error(), response.status(), requestId, options_.showErrorDetail);
  } else {
    out.body() = response.takeBody();
  }
  out.prepare_payload();
  if (isHead) out.body().clear();  // Content-Length stays that of the GET reply
  return out;
}

BeastResponse Server::rejectBeforeRouting(const beast::error_code& ec, unsigned version,
                                          const BodyLimit* routeLimit) {
  core::Error error;
  unsigned status = 400;
  if (ec == http_proto::error::body_limit && routeLimit) {
    status = 413;
    error = routeLimit->tooLarge;
  } else if (ec == http_proto::error::body_limit) {
    status = 413;
    error =
        core::makeError(core::ErrorCode::kTooLarge, "api.context.request_body_too_large.app_error",
                        "The request body is too large.",
                        "limit " + std::to_string(options_.limits.maxBodyBytes) + " bytes");
  } else if (ec == http_proto::error::header_limit) {
    status = 431;
    error = core::makeError(core::ErrorCode::kTooLarge,
                            "api.context.request_headers_too_large.app_error",
                            "The request headers are too large.",
                            "limit " + std::to_string(options_.limits.maxHeaderBytes) + " bytes");
  } else {
    error = core::makeError(core::ErrorCode::kInvalidArgument, "api.context.bad_request.app_error",
                            "The request could not be parsed.", ec.message());
  }
  const std::string requestId = core::model::newRequestId();
  router_->unmatchedMetrics().record(status, 0);
  // A route of another protocol (the Matrix AS API) refuses in that protocol's form.
  const bool ownForm =
      ec == http_proto::error::body_limit && routeLimit && !routeLimit->tooLargeBody.empty();
  Response response =
      ownForm ? Response::text(413, routeLimit->tooLargeBody, routeLimit->tooLargeContentType)
              : Response::error(std::move(error), status);
  BeastResponse out = finish(std::move(response), version ? version : 11, false, false, requestId);
  out.keep_alive(false);
  return out;
}

void Server::shutdown() {
  if (stopped_.exchange(true)) return;
  draining_.store(true);
  if (started_.load()) {
    core::log::info(kComponent, "shutting down", {{"open_connections", open_.load()}});
    asio::post(contexts_.front()->io, [this] {
      beast::error_code ignored;
      acceptor_->close(ignored);
    });
    // Idle keep-alive connections are closed now; busy ones close after their response.
    for (auto& context : contexts_) {
      asio::post(context->io, [&context = *context] {
        for (Connection* connection : context.connections) {
          beast::error_code ignored;
          if (connection->idle) connection->socket->cancel(ignored);
        }
      });
    }
    {
      std::unique_lock lock(drainMutex_);
      const bool drained =
          drained_.wait_for(lock, options_.shutdownGrace, [this] { return open_.load() == 0; });
      if (!drained) {
        core::log::warn(kComponent, "grace period over; closing remaining connections",
                        {{"open_connections", open_.load()}});
      }
    }
  }
  for (auto& context : contexts_) {
    context->work.reset();
    context->io.stop();
  }
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

}  // namespace parley::gateway::http
