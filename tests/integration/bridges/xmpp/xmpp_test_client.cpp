#include "tests/integration/bridges/xmpp/xmpp_test_client.hpp"

#include <stdexcept>
#include <thread>

namespace parley::testing {

using Clock = std::chrono::steady_clock;

XmppTestClient::XmppTestClient(const std::string& jid, const std::string& password,
                               std::uint16_t port) {
  xmpp_initialize();
  ctx_ = xmpp_ctx_new(nullptr, nullptr);
  conn_ = xmpp_conn_new(ctx_);
  // Loopback without certificates: no TLS offered, SCRAM over plaintext.
  xmpp_conn_set_flags(conn_, XMPP_CONN_FLAG_DISABLE_TLS);
  xmpp_conn_set_jid(conn_, jid.c_str());
  xmpp_conn_set_pass(conn_, password.c_str());
  xmpp_handler_add(conn_, &XmppTestClient::onStanza, nullptr, nullptr, nullptr, this);
  if (xmpp_connect_client(conn_, "127.0.0.1", port, &XmppTestClient::onConnection, this) !=
      XMPP_EOK) {
    throw std::runtime_error("cannot start the XMPP client's connection");
  }
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!connected_ && !failed_ && Clock::now() < deadline) xmpp_run_once(ctx_, 20);
  if (!connected_) throw std::runtime_error("the XMPP client could not log in as " + jid);
  const char* bound = xmpp_conn_get_bound_jid(conn_);
  jid_ = bound != nullptr ? bound : jid;
  send("<presence/>");
  received_.clear();  // what the login itself brought
}

XmppTestClient::~XmppTestClient() {
  if (connected_) {
    xmpp_disconnect(conn_);
    const auto deadline = Clock::now() + std::chrono::seconds(1);
    while (xmpp_conn_is_disconnected(conn_) == 0 && Clock::now() < deadline) {
      xmpp_run_once(ctx_, 10);
    }
  }
  received_.clear();  // the stanzas belong to ctx_
  xmpp_conn_release(conn_);
  xmpp_ctx_free(ctx_);
}

void XmppTestClient::send(const std::string& xml) {
  xmpp_send_raw(conn_, xml.data(), xml.size());
  xmpp_run_once(ctx_, 0);
}

std::optional<XmppTestClient::Stanza> XmppTestClient::waitFor(const Match& match,
                                                              std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    for (auto it = received_.begin(); it != received_.end(); ++it) {
      if (match(*it)) {
        Stanza found = *it;
        received_.erase(it);
        return found;
      }
    }
    if (Clock::now() >= deadline) return std::nullopt;
    xmpp_run_once(ctx_, 20);
  }
}

std::vector<XmppTestClient::Stanza> XmppTestClient::collect(std::chrono::milliseconds duration) {
  const auto deadline = Clock::now() + duration;
  while (Clock::now() < deadline) xmpp_run_once(ctx_, 20);
  std::vector<Stanza> out;
  out.swap(received_);
  return out;
}

std::string XmppTestClient::describe(const std::vector<Stanza>& stanzas) {
  std::string out;
  for (const auto& stanza : stanzas) out += "\n  " + stanza.toXml();
  return out.empty() ? " (nothing)" : out;
}

void XmppTestClient::onConnection(xmpp_conn_t* /*conn*/, xmpp_conn_event_t event, int /*error*/,
                                  xmpp_stream_error_t* /*streamError*/, void* userdata) {
  auto* self = static_cast<XmppTestClient*>(userdata);
  if (event == XMPP_CONN_CONNECT) {
    self->connected_ = true;
  } else {
    self->connected_ = false;
    self->failed_ = true;
  }
}

int XmppTestClient::onStanza(xmpp_conn_t* /*conn*/, xmpp_stanza_t* stanza, void* userdata) {
  auto* self = static_cast<XmppTestClient*>(userdata);
  const char* name = xmpp_stanza_get_name(stanza);
  if (name == nullptr) return 1;
  const std::string_view kind(name);
  if (kind == "message" || kind == "presence" || kind == "iq") {
    self->received_.push_back(Stanza::share(stanza));
  }
  return 1;
}

bool waitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

XmppTestClient::Match named(std::string name, std::string type, std::string from) {
  return [name = std::move(name), type = std::move(type),
          from = std::move(from)](const bridges::xmpp::Stanza& s) {
    return s.name() == name && (type.empty() || s.attribute("type") == type) &&
           (from.empty() || s.attribute("from") == from);
  };
}

}  // namespace parley::testing
