#pragma once
// A real XMPP client for the component tests: libstrophe in client mode (which has no
// component-mode crash), plaintext SCRAM login to the test Prosody on loopback. Single-threaded:
// the test's own thread runs libstrophe while it waits for a stanza.

#include <strophe.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bridges/xmpp/stanza.hpp"

namespace parley::testing {

class XmppTestClient {
 public:
  using Stanza = bridges::xmpp::Stanza;
  using Match = std::function<bool(const Stanza&)>;

  // Logs in as `jid` (user@localhost/resource) on 127.0.0.1:port; throws if that fails.
  XmppTestClient(const std::string& jid, const std::string& password, std::uint16_t port);
  ~XmppTestClient();
  XmppTestClient(const XmppTestClient&) = delete;
  XmppTestClient& operator=(const XmppTestClient&) = delete;

  const std::string& jid() const { return jid_; }
  xmpp_ctx_t* context() const { return ctx_; }

  // Sends raw XML (one stanza).
  void send(const std::string& xml);
  // The first stanza received since the last take (or ever) that matches; it is consumed.
  // Runs the connection until then, at most `timeout`.
  std::optional<Stanza> waitFor(const Match& match,
                                std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Runs the connection for `duration` and returns everything received meanwhile (consumed).
  std::vector<Stanza> collect(std::chrono::milliseconds duration);
  // Everything received and not yet consumed.
  std::vector<Stanza>& pending() { return received_; }

  // A stanza's XML, for failure messages.
  static std::string describe(const std::vector<Stanza>& stanzas);

 private:
  static void onConnection(xmpp_conn_t* conn, xmpp_conn_event_t event, int error,
                           xmpp_stream_error_t* streamError, void* userdata);
  static int onStanza(xmpp_conn_t* conn, xmpp_stanza_t* stanza, void* userdata);

  std::string jid_;
  xmpp_ctx_t* ctx_ = nullptr;
  xmpp_conn_t* conn_ = nullptr;
  bool connected_ = false;
  bool failed_ = false;
  std::vector<Stanza> received_;
};

// Polls `condition` every 10 ms until it holds (true) or `timeout` passed (false).
bool waitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// Matchers.
XmppTestClient::Match named(std::string name, std::string type = {}, std::string from = {});

}  // namespace parley::testing
