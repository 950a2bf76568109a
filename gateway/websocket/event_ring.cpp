#include "gateway/websocket/event_ring.hpp"

namespace parley::gateway::websocket {

std::uint64_t EventRing::push(SharedBytes prefix) {
  const std::uint64_t seq = nextSeq_++;
  entries_.push_back(Entry{seq, std::move(prefix)});
  trim();
  return seq;
}

const EventRing::Entry* EventRing::nextUnsent() const {
  if (sentUpTo_ == nextSeq_) return nullptr;
  const std::uint64_t oldest = nextSeq_ - entries_.size();
  return &entries_[static_cast<std::size_t>(sentUpTo_ - oldest)];
}

void EventRing::markSent() {
  if (sentUpTo_ < nextSeq_) ++sentUpTo_;
  trim();
}

bool EventRing::rewindTo(std::uint64_t seq) {
  const std::uint64_t oldest = nextSeq_ - entries_.size();
  // A client cannot have received more than was written; if it claims so, it speaks of some
  // other connection, and replaying from there would skip events.
  if (seq < oldest || seq > sentUpTo_) return false;
  sentUpTo_ = seq;
  return true;
}

// Everything unwritten stays (the send queue bound is the hub's business); of the written
// events only the last keepSent_.
void EventRing::trim() {
  const std::uint64_t oldest = nextSeq_ - entries_.size();
  const std::uint64_t sentKept = sentUpTo_ - oldest;
  if (sentKept > keepSent_) {
    const auto drop = static_cast<std::ptrdiff_t>(sentKept - keepSent_);
    entries_.erase(entries_.begin(), entries_.begin() + drop);
  }
}

}  // namespace parley::gateway::websocket
