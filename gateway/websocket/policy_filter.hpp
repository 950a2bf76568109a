#pragma once
// The policy's channel.read on WebSocket delivery (issue 5): a MemberLookup in front of the
// member cache that leaves out of a channel's audience the members the policy denies reading
// it, so that the hub never hands them the channel's events.
//
// The connection origin is part of the request (subject.via_vpn, env.origin): with `origins`
// given, each member is decided once per origin, remembered per (channel, user, origin), and a
// member readable from some origins only is listed as "<user id>/<origin>" for each of them
// (hub.hpp originMember), so that the hub hands the events to those connections alone.
//
// Decisions are remembered per (channel, user, origin) under the bundle in force and an epoch that
// changes when policy attributes change (core/services/access_policy.hpp) or when an event may
// have changed a member's role (user_updated, user_role_updated, channel_member_updated,
// memberrole_updated) or a channel's name (channel_updated): a reload or an attribute change
// takes effect on the next event. A change made on another node is seen within `maxAge`.
// Members not decided yet are decided together (in parleyd, one job on the database pool);
// until then the event waits, as for any member lookup (the hub keeps events in order).
//
// Thread-safety: every member may be called from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/common/clock.hpp"
#include "core/policy/policy_holder.hpp"
#include "core/store/database.hpp"
#include "gateway/websocket/hub.hpp"

namespace parley::gateway::websocket {

class PolicyMemberFilter final : public MemberLookup,
                                 public std::enable_shared_from_this<PolicyMemberFilter> {
 public:
  static constexpr std::size_t kMaxChannels = 4096;  // beyond that, everything is forgotten

  // Decides channel.read for `subjects` on `channelId` and calls `done` with each one's answer
  // (any thread, possibly before returning). A subject is a user id, or a user id with the
  // origin of the connection to decide for (originMember). databaseChannelReadDecider() in
  // parleyd.
  using Decisions = std::unordered_map<std::string, bool>;
  using Decider =
      std::function<void(const std::string& channelId, std::vector<std::string> subjects,
                         std::function<void(Decisions)> done)>;

  static std::shared_ptr<PolicyMemberFilter> create(
      MemberLookupPtr source, std::shared_ptr<const policy::PolicyHolder> holder, Decider decider,
      core::ClockPtr clock, std::chrono::milliseconds maxAge = std::chrono::seconds(10),
      std::vector<core::model::ConnectionOrigin> origins = {
          core::model::ConnectionOrigin::kUnknown});

  void channelMembers(const std::string& channelId, Done done) override;
  void teamMembers(const std::string& teamId, Done done) override;
  void observe(const core::events::Event& event) override;

 private:
  struct Key {
    policy::BundlePtr bundle;
    std::uint64_t epoch = 0;
    bool operator==(const Key&) const = default;
  };
  struct Entry {
    Key key;
    std::chrono::steady_clock::time_point decidedAt{};
    Decisions readable;  // by user id
    MemberList source;   // the members `filtered` was made from
    MemberList filtered;
  };

  PolicyMemberFilter(MemberLookupPtr source, std::shared_ptr<const policy::PolicyHolder> holder,
                     Decider decider, core::ClockPtr clock, std::chrono::milliseconds maxAge,
                     std::vector<core::model::ConnectionOrigin> origins);

  Key currentKey() const;
  void filter(const std::string& channelId, const MemberList& members, Done done);
  // Under mutex_: the channel's entry, emptied when it was made under another key or is old.
  Entry& entryFor(const std::string& channelId, const Key& key,
                  std::chrono::steady_clock::time_point now);
  // Stores fresh decisions (unless the key moved on meanwhile) and answers the lookup.
  void remember(const std::string& channelId, const MemberList& members, const Key& key,
                Decisions decided, const Done& done);
  // The members decided readable: a user readable from every origin as the user id, one readable
  // from some as "<user id>/<origin>" for each.
  MemberList keepReadable(const MemberList& members, const Decisions& readable) const;

  const MemberLookupPtr source_;
  const std::shared_ptr<const policy::PolicyHolder> holder_;
  const Decider decider_;
  const core::ClockPtr clock_;
  const std::chrono::milliseconds maxAge_;
  const std::vector<core::model::ConnectionOrigin> origins_;  // the origins decided for
  std::atomic<std::uint64_t> localEpoch_{0};
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> channels_;
};

// Decides on the database pool with core/services/access_policy.hpp, each subject with its
// connection origin; an unknown user or channel is not readable.
PolicyMemberFilter::Decider databaseChannelReadDecider(core::store::DatabasePtr database);

}  // namespace parley::gateway::websocket
