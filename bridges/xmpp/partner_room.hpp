#pragma once
// The XMPP bridge's second mode (xmpp.md §1 mode B): a channel linked to an EXISTING room on a
// partner's own MUC service ("room@conference.example.org"). Parley does not host that room:
// its component joins it, once as a listener (<domain>/parley, nick kListenerNick) that
// receives what the room's occupants say, and once per Mattermost user who posts, as that
// user's puppet occupant (<username>@<domain>/parley, nick "Alice (MM)").
//
//   - A puppet joins before its first message (with <history maxstanzas='0'/>: the room's past
//     is not replayed as live messages); a taken nick (409 conflict) is retried with a number
//     ("Alice (MM) 2"); every occupant is rejoined after the component's stream comes back and
//     after the room drops it (kick, room shutdown).
//   - Parley's own messages carry ids starting with kParleyIdPrefix (id and origin-id); the
//     room's reflection of such a message gives its stanza-id (what partner clients reply to,
//     react to and retract by), and is never taken for an occupant's message: no echo, also
//     for the copies every other puppet of Parley's receives and for the room's archive.
//   - Only the listener's copy of an occupant's message is passed on (each of Parley's
//     occupants receives one).
//   - Catch-up: when the listener has joined, the bridge names the last stanza-id it saw in
//     that room (catchUp); the room's archive (XEP-0313, muc_mam) after it is passed on first,
//     in order, then what arrived live meanwhile. The ingress pipeline's inbox makes an
//     overlap a no-op.
//
// It knows nothing of Mattermost or the database (the XmppBridge does). Component thread only.

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

// Every id Parley puts on a message it sends into a partner room starts with this.
inline constexpr std::string_view kParleyIdPrefix = "parley-";
inline constexpr std::string_view kListenerNick = "Mattermost";
inline constexpr std::string_view kPuppetNickSuffix = " (MM)";
inline constexpr std::size_t kMaxNickCodePoints = 48;
inline constexpr int kMaxNickAttempts = 9;

// The room JID (bare, lower case) of a link's remote when it names a room on another server
// than the component's `domain` ("room@conference.example.org"); "" otherwise.
std::string partnerRoomJid(std::string_view remoteRoom, std::string_view domain);

// The nick of a Mattermost user's puppet: `name` (display name, else username) without control
// characters, cut to fit, plus " (MM)"; attempt n > 1 (a conflict) adds " n".
std::string puppetNick(std::string_view name, int attempt);

// The id of a Parley message in a partner room (kParleyIdPrefix + `id`), and whether a
// message's id or origin-id is one of those.
std::string parleyMessageId(std::string_view id);
bool isParleyMessageId(std::string_view id);

// The remote id (RemoteOrigin::remoteId) of a room occupant known only by its nick (rooms do not
// tell their occupants' real JIDs): "<nick>@<room JID>", the nick's '%', '@' and '/' escaped
// as %25 %40 %2F, so the puppet's username is made of the nick and the room is its domain.
std::string occupantRemoteId(std::string_view roomJid, std::string_view nick);

class PartnerRooms {
 public:
  struct Options {
    std::string domain;                              // the component's (lower case)
    std::chrono::milliseconds replyTimeout{10'000};  // join, reflection, archive page
  };

  // An occupant's message (live or from the archive), as the room sent it: `message` has the
  // room's <stanza-id by=room> (added from the archive result when the stored copy lacks one).
  struct Incoming {
    std::string room;  // bare JID
    std::string nick;
    Stanza message;
  };
  // The room's stanza-ids of the messages of one post() in order, or the error.
  struct Posted {
    bool ok = false;
    std::vector<std::string> stanzaIds;
    std::string error;
  };

  using Send = std::function<bool(const Stanza&)>;  // false: not sent (the stream is down)
  using OnMessage = std::function<void(Incoming)>;
  // The listener (re)joined `room`: the bridge answers with catchUp().
  using OnJoined = std::function<void(const std::string& room)>;

  PartnerRooms(xmpp_ctx_t* ctx, Options options, Send send, OnMessage onMessage, OnJoined onJoined);

  // The partner rooms of the links (bare JIDs, lower case). The listener joins the new ones
  // while the stream is up; occupants of rooms no longer listed leave.
  void setRooms(const std::vector<std::string>& rooms);
  bool hasRoom(std::string_view room) const;
  // Whether `stanza` comes from one of those rooms (then handle() takes it).
  bool handles(const Stanza& stanza) const;
  void handle(const Stanza& stanza);

