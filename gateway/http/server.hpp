#pragma once
// The HTTP/1.1 server (Boost.Beast): one io_context per I/O thread, each connection stays on
// the thread that accepted it for its whole life, handlers are coroutines that co_await the
// database pool and resume on that same thread. Optional TLS. Every input has a limit: header
// size, body size, read/idle timeouts, open connections, request rate per client address.
//
// Graceful shutdown (shutdown()): stop accepting, close idle keep-alive connections, let
// in-flight requests finish and answer them with "Connection: close", then stop the threads;
// whatever is still running when the grace period ends is cut off.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "core/config/config.hpp"
#include "core/metrics/registry.hpp"
#include "gateway/http/beast.hpp"
#include "gateway/http/rate_limiter.hpp"
#include "gateway/http/router.hpp"
#include "gateway/http/upgrade.hpp"

namespace parley::gateway::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port (tests)
  unsigned threads = 1;
  std::optional<core::config::TlsConfig> tls;
  core::config::LimitsConfig limits;
  std::chrono::milliseconds shutdownGrace{5000};
  std::string versionId;  // the X-Version-Id header value
  bool showErrorDetail = false;
  bool accessLog = false;
};

class Server {
 public:
  // Binds the listening socket and loads TLS material; fails with a clear message when the
  // address is in use, the certificate cannot be read, and so on. Nothing runs until start().
  static core::Result<std::unique_ptr<Server>> create(ServerOptions options,
                                                      std::shared_ptr<const Router> router,
                                                      core::metrics::Registry& metrics,
                                                      core::ClockPtr clock);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (useful when options.port was 0).
  std::uint16_t port() const { return port_; }

  // Requests the handler accepts (the WebSocket endpoint) are handed to it instead of the
  // router. Call before start().
  void setUpgradeHandler(UpgradeHandlerPtr handler) { upgrade_ = std::move(handler); }

  // Starts the I/O threads and begins accepting. Call once.
  void start();

  // Graceful stop as described above; blocks until done. Safe to call more than once.
  void shutdown();

  std::size_t openConnections() const { return open_.load(); }

 private:
  struct Context;
  struct Connection;

  Server(ServerOptions options, std::shared_ptr<const Router> router,
         core::metrics::Registry& metrics, core::ClockPtr clock);

  asio::awaitable<void> acceptLoop();
  // Closes the connections of one I/O thread whose deadline passed.
  asio::awaitable<void> sweep(Context& context);
  template <typename Stream>
  asio::awaitable<void> serve(Stream& stream, Connection& connection);
  // After a 413 sent before the body was read: reads and drops what the client still sends.
  asio::awaitable<void> discardUnread(Connection& connection);
  asio::awaitable<void> runPlain(asio::ip::tcp::socket socket, Context& context);
  asio::awaitable<void> runTls(asio::ip::tcp::socket socket, Context& context);
  asio::awaitable<http_proto::response<http_proto::string_body>> handle(BeastRequest& request,
                                                                        const std::string& remote);
  http_proto::response<http_proto::string_body> finish(Response response, unsigned version,
                                                       bool isHead, bool isGet,
                                                       const std::string& requestId) const;
  http_proto::response<http_proto::string_body> rejectBeforeRouting(const beast::error_code& ec,
                                                                    unsigned version,
                                                                    const BodyLimit* routeLimit);
  void connectionOpened();
  void connectionClosed();

  ServerOptions options_;
  std::shared_ptr<const Router> router_;
  UpgradeHandlerPtr upgrade_;
  core::ClockPtr clock_;
  std::optional<RateLimiter> rateLimiter_;
  std::optional<asio::ssl::context> tls_;

  std::vector<std::unique_ptr<Context>> contexts_;
  std::vector<std::thread> threads_;
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor_;
  std::uint16_t port_ = 0;
  std::size_t nextContext_ = 0;

  std::atomic<bool> draining_{false};
  std::atomic<bool> started_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<std::size_t> open_{0};
  std::mutex drainMutex_;
  std::condition_variable drained_;

  core::metrics::Counter* rejectedConnections_;
  core::metrics::Counter* timeouts_;
};

}  // namespace parley::gateway::http
