#include "gateway/websocket/session.hpp"

#include <algorithm>

#include "core/common/log.hpp"
#include "core/model/id.hpp"
#include "core/model/permissions.hpp"
#include "core/services/permissions.hpp"
#include "core/services/status_service.hpp"
#include "core/services/user_service.hpp"
#include "gateway/api/version.hpp"
#include "gateway/http/error.hpp"

namespace parley::gateway::websocket {
namespace {

namespace websocket = beast::websocket;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
constexpr auto kComponent = "websocket";

// A read buffer grown by one big message is given back afterwards: idle sockets stay small.
constexpr std::size_t kKeptReadBuffer = 4096;
// get_statuses / get_statuses_by_ids answer for at most this many users.
constexpr std::size_t kMaxStatuses = 1000;

core::Error invalidParam(std::string_view action, std::string_view name) {
  return core::makeError(core::ErrorCode::kInvalidArgument,
                         "api.websocket_handler.invalid_param.app_error",
                         "Invalid " + std::string(name) + " parameter.",
                         std::string(action) + ": " + std::string(name));
}

// An optional string parameter that must be empty or an id.
std::optional<std::string> optionalId(const json& data, const char* name) {
  const auto it = data.find(name);
  if (it == data.end() || it->is_null()) return std::string();
  if (!it->is_string()) return std::nullopt;
  auto value = it->get<std::string>();
  if (!value.empty() && !core::model::isValidId(value)) return std::nullopt;
  return value;
}

std::chrono::milliseconds watchdogTick(const core::config::WebsocketConfig& limits,
                                       bool authenticated) {
  auto shortest = std::min({limits.pingInterval, limits.readTimeout, limits.writeTimeout});
  if (!authenticated) shortest = std::min(shortest, limits.authTimeout);
  return std::clamp<std::chrono::milliseconds>(shortest / 4, std::chrono::milliseconds(20),
                                               std::chrono::milliseconds(15000));
}

http_proto::response<http_proto::string_body> refusal(const core::Error& error, unsigned version,
                                                      const std::string& requestId) {
  const unsigned status = http::statusFor(error.code);
  http_proto::response<http_proto::string_body> response{static_cast<http_proto::status>(status),
                                                         version};
  response.set(http_proto::field::content_type, "application/json");
  response.set("X-Request-Id", requestId);
  response.body() = http::errorJson(error, status, requestId, false);
  response.keep_alive(false);
  response.prepare_payload();
  return response;
}

}  // namespace

template <typename Stream>
Session<Stream>::Session(Stream& stream, std::shared_ptr<const SessionContext> context)
    : ws_(stream), context_(std::move(context)), watchdog_(stream.get_executor()) {}

template <typename Stream>
void Session<Stream>::wake() {
  asio::post(ws_.get_executor(), [weak = this->weak_from_this()] {
    if (auto self = weak.lock()) self->pump();
  });
}

template <typename Stream>
asio::awaitable<void> Session<Stream>::run(http::UpgradeRequest upgrade) {
  auto self = this->shared_from_this();
  const auto& clock = *context_->api->clock;
  deadline_ = clock.steadyNow() + context_->limits.authTimeout;
  armWatchdog();

  const bool open = co_await handshake(upgrade);
  upgrade.request = {};  // the headers are not needed any more
  if (open) {
    opened_ = true;
    lastRead_ = lastPing_ = clock.steadyNow();
    pump();
    beast::error_code ec;
    while (!closing_) {
      co_await ws_.async_read(readBuffer_, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      lastRead_ = clock.steadyNow();
      const auto data = readBuffer_.data();
      co_await handleMessage(std::string_view(static_cast<const char*>(data.data()), data.size()));
      readBuffer_.consume(readBuffer_.size());
      if (readBuffer_.capacity() > kKeptReadBuffer) readBuffer_.shrink_to_fit();
    }
    if (ec && ec != websocket::error::closed && ec != asio::error::operation_aborted &&
        ec != asio::error::eof && ec != asio::error::connection_reset) {
      core::log::debug(kComponent, "socket ended", {{"error", ec.message()}});
    }
  }

  closing_ = true;
  if (connection_) context_->hub->detach(connection_, this);
  if (writing_) {
    // The write in flight refers to this session's buffers: wait for it to fail.
    closeSocket();
    beast::error_code ignored;
    watchdog_.expires_at(Clock::time_point::max());
    co_await watchdog_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  watchdog_.cancel();
}

template <typename Stream>
asio::awaitable<bool> Session<Stream>::handshake(http::UpgradeRequest& upgrade) {
  auto& raw = upgrade.request;
  http::Request request(raw, core::model::newRequestId(), upgrade.remoteAddress);
  const auto& config = *context_->api->config;

  std::optional<core::Error> refused;
  if (!websocket::is_upgrade(raw)) {
    refused = core::makeError(core::ErrorCode::kInvalidArgument,
                              "api.web_socket.connect.upgrade.app_error",
                              "This URL accepts WebSocket connections only.");
  } else if (!originAllowed(request.header("Origin"), request.header("Host"),
                            config.server.siteUrl)) {
    refused = core::makeError(core::ErrorCode::kPermissionDenied,
                              "api.web_socket.connect.origin.app_error",
                              "WebSocket connections from this origin are not allowed.");
  } else {
    auto resume = parseResumeQuery(request.query().get("connection_id"),
                                   request.query().get("sequence_number"));
    if (resume) {
      resume_ = std::move(resume.value());
    } else {
      refused = std::move(resume).error();
    }
  }
  beast::error_code ec;
  if (refused) {
    auto response = refusal(*refused, raw.version(), request.requestId());
    co_await http_proto::async_write(ws_.next_layer(), response,
                                     asio::redirect_error(asio::use_awaitable, ec));
    co_return false;
  }

  // A bad or missing token is no refusal: the client may still authenticate with
  // authentication_challenge, as Mattermost allows.
  origin_ = api::connectionOrigin(*context_->api, request);
  auto found = co_await api::findSession(*context_->api, request);

  ws_.read_message_max(context_->limits.maxMessageBytes);
  ws_.auto_fragment(false);
  ws_.text(true);
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
    response.set(http_proto::field::server, "parleyd");
  }));
  ws_.control_callback([this](websocket::frame_type, beast::string_view) {
    lastRead_ = context_->api->clock->steadyNow();
  });
  co_await ws_.async_accept(raw, asio::redirect_error(asio::use_awaitable, ec));
  if (ec || closing_) co_return false;
  if (found && found->has_value() && authenticated(std::move(**found))) {
    co_await announceOnline();
  }
  co_return true;
}

