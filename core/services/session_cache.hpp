#pragma once
// The sessions of recent requests, so that a request whose session is known costs no database
// job and no round trip (Mattermost keeps such a cache too). Without it, every API call and
// WebSocket authentication starts with one.
//
// A cached session must never outlive a change that would refuse it: a logout, a revoked token,
// a deactivated user, new roles. Every such change announces itself from the database
// (schemas/sql/0011_auth_changes.sql: NOTIFY kAuthChangedChannel with the user's id and the
// transaction's, from a trigger, so whoever made the change, the command line and psql
// included), and announced()
// drops that user's entries. The announcement reaches:
// - this node's own writer synchronously: every pooled connection listens, and reads its own
//   transaction's notification with the COMMIT, before the job's result is handed back. A
//   logout has emptied the cache before its response is sent;
// - other processes within milliseconds, through a connection that only listens
//   (store/postgres/listener). While that connection is down nothing could be heard, so the
//   cache is not trusted (setTrusted(false)): nothing is found or kept, and everything is
//   forgotten before it is trusted again.
// The listener hears this node's own changes too, after the writer did: a change is applied
// once, so that its echo does not turn away reads that began after it.
// A read that races a change cannot put the old row back: it takes a ticket() before reading,
// and keep() refuses it when anything was forgotten since.
//
// An entry is found only while its session is usable as it is (services::sessionState): an
// expired session, or one whose activity is due to be recorded (every few minutes), goes back to
// the database, which also bounds how long an entry lives.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/model/session.hpp"
#include "core/services/session_service.hpp"

namespace parley::core::services {

// The channel of the triggers' notifications: "<user id> <transaction id>".
inline constexpr std::string_view kAuthChangedChannel = "parley_auth_changed";

struct SessionCacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t forgotten = 0;  // changes announced (each heard once)
  std::size_t entries = 0;
  bool trusted = false;
};

class SessionCache {
 public:
  // `capacity` bounds the entries (and the memory: a session and its user are about 2 KB).
  explicit SessionCache(std::size_t capacity = 10'000) : capacity_(capacity) {}

  using Ticket = std::uint64_t;
  // Taken before reading a session from the database, for keep().
  Ticket ticket() const;

  // The session whose token hashes to `tokenHash`, when it is cached and usable as it is at
  // `nowMillis` (SessionState::kUsable). A copy: the caller may change it.
  std::optional<model::SessionWithUser> find(std::string_view tokenHash, std::int64_t nowMillis,
                                             const AuthenticateOptions& options);

  // Caches `found`, read from the database after `ticket` was taken, unless a change was
  // announced since or the cache is not trusted. When full, an arbitrary entry makes room: the
  // cache only ever saves a read.
  void keep(const model::SessionWithUser& found, Ticket ticket);

  // A notification of kAuthChangedChannel: something about a user or one of their sessions
  // changed, so every entry of theirs goes. Once per change however often it is heard (the
  // last kRememberedChanges are recognised).
  void announced(std::string_view payload);
  static constexpr std::size_t kRememberedChanges = 1024;

  // false while changes cannot be heard; true again forgets everything first.
  void setTrusted(bool trusted);

  SessionCacheStats stats() const;

 private:
  void forgetLocked(std::string_view userId);

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, model::SessionWithUser> entries_;  // by token hash
  Ticket generation_ = 0;                  // bumped by every forget, under mutex_
  std::unordered_set<std::string> heard_;  // the last kRememberedChanges announcements
  std::deque<std::string> heardOrder_;     // of heard_, oldest first
  bool trusted_ = false;
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
  std::atomic<std::uint64_t> forgotten_{0};
};

}  // namespace parley::core::services
