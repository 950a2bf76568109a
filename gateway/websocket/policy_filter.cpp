#include "gateway/websocket/policy_filter.hpp"

#include <array>
#include <string_view>
#include <vector>

#include "core/services/access_policy.hpp"

namespace parley::gateway::websocket {
namespace {

// Events after which a member's subject.role or a channel's bundle name may differ.
constexpr std::array<std::string_view, 5> kInvalidatingEvents = {
    "user_updated", "user_role_updated", "channel_member_updated", "memberrole_updated",
    "channel_updated"};

}  // namespace

PolicyMemberFilter::Decider databaseChannelReadDecider(core::store::DatabasePtr database) {
  return [database = std::move(database)](const std::string& channelId,
                                          std::vector<std::string> subjects,
                                          std::function<void(PolicyMemberFilter::Decisions)> done) {
    database->submit([channelId, subjects = std::move(subjects),
                      done = std::move(done)](core::store::Store& store) {
      PolicyMemberFilter::Decisions decided;
      for (const auto& subject : subjects) {
        const auto member = parseOriginMember(subject);
        const std::string userId(member.userId);
        auto user = store.users().getById(userId);
        auto access = user ? store.channels().access(userId, channelId)
                           : core::Result<core::model::ChannelAccess>(user.error());
        if (user) user->connectionOrigin = member.origin;
        decided[subject] = user && access &&
                           core::services::policyPermitsChannel(
                               store, core::services::kActionChannelRead, *user, *access);
      }
      done(std::move(decided));
    });
  };
}

std::shared_ptr<PolicyMemberFilter> PolicyMemberFilter::create(
    MemberLookupPtr source, std::shared_ptr<const policy::PolicyHolder> holder, Decider decider,
    core::ClockPtr clock, std::chrono::milliseconds maxAge,
    std::vector<core::model::ConnectionOrigin> origins) {
  return std::shared_ptr<PolicyMemberFilter>(
      new PolicyMemberFilter(std::move(source), std::move(holder), std::move(decider),
                             std::move(clock), maxAge, std::move(origins)));
}

PolicyMemberFilter::PolicyMemberFilter(MemberLookupPtr source,
                                       std::shared_ptr<const policy::PolicyHolder> holder,
                                       Decider decider, core::ClockPtr clock,
                                       std::chrono::milliseconds maxAge,
                                       std::vector<core::model::ConnectionOrigin> origins)
    : source_(std::move(source)),
      holder_(std::move(holder)),
      decider_(std::move(decider)),
      clock_(std::move(clock)),
      maxAge_(maxAge),
      origins_(origins.empty() ? std::vector{core::model::ConnectionOrigin::kUnknown}
                               : std::move(origins)) {}

void PolicyMemberFilter::teamMembers(const std::string& teamId, Done done) {
  source_->teamMembers(teamId, std::move(done));
}

void PolicyMemberFilter::observe(const core::events::Event& event) {
  source_->observe(event);
  for (const auto name : kInvalidatingEvents) {
    if (event.name == name) {
      localEpoch_.fetch_add(1);
      return;
    }
  }
}

PolicyMemberFilter::Key PolicyMemberFilter::currentKey() const {
  // Both counters only grow, so their sum changes whenever either does.
  return Key{holder_->current(), core::services::policyAttributeEpoch() + localEpoch_.load()};
}

void PolicyMemberFilter::channelMembers(const std::string& channelId, Done done) {
  source_->channelMembers(channelId, [self = shared_from_this(), channelId,
                                      done = std::move(done)](core::Result<MemberList> members) {
    if (!members || !members.value()) {
      done(std::move(members));
      return;
    }
    self->filter(channelId, members.value(), done);
  });
}

PolicyMemberFilter::Entry& PolicyMemberFilter::entryFor(const std::string& channelId,
                                                        const Key& key,
                                                        std::chrono::steady_clock::time_point now) {
  if (channels_.size() >= kMaxChannels && !channels_.contains(channelId)) channels_.clear();
  Entry& entry = channels_[channelId];
  if (!(entry.key == key) || now - entry.decidedAt > maxAge_) {
    entry = Entry{};
    entry.key = key;
    entry.decidedAt = now;
  }
  return entry;
}

MemberList PolicyMemberFilter::keepReadable(const MemberList& members,
                                            const Decisions& readable) const {
  const auto allowed = [&](const std::string& subject) {
    const auto it = readable.find(subject);
    return it != readable.end() && it->second;
  };
  std::vector<std::string> kept;
  kept.reserve(members->size());
  std::vector<std::string> some;
  for (const auto& userId : *members) {
    some.clear();
    for (const auto origin : origins_) {
      if (auto subject = originMember(userId, origin); allowed(subject)) {
        some.push_back(std::move(subject));
      }
    }
    if (some.size() == origins_.size()) {
      kept.push_back(userId);
    } else {
      kept.insert(kept.end(), some.begin(), some.end());
    }
  }
  return memberList(std::move(kept));
}

void PolicyMemberFilter::filter(const std::string& channelId, const MemberList& members,
                                Done done) {
  // The key is taken before anything is read: a change committed while the decisions are
  // being made moves the key on, and the next event decides again.
  const Key key = currentKey();
  std::vector<std::string> undecided;
  MemberList answer;
  {
    std::lock_guard lock(mutex_);
    Entry& entry = entryFor(channelId, key, clock_->steadyNow());
    if (entry.source != members || !entry.filtered) {
      for (const auto& userId : *members) {
        for (const auto origin : origins_) {
          if (auto subject = originMember(userId, origin); !entry.readable.contains(subject)) {
            undecided.push_back(std::move(subject));
          }
        }
      }
      if (undecided.empty()) {
        entry.source = members;
        entry.filtered = keepReadable(members, entry.readable);
      }
    }
    if (undecided.empty()) answer = entry.filtered;
  }
  if (answer) {
    done(std::move(answer));
    return;
  }
  decider_(channelId, std::move(undecided),
           [self = shared_from_this(), channelId, members, key, done](Decisions decided) {
             self->remember(channelId, members, key, std::move(decided), done);
           });
}

void PolicyMemberFilter::remember(const std::string& channelId, const MemberList& members,
                                  const Key& key, Decisions decided, const Done& done) {
  MemberList filtered;
  {
    std::lock_guard lock(mutex_);
    const auto it = channels_.find(channelId);
    if (it != channels_.end() && it->second.key == key) {
      // Still current: remember the decisions with the ones made meanwhile.
      Entry& entry = it->second;
      entry.readable.insert(decided.begin(), decided.end());
      filtered = keepReadable(members, entry.readable);
      entry.source = members;
      entry.filtered = filtered;
    } else {
      // A reload or an attribute change came in between: answer this event (published before
      // it) without remembering anything.
      filtered = keepReadable(members, decided);
    }
  }
  done(std::move(filtered));
}

}  // namespace parley::gateway::websocket
