#pragma once
// Direct messages between an XMPP user and a Mattermost user (issue 6), beside the rooms of
// room_host.hpp. Each Mattermost user is <username>@<component domain>: an XMPP user's
// `<message type='chat' to='alice@<domain>'>` becomes a post of their puppet in the direct
// channel with alice (the ingress pipeline's implicit link "dm:<alice's id>:<their bare JID>"),
// and what alice writes in that channel goes back as type='chat' from alice@<domain> to their
// bare JID, with the same translation as a room (styling, replies, edits, retractions).
//
// Unlike a room, a chat message is not reflected to its sender: on success nothing is sent, on
// failure the sender gets the XMPP error (RFC 6120 §8.3.3: item-not-found for a user that does
// not exist, forbidden for a policy denial). Component thread only; not thread-safe.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "bridges/common/bridge.hpp"
#include "bridges/xmpp/stanza.hpp"
#include "bridges/xmpp/translate.hpp"

namespace parley::bridges::xmpp {

// The local username a chat message to `to` addresses: its localpart in lower case when `to`
// is a user JID of `domain` that could name a Mattermost user; "" otherwise.
std::string directRecipient(const Jid& to, std::string_view domain);

// How a post in the direct channel of a DM link (remote room "dm:<user id>:<bare JID>") goes
// out: from <author's username>@<domain> to the bare JID, type chat. nullopt when `remoteRoom`
// is not a direct room.
std::optional<OutboundAddress> directAddress(std::string_view remoteRoom,
                                             std::string_view authorUsername,
                                             std::string_view domain);

class DirectChat {
 public:
  using Send = std::function<void(const Stanza&)>;
  // Hands an event to the ingress pipeline; the callback runs later ON THE COMPONENT THREAD.
  using Submit = std::function<void(InboundEvent, std::function<void(IngressResult)>)>;

  DirectChat(std::string domain, InboundOptions inbound, Send send, Submit submit);

  // A chat message addressed to <user>@<domain> (RoomHost's OnDirect; the sender is already
  // checked as not forged and the stanza as within the size limit).
  void receive(const Stanza& message, const Jid& from, const Jid& to);

  // Messages handed to the pipeline and not answered yet (tests, shutdown).
  std::size_t waiting() const { return waiting_.size(); }

 private:
  void finish(std::uint64_t ticket, const IngressResult& result);
  void refuse(const Stanza& message, std::string_view type, std::string_view condition,
              std::string_view text = {});

  std::string domain_;
  InboundOptions inbound_;
  Send send_;
  Submit submit_;
  // The stanzas stay here, on the component thread: libstrophe's reference counts are not
  // thread-safe, so only a ticket travels through the pipeline.
  std::map<std::uint64_t, Stanza> waiting_;
  std::uint64_t nextTicket_ = 1;
};

}  // namespace parley::bridges::xmpp