  // The component's stream came up / dropped.
  void linkUp();
  void linkDown();
  // Runs the timeouts (called about once a second).
  void tick(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

  // Sends `messages` (groupchat from <username>@<domain>/parley to the room, ids made with
  // parleyMessageId) once the user's puppet is in the room, joining it first as
  // puppetNick(displayName); `done` once every message was reflected, or on the first failure.
  void post(const std::string& room, const std::string& username, const std::string& displayName,
            std::vector<Stanza> messages, std::function<void(Posted)> done);

  // The archive after `afterStanzaId` ("" = none: nothing to catch up) is passed on, then what
  // arrived live since the listener joined.
  void catchUp(const std::string& room, const std::string& afterStanzaId);

  // The stanza-id of an occupant's message known by its id attribute (XEP-0308 names that), ""
  // when not seen since Parley started.
  std::string stanzaIdOf(const std::string& room, const std::string& nick,
                         const std::string& messageId) const;

  // The id Parley gave its own message that the room knows by `stanzaId` (learnt from the
  // reflection), "" when not one of the last seen: replies and reactions that name it may come
  // before the delivery is recorded in the id map.
  std::string ownMessageId(const std::string& room, const std::string& stanzaId) const;

  // Parley's occupants leave every room (parleyd stops).
  void leaveAll();

  // The JID Parley's occupants send from.
  std::string listenerJid() const { return options_.domain + "/parley"; }
  std::string puppetJid(std::string_view username) const;
  // Nicks of Parley's occupants that are in `room` (the listener included), sorted (tests).
  std::vector<std::string> joinedNicks(std::string_view room) const;

 private:
  enum class State { kOut, kJoining, kIn };
  struct Occupant {
    std::string jid;       // ours, full
    std::string nickName;  // what the nick is made of
    std::string nick;      // the nick asked for / held
    int attempt = 1;
    State state = State::kOut;
    bool wanted = false;                   // rejoined after a drop
    std::chrono::milliseconds backoff{0};  // > 0: a rejoin is due at retryAt
    std::chrono::steady_clock::time_point retryAt{};
    std::chrono::steady_clock::time_point deadline{};
    std::vector<std::function<void(const std::string& error)>> waiting;
  };
  struct Catch {
    bool active = false;  // live messages wait in `live`
    std::string queryId;  // "" = no archive query under way
    std::chrono::steady_clock::time_point deadline{};
    std::vector<Incoming> archived;
    std::vector<Incoming> live;
  };
  struct Room {
    std::string jid;
    Occupant listener;
    std::map<std::string, Occupant> puppets;  // by username
    Catch catching;
    // (nick, id attribute) -> stanza-id of occupants' messages, for their corrections.
    std::map<std::pair<std::string, std::string>, std::string> ids;
    std::deque<std::pair<std::string, std::string>> idOrder;
    // stanza-id -> Parley's own message id, of its last messages reflected.
    std::map<std::string, std::string> own;
    std::deque<std::string> ownOrder;
  };
  struct Pending {
    std::string room;
    std::string nick;  // the puppet's nick when it sent: only its reflection counts
    std::vector<std::string> ids;
    std::vector<std::string> stanzaIds;
    std::size_t remaining = 0;
    std::chrono::steady_clock::time_point deadline{};
    std::function<void(Posted)> done;
  };

  void join(Room& room, Occupant& occupant);
  void joined(Room& room, Occupant& occupant, const std::string& error);
  void leave(Room& room, Occupant& occupant);
  // The listener, then the puppets.
  static std::vector<Occupant*> occupants(Room& room);
  Occupant* occupantOf(Room& room, std::string_view jid) const;
  void handlePresence(Room& room, const Stanza& presence, const Jid& from);
  void handleMessage(Room& room, const Stanza& message, const Jid& from);
  void handleIq(Room& room, const Stanza& iq, const Jid& from);
  void deliverIncoming(Room& room, Incoming incoming);
  void remember(Room& room, const std::string& nick, const Stanza& message,
                const std::string& stanzaId);
  void queryArchive(Room& room, const std::string& after);
  void finishCatchUp(Room& room);
  void fail(std::uint64_t pendingId, const std::string& error);
  void sendAll(const Occupant& sender, std::uint64_t pendingId,
               const std::vector<Stanza>& messages);
  std::string roomStanzaId(const Room& room, const Stanza& message) const;
  Room* findRoom(std::string_view jid);
  const Room* findRoom(std::string_view jid) const;

  xmpp_ctx_t* ctx_;
  Options options_;
  Send send_;
  OnMessage onMessage_;
  OnJoined onJoined_;
  bool up_ = false;
  std::map<std::string, Room, std::less<>> rooms_;
  std::map<std::uint64_t, Pending> pending_;
  std::map<std::string, std::uint64_t> pendingById_;  // message id -> pending_
  std::uint64_t nextPending_ = 1;
  std::uint64_t nextQuery_ = 1;
};

}  // namespace parley::bridges::xmpp
