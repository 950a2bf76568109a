#pragma once
// A protocol that takes an HTTP connection over after its first request: the WebSocket API
// (gateway/websocket). The server reads and limits that request as any other, then hands the
// stream to the handler instead of routing it, on the connection's own I/O thread.

#include <memory>
#include <string>

#include "gateway/http/beast.hpp"
#include "gateway/http/exchange.hpp"

namespace parley::gateway::http {

using PlainStream = asio::ip::tcp::socket;
using TlsStream = asio::ssl::stream<asio::ip::tcp::socket>;

struct UpgradeRequest {
  BeastRequest request;
  std::string remoteAddress;
};

class UpgradeHandler {
 public:
  virtual ~UpgradeHandler() = default;

  // Whether this request is for the handler (its path); it then gets the connection whatever
  // else the request says, and answers it. Called on the connection's I/O thread.
  virtual bool accepts(const BeastRequest& request) const = 0;

  // Runs the connection until it ends; the server closes the stream afterwards. The server's
  // request and idle timeouts no longer apply: the handler enforces its own. A server shutdown
  // cancels the socket's pending operations, which must end the handler promptly.
  virtual asio::awaitable<void> run(PlainStream& stream, UpgradeRequest request) = 0;
  virtual asio::awaitable<void> run(TlsStream& stream, UpgradeRequest request) = 0;
};

using UpgradeHandlerPtr = std::shared_ptr<UpgradeHandler>;

}  // namespace parley::gateway::http
