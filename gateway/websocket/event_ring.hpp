#pragma once
// The events of one connection, numbered: those not yet written to the socket and the last
// few written ones, kept so that a client that reconnects with its connection_id and
// sequence_number gets exactly what it missed (reference/mattermost-api.md §8.4).
//
// Not thread-safe: the owner (hub.hpp's Connection) guards it. Entries share the serialised
// event with every other connection that sends it; only the seq is this connection's.

#include <cstdint>
#include <deque>

#include "gateway/websocket/protocol.hpp"

namespace parley::gateway::websocket {

class EventRing {
 public:
  struct Entry {
    std::uint64_t seq = 0;
    SharedBytes prefix;
  };

  // `keepSent`: written events kept for replay (Mattermost's dead queue holds 128).
  explicit EventRing(std::size_t keepSent) : keepSent_(keepSent) {}

  // Appends an event and returns its seq (0 for the first one, the hello).
  std::uint64_t push(SharedBytes prefix);

  // The seq the next event will get.
  std::uint64_t nextSeq() const { return nextSeq_; }
  // Events appended but not yet written.
  std::size_t unsent() const { return static_cast<std::size_t>(nextSeq_ - sentUpTo_); }
  // The oldest unwritten event, or nullptr.
  const Entry* nextUnsent() const;
  // The oldest unwritten event has been written.
  void markSent();

  // A reconnecting client has received every event before `seq`: the events from `seq` on
  // become unwritten again so that they are sent once more with their original numbers. False
  // (and nothing changes) when some of them are no longer kept, or `seq` is beyond what was
  // written.
  bool rewindTo(std::uint64_t seq);

  std::size_t size() const { return entries_.size(); }

 private:
  void trim();

  std::size_t keepSent_;
  std::deque<Entry> entries_;  // seq nextSeq_ - size() .. nextSeq_ - 1
  std::uint64_t nextSeq_ = 0;
  std::uint64_t sentUpTo_ = 0;  // seqs below this were written
};

}  // namespace parley::gateway::websocket
