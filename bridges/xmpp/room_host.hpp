#pragma once
// The server side of XEP-0045 for the rooms Parley hosts under its component domain (xmpp.md
// §1, §6): one room per linked channel, `<room>@<domain>`. XMPP users join with their own
// clients through their own server; Parley decides nicks, keeps the occupant list, answers
// disco#info/items and self-pings, sends the join sequence (other occupants, self-presence
// with status 110/100(/210), history with <delay>, subject), reflects each accepted groupchat
// message to every occupant with the sender's id/origin-id and a stanza-id that is the post
// id, and broadcasts Parley's own messages. Stanzas it cannot accept get the XMPP error a
// client expects and change nothing.
//
// It knows nothing of Mattermost or the database: the XmppBridge hands it the rooms, passes
// occupants' messages on (OnGroupchat) and tells it the outcome (accept/refuse). Runs on the
// component thread; not thread-safe.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "bridges/xmpp/stanza.hpp"

namespace parley::bridges::xmpp {

struct RoomInfo {
  std::string localpart;  // the room is <localpart>@<domain>
  std::string name;       // shown in disco (the channel's display name)
  std::string subject;    // the channel's header or purpose; "" = none

  bool operator==(const RoomInfo&) const = default;
};

class RoomHost {
 public:
  struct Options {
    std::string domain;            // the component's domain (lower case)
    std::size_t historySize = 20;  // messages replayed on join
    std::uint64_t maxStanzaBytes = 256 * 1024;
  };

  // A groupchat message an occupant sent to a room, for the bridge to pass on.
  struct Groupchat {
    std::string room;         // localpart
    std::string nick;         // the occupant's nick
    std::string occupantJid;  // the sender's real full JID
    std::string id;           // the message's id attribute ("" when none)
    std::string originId;     // XEP-0359 origin-id ("" when none)
    Stanza stanza;            // the message as received
  };

  // An XEP-0313 (MAM) query on a room by one of its occupants, for the bridge to answer from
  // the channel's posts (answerArchive) or refuse (refuseArchive). Cursors are stanza-ids,
  // which in a hosted room are post ids.
  struct ArchiveQuery {
    std::string room;       // localpart
    std::string requester;  // full JID
    std::string iqId;
    std::string queryId;       // <query queryid>, echoed in every result
    std::string after;         // RSM <after> or the form's after-id: exclusive
    std::string before;        // RSM <before> or the form's before-id: exclusive
    bool lastPage = false;     // RSM <before/> (empty): the newest page
    std::int64_t startMs = 0;  // the form's start / end (XEP-0082), 0 = none
    std::int64_t endMs = 0;
    std::size_t max = 0;  // page size, at most kMaxArchivePage
    // Pages newest to oldest (a `before` cursor or the last page): the bridge reads backwards.
    bool backwards() const { return lastPage || !before.empty(); }
  };
  // One archived message as the room shows it.
  struct ArchivedMessage {
    std::string stanzaId;  // the post id
    std::string id;        // the message's id attribute (the sender's own, for a client's)
    std::string nick;
    Stanza payload;  // body and extensions, as for broadcast()
    std::chrono::system_clock::time_point at;
  };
  static constexpr std::size_t kDefaultArchivePage = 50;
  static constexpr std::size_t kMaxArchivePage = 250;

  using Send = std::function<void(const Stanza&)>;
  using OnGroupchat = std::function<void(Groupchat)>;
  // A chat message to <user>@<domain> (direct_chat.hpp), after the checks every stanza gets
  // (sender not forged, size): the original stanza, its sender and its addressee.
  using OnDirect = std::function<void(const Stanza&, const Jid& from, const Jid& to)>;
  using OnArchiveQuery = std::function<void(ArchiveQuery)>;

  RoomHost(xmpp_ctx_t* ctx, Options options, Send send, OnGroupchat onGroupchat);

  // The rooms to host. Occupants of a room no longer listed receive its destruction (XEP-0045
  // §10.9: unavailable presence with <destroy/>) and are forgotten.
  void setRooms(const std::vector<RoomInfo>& rooms);
  bool hasRoom(std::string_view localpart) const;
  // Where type='chat' messages to a JID of the domain that is not a room's occupant go; without
  // one they are refused as before (service-unavailable / item-not-found).
  void setOnDirect(OnDirect onDirect) { onDirect_ = std::move(onDirect); }

  // Every stanza from the server.
  void handle(const Stanza& stanza);

