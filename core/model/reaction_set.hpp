#pragma once
// A user's whole set of reactions on one post, as protocols that send the set rather than each
// change carry it (XMPP's XEP-0444): what changed between the set stored and the set received.
// Header-only: the XMPP translation library (which links no core library) uses it too.

#include <algorithm>
#include <string>
#include <vector>

namespace parley::core::model {

struct ReactionSetDelta {
  std::vector<std::string> added;    // in `current` order, each once
  std::vector<std::string> removed;  // in `previous` order, each once
};

// What turns `previous` (the reactions stored) into `current` (the new whole set). Names in
// both sets, and repeated names, change nothing.
inline ReactionSetDelta reactionSetDelta(const std::vector<std::string>& previous,
                                         const std::vector<std::string>& current) {
  const auto contains = [](const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  ReactionSetDelta delta;
  for (const auto& name : current) {
    if (!contains(previous, name) && !contains(delta.added, name)) delta.added.push_back(name);
  }
  for (const auto& name : previous) {
    if (!contains(current, name) && !contains(delta.removed, name)) delta.removed.push_back(name);
  }
  return delta;
}

}  // namespace parley::core::model