template <typename Stream>
bool Session<Stream>::authenticated(api::AuthenticatedUser caller) {
  caller.user.connectionOrigin = origin_;
  user_ = std::make_shared<const core::model::User>(std::move(caller.user));
  sessionExpiresAt_ = caller.session.expiresAt;
  const bool wasConnected = context_->hub->isConnected(user_->id);
  auto attached = context_->hub->attach(user_->id, caller.session.id, resume_,
                                        this->weak_from_this(), this, origin_);
  connection_ = std::move(attached.connection);
  pump();
  return !wasConnected && !attached.resumed;
}

template <typename Stream>
asio::awaitable<void> Session<Stream>::announceOnline() {
  const std::string& userId = user_->id;
  auto marked = co_await context_->api->database->run(
      [&userId](core::store::Store& s) { return core::services::markConnected(s, userId); });
  // Presence is best effort: the connection works without it.
  if (!marked) {
    core::log::warn(kComponent, "status not updated",
                    {{"user_id", userId}, {"error", marked.error().message}});
  }
}

template <typename Stream>
asio::awaitable<void> Session<Stream>::handleMessage(std::string_view text) {
  auto parsed = parseRequest(text);
  if (parsed.error) {
    reply(failResponse(parsed.request.seq, *parsed.error));
    co_return;
  }
  const ClientRequest& request = parsed.request;
  if (request.action == kAuthenticationChallenge) {
    co_await challenge(request);
    co_return;
  }
  if (!connection_) {
    reply(failResponse(request.seq,
                       core::makeError(core::ErrorCode::kUnauthenticated,
                                       "api.web_socket_router.not_authenticated.app_error",
                                       "The WebSocket connection is not authenticated.")));
    co_return;
  }
  co_await handleAction(request);
}

