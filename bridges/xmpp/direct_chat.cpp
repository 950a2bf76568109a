#include "bridges/xmpp/direct_chat.hpp"

#include <algorithm>
#include <cctype>

#include "core/model/link.hpp"
#include "core/model/user.hpp"

namespace parley::bridges::xmpp {

std::string directRecipient(const Jid& to, std::string_view domain) {
  if (to.local.empty()) return {};
  std::string domainLower(to.domain);
  std::string username(to.local);
  for (std::string* text : {&domainLower, &username}) {
    std::transform(text->begin(), text->end(), text->begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  }
  if (domainLower != domain || !core::model::isValidUsername(username)) return {};
  return username;
}

std::optional<OutboundAddress> directAddress(std::string_view remoteRoom,
                                             std::string_view authorUsername,
                                             std::string_view domain) {
  const std::string_view peer = core::model::directRoomRemoteId(remoteRoom);
  if (peer.empty() || authorUsername.empty()) return std::nullopt;
  return OutboundAddress{std::string(authorUsername) + "@" + std::string(domain), std::string(peer),
                         ChatType::kChat};
}

DirectChat::DirectChat(std::string domain, InboundOptions inbound, Send send, Submit submit)
    : domain_(std::move(domain)),
      inbound_(std::move(inbound)),
      send_(std::move(send)),
      submit_(std::move(submit)) {}

void DirectChat::refuse(const Stanza& message, std::string_view type, std::string_view condition,
                        std::string_view text) {
  send_(errorReply(message, type, condition, text));
}

void DirectChat::receive(const Stanza& message, const Jid& from, const Jid& to) {
  const std::string recipient = directRecipient(to, domain_);
  if (recipient.empty()) {
    // RFC 6120 §8.3.3.7: a JID that names nobody here.
    refuse(message, "cancel", "item-not-found", "no such user");
    return;
  }
  auto inbound = fromXmppTree(message.toTree(inbound_.limits.xml), inbound_);
  if (!inbound) {
    if (inbound.error().id == kErrNothingToBridge) return;  // chat states, receipts...
    refuse(message, "modify",
           inbound.error().id == kErrTooLarge ? "policy-violation" : "bad-request",
           inbound.error().message);
    return;
  }
  InboundMessage& in = inbound.value();
  InboundEvent event;
  event.bridge = "xmpp";
  event.toUser = recipient;  // remoteRoom "": the pipeline finds the direct channel
  event.remoteEventId = in.remoteEventId;
  event.change = in.change;
  event.sender = core::model::RemoteOrigin{"xmpp", "", from.bare(), from.domain};
  event.senderDisplayName = from.local;
  event.text = std::move(in.text);
  event.files = std::move(in.files);
  event.replyToRemoteId = !in.replyToRemoteId.empty() ? in.replyToRemoteId : in.thread;
  event.targetRemoteId = in.targetRemoteId;
  // A chat names messages by their id attribute: the Mattermost user's as Parley sent them, the
  // sender's own as the id map keeps them, scoped by sender (InboundMessage::remoteEventId).
  // Replies and reactions may name either; a correction's target comes scoped already.
  event.senderIdScope = in.senderBareJid + " ";
  if (in.change == core::model::MessageChange::kDelete) {
    // A retraction names the sender's own message only.
    event.targetRemoteId = event.senderIdScope + in.targetRemoteId;
  }
  if (in.change == core::model::MessageChange::kReaction) {
    // XEP-0444 in a chat: emoji without a Mattermost name are already left out of the set.
    event.reactionSet = std::move(in.reactions);
  }
  event.label = in.label;
  const std::uint64_t ticket = nextTicket_++;
  waiting_.emplace(ticket, message);
  submit_(std::move(event), [this, ticket](IngressResult result) { finish(ticket, result); });
}

void DirectChat::finish(std::uint64_t ticket, const IngressResult& result) {
  const auto it = waiting_.find(ticket);
  if (it == waiting_.end()) return;
  const Stanza message = it->second;
  waiting_.erase(it);
  switch (result.outcome) {
    case IngressOutcome::kApplied:
    case IngressOutcome::kDuplicate:
      return;  // a chat message is not reflected: the sender's client shows it already
    case IngressOutcome::kDenied: refuse(message, "auth", "forbidden", result.error); return;
    case IngressOutcome::kUnknownRoom:
      // No such local user (or one that cannot receive direct messages from a bridge).
      refuse(message, "cancel", "item-not-found", "no such user");
      return;
    case IngressOutcome::kUnknownTarget:
      refuse(message, "cancel", "item-not-found", result.error);
      return;
    case IngressOutcome::kRejected:
      refuse(message, "modify", "not-acceptable", result.error);
      return;
  }
}

}  // namespace parley::bridges::xmpp
