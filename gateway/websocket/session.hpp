#pragma once
// One WebSocket socket of the Mattermost API, from the upgrade request to the close: the
// handshake checks (Origin, resume parameters), authentication (cookie or Bearer header at the
// upgrade, else authentication_challenge within the deadline), the client's actions and their
// replies, and writing the connection's events in order (hub.hpp numbers and queues them).
//
// A session lives on the I/O thread of its socket; everything here runs on that thread. The hub
// wakes it through Transport::wake(), which posts to that thread.
//
// Keep-alive and limits: a WebSocket ping every ping_interval; closed when nothing arrives for
// read_timeout, when one frame stays unwritten for write_timeout, when the hub drops it as a
// slow consumer, when its session expires, or (1009) when a message exceeds max_message_size.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "core/config/config.hpp"
#include "core/model/user.hpp"
#include "gateway/api/api_context.hpp"
#include "gateway/api/session_context.hpp"
#include "gateway/http/upgrade.hpp"
#include "gateway/websocket/hub.hpp"

namespace parley::gateway::websocket {

// What every session of the endpoint shares.
struct SessionContext {
  api::ApiContextPtr api;
  HubPtr hub;
  core::config::WebsocketConfig limits;
};

template <typename Stream>
class Session final : public Transport, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream& stream, std::shared_ptr<const SessionContext> context);

  // Runs the socket until it closes. The caller keeps `stream` alive until this returns.
  asio::awaitable<void> run(http::UpgradeRequest upgrade);

  void wake() override;

 private:
  // The upgrade: refused with an HTTP error, or accepted (and maybe authenticated).
  asio::awaitable<bool> handshake(http::UpgradeRequest& upgrade);
  asio::awaitable<void> handleMessage(std::string_view text);
  asio::awaitable<void> handleAction(const ClientRequest& request);
  asio::awaitable<void> challenge(const ClientRequest& request);
  asio::awaitable<void> userTyping(const ClientRequest& request);
  asio::awaitable<void> statuses(const ClientRequest& request);

  // Attaches the connection; true when it is the user's first open socket on this node.
  bool authenticated(api::AuthenticatedUser caller);
  // After the first socket of the user on this node: the user is online (status_change).
  asio::awaitable<void> announceOnline();
  void reply(std::string frame);
  void pump();
  void onWritten(const beast::error_code& ec, bool wasEvent);
  void armWatchdog();
  void onWatchdog();
  // Closes the TCP connection at once; pending reads and writes fail and run() ends.
  void closeSocket(const char* reason = nullptr);

  beast::websocket::stream<Stream&> ws_;
  std::shared_ptr<const SessionContext> context_;
  ConnectionPtr connection_;  // set once authenticated
  std::shared_ptr<const core::model::User> user_;
  std::int64_t sessionExpiresAt_ = 0;
  // Of the upgrade request (its client address): the caller's for every decision on this socket.
  core::model::ConnectionOrigin origin_ = core::model::ConnectionOrigin::kUnknown;
  ResumeQuery resume_;

  beast::flat_buffer readBuffer_;
  std::vector<std::string> replies_;  // action replies waiting to be written (no seq)
  std::string writingReply_;
  SharedBytes writingPrefix_;
  char suffix_[kMaxSuffix] = {};

  asio::steady_timer watchdog_;
  std::chrono::steady_clock::time_point deadline_{};  // handshake and authentication
  std::chrono::steady_clock::time_point lastRead_{};
  std::chrono::steady_clock::time_point lastPing_{};
  std::chrono::steady_clock::time_point writeStarted_{};
  bool opened_ = false;
  bool writing_ = false;
  bool pingDue_ = false;
  bool closing_ = false;
  bool goneAway_ = false;  // the 1001 close frame was sent
};

extern template class Session<http::PlainStream>;
extern template class Session<http::TlsStream>;

}  // namespace parley::gateway::websocket