template <typename Stream>
asio::awaitable<void> Session<Stream>::challenge(const ClientRequest& request) {
  if (connection_) co_return;  // already authenticated: ignored, as Mattermost does
  const auto token = request.data.find("token");
  if (token == request.data.end() || !token->is_string()) {
    closeSocket("authentication_challenge without a token");
    co_return;
  }
  const http::AuthToken credentials{token->get<std::string>().substr(0, http::kMaxTokenLength),
                                    http::TokenLocation::kHeader};
  auto found = co_await api::sessionOfToken(*context_->api, credentials);
  if (closing_) co_return;
  if (!found || !found->has_value()) {
    closeSocket("authentication failed");
    co_return;
  }
  const bool first = authenticated(std::move(**found));
  reply(okResponse(request.seq));
  if (first) co_await announceOnline();
}

template <typename Stream>
asio::awaitable<void> Session<Stream>::handleAction(const ClientRequest& request) {
  const std::string& action = request.action;
  if (action == "ping") {
    reply(okResponse(request.seq, {{"text", "pong"},
                                   {"version", api::kMattermostApiVersion},
                                   {"server_time", context_->api->clock->nowMillis()},
                                   {"node_id", ""}}));
  } else if (action == "user_typing") {
    co_await userTyping(request);
  } else if (action == "get_statuses" || action == "get_statuses_by_ids") {
    co_await statuses(request);
  } else if (action == "presence" || action == "user_update_active_status" ||
             action == "posted_notify_ack") {
    reply(okResponse(request.seq));
  } else {
    reply(failResponse(request.seq, core::makeError(core::ErrorCode::kNotImplemented,
                                                    "api.web_socket_router.bad_action.app_error",
                                                    "Unknown WebSocket action.", action)));
  }
}

template <typename Stream>
asio::awaitable<void> Session<Stream>::userTyping(const ClientRequest& request) {
  const auto channelId = optionalId(request.data, "channel_id");
  if (!channelId || channelId->empty()) {
    reply(failResponse(request.seq, invalidParam(request.action, "channel_id")));
    co_return;
  }
  const auto parentId = optionalId(request.data, "parent_id");
  if (!parentId) {
    reply(failResponse(request.seq, invalidParam(request.action, "parent_id")));
    co_return;
  }
  const core::model::User& user = *user_;
  const std::string& channel = *channelId;
  auto allowed = co_await context_->api->database->run([&](core::store::Store& s) {
    return core::services::requireChannelPermission(s, user, channel,
                                                    core::model::permission::kCreatePost);
  });
  if (!allowed) {
    reply(failResponse(request.seq, allowed.error()));
    co_return;
  }
  core::events::Event typing;
  typing.name = "typing";
  typing.data = {{"parent_id", *parentId}, {"user_id", user.id}};
  typing.audience.channelId = channel;
  typing.audience.omitUsers = {user.id};
  context_->hub->publish(std::move(typing));
  reply(okResponse(request.seq));
}

template <typename Stream>
asio::awaitable<void> Session<Stream>::statuses(const ClientRequest& request) {
  std::vector<std::string> ids;
  if (request.action == "get_statuses") {
    ids = context_->hub->connectedUsers(kMaxStatuses);
  } else {
    const auto list = request.data.find("user_ids");
    bool valid = list != request.data.end() && list->is_array() && list->size() <= kMaxStatuses;
    for (std::size_t i = 0; valid && i < list->size(); ++i) {
      const auto& id = (*list)[i];
      valid = id.is_string() && core::model::isValidId(id.get<std::string>());
      if (valid) ids.push_back(id.get<std::string>());
    }
    if (!valid) {
      reply(failResponse(request.seq, invalidParam(request.action, "user_ids")));
      co_return;
    }
  }
  const core::model::User& user = *user_;
  auto found = co_await context_->api->database->run(
      [&](core::store::Store& s) { return core::services::statusesOf(s, user, ids); });
  if (!found) {
    reply(failResponse(request.seq, found.error()));
    co_return;
  }
  json data = json::object();
  for (const auto& status : *found) {
    // A status the user set wins over the connection.
    const bool online = !status.manual && context_->hub->isConnected(status.userId);
    data[status.userId] = online ? "online" : status.status;
  }
  reply(okResponse(request.seq, data));
}

