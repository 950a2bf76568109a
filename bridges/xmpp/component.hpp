#pragma once
// The XEP-0114 link to the XMPP server, with libstrophe (xmpp.md §3-§5). One thread owns the
// xmpp_ctx_t and the connection: it polls the link's socket and a wake-up eventfd, runs
// libstrophe with a zero timeout, and runs the tasks other threads hand it through post(). So
// every libstrophe call happens on that thread, and work from elsewhere waits for no timer.
//
// The link reconnects by itself: after a drop or a failed attempt it waits reconnectMin,
// doubling up to reconnectMax, and starts over at reconnectMin once a handshake succeeds.
// Before the first connection the connection object is primed with a client-mode attempt
// against a refused local port, the workaround for Debian libstrophe 0.12.2's component-mode
// crash (xmpp.md §4: conn->sm_state is only allocated by xmpp_connect_client). The canary test
// turns the priming off to see whether the library still needs it.

#include <strophe.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "bridges/xmpp/stanza.hpp"
#include "core/common/result.hpp"

namespace parley::bridges::xmpp {

struct ComponentOptions {
  std::string domain;  // the component's JID
  std::string host = "127.0.0.1";
  std::uint16_t port = 5347;
  std::string secret;  // never logged
  std::chrono::milliseconds reconnectMin{1000};
  std::chrono::milliseconds reconnectMax{60000};
  // The §4 workaround. Only the canary turns it off.
  bool primeStreamManagement = true;
};

class Component {
 public:
  struct Handlers {
    // A stanza (message, presence or iq) from the server; on the component thread.
    std::function<void(const Stanza&)> stanza;
    // The link came up (handshake accepted) or went down; on the component thread.
    std::function<void(bool up)> link;
    // Once, on the component thread, before the first connection attempt: where to build what
    // lives on that thread (it may use context()).
    std::function<void()> started;
  };

  Component(ComponentOptions options, Handlers handlers);
  ~Component();
  Component(const Component&) = delete;
  Component& operator=(const Component&) = delete;

  // Starts the thread, which connects at once. Fails when the context cannot be created or the
  // priming (§4) does not complete.
  core::Status start();
  // Closes the stream (flushing what was queued, at most ~1 s) and joins the thread. Idempotent.
  void stop();

  // Runs `task` on the component thread (any thread may call; tasks run in order). Tasks posted
  // after stop() are dropped.
  void post(std::function<void()> task);

  // Component thread only. Queues the stanza; false (nothing queued) while the link is down.
  bool send(const Stanza& stanza);
  // Component thread only: the context stanzas are built in.
  xmpp_ctx_t* context() const { return ctx_; }
  const ComponentOptions& options() const { return options_; }

  // Any thread.
  bool connected() const { return connected_.load(); }
  std::uint64_t handshakes() const { return handshakes_.load(); }  // completed since start

 private:
  enum class State { kWaiting, kConnecting, kConnected };

  void run();
  void runTasks();
  void connect();
  void scheduleRetry();
  core::Status prime();
  void pump();
  bool hasMoreIo() const;
  int pollTimeoutMs() const;

  static void onConnection(xmpp_conn_t* conn, xmpp_conn_event_t event, int error,
                           xmpp_stream_error_t* streamError, void* userdata);
  static int onStanza(xmpp_conn_t* conn, xmpp_stanza_t* stanza, void* userdata);
  static int onSocket(xmpp_conn_t* conn, void* socket);

  ComponentOptions options_;
  Handlers handlers_;
  xmpp_log_t logger_{};
  xmpp_ctx_t* ctx_ = nullptr;
  xmpp_conn_t* conn_ = nullptr;
  int wakeFd_ = -1;
  int socketFd_ = -1;  // the link's socket as libstrophe reported it; -1 when none

  // Component thread only.
  State state_ = State::kWaiting;
  std::chrono::steady_clock::time_point nextAttempt_{};
  std::chrono::milliseconds backoff_{0};
  bool closing_ = false;  // the loop ended: a disconnect now is ours, not a drop

  std::mutex mutex_;  // guards tasks_ and stopping_
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;

  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> handshakes_{0};
  std::thread thread_;
};

}  // namespace parley::bridges::xmpp
