#include "bridges/xmpp/component.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>

#include "core/common/log.hpp"

namespace parley::bridges::xmpp {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::string_view kLog = "xmpp";
constexpr int kMaxPollMs = 100;              // libstrophe's timed handlers run at least this often
constexpr int kMaxRunsPerWake = 64;          // bounded work per wake-up, then the tasks again
constexpr milliseconds kPrimeTimeout{1000};  // §4: a refused local connect fails at once
constexpr milliseconds kStopFlush{1000};

// The component thread, for the socket callback, which has no user data argument.
thread_local Component* tCurrent = nullptr;

void logFromLibstrophe(void* /*userdata*/, xmpp_log_level_t level, const char* area,
                       const char* message) {
  // Only warnings and errors: the lower levels print raw stanzas (message text) and the
  // handshake digest.
  if (level < XMPP_LEVEL_WARN) return;
  core::log::warn(kLog, "libstrophe: " + std::string(message != nullptr ? message : ""),
                  {{"area", area != nullptr ? area : ""}, {"level", static_cast<int>(level)}});
}

void noConnectionHandler(xmpp_conn_t* /*conn*/, xmpp_conn_event_t /*event*/, int /*error*/,
                         xmpp_stream_error_t* /*streamError*/, void* /*userdata*/) {}

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

std::string_view streamErrorName(xmpp_error_type_t type) {
  switch (type) {
    case XMPP_SE_NOT_AUTHORIZED: return "not-authorized";
    case XMPP_SE_CONFLICT: return "conflict";
    case XMPP_SE_HOST_UNKNOWN: return "host-unknown";
    case XMPP_SE_SYSTEM_SHUTDOWN: return "system-shutdown";
    case XMPP_SE_POLICY_VIOLATION: return "policy-violation";
    case XMPP_SE_CONN_TIMEOUT: return "connection-timeout";
    default: return "other";
  }
}

}  // namespace

Component::Component(ComponentOptions options, Handlers handlers)
    : options_(std::move(options)), handlers_(std::move(handlers)) {}

Component::~Component() {
  stop();
  if (conn_ != nullptr) xmpp_conn_release(conn_);
  if (ctx_ != nullptr) xmpp_ctx_free(ctx_);
  if (wakeFd_ >= 0) ::close(wakeFd_);
}

core::Status Component::start() {
  if (thread_.joinable()) return {};
  xmpp_initialize();
  logger_.handler = &logFromLibstrophe;
  logger_.userdata = nullptr;
  ctx_ = xmpp_ctx_new(nullptr, &logger_);
  xmpp_ctx_set_verbosity(ctx_, 0);
  conn_ = ctx_ == nullptr ? nullptr : xmpp_conn_new(ctx_);
  wakeFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (ctx_ == nullptr || conn_ == nullptr || wakeFd_ < 0) {
    return core::makeError(core::ErrorCode::kInternal, "xmpp.start",
                           "cannot create the XMPP context");
  }
  xmpp_conn_set_jid(conn_, options_.domain.c_str());
  xmpp_conn_set_pass(conn_, options_.secret.c_str());
  if (options_.primeStreamManagement) {
    tCurrent = this;  // the priming runs here, before the thread exists
    auto primed = prime();
    tCurrent = nullptr;
    if (!primed) return primed;
  }
  backoff_ = options_.reconnectMin;
  thread_ = std::thread([this] { run(); });
  return {};
}

void Component::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  if (wakeFd_ >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(wakeFd_, &one, sizeof one);
  }
  if (thread_.joinable()) thread_.join();
}

void Component::post(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    const bool woken = !tasks_.empty();  // the first of these woke the thread, which takes all
    tasks_.push_back(std::move(task));
    if (woken) return;
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto written = ::write(wakeFd_, &one, sizeof one);
}

bool Component::send(const Stanza& stanza) {
  if (state_ != State::kConnected || !stanza) return false;
  xmpp_send(conn_, stanza.get());
  return true;
}

