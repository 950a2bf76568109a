#include "core/services/session_cache.hpp"

#include <algorithm>

namespace parley::core::services {

SessionCache::Ticket SessionCache::ticket() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

std::optional<model::SessionWithUser> SessionCache::find(std::string_view tokenHash,
                                                         std::int64_t nowMillis,
                                                         const AuthenticateOptions& options) {
  {
    std::lock_guard lock(mutex_);
    if (const auto it = entries_.find(std::string(tokenHash));
        trusted_ && it != entries_.end() &&
        sessionState(it->second, nowMillis, options) == SessionState::kUsable) {
      ++hits_;
      return it->second;
    }
  }
  ++misses_;
  return std::nullopt;
}

void SessionCache::keep(const model::SessionWithUser& found, Ticket ticket) {
  std::lock_guard lock(mutex_);
  if (!trusted_ || ticket != generation_ || capacity_ == 0) return;
  if (entries_.size() >= capacity_ && !entries_.contains(found.session.tokenHash)) {
    entries_.erase(entries_.begin());
  }
  entries_.insert_or_assign(found.session.tokenHash, found);
}

void SessionCache::announced(std::string_view payload) {
  const std::string_view userId = payload.substr(0, payload.find(' '));
  std::lock_guard lock(mutex_);
  if (!heard_.emplace(payload).second) return;
  heardOrder_.emplace_back(payload);
  if (heardOrder_.size() > kRememberedChanges) {
    heard_.erase(heardOrder_.front());
    heardOrder_.pop_front();
  }
  forgetLocked(userId);
}

void SessionCache::forgetLocked(std::string_view userId) {
  ++forgotten_;
  ++generation_;
  // A scan: changes are rare (a login, a profile edit), lookups are not.
  std::erase_if(entries_, [&](const auto& entry) { return entry.second.user.id == userId; });
}

void SessionCache::setTrusted(bool trusted) {
  std::lock_guard lock(mutex_);
  if (trusted == trusted_) return;
  ++generation_;
  entries_.clear();
  trusted_ = trusted;
}

SessionCacheStats SessionCache::stats() const {
  SessionCacheStats stats;
  stats.hits = hits_.load();
  stats.misses = misses_.load();
  stats.forgotten = forgotten_.load();
  std::lock_guard lock(mutex_);
  stats.entries = entries_.size();
  stats.trusted = trusted_;
  return stats;
}

}  // namespace parley::core::services
