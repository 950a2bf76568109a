#include "gateway/websocket/member_cache.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "core/common/json_fields.hpp"

namespace parley::gateway::websocket {
namespace {

using core::stringField;

// Events that never change who belongs to the channel they name. Every other event naming a
// channel makes the cache forget it.
constexpr std::array<std::string_view, 14> kMembershipNeutral = {
    "posted",          "post_edited",           "post_deleted", "post_unread",
    "reaction_added",  "reaction_removed",      "typing",       "channel_viewed",
    "channel_updated", "channel_converted",     "hello",        "multiple_channels_viewed",
    "status_change",   "channel_member_updated"};

bool membershipNeutral(std::string_view name) {
  return std::find(kMembershipNeutral.begin(), kMembershipNeutral.end(), name) !=
         kMembershipNeutral.end();
}

// user_updated carries the user as an object (not double-encoded).
bool deactivated(const nlohmann::json& data) {
  const auto user = data.find("user");
  if (user == data.end() || !user->is_object()) return false;
  const auto deleteAt = user->find("delete_at");
  return deleteAt != user->end() && deleteAt->is_number() && deleteAt->get<std::int64_t>() != 0;
}

}  // namespace

std::shared_ptr<MemberCache> MemberCache::create(MemberLookupPtr source, core::ClockPtr clock,
                                                 MemberCacheOptions options) {
  return std::shared_ptr<MemberCache>(
      new MemberCache(std::move(source), std::move(clock), options));
}

MemberCache::MemberCache(MemberLookupPtr source, core::ClockPtr clock, MemberCacheOptions options)
    : source_(std::move(source)), clock_(std::move(clock)), options_(options) {}

void MemberCache::channelMembers(const std::string& channelId, Done done) {
  std::unique_lock lock(mutex_);
  const auto now = clock_->steadyNow();
  auto it = channels_.find(channelId);
  if (it == channels_.end()) {
    makeRoom(now);
    it = channels_.emplace(channelId, Entry{}).first;
    it->second.generation = ++generations_;
  }
  Entry& entry = it->second;
  if (entry.members && now - entry.loadedAt < options_.maxAge) {
    MemberList members = entry.members;
    lock.unlock();
    done(std::move(members));
    return;
  }
  if (entry.load) {
    entry.load->waiting.push_back(std::move(done));
    return;
  }
  entry.members.reset();
  entry.load = std::make_shared<Load>();
  entry.load->waiting.push_back(std::move(done));
  auto load = entry.load;
  const std::uint64_t generation = entry.generation;
  lock.unlock();
  source_->channelMembers(channelId, [weak = weak_from_this(), channelId, generation,
                                      load](core::Result<MemberList> members) {
    if (auto self = weak.lock()) {
      self->loaded(channelId, generation, load, members);
    } else {
      for (auto& waiting : load->waiting) waiting(members);
    }
  });
}

void MemberCache::loaded(const std::string& channelId, std::uint64_t generation,
                         const std::shared_ptr<Load>& load,
                         const core::Result<MemberList>& members) {
  std::vector<Done> waiting;
  {
    std::lock_guard lock(mutex_);
    waiting = std::move(load->waiting);
    load->waiting.clear();
    const auto it = channels_.find(channelId);
    if (it != channels_.end() && it->second.load == load) {
      Entry& entry = it->second;
      entry.load.reset();
      // Forgotten meanwhile: the generation changed and entry.load is another one (or none).
      if (members && entry.generation == generation) {
        entry.members = members.value();
        entry.loadedAt = clock_->steadyNow();
      }
    }
  }
  // The events that asked came before anything that forgot the channel: this answer is theirs.
  for (auto& done : waiting) done(members);
}

void MemberCache::teamMembers(const std::string& teamId, Done done) {
  source_->teamMembers(teamId, std::move(done));
}

void MemberCache::observe(const core::events::Event& event) {
  const std::string_view name = event.name;
  if (membershipNeutral(name)) return;
  std::lock_guard lock(mutex_);
  if (channels_.empty()) return;
  if (name == "leave_team") {
    forgetUser(stringField(event.data, "user_id"));
  } else if (name == "user_updated") {
    if (deactivated(event.data)) {
      const auto user = event.data.find("user");
      forgetUser(stringField(*user, "id"));
    }
  } else if (name == "delete_team") {
    forgetAll();
  }
  if (!event.audience.channelId.empty()) forgetChannel(event.audience.channelId);
  if (auto channelId = stringField(event.data, "channel_id"); !channelId.empty()) {
    forgetChannel(channelId);
  }
}

void MemberCache::forget(Entry& entry) {
  entry.generation = ++generations_;
  entry.members.reset();
  entry.load.reset();  // its answer still reaches the events that asked, through its callback
}

void MemberCache::forgetChannel(const std::string& channelId) {
  if (auto it = channels_.find(channelId); it != channels_.end()) forget(it->second);
}

void MemberCache::forgetUser(const std::string& userId) {
  for (auto& [channelId, entry] : channels_) {
    if (entry.load || (entry.members &&
                       std::binary_search(entry.members->begin(), entry.members->end(), userId))) {
      forget(entry);
    }
  }
}

void MemberCache::forgetAll() {
  for (auto& [channelId, entry] : channels_) forget(entry);
}

void MemberCache::makeRoom(std::chrono::steady_clock::time_point now) {
  if (channels_.size() < options_.maxChannels) return;
  const auto idle = [](const Entry& entry) { return !entry.load; };
  std::erase_if(channels_, [&](const auto& item) {
    return idle(item.second) &&
           (!item.second.members || now - item.second.loadedAt >= options_.maxAge);
  });
  if (channels_.size() < options_.maxChannels) return;
  std::erase_if(channels_, [&](const auto& item) { return idle(item.second); });
}

std::size_t MemberCache::size() const {
  std::lock_guard lock(mutex_);
  return channels_.size();
}

}  // namespace parley::gateway::websocket