// xmpp.md §4: a client-mode connect attempt on the same connection object allocates the
// stream-management state that component mode dereferences. The port is bound but not
// listening, so the attempt is refused at once and nothing leaves the host.
core::Status Component::prime() {
  const int probe = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  auto* raw = reinterpret_cast<sockaddr*>(&address);
  if (probe < 0 || ::bind(probe, raw, sizeof address) != 0 ||
      ::getsockname(probe, raw, &length) != 0) {
    if (probe >= 0) ::close(probe);
    return core::makeError(core::ErrorCode::kInternal, "xmpp.prime",
                           "cannot bind the local port the XMPP workaround needs");
  }
  const auto port = ntohs(address.sin_port);
  const int started = xmpp_connect_client(conn_, "127.0.0.1", port, &noConnectionHandler, nullptr);
  const auto deadline = Clock::now() + kPrimeTimeout;
  bool done = started != XMPP_EOK || xmpp_conn_is_disconnected(conn_) != 0;
  while (!done && Clock::now() < deadline) {
    xmpp_run_once(ctx_, 10);
    done = xmpp_conn_is_disconnected(conn_) != 0;
  }
  ::close(probe);
  if (!done) {
    return core::makeError(core::ErrorCode::kInternal, "xmpp.prime",
                           "the XMPP workaround's refused connection did not fail within 1 s");
  }
  return {};
}

void Component::run() {
  tCurrent = this;
  // libstrophe writes with send(2) without MSG_NOSIGNAL: a stanza written to a link the XMPP
  // server has just closed raises SIGPIPE, whose default action ends the whole process, whatever
  // the host did about it. Blocked on this thread, the only one writing to the link, the write
  // fails with EPIPE instead and the link is made again as after any drop.
  sigset_t sigpipe;
  sigemptyset(&sigpipe);
  sigaddset(&sigpipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &sigpipe, nullptr);
  nextAttempt_ = Clock::now();
  state_ = State::kWaiting;
  if (handlers_.started) handlers_.started();
  while (true) {
    runTasks();
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
    if (state_ == State::kWaiting && Clock::now() >= nextAttempt_) connect();

    std::array<pollfd, 2> fds{};
    fds[0] = pollfd{wakeFd_, POLLIN, 0};
    nfds_t count = 1;
    if (socketFd_ >= 0) {
      short events = POLLIN;
      if (state_ == State::kConnecting || xmpp_conn_send_queue_len(conn_) > 0) events |= POLLOUT;
      fds[1] = pollfd{socketFd_, events, 0};
      count = 2;
    }
    ::poll(fds.data(), count, pollTimeoutMs());
    if ((fds[0].revents & POLLIN) != 0) {
      std::uint64_t drained = 0;
      [[maybe_unused]] const auto got = ::read(wakeFd_, &drained, sizeof drained);
    }
    pump();
  }
  // Shutdown: close the stream politely and flush it, bounded.
  closing_ = true;
  if (state_ != State::kWaiting) {
    xmpp_disconnect(conn_);
    const auto deadline = Clock::now() + kStopFlush;
    while (xmpp_conn_is_disconnected(conn_) == 0 && Clock::now() < deadline) {
      xmpp_run_once(ctx_, 10);
    }
  }
  connected_ = false;
  tCurrent = nullptr;
}

void Component::runTasks() {
  std::deque<std::function<void()>> tasks;
  {
    std::lock_guard lock(mutex_);
    tasks.swap(tasks_);
  }
  for (auto& task : tasks) task();
}

int Component::pollTimeoutMs() const {
  if (state_ != State::kWaiting) return kMaxPollMs;
  const auto wait =
      std::chrono::duration_cast<milliseconds>(nextAttempt_ - Clock::now()).count() + 1;
  return static_cast<int>(std::clamp<long long>(wait, 0, kMaxPollMs));
}

// Runs libstrophe until it has nothing left to read or write right now. It reads at most 4 KiB
// per call and writes its queue at the start of a call, so one call is not always enough.
void Component::pump() {
  for (int i = 0; i < kMaxRunsPerWake; ++i) {
    xmpp_run_once(ctx_, 0);
    if (!hasMoreIo()) break;
  }
}

bool Component::hasMoreIo() const {
  if (socketFd_ < 0 || state_ == State::kWaiting) return false;
  return readable(socketFd_) ||
         (state_ == State::kConnected && xmpp_conn_send_queue_len(conn_) > 0);
}

