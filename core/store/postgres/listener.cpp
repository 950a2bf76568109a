#include "core/store/postgres/listener.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include "core/common/log.hpp"
#include "core/store/postgres/connection.hpp"

namespace parley::core::store::postgres {
namespace {

constexpr std::chrono::milliseconds kInitialBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{5000};
// poll() returns at least this often, so that the owner's turn comes even when nothing happens.
constexpr int kPollTimeoutMillis = 1000;

}  // namespace

PgListener::PgListener(ListenerOptions options, ListenerHandlers handlers, ClockPtr clock)
    : options_(std::move(options)),
      handlers_(std::move(handlers)),
      clock_(std::move(clock)),
      backoff_(kInitialBackoff) {
  wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

std::unique_ptr<PgListener> PgListener::start(ListenerOptions options, ListenerHandlers handlers,
                                              ClockPtr clock) {
  std::unique_ptr<PgListener> listener(
      new PgListener(std::move(options), std::move(handlers), std::move(clock)));
  PgListener* self = listener.get();
  listener->thread_ = std::thread([self] { self->run(); });
  return listener;
}

PgListener::~PgListener() {
  stop();
  if (wakeFd_ >= 0) ::close(wakeFd_);
}

void PgListener::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  idle_.notify_all();
  wake();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void PgListener::wake() {
  if (wakeFd_ < 0) return;
  const std::uint64_t one = 1;
  // A full counter (never in practice) still leaves the fd readable: nothing to handle.
  [[maybe_unused]] const auto written = ::write(wakeFd_, &one, sizeof one);
}

void PgListener::setConnected(bool connected) {
  connected_ = connected;
  if (handlers_.linkChanged) handlers_.linkChanged(connected);
}

bool PgListener::connect(std::unique_ptr<Connection>& connection) {
  ConnectOptions connectOptions;
  connectOptions.applicationName = options_.applicationName;
  connectOptions.listen = options_.channels;
  auto opened = Connection::open(options_.dsn, connectOptions);
  if (!opened) {
    if (!reportedDown_) {
      // libpq's message names the server, never the password; the DSN is not logged.
      log::warn(options_.component, "cannot connect to the database to listen",
                {{"error", opened.error().detail}});
      reportedDown_ = true;
    }
    std::unique_lock lock(mutex_);
    idle_.wait_for(lock, backoff_, [&] { return stopping_; });
    backoff_ = std::min(backoff_ * 2, kMaxBackoff);
    return false;
  }
  connection = std::move(*opened);
  if (everConnected_) {
    ++reconnects_;
    log::info(options_.component, "listening to the database again");
  }
  everConnected_ = true;
  reportedDown_ = false;
  backoff_ = kInitialBackoff;
  setConnected(true);
  return true;
}

void PgListener::run() {
  std::unique_ptr<Connection> connection;
  const auto drop = [&](const char* detail) {
    log::warn(options_.component, "lost the database connection it listens on",
              {{"error", std::string(detail)}});
    connection.reset();
    setConnected(false);
  };
  const auto turn = [&] {
    if (handlers_.turn && !handlers_.turn(*connection)) {
      drop(PQerrorMessage(connection->raw()));
      return false;
    }
    return true;
  };

  for (;;) {
    bool stopping = false;
    {
      std::lock_guard lock(mutex_);
      stopping = stopping_;
    }
    if (stopping) {
      if (connection) (void)turn();
      break;
    }
    if (!connection && !connect(connection)) continue;
    if (!turn()) continue;

    // Notifications may already sit in libpq's buffer (read along with a statement's result):
    // handle them before waiting for the socket.
    PGconn* raw = connection->raw();
    if (PQconsumeInput(raw) == 0 || PQstatus(raw) != CONNECTION_OK) {
      drop(PQerrorMessage(raw));
      continue;
    }
    bool handled = false;
    while (PGnotify* notify = PQnotifies(raw)) {
      handled = true;
      const std::string channel = notify->relname;
      const std::string payload = notify->extra;
      PQfreemem(notify);
      if (handlers_.notified) handlers_.notified(*connection, channel, payload);
    }
    if (handled) continue;

    std::array<pollfd, 2> fds{pollfd{PQsocket(raw), POLLIN, 0}, pollfd{wakeFd_, POLLIN, 0}};
    if (::poll(fds.data(), fds.size(), kPollTimeoutMillis) < 0) continue;  // EINTR
    if ((fds[1].revents & POLLIN) != 0) {
      std::uint64_t count = 0;
      [[maybe_unused]] const auto read = ::read(wakeFd_, &count, sizeof count);
    }
    if ((fds[0].revents & (POLLIN | POLLERR | POLLHUP)) != 0 &&
        (PQconsumeInput(raw) == 0 || PQstatus(raw) != CONNECTION_OK)) {
      drop(PQerrorMessage(raw));
    }
  }
  if (connection) {
    connection.reset();
    setConnected(false);
  }
}

}  // namespace parley::core::store::postgres
