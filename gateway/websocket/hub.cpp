#include "gateway/websocket/hub.hpp"

#include <algorithm>

#include "core/common/asio.hpp"

#include "core/common/log.hpp"
#include "core/model/id.hpp"

namespace parley::gateway::websocket {
namespace {

constexpr auto kComponent = "websocket";

class DatabaseMemberLookup final : public MemberLookup {
 public:
  explicit DatabaseMemberLookup(core::store::DatabasePtr database)
      : database_(std::move(database)) {}

  void channelMembers(const std::string& channelId, Done done) override {
    database_->submit([channelId, done = std::move(done)](core::store::Store& store) {
      done(listOf(store.channels().memberUserIds(channelId)));
    });
  }

  void teamMembers(const std::string& teamId, Done done) override {
    database_->submit([teamId, done = std::move(done)](core::store::Store& store) {
      done(listOf(store.teams().memberUserIds(teamId)));
    });
  }

 private:
  static core::Result<MemberList> listOf(core::Result<std::vector<std::string>> ids) {
    if (!ids) return std::move(ids).error();
    return memberList(std::move(ids.value()));
  }

  core::store::DatabasePtr database_;
};

bool omitted(const core::events::Audience& audience, const Connection& connection) {
  if (!audience.omitConnectionId.empty() && audience.omitConnectionId == connection.id()) {
    return true;
  }
  return std::find(audience.omitUsers.begin(), audience.omitUsers.end(), connection.userId()) !=
         audience.omitUsers.end();
}

}  // namespace

MemberList memberList(std::vector<std::string> userIds) {
  std::sort(userIds.begin(), userIds.end());
  userIds.erase(std::unique(userIds.begin(), userIds.end()), userIds.end());
  return std::make_shared<const std::vector<std::string>>(std::move(userIds));
}

std::string originMember(std::string_view userId, core::model::ConnectionOrigin origin) {
  std::string entry(userId);
  if (origin != core::model::ConnectionOrigin::kUnknown) {
    entry += '/';
    entry += core::model::connectionOriginName(origin);
  }
  return entry;
}

OriginMember parseOriginMember(std::string_view entry) {
  const auto slash = entry.rfind('/');
  if (slash != std::string_view::npos) {
    const auto suffix = entry.substr(slash + 1);
    for (const auto origin :
         {core::model::ConnectionOrigin::kDirect, core::model::ConnectionOrigin::kVpn}) {
      if (suffix == core::model::connectionOriginName(origin)) {
        return {entry.substr(0, slash), origin};
      }
    }
  }
  return {entry, core::model::ConnectionOrigin::kUnknown};
}

MemberLookupPtr databaseMemberLookup(core::store::DatabasePtr database) {
  return std::make_shared<DatabaseMemberLookup>(std::move(database));
}

NextStep Connection::next(const Transport* self, EventRing::Entry& out) {
  std::lock_guard lock(mutex_);
  wakePending_ = false;
  if (overflowed_ || revoked_ || transportId_ != self) return NextStep::kClose;
  if (goingAway_) return NextStep::kGoAway;
  const EventRing::Entry* entry = ring_.nextUnsent();
  if (entry == nullptr) return NextStep::kIdle;
  out = *entry;
  return NextStep::kWrite;
}

void Connection::sent() {
  std::lock_guard lock(mutex_);
  ring_.markSent();
}

struct Hub::Dispatcher {
  asio::thread_pool thread{1};
};

Hub::Hub(HubOptions options, MemberLookupPtr members, core::ClockPtr clock)
    : options_(std::move(options)), members_(std::move(members)), clock_(std::move(clock)) {
  if (options_.dispatchThread) dispatcher_ = std::make_unique<Dispatcher>();
}

Hub::~Hub() = default;

std::shared_ptr<Hub> Hub::create(HubOptions options, MemberLookupPtr members,
                                 core::events::EventBusPtr bus, core::ClockPtr clock) {
  std::shared_ptr<Hub> hub(new Hub(std::move(options), std::move(members), std::move(clock)));
  hub->bus_ = bus;
  hub->subscription_ = bus->subscribe([weak = std::weak_ptr<Hub>(hub)](const auto& event) {
    if (auto self = weak.lock()) self->deliver(event);
  });
  return hub;
}

void Hub::stop(std::chrono::milliseconds wait) {
  stopped_.store(true);
  subscription_ = core::events::Subscription();
  std::vector<std::shared_ptr<Transport>> open;
  std::unique_lock lock(mutex_);
  for (const auto& [id, connection] : byId_) {
    std::lock_guard connectionLock(connection->mutex_);
    connection->goingAway_ = true;
    if (auto transport = connection->transport_.lock()) open.push_back(std::move(transport));
  }
  lock.unlock();
  for (const auto& transport : open) transport->wake();
  lock.lock();
  detached_.wait_for(lock, wait, [this] { return !anySocketOpen(); });
}

bool Hub::anySocketOpen() const {
  for (const auto& [id, connection] : byId_) {
    std::lock_guard connectionLock(connection->mutex_);
    if (connection->transportId_ != nullptr) return true;
  }
  return false;
}

void Hub::publish(core::events::Event event) { bus_->publish(std::move(event)); }

void Hub::deliver(const core::events::EventPtr& event) {
  if (stopped_.load() || event->name.empty()) return;
  // Nobody to tell (the common case in tests and on a node without clients): no lookup, but
  // what the event changed must still be forgotten.
  if (count_.load() == 0) {
    std::lock_guard lock(releaseMutex_);
    members_->observe(*event);
    return;
  }
  auto pending = std::make_shared<Pending>();
  pending->event = event;
  // Revocations are acted on in order with the events before them, but never written.
  if (event->name != core::events::kSessionsRevokedEvent) {
    pending->prefix = std::make_shared<const std::string>(eventPrefix(*event));
  }
  {
    // In the same order as the events are queued: a lookup for a later event cannot see what
    // this one made out of date.
    std::lock_guard lock(releaseMutex_);
    members_->observe(*event);
    pending_.push_back(pending);
  }
  const auto& audience = event->audience;
  auto done = [weak = weak_from_this(), pending](core::Result<MemberList> members) {
    if (auto self = weak.lock()) self->completeLater(pending, std::move(members));
  };
  if (!audience.userId.empty()) {
    complete(pending, MemberList());
  } else if (!audience.channelId.empty()) {
    members_->channelMembers(audience.channelId, std::move(done));
  } else if (!audience.teamId.empty()) {
    members_->teamMembers(audience.teamId, std::move(done));
  } else {
    completeLater(pending, MemberList());
  }
}

void Hub::completeLater(const PendingPtr& pending, core::Result<MemberList> members) {
  if (!dispatcher_) {
    complete(pending, std::move(members));
    return;
  }
  // `this` outlives the work: the dispatcher is joined first when the hub goes.
  asio::post(dispatcher_->thread, [this, pending, members = std::move(members)]() mutable {
    complete(pending, std::move(members));
  });
}

void Hub::complete(const PendingPtr& pending, core::Result<MemberList> members) {
  std::lock_guard release(releaseMutex_);
  if (members) {
    pending->members = std::move(members.value());
  } else {
    pending->failed = true;
    core::log::warn(kComponent, "cannot look up an event's audience; event not delivered",
                    {{"event", pending->event->name}, {"error", members.error().message}});
  }
  pending->ready = true;
  std::lock_guard lock(mutex_);
  while (!pending_.empty() && pending_.front()->ready) {
    if (!pending_.front()->failed) dispatch(*pending_.front());
    pending_.pop_front();
  }
}

void Hub::dispatch(const Pending& pending) {
  if (pending.event->name == core::events::kSessionsRevokedEvent) {
    closeRevoked(*pending.event);
    return;
  }
  const auto& audience = pending.event->audience;
  std::vector<ConnectionPtr> overflowed;
  const auto sendOne = [&](const ConnectionPtr& connection) {
    if (omitted(audience, *connection)) return;
    if (!enqueue(*connection, pending.prefix)) overflowed.push_back(connection);
  };
  const auto send = [&](const std::vector<ConnectionPtr>& connections) {
    for (const auto& connection : connections) sendOne(connection);
  };
  if (!audience.userId.empty()) {
    if (auto it = byUser_.find(audience.userId); it != byUser_.end()) send(it->second);
  } else if (!audience.channelId.empty() || !audience.teamId.empty()) {
    static const std::vector<std::string> kNobody;
    const auto& members = pending.members ? *pending.members : kNobody;
    // Walk the smaller side: a big channel on a node with few users, or the reverse.
    if (members.size() <= byUser_.size()) {
      for (std::size_t i = 0; i < members.size(); ++i) {
        const auto member = parseOriginMember(members[i]);
        // A user's entries are adjacent (sorted): each user is visited once.
        if (i > 0 && parseOriginMember(members[i - 1]).userId == member.userId) continue;
        if (auto it = byUser_.find(std::string(member.userId)); it != byUser_.end()) {
          sendToMember(members, it->first, it->second, sendOne);
        }
      }
    } else {
      for (const auto& [userId, connections] : byUser_) {
        sendToMember(members, userId, connections, sendOne);
      }
    }
  } else {
    for (const auto& [userId, connections] : byUser_) send(connections);
  }
  // Parked connections that overflowed can no longer be resumed; open ones are closed by
  // their transport, which then detaches them.
  for (const auto& connection : overflowed) {
    bool parked = false;
    {
      std::lock_guard lock(connection->mutex_);
      parked = connection->transportId_ == nullptr;
    }
    if (parked) remove(connection);
  }
}

template <typename Send>
void Hub::sendToMember(const std::vector<std::string>& members, const std::string& userId,
                       const std::vector<ConnectionPtr>& connections, const Send& send) const {
  // The user's entries start at the user id: "<id>" < "<id>/direct" < "<id>/vpn".
  // A bit per origin named; kUnknown's (the plain user id) stands for every connection.
  const auto bit = [](core::model::ConnectionOrigin origin) {
    return 1u << static_cast<unsigned>(origin);
  };
  unsigned named = 0;
  for (auto it = std::lower_bound(members.begin(), members.end(), userId); it != members.end();
       ++it) {
    const auto member = parseOriginMember(*it);
    if (member.userId != userId) break;
    named |= bit(member.origin);
  }
  if (named == 0) return;
  const bool all = (named & bit(core::model::ConnectionOrigin::kUnknown)) != 0;
  for (const auto& connection : connections) {
    if (all || (named & bit(connection->origin_)) != 0) send(connection);
  }
}

void Hub::closeRevoked(const core::events::Event& event) {
  const auto& data = event.data;
  const auto all = data.find("all");
  const bool allOfUser = all != data.end() && all->is_boolean() && all->get<bool>();
  std::vector<std::string> sessionIds;
  if (const auto ids = data.find("session_ids"); ids != data.end() && ids->is_array()) {
    for (const auto& id : *ids) {
      if (id.is_string()) sessionIds.push_back(id.get<std::string>());
    }
  }
  const auto it = byUser_.find(event.audience.userId);
  if (it == byUser_.end()) return;
  const std::vector<ConnectionPtr> connections = it->second;  // remove() edits the list
  for (const auto& connection : connections) {
    std::shared_ptr<Transport> transport;
    {
      std::lock_guard lock(connection->mutex_);
      if (!allOfUser && std::find(sessionIds.begin(), sessionIds.end(), connection->sessionId_) ==
                            sessionIds.end()) {
        continue;
      }
      connection->revoked_ = true;
      transport = connection->transport_.lock();
    }
    // Not resumable either: the client must log in again.
    remove(connection);
    if (transport) transport->wake();
  }
}

bool Hub::enqueue(Connection& connection, const SharedBytes& prefix) {
  std::shared_ptr<Transport> transport;
  bool overflowed = false;
  {
    std::lock_guard lock(connection.mutex_);
    if (connection.dropped_ || connection.overflowed_) return true;
    connection.ring_.push(prefix);
    overflowed = connection.ring_.unsent() > options_.sendQueueEvents;
    connection.overflowed_ = overflowed;
    if (overflowed) slowConsumers_.fetch_add(1);
    if (!connection.wakePending_) {
      transport = connection.transport_.lock();
      connection.wakePending_ = transport != nullptr;
    }
  }
  if (transport) transport->wake();
  return !overflowed;
}

Hub::Attached Hub::attach(const std::string& userId, const std::string& sessionId,
                          const ResumeQuery& resume, std::weak_ptr<Transport> transport,
                          const Transport* transportId, core::model::ConnectionOrigin origin) {
  std::lock_guard lock(mutex_);
  reapExpired(clock_->steadyNow());
  if (!resume.connectionId.empty()) {
    auto it = byId_.find(resume.connectionId);
    if (it != byId_.end() && it->second->userId() == userId) {
      ConnectionPtr connection = it->second;
      bool resumed = false;
      std::shared_ptr<Transport> previous;
      {
        std::lock_guard connectionLock(connection->mutex_);
        // Only from the same origin: the events it kept were decided for that origin.
        if (!connection->overflowed_ && connection->origin_ == origin &&
            connection->ring_.rewindTo(resume.sequenceNumber)) {
          // A socket the client gave up on may still be open here: it is told to close.
          previous = connection->transport_.lock();
          connection->transport_ = std::move(transport);
          connection->transportId_ = transportId;
          connection->sessionId_ = sessionId;
          connection->wakePending_ = false;
          connection->parkedUntil_ = {};
          resumed = true;
        }
      }
      if (resumed) {
        if (previous) previous->wake();
        return Attached{connection, true};
      }
      // Events were lost (or decided for another origin): the client must resync over REST,
      // under a new connection id.
      remove(connection);
    }
  }
  auto connection = std::make_shared<Connection>(core::model::newId(), userId, sessionId,
                                                 std::max<std::size_t>(options_.resumeEvents, 1));
  connection->transport_ = std::move(transport);
  connection->transportId_ = transportId;
  connection->origin_ = origin;
  const auto hello =
      helloEvent(options_.serverVersion, connection->id(), options_.serverHostname, userId);
  connection->ring_.push(std::make_shared<const std::string>(eventPrefix(hello)));
  byId_.emplace(connection->id(), connection);
  byUser_[userId].push_back(connection);
  count_.fetch_add(1);
  return Attached{connection, false};
}

void Hub::detach(const ConnectionPtr& connection, const Transport* transportId) {
  std::lock_guard lock(mutex_);
  const auto now = clock_->steadyNow();
  bool drop = false;
  {
    std::lock_guard connectionLock(connection->mutex_);
    if (connection->transportId_ != transportId || connection->dropped_) return;
    connection->transport_.reset();
    connection->transportId_ = nullptr;
    drop = connection->overflowed_ || options_.resumeWindow.count() == 0 || stopped_.load();
    if (!drop) connection->parkedUntil_ = now + options_.resumeWindow;
  }
  if (drop) {
    remove(connection);
  } else {
    parked_.emplace_back(now + options_.resumeWindow, connection);
  }
  reapExpired(now);
  detached_.notify_all();
}

void Hub::remove(const ConnectionPtr& connection) {
  {
    std::lock_guard lock(connection->mutex_);
    if (connection->dropped_) return;
    connection->dropped_ = true;
  }
  byId_.erase(connection->id());
  if (auto it = byUser_.find(connection->userId()); it != byUser_.end()) {
    auto& list = it->second;
    list.erase(std::remove(list.begin(), list.end(), connection), list.end());
    if (list.empty()) byUser_.erase(it);
  }
  count_.fetch_sub(1);
}

void Hub::reapExpired(std::chrono::steady_clock::time_point now) {
  while (!parked_.empty() && parked_.front().first <= now) {
    auto connection = parked_.front().second.lock();
    const auto until = parked_.front().first;
    parked_.pop_front();
    if (!connection) continue;
    bool expired = false;
    {
      std::lock_guard lock(connection->mutex_);
      // Still parked since that time (not resumed, or parked again later).
      expired = connection->transportId_ == nullptr && connection->parkedUntil_ == until;
    }
    if (expired) remove(connection);
  }
}

bool Hub::isConnected(const std::string& userId) const {
  std::lock_guard lock(mutex_);
  const auto it = byUser_.find(userId);
  if (it == byUser_.end()) return false;
  for (const auto& connection : it->second) {
    std::lock_guard connectionLock(connection->mutex_);
    if (connection->transportId_ != nullptr) return true;
  }
  return false;
}

std::vector<std::string> Hub::connectedUsers(std::size_t limit) const {
  std::vector<std::string> users;
  std::lock_guard lock(mutex_);
  for (const auto& [userId, connections] : byUser_) {
    if (users.size() >= limit) break;
    for (const auto& connection : connections) {
      std::lock_guard connectionLock(connection->mutex_);
      if (connection->transportId_ != nullptr) {
        users.push_back(userId);
        break;
      }
    }
  }
  return users;
}

std::size_t Hub::connectionCount() const { return count_.load(); }

}  // namespace parley::gateway::websocket