void Component::connect() {
  state_ = State::kConnecting;
  // Installed after the priming, so the throw-away socket is never taken for the link's.
  xmpp_conn_set_sockopt_callback(conn_, &Component::onSocket);
  const int started = xmpp_connect_component(conn_, options_.host.c_str(), options_.port,
                                             &Component::onConnection, this);
  if (started != XMPP_EOK) {
    core::log::warn(kLog, "cannot start connecting to the XMPP server",
                    {{"host", options_.host}, {"port", options_.port}});
    scheduleRetry();
  }
}

void Component::scheduleRetry() {
  state_ = State::kWaiting;
  socketFd_ = -1;
  nextAttempt_ = Clock::now() + backoff_;
  core::log::info(kLog, "reconnecting to the XMPP server later",
                  {{"in_ms", backoff_.count()}, {"host", options_.host}, {"port", options_.port}});
  backoff_ = std::min(backoff_ * 2, options_.reconnectMax);
}

void Component::onConnection(xmpp_conn_t* /*conn*/, xmpp_conn_event_t event, int error,
                             xmpp_stream_error_t* streamError, void* userdata) {
  auto* self = static_cast<Component*>(userdata);
  if (event == XMPP_CONN_CONNECT) {
    self->state_ = State::kConnected;
    self->backoff_ = self->options_.reconnectMin;
    self->connected_ = true;
    ++self->handshakes_;
    xmpp_handler_delete(self->conn_, &Component::onStanza);
    xmpp_handler_add(self->conn_, &Component::onStanza, nullptr, nullptr, nullptr, self);
    core::log::info(kLog, "connected to the XMPP server as a component",
                    {{"domain", self->options_.domain},
                     {"host", self->options_.host},
                     {"port", self->options_.port}});
    if (self->handlers_.link) self->handlers_.link(true);
    return;
  }
  const bool wasUp = self->state_ == State::kConnected;
  self->connected_ = false;
  if (self->closing_) {
    self->state_ = State::kWaiting;
    self->socketFd_ = -1;
    if (wasUp && self->handlers_.link) self->handlers_.link(false);
    return;
  }
  core::log::Fields fields = {{"host", self->options_.host}, {"port", self->options_.port}};
  if (error != 0) fields["errno"] = error;
  if (streamError != nullptr) fields["stream_error"] = streamErrorName(streamError->type);
  core::log::warn(kLog, wasUp ? "the XMPP link dropped" : "cannot connect to the XMPP server",
                  fields);
  self->scheduleRetry();
  if (wasUp && self->handlers_.link) self->handlers_.link(false);
}

int Component::onStanza(xmpp_conn_t* /*conn*/, xmpp_stanza_t* stanza, void* userdata) {
  auto* self = static_cast<Component*>(userdata);
  const char* name = xmpp_stanza_get_name(stanza);
  if (name == nullptr) return 1;
  const std::string_view kind(name);
  if ((kind == "message" || kind == "presence" || kind == "iq") && self->handlers_.stanza) {
    self->handlers_.stanza(Stanza::share(stanza));
  }
  return 1;
}

// Called by libstrophe for each socket it creates. select() in libstrophe cannot watch a
// descriptor >= FD_SETSIZE (it would write past the fd_set): move such a socket to a low
// number, or refuse it (the attempt fails and is retried) rather than corrupt memory.
int Component::onSocket(xmpp_conn_t* conn, void* socket) {
  auto* fd = static_cast<int*>(socket);
  if (*fd >= FD_SETSIZE) {
    const int low = ::fcntl(*fd, F_DUPFD_CLOEXEC, 3);
    if (low < 0 || low >= FD_SETSIZE) {
      if (low >= 0) ::close(low);
      core::log::error(kLog, "no descriptor below 1024 is free for the XMPP link");
      return -1;
    }
    ::close(*fd);
    *fd = low;
  }
  if (tCurrent != nullptr) tCurrent->socketFd_ = *fd;
  // Each stanza is written as soon as it is queued: with Nagle's algorithm a small write that
  // follows one not yet acknowledged waits for that ACK, which the server may delay by 40 ms.
  const int one = 1;
  if (::setsockopt(*fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
    core::log::warn(kLog, "cannot turn Nagle's algorithm off on the XMPP link");
  }
  return xmpp_sockopt_cb_keepalive(conn, socket);
}

}  // namespace parley::bridges::xmpp
