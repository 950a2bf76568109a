#include "gateway/websocket/endpoint.hpp"

#include <unistd.h>

#include <array>

#include "gateway/api/version.hpp"
#include "gateway/websocket/session.hpp"

namespace parley::gateway::websocket {
namespace {

class Endpoint final : public http::UpgradeHandler {
 public:
  explicit Endpoint(std::shared_ptr<const SessionContext> context) : context_(std::move(context)) {}

  bool accepts(const http::BeastRequest& request) const override {
    const std::string_view target(request.target().data(), request.target().size());
    return target.substr(0, target.find('?')) == kWebsocketPath;
  }

  asio::awaitable<void> run(http::PlainStream& stream, http::UpgradeRequest request) override {
    // A named local, not a temporary in the co_await expression (g++ 12 coroutine bug).
    auto session = std::make_shared<Session<http::PlainStream>>(stream, context_);
    co_await session->run(std::move(request));
  }

  asio::awaitable<void> run(http::TlsStream& stream, http::UpgradeRequest request) override {
    auto session = std::make_shared<Session<http::TlsStream>>(stream, context_);
    co_await session->run(std::move(request));
  }

 private:
  std::shared_ptr<const SessionContext> context_;
};

std::string hostName() {
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) != 0) return {};
  return name.data();
}

}  // namespace

HubOptions hubOptions(const core::config::Config& config) {
  HubOptions options;
  options.sendQueueEvents = config.websocket.sendQueueEvents;
  options.resumeEvents = config.websocket.resumeEvents;
  options.resumeWindow = config.websocket.resumeWindow;
  options.serverVersion = api::versionId(config);
  options.serverHostname = hostName();
  options.dispatchThread = true;
  return options;
}

http::UpgradeHandlerPtr makeEndpoint(api::ApiContextPtr api, HubPtr hub) {
  const auto gauge = [&](const char* name, const char* help, auto read) {
    api->metrics->gauge(name, help, {}, [weak = std::weak_ptr<Hub>(hub), read] {
      const auto live = weak.lock();
      return live ? static_cast<double>(read(*live)) : 0.0;
    });
  };
  gauge("parley_websocket_connections", "WebSocket connections kept (open or resumable).",
        [](const Hub& h) { return h.connectionCount(); });
  gauge("parley_websocket_slow_consumers_total",
        "WebSocket connections dropped because they did not read their events.",
        [](const Hub& h) { return h.slowConsumers(); });
  auto context = std::make_shared<SessionContext>();
  context->limits = api->config->websocket;
  context->api = std::move(api);
  context->hub = std::move(hub);
  return std::make_shared<Endpoint>(std::move(context));
}

}  // namespace parley::gateway::websocket
