#pragma once
// The members of the channels events go to, remembered between events: without it every event
// to a channel costs a query on the database pool (and a sort of its member ids) before a
// single byte is written, and a busy channel asks the same question for every post.
//
// Kept correct by the events themselves. The hub shows the cache every event, in the order it
// delivers them, before it looks up the audience of any later event (observe()); an event that
// may change who belongs to a channel forgets that channel, so the next event to it reads the
// database again and sees the change:
// - an event naming a channel (its audience or data.channel_id) forgets that channel unless it
//   is known to leave memberships alone (posted, typing, reactions, ...): user_added,
//   user_removed, channel_deleted and any event added later are on the safe side;
// - leave_team (the user left every channel of the team) and a deactivated user
//   (user_updated with delete_at) forget every channel that user is cached in;
// - delete_team forgets everything.
// A lookup still in flight when its channel is forgotten answers the events that asked for it,
// which came before the change, but is not remembered.
//
// What "next" means: the next event the hub is given. A change is seen by every event published
// after its own event; an event whose transaction committed after the change but which was
// published before the change's event (two threads racing between COMMIT and publishing, a few
// microseconds) can still go to the old members, where a query per event would not. Across nodes
// the window is the relay's delay: another node's membership event arrives through the relay
// like any other. And an entry is never used for longer than `maxAge`, whatever happens (a relay
// that lost its connection, a path that changes members without an event).
//
// Thread-safety: every member may be called from any thread; `done` callbacks are called
// without the cache's lock held, at once for a remembered channel.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/common/clock.hpp"
#include "core/events/event.hpp"
#include "gateway/websocket/hub.hpp"

namespace parley::gateway::websocket {

struct MemberCacheOptions {
  std::chrono::milliseconds maxAge{10000};
  std::size_t maxChannels = 4096;  // beyond that, expired and then all idle entries are dropped
};

class MemberCache final : public MemberLookup, public std::enable_shared_from_this<MemberCache> {
 public:
  static std::shared_ptr<MemberCache> create(MemberLookupPtr source, core::ClockPtr clock,
                                             MemberCacheOptions options = {});

  void channelMembers(const std::string& channelId, Done done) override;
  // Team audiences are rarer (team-wide notices): asked of the source every time.
  void teamMembers(const std::string& teamId, Done done) override;
  void observe(const core::events::Event& event) override;

  // Channels remembered (loaded or loading).
  std::size_t size() const;

 private:
  struct Load {
    std::vector<Done> waiting;
  };
  struct Entry {
    std::uint64_t generation = 0;  // changes whenever the channel is forgotten
    MemberList members;            // null until loaded
    std::chrono::steady_clock::time_point loadedAt{};
    std::shared_ptr<Load> load;  // the lookup under way for this generation
  };

  MemberCache(MemberLookupPtr source, core::ClockPtr clock, MemberCacheOptions options);

  void loaded(const std::string& channelId, std::uint64_t generation,
              const std::shared_ptr<Load>& load, const core::Result<MemberList>& members);
  // Under mutex_.
  void forget(Entry& entry);
  void forgetChannel(const std::string& channelId);
  // Every channel `userId` is remembered in, and every lookup under way (it may have read the
  // user's memberships before they changed).
  void forgetUser(const std::string& userId);
  void forgetAll();
  void makeRoom(std::chrono::steady_clock::time_point now);

  const MemberLookupPtr source_;
  const core::ClockPtr clock_;
  const MemberCacheOptions options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> channels_;
  std::uint64_t generations_ = 0;
};

}  // namespace parley::gateway::websocket
