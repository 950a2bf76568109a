#include "core/services/outbox_writer.hpp"

#include "core/common/json_fields.hpp"
#include "core/model/id.hpp"
#include "core/services/batch_reads.hpp"

namespace parley::core::services {
namespace {

bool cameInOn(const std::optional<model::RemoteOrigin>& origin, const model::Link& link) {
  return origin && origin->bridge == link.bridge && origin->remoteRoom == link.remoteRoom;
}

nlohmann::json payloadOf(const std::optional<model::RemoteOrigin>& origin) {
  nlohmann::json payload = nlohmann::json::object();
  if (origin) {
    payload["origin"] = {{"bridge", origin->bridge},
                         {"remote_room", origin->remoteRoom},
                         {"remote_id", origin->remoteId},
                         {"domain", origin->domain}};
  }
  return payload;
}

}  // namespace

Status enqueueOutbound(store::Store& tx, const model::Post& post, model::MessageChange change,
                       const std::optional<model::RemoteOrigin>& origin,
                       const model::Reaction* reaction, BatchReads* reads) {
  BatchReads ownReads;
  auto links = (reads != nullptr ? *reads : ownReads).links(tx, post.channelId);
  if (!links) return std::move(links).error();
  const std::int64_t now = tx.clock().nowMillis();
  events::OutboundQueued queued;
  queued.subjectId = reaction != nullptr ? reaction->userId : post.userId;
  queued.channelId = post.channelId;
  for (const auto& link : **links) {
    if (!link.sendsOut() || cameInOn(origin, link)) continue;
    store::OutboxRow row;
    row.linkId = link.id;
    row.kind = change;
    row.postId = post.id;
    if (reaction != nullptr) {
      row.reactionUserId = reaction->userId;
      row.reactionEmoji = reaction->emojiName;
    }
    row.payload = payloadOf(origin);
    // Globally unique and written once: every retry of the row carries the same id.
    row.txnId = "parley." + model::newId();
    row.nextAttemptAt = now;
    row.createAt = now;
    if (auto written = tx.bridges().enqueue(row); !written) return written;
    queued.linkIds.push_back(link.id);
  }
  // Once per change that has somewhere to go: a post that crosses no link wakes nobody.
  if (!queued.linkIds.empty()) tx.afterCommit(std::move(queued));
  return {};
}

std::optional<model::RemoteOrigin> originOfPayload(const nlohmann::json& payload) {
  if (!payload.is_object()) return std::nullopt;
  const auto it = payload.find("origin");
  if (it == payload.end() || !it->is_object()) return std::nullopt;
  // Written by enqueueOutbound, but a hand-edited row must not throw here.
  return model::RemoteOrigin{stringField(*it, "bridge"), stringField(*it, "remote_room"),
                             stringField(*it, "remote_id"), stringField(*it, "domain")};
}

}  // namespace parley::core::services
