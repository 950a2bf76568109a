#pragma once
// The transactional outbox (design.md §2): a change of a post in a linked channel becomes one
// outbox row per link that sends out, written in the transaction of the change itself, so that
// a committed change is always carried over and a rolled-back one never is. Called by the post
// and reaction services; the drainer (bridges/common/outbox_drainer) reads the rows.
//
// The row records what the post does not say at drain time (the kind, the reaction, the origin
// of a change that came in over a link); the canonical message is built from the post when the
// row is drained. That way the guard decides on, and the peer receives, the post as it is then
// (an edit made while the peer was down is not sent twice with two different texts), the
// obligations of the policy in force at the crossing apply, and rows stay small.

#include <optional>
#include <string_view>

#include "core/common/result.hpp"
#include "core/model/link.hpp"
#include "core/model/post.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

class BatchReads;

// Enqueues `change` of `post` toward every link of the post's channel that sends out, except
// the link `origin` came in on (origin bridge and remote room == link bridge and remote room):
// no echo. `reaction` is the reaction of kReaction / kReactionDelete. Call inside the
// transaction that writes the change (`tx`). `reads`: the batch's (batch_reads.hpp), where the
// channel's links are read once for all of its changes.
Status enqueueOutbound(store::Store& tx, const model::Post& post, model::MessageChange change,
                       const std::optional<model::RemoteOrigin>& origin,
                       const model::Reaction* reaction = nullptr, BatchReads* reads = nullptr);

// The origin recorded in an outbox row's payload (nullopt for a local change).
std::optional<model::RemoteOrigin> originOfPayload(const nlohmann::json& payload);

}  // namespace parley::core::services