  // Parley's message into a room (Bridge::deliver): `message` carries the payload (body and
  // extensions); it is sent from <room>@<domain>/<nick> to every occupant as groupchat with
  // id = origin-id = stanza-id = `stanzaId` (a post's text: the post id, xmpp.md §2), and kept
  // for the history. False for an unknown room.
  bool broadcast(std::string_view room, std::string_view nick, const Stanza& message,
                 std::string_view stanzaId,
                 std::chrono::system_clock::time_point at = std::chrono::system_clock::now());
  // The bridge accepted an occupant's message: reflected to every occupant, the sender
  // included, with the sender's id and origin-id and the room's stanza-id `stanzaId` (for a
  // new post, the post id).
  void accept(const Groupchat& message, std::string_view stanzaId,
              std::chrono::system_clock::time_point at = std::chrono::system_clock::now());
  // The bridge had accepted it before (a retry of the sender): reflected to the sender only.
  void acknowledge(const Groupchat& message, std::string_view stanzaId);
  // The bridge refused it: an error message to the sender, nothing reflected.
  void refuse(const Groupchat& message, std::string_view errorType, std::string_view condition,
              std::string_view text = {});
  // Seeds a room's history (oldest first) with messages as broadcast() would have sent them.
  void seedHistory(std::string_view room, std::string_view nick, const Stanza& message,
                   std::string_view postId, std::chrono::system_clock::time_point at);

  // The link to the server dropped: every occupant is forgotten (clients rejoin, prompted by
  // the not-acceptable answer to their self-ping, XEP-0410).
  void forgetOccupants();

  // MAM (XEP-0313) on the rooms: queries go to `handler`; without one they are
  // service-unavailable and the rooms do not advertise urn:xmpp:mam:2.
  void onArchiveQuery(OnArchiveQuery handler) { onArchiveQuery_ = std::move(handler); }
  // The page for `query`, oldest first, then the <fin/>. `complete`: the page reaches the end of
  // the archive in the query's direction. A forward query that reaches the end also gets the
  // messages this room sent after the page's last one and the database does not show yet (a
  // delivery is acknowledged to the outbox after the room sent it), so no message falls between
  // a client's catch-up and what it receives live; so does the newest page (RSM <before/>),
  // which then keeps its newest query.max messages.
  void answerArchive(const ArchiveQuery& query, const std::vector<ArchivedMessage>& page,
                     bool complete);
  void refuseArchive(const ArchiveQuery& query, std::string_view errorType,
                     std::string_view condition, std::string_view text = {});

  // Nicks of a room's occupants, sorted (tests, metrics).
  std::vector<std::string> occupantNicks(std::string_view room) const;

 private:
  struct Occupant {
    std::string nick;
    std::string jid;  // real full JID
  };
  struct HistoryItem {
    Stanza message;  // as broadcast, without `to`
    std::chrono::system_clock::time_point at;
    std::string stanzaId;
  };
  struct Room {
    RoomInfo info;
    std::vector<Occupant> occupants;  // join order
    std::deque<HistoryItem> history;
  };

  void handleIq(const Stanza& iq, const Jid& from, const Jid& to);
  // disco#info, disco#items and ping addressed to the domain or a room; anything else there is
  // service-unavailable.
  void answerServiceIq(const Stanza& iq, const Jid& to, const Stanza& payload);
  void handlePresence(const Stanza& presence, const Jid& from, const Jid& to);
  void handleMessage(const Stanza& message, const Jid& from, const Jid& to);
  // urn:xmpp:mam:2 on a room: the form (get) or a query (set).
  void handleArchiveIq(const Room& room, const Stanza& iq, const Jid& from, const Stanza& query);
  Stanza archiveResult(const Room& room, const ArchiveQuery& query, const Stanza& message,
                       std::string_view stanzaId, std::chrono::system_clock::time_point at) const;
  void join(Room& room, const Stanza& presence, const Jid& from, const std::string& requested);
  void leave(Room& room, const Occupant& occupant, bool selfPresence);

  Stanza iqResult(const Stanza& iq) const;
  Stanza discoInfo(const Stanza& iq, const Jid& to) const;
  Stanza discoItems(const Stanza& iq, const Jid& to) const;
  Stanza occupantPresence(const Room& room, const Occupant& occupant, std::string_view to,
                          bool unavailable) const;
  void remember(Room& room, const Stanza& message, std::chrono::system_clock::time_point at,
                std::string_view stanzaId);
  void sendToOccupants(const Room& room, const Stanza& message);
  void reply(const Stanza& original, std::string_view type, std::string_view condition,
             std::string_view text = {});

  std::string roomJid(const Room& room) const;
  Room* findRoom(std::string_view localpart);
  const Room* findRoom(std::string_view localpart) const;
  static const Occupant* findByJid(const Room& room, std::string_view jid);
  static const Occupant* findByNick(const Room& room, std::string_view nick);
  std::string occupantId(const Room& room, const Occupant& occupant) const;

  xmpp_ctx_t* ctx_;
  Options options_;
  Send send_;
  OnGroupchat onGroupchat_;
  OnDirect onDirect_;
  OnArchiveQuery onArchiveQuery_;
  std::map<std::string, Room, std::less<>> rooms_;
};

}  // namespace parley::bridges::xmpp
