#include "core/services/outbox_writer.hpp"

#include "core/common/json_fields.hpp"
#include "core/model/id.hpp"
#include "core/services/batch_reads.hpp"
#include "core/services/message_label.hpp"

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

bool isReaction(model::MessageChange kind) {
  return kind == model::MessageChange::kReaction || kind == model::MessageChange::kReactionDelete;
}

// The policy's notify_sender text for the local author of a denied change, shown to them alone
// in the channel (and thread) of the post.
events::EphemeralMessage denialNotice(store::Store& tx, const model::CanonicalMessage& message,
                                      const std::string& text) {
  model::Post notice;
  notice.id = model::newId();
  notice.channelId = message.channelId;
  notice.rootId = message.rootId;
  notice.userId = message.author.userId;
  notice.message = text;
  notice.type = "system_ephemeral";
  notice.createAt = notice.updateAt = tx.clock().nowMillis();
  return events::EphemeralMessage{message.author.userId, std::move(notice)};
}

}  // namespace

Status enqueueOutbound(store::Store& tx, const model::Post& post, model::MessageChange change,
                       const std::optional<model::RemoteOrigin>& origin,
                       const model::Reaction* reaction, BatchReads* reads,
                       const std::set<std::string>* decideLive) {
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
    if (decideLive != nullptr && reads != nullptr && decideLive->contains(link.id)) {
      auto id = tx.bridges().nextOutboxId();
      if (!id) return std::move(id).error();
      row.id = *id;
      std::string postType;
      auto message = outboundMessage(tx, row, &postType, reads);
      if (!message) return std::move(message).error();
      auto verdict = decideOutbound(tx, link, *message, row, reads);
      if (auto written = tx.bridges().enqueueDecided(row); !written) return written;
      queued.live.push_back(events::LiveCrossing{verdict.permitted(), link, row.id, row.txnId,
                                                 std::move(postType), row.createAt,
                                                 std::move(verdict.message)});
      continue;
    }
    if (auto written = tx.bridges().enqueue(row); !written) return written;
    queued.linkIds.push_back(link.id);
  }
  // Once per change that has somewhere to go: a post that crosses no link wakes nobody.
  if (!queued.linkIds.empty() || !queued.live.empty()) tx.afterCommit(std::move(queued));
  return {};
}

BoundaryVerdict decideOutbound(store::Store& tx, const model::Link& link,
                               const model::CanonicalMessage& message, store::OutboxRow& row,
                               BatchReads* reads) {
  BoundaryVerdict verdict = guardMessageEgress(tx, link, message, reads);
  if (verdict.permitted()) return verdict;
  row.state = store::OutboxState::kDenied;
  row.auditId = verdict.auditId;
  row.lastError =
      verdict.decision.reasonCode.empty() ? "policy.denied" : verdict.decision.reasonCode;
  if (verdict.notifySender && !message.author.remote) {
    tx.afterCommit(denialNotice(tx, message, *verdict.notifySender));
  }
  return verdict;
}

Result<model::CanonicalMessage> outboundMessage(store::Store& store, const store::OutboxRow& row,
                                                std::string* postType, BatchReads* reads) {
  // The post and its author as read with the drainer's rows, or else now. A reaction's author is
  // who reacted; a batch's reading of a user is its only one.
  BatchReads ownReads;
  BatchReads& batch = reads != nullptr ? *reads : ownReads;
  const std::string& reactor = row.reactionUserId;
  const model::Post* post = batch.keptPost(row.postId);
  const model::User* author =
      post == nullptr ? nullptr : batch.keptUser(isReaction(row.kind) ? reactor : post->userId);
  std::optional<std::pair<model::Post, model::User>> read;
  if (author == nullptr) {
    auto readNow = store.posts().getWithAuthor(row.postId, isReaction(row.kind) ? reactor : "");
    if (!readNow) return std::move(readNow).error();
    read = std::move(*readNow);
    post = &read->first;
    author = &batch.keepUser(std::move(read->second));
  }
  model::CanonicalMessage message;
  message.change = row.kind;
  message.postId = post->id;
  message.channelId = post->channelId;
  message.rootId = post->rootId;
  message.text = post->message;
  if (postType != nullptr) *postType = post->type;
  message.createAt = post->createAt;
  message.editAt = post->editAt;
  message.emoji = row.reactionEmoji;
  message.origin = originOfPayload(row.payload);
  // Its own label; a reply crosses under the thread's high-water mark (the guard works it out).
  if (auto label = postLabelOf(post->props); label) {
    message.label = label->value_or("");
  } else {
    // Not text (never written so): a label that cannot parse, so every decision fails closed.
    message.label = post->props.value(kPostLabelProp, nlohmann::json()).dump();
  }

  message.author.userId = author->id;
  message.author.username = author->username;
  message.author.displayName = displayNameOf(*author);
  if (!author->remoteBridge.empty()) {
    message.author.remote =
        model::RemoteOrigin{author->remoteBridge, "", author->remoteUserId, author->remoteDomain};
  }
  if (isReaction(row.kind)) {
    // Read now, not when the row was written: protocols that send the author's whole set
    // (XEP-0444) send the set as it is, so rows drained late converge on the current state.
    auto reactions = store.reactions().forPosts({post->id});
    if (!reactions) return std::move(reactions).error();
    for (const auto& reaction : *reactions) {
      if (reaction.userId == author->id) message.reactions.push_back(reaction.emojiName);
    }
  }
  const bool carriesContent =
      row.kind == model::MessageChange::kPost || row.kind == model::MessageChange::kEdit;
  if (carriesContent && !post->fileIds.empty()) {
    auto files = store.files().listOfPosts({post->id});
    if (!files) return std::move(files).error();
    if (auto it = files->find(post->id); it != files->end()) {
      for (const auto& info : it->second) {
        message.files.push_back(
            model::FileRef{info.id, info.name, info.mimeType, info.size, info.sha256, ""});
      }
    }
  }
  return message;
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
