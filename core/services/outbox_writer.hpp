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

//
// The live crossing: when the drainer here is caught up on a link (live_links.hpp), a new post
// is decided as it is written instead. Its row's egress decision and audit record commit with
// the post, and the permitted message goes to the drainer with the commit's OutboundQueued, to
// be handed to the bridge without the drainer reading the row, the post and the policy's inputs
// again in a transaction of its own. Should the drainer have found other work meanwhile, the row
// is drained as any other (and decided again then).

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/events/domain_event.hpp"
#include "core/model/canonical_message.hpp"
#include "core/model/link.hpp"
#include "core/model/post.hpp"
#include "core/services/boundary_guard.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

class BatchReads;

// Enqueues `change` of `post` toward every link of the post's channel that sends out, except
// the link `origin` came in on (origin bridge and remote room == link bridge and remote room):
// no echo. `reaction` is the reaction of kReaction / kReactionDelete. Call inside the
// transaction that writes the change (`tx`). `reads`: the batch's (batch_reads.hpp), where the
// channel's links are read once for all of its changes.
// `decideLive`: the links whose rows are decided now (the live crossing; `reads` then holds the
// post and its author): a permitted row is written pending and its message travels with the
// commit's OutboundQueued (`live`), a denied one is written denied with its audit record.
Status enqueueOutbound(store::Store& tx, const model::Post& post, model::MessageChange change,
                       const std::optional<model::RemoteOrigin>& origin,
                       const model::Reaction* reaction = nullptr, BatchReads* reads = nullptr,
                       const std::set<std::string>* decideLive = nullptr);

// The canonical message of an outbox row, from the post, its author (the reacting user for a
// reaction, with that user's current reactions on the post), its files and the row's payload
// (origin), as the guard decides on it. `postType`, when given, receives the post's type.
// `reads`: the batch's (batch_reads.hpp), where each author is read once and the posts read
// with the rows are kept.
Result<model::CanonicalMessage> outboundMessage(store::Store& store, const store::OutboxRow& row,
                                                std::string* postType = nullptr,
                                                BatchReads* reads = nullptr);

// The egress decision on `message`, the change of `row`, over `link` (guardMessageEgress, its
// audit record in `tx`'s transaction). On deny the row is made denied (its audit id, the reason
// in lastError; not written here) and the local author gets the policy's notify_sender text
// after the commit, shown to them alone.
BoundaryVerdict decideOutbound(store::Store& tx, const model::Link& link,
                               const model::CanonicalMessage& message, store::OutboxRow& row,
                               BatchReads* reads);

// The origin recorded in an outbox row's payload (nullopt for a local change).
std::optional<model::RemoteOrigin> originOfPayload(const nlohmann::json& payload);

}  // namespace parley::core::services
