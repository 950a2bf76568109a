#include "core/services/live_links.hpp"

namespace parley::core::services {

void LiveLinks::set(const model::Link& link, bool live) {
  std::lock_guard lock(mutex_);
  auto [first, last] = byChannel_.equal_range(link.channelId);
  for (auto it = first; it != last; ++it) {
    if (it->second.id != link.id) continue;
    if (live) {
      it->second = link;
    } else {
      byChannel_.erase(it);
    }
    return;
  }
  if (live) byChannel_.emplace(link.channelId, link);
}

std::vector<model::Link> LiveLinks::of(const std::string& channelId) const {
  std::lock_guard lock(mutex_);
  std::vector<model::Link> links;
  auto [first, last] = byChannel_.equal_range(channelId);
  for (auto it = first; it != last; ++it) links.push_back(it->second);
  return links;
}

}  // namespace parley::core::services
