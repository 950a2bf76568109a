#pragma once
// The links whose outbox this node drains and which are caught up: every row of theirs was
// decided here (it may still be with their bridge or waiting behind what is), and nothing is
// being read or due later. A change to a channel with such a link can be decided as it is
// written (outbox_writer.hpp, the live crossing) and handed to the bridge from memory once it
// commits, without the drainer reading and deciding its row again.
//
// The drainer says which links are live; the post service asks before it writes. The answer
// may be stale by the time the change commits (the drainer found more work meanwhile): the
// drainer then treats the decided row as any other queued one, and decides it again when it
// reads it. Thread-safe.

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/model/link.hpp"

namespace parley::core::services {

class LiveLinks {
 public:
  // `link` is live on this node, or no longer.
  void set(const model::Link& link, bool live);
  // The live links of `channelId`.
  std::vector<model::Link> of(const std::string& channelId) const;

 private:
  mutable std::mutex mutex_;
  std::multimap<std::string, model::Link> byChannel_;
};

}  // namespace parley::core::services
