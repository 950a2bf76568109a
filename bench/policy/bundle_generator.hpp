#pragma once
// A synthetic policy bundle of a given size for the decision benchmark: the shape of the
// reference example (one label policy, subjects with clearance/nationality/role/missions,
// labelled channels, bridges with clearances) scaled up to many nations, bridges, missions and
// rules, with a realistic mix of tier-0 forbids, local forbids and permits with named clauses
// and obligations over several actions and bridges.

#include <string>

#include "core/policy/decision.hpp"

namespace parley::bench {

// The YAML text of a bundle with exactly `rules` rules (at least 1). With rules == 1 it holds
// the same schema and bridges and a single unconditional permit for message.egress: the
// baseline.
std::string generateBundle(int rules);

// A message.egress request that the generated bundle permits (with obligations) after
// evaluating every forbid and permit of its (action, bridge) target.
policy::Request permittedEgress();
// A channel.join request that no permit grants: a default deny, which also searches for the
// closest permit among every permit of the action.
policy::Request deniedJoin();

}  // namespace parley::bench