template <typename Stream>
void Session<Stream>::reply(std::string frame) {
  // A client that sends requests but never reads the replies is a slow consumer too.
  if (replies_.size() >= context_->limits.sendQueueEvents) {
    closeSocket("too many unsent replies");
    return;
  }
  replies_.push_back(std::move(frame));
  pump();
}

template <typename Stream>
void Session<Stream>::pump() {
  if (writing_ || closing_ || !opened_ || goneAway_) return;
  const auto now = context_->api->clock->steadyNow();
  auto self = this->shared_from_this();
  if (!replies_.empty()) {
    writingReply_ = std::move(replies_.front());
    replies_.erase(replies_.begin());
    writing_ = true;
    writeStarted_ = now;
    ws_.async_write(asio::buffer(writingReply_), [self](const beast::error_code& ec, std::size_t) {
      self->onWritten(ec, false);
    });
    return;
  }
  if (connection_) {
    EventRing::Entry entry;
    switch (connection_->next(this, entry)) {
      case NextStep::kClose:
        closeSocket("send queue full, session revoked or connection taken over");
        return;
      case NextStep::kWrite: {
        writingPrefix_ = std::move(entry.prefix);
        const std::size_t suffixLength = writeSeqSuffix(entry.seq, suffix_);
        const std::array<asio::const_buffer, 2> frame{asio::buffer(*writingPrefix_),
                                                      asio::buffer(suffix_, suffixLength)};
        writing_ = true;
        writeStarted_ = now;
        ws_.async_write(
            frame, [self](const beast::error_code& ec, std::size_t) { self->onWritten(ec, true); });
        return;
      }
      case NextStep::kGoAway:
        // The read loop ends with the client's close frame (or the write timeout).
        goneAway_ = true;
        writing_ = true;
        writeStarted_ = now;
        ws_.async_close(websocket::close_code::going_away,
                        [self](const beast::error_code& ec) { self->onWritten(ec, false); });
        return;
      case NextStep::kIdle: break;
    }
  }
  if (pingDue_) {
    pingDue_ = false;
    writing_ = true;
    writeStarted_ = lastPing_ = now;
    ws_.async_ping({}, [self](const beast::error_code& ec) { self->onWritten(ec, false); });
  }
}

template <typename Stream>
void Session<Stream>::onWritten(const beast::error_code& ec, bool wasEvent) {
  writing_ = false;
  if (wasEvent && !ec) connection_->sent();
  writingPrefix_.reset();
  writingReply_ = std::string();
  if (closing_) {
    watchdog_.cancel();  // run() may be waiting for this write
    return;
  }
  if (ec) {
    closeSocket("write failed");
    return;
  }
  pump();
}

template <typename Stream>
void Session<Stream>::armWatchdog() {
  watchdog_.expires_after(watchdogTick(context_->limits, connection_ != nullptr));
  watchdog_.async_wait([weak = this->weak_from_this()](const beast::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->onWatchdog();
  });
}

template <typename Stream>
void Session<Stream>::onWatchdog() {
  if (closing_) return;
  const auto& limits = context_->limits;
  const auto& clock = *context_->api->clock;
  const auto now = clock.steadyNow();
  const bool expired = (!connection_ && now >= deadline_) ||
                       (opened_ && now - lastRead_ >= limits.readTimeout) ||
                       (writing_ && now - writeStarted_ >= limits.writeTimeout) ||
                       (sessionExpiresAt_ != 0 && clock.nowMillis() >= sessionExpiresAt_);
  if (expired) {
    closeSocket("timeout");
    return;
  }
  if (opened_ && now - lastPing_ >= limits.pingInterval) {
    pingDue_ = true;
    pump();
  }
  armWatchdog();
}

template <typename Stream>
void Session<Stream>::closeSocket(const char* reason) {
  if (reason != nullptr && !closing_) {
    core::log::debug(kComponent, "closing the socket",
                     {{"reason", reason}, {"user_id", user_ ? user_->id : std::string()}});
  }
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).close(ignored);
}

template class Session<http::PlainStream>;
template class Session<http::TlsStream>;

}  // namespace parley::gateway::websocket
