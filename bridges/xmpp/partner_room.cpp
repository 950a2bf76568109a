#include "bridges/xmpp/partner_room.hpp"

#include <algorithm>
#include <set>

#include "bridges/common/utf8.hpp"
#include "core/common/log.hpp"

namespace parley::bridges::xmpp {
namespace {

constexpr std::string_view kLog = "xmpp";
constexpr std::string_view kMam = "urn:xmpp:mam:2";
constexpr std::string_view kRsm = "http://jabber.org/protocol/rsm";
constexpr std::string_view kForward = "urn:xmpp:forward:0";
constexpr std::size_t kArchivePage = 100;
constexpr std::size_t kMaxCatchUp = 10'000;    // archived messages passed on after one join
constexpr std::size_t kRememberedIds = 2'000;  // per room, for corrections
constexpr std::chrono::milliseconds kRejoinMin{1'000};
constexpr std::chrono::milliseconds kRejoinMax{60'000};

std::string lowerAscii(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool hasStatus(const Stanza& presence, std::string_view code) {
  const Stanza x = presence.child("x", ns::kMucUser);
  if (!x) return false;
  for (const auto& child : x.children()) {
    if (child.name() == "status" && child.attribute("code") == code) return true;
  }
  return false;
}

std::string errorCondition(const Stanza& stanza) {
  const Stanza error = stanza.child("error");
  if (!error) return "undefined-condition";
  for (const auto& child : error.children()) {
    if (child.ns() == ns::kStanzas && child.name() != "text") return std::string(child.name());
  }
  return "undefined-condition";
}

std::string originIdOf(const Stanza& message) {
  const Stanza origin = message.child("origin-id", ns::kStableId);
  return origin ? std::string(origin.attribute("id")) : std::string();
}

}  // namespace

std::string partnerRoomJid(std::string_view remoteRoom, std::string_view domain) {
  const Jid jid = parseJid(remoteRoom);
  if (jid.local.empty() || !jid.resource.empty() || jid.domain.empty()) return {};
  std::string bare = lowerAscii(jid.bare());
  if (lowerAscii(jid.domain) == lowerAscii(domain)) return {};
  const bool clean = std::none_of(bare.begin(), bare.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == '/' || c == '"' || c == '\'' || c == '<' ||
           c == '>' || c == '&';
  });
  if (!clean || std::count(bare.begin(), bare.end(), '@') != 1 || bare.size() > 512) return {};
  return bare;
}

std::string puppetNick(std::string_view name, int attempt) {
  std::string clean;
  std::size_t points = 0;
  std::size_t at = 0;
  while (at < name.size() && points < kMaxNickCodePoints) {
    const utf8::Decoded decoded = utf8::decode(name, at);
    const std::string_view point = name.substr(at, decoded.length);
    at += decoded.length;
    if (!decoded.valid) continue;  // not UTF-8: dropped
    if (decoded.codepoint < 0x20 || (decoded.codepoint >= 0x7f && decoded.codepoint < 0xa0))
      continue;  // control characters
    if (clean.empty() && point == " ") continue;
    clean.append(point);
    ++points;
  }
  while (!clean.empty() && clean.back() == ' ') clean.pop_back();
  if (clean.empty()) clean = "user";
  std::string nick = clean + std::string(kPuppetNickSuffix);
  if (attempt > 1) nick += " " + std::to_string(attempt);
  return nick;
}

std::string parleyMessageId(std::string_view id) {
  return std::string(kParleyIdPrefix) + std::string(id);
}

bool isParleyMessageId(std::string_view id) { return id.starts_with(kParleyIdPrefix); }

std::string occupantRemoteId(std::string_view roomJid, std::string_view nick) {
  std::string out;
  for (char c : nick) {
    if (c == '%') {
      out += "%25";
    } else if (c == '@') {
      out += "%40";
    } else if (c == '/') {
      out += "%2F";
    } else {
      out += c;
    }
  }
  return out + "@" + std::string(roomJid);
}

PartnerRooms::PartnerRooms(xmpp_ctx_t* ctx, Options options, Send send, OnMessage onMessage,
                           OnJoined onJoined)
    : ctx_(ctx),
      options_(std::move(options)),
      send_(std::move(send)),
      onMessage_(std::move(onMessage)),
      onJoined_(std::move(onJoined)) {}

std::string PartnerRooms::puppetJid(std::string_view username) const {
  return std::string(username) + "@" + options_.domain + "/parley";
}

PartnerRooms::Room* PartnerRooms::findRoom(std::string_view jid) {
  const auto it = rooms_.find(lowerAscii(jid));
  return it == rooms_.end() ? nullptr : &it->second;
}

const PartnerRooms::Room* PartnerRooms::findRoom(std::string_view jid) const {
  const auto it = rooms_.find(lowerAscii(jid));
  return it == rooms_.end() ? nullptr : &it->second;
}

bool PartnerRooms::hasRoom(std::string_view room) const { return findRoom(room) != nullptr; }

bool PartnerRooms::handles(const Stanza& stanza) const {
  const Jid from = parseJid(stanza.attribute("from"));
  return from.valid() && !from.local.empty() && findRoom(from.bare()) != nullptr;
}

void PartnerRooms::setRooms(const std::vector<std::string>& rooms) {
  for (auto it = rooms_.begin(); it != rooms_.end();) {
    if (std::find(rooms.begin(), rooms.end(), it->first) != rooms.end()) {
      ++it;
      continue;
    }
    Room& room = it->second;
    for (Occupant* occupant : occupants(room)) leave(room, *occupant);
    std::vector<std::uint64_t> orphans;
    for (const auto& [id, pending] : pending_) {
      if (pending.room == room.jid) orphans.push_back(id);
    }
    for (const auto id : orphans) fail(id, "the room is no longer linked");
    it = rooms_.erase(it);
  }
  for (const auto& jid : rooms) {
    if (rooms_.count(jid) != 0) continue;
    Room& room = rooms_[jid];
    room.jid = jid;
    room.listener.jid = listenerJid();
    room.listener.nickName = std::string(kListenerNick);
    room.listener.wanted = true;
    if (up_) join(room, room.listener);
  }
}

void PartnerRooms::linkUp() {
  up_ = true;
  for (auto& [jid, room] : rooms_) {
    for (Occupant* occupant : occupants(room)) {
      if (occupant->wanted) join(room, *occupant);
    }
  }
}

void PartnerRooms::linkDown() {
  up_ = false;
  const std::string error = "the XMPP server is not connected";
  for (auto& [jid, room] : rooms_) {
    room.catching = Catch{};
    for (Occupant* occupant : occupants(room)) {
      occupant->state = State::kOut;
      occupant->attempt = 1;
      joined(room, *occupant, error);
    }
  }
  std::vector<std::uint64_t> all;
  for (const auto& [id, pending] : pending_) all.push_back(id);
  for (const auto id : all) fail(id, error);
}

void PartnerRooms::join(Room& room, Occupant& occupant) {
  if (!up_) return;
  const bool listener = &occupant == &room.listener;
  occupant.nick =
      listener ? occupant.nickName +
                     (occupant.attempt > 1 ? " " + std::to_string(occupant.attempt) : std::string())
               : puppetNick(occupant.nickName, occupant.attempt);
  Stanza presence = Stanza::element(ctx_, "presence");
  presence.set("from", occupant.jid).set("to", room.jid + "/" + occupant.nick);
  // No history: the room's past is not replayed as live messages (catch-up reads the archive
  // after the last stanza-id seen instead).
  presence.addChild("x", ns::kMuc).addChild("history").set("maxstanzas", "0");
  occupant.state = State::kJoining;
  occupant.deadline = std::chrono::steady_clock::now() + options_.replyTimeout;
  if (!send_(presence)) {
    occupant.state = State::kOut;
    joined(room, occupant, "the XMPP server is not connected");
  }
}

void PartnerRooms::joined(Room& room, Occupant& occupant, const std::string& error) {
  if (error.empty()) {
    occupant.backoff = std::chrono::milliseconds{0};
  } else if (up_ && occupant.wanted) {
    occupant.backoff = std::clamp(occupant.backoff * 2, kRejoinMin, kRejoinMax);
    occupant.retryAt = std::chrono::steady_clock::now() + occupant.backoff;
  }
  auto waiting = std::move(occupant.waiting);
  occupant.waiting.clear();
  if (error.empty() && &occupant == &room.listener) {
    room.catching = Catch{};
    room.catching.active = true;
    room.catching.deadline = std::chrono::steady_clock::now() + 3 * options_.replyTimeout;
    core::log::info(kLog, "joined a partner room", {{"room", room.jid}, {"nick", occupant.nick}});
  }
  for (auto& callback : waiting) callback(error);
  if (error.empty() && &occupant == &room.listener && onJoined_) onJoined_(room.jid);
}

void PartnerRooms::leave(Room& room, Occupant& occupant) {
  if (occupant.state != State::kOut && up_) {
    Stanza presence = Stanza::element(ctx_, "presence");
    presence.set("from", occupant.jid)
        .set("to", room.jid + "/" + occupant.nick)
        .set("type", "unavailable");
    send_(presence);
  }
  occupant.state = State::kOut;
  occupant.wanted = false;
  joined(room, occupant, "the room is no longer linked");
}

std::vector<PartnerRooms::Occupant*> PartnerRooms::occupants(Room& room) {
  std::vector<Occupant*> all{&room.listener};
  for (auto& [username, puppet] : room.puppets) all.push_back(&puppet);
  return all;
}

PartnerRooms::Occupant* PartnerRooms::occupantOf(Room& room, std::string_view jid) const {
  if (jid == room.listener.jid) return &room.listener;
  const Jid to = parseJid(jid);
  if (lowerAscii(to.domain) != options_.domain || to.local.empty()) return nullptr;
  const auto it = room.puppets.find(to.local);
  return it == room.puppets.end() ? nullptr : &it->second;
}

void PartnerRooms::handle(const Stanza& stanza) {
  const Jid from = parseJid(stanza.attribute("from"));
  Room* room = findRoom(from.bare());
  if (room == nullptr) return;
  if (stanza.name() == "presence") {
    handlePresence(*room, stanza, from);
  } else if (stanza.name() == "message") {
    handleMessage(*room, stanza, from);
  } else if (stanza.name() == "iq") {
    handleIq(*room, stanza, from);
  }
}

void PartnerRooms::handlePresence(Room& room, const Stanza& presence, const Jid& from) {
  Occupant* occupant = occupantOf(room, presence.attribute("to"));
  if (occupant == nullptr || from.resource.empty()) return;  // someone else's presence
  const std::string_view type = presence.attribute("type");
  if (type == "error") {
    if (occupant->state != State::kJoining) return;
    const std::string condition = errorCondition(presence);
    if (condition == "conflict" && occupant->attempt < kMaxNickAttempts) {
      // The nick is taken (409): the next number.
      ++occupant->attempt;
      join(room, *occupant);
      return;
    }
    occupant->state = State::kOut;
    core::log::warn(kLog, "a partner room refused an occupant of Parley's",
                    {{"room", room.jid}, {"nick", occupant->nick}, {"condition", condition}});
    joined(room, *occupant, "the room refused the join: " + condition);
    return;
  }
  const bool self = hasStatus(presence, "110") || from.resource == occupant->nick;
  if (!self) return;
  if (type == "unavailable") {
    if (hasStatus(presence, "303")) return;  // a nick change: the new presence follows
    if (occupant->state == State::kOut) return;
    // Kicked, or the room went away (shutdown, destruction): rejoined after a pause.
    occupant->state = State::kOut;
    core::log::info(kLog, "Parley's occupant left a partner room",
                    {{"room", room.jid}, {"nick", occupant->nick}});
    joined(room, *occupant, "the occupant left the room");
    return;
  }
  if (occupant->state == State::kJoining) {
    occupant->state = State::kIn;
    occupant->nick = from.resource;
    joined(room, *occupant, {});
  }
}

std::string PartnerRooms::roomStanzaId(const Room& room, const Stanza& message) const {
  for (const auto& child : message.children()) {
    if (child.name() == "stanza-id" && child.ns() == ns::kStableId &&
        lowerAscii(child.attribute("by")) == room.jid) {
      return std::string(child.attribute("id"));
    }
  }
  return {};
}

void PartnerRooms::handleMessage(Room& room, const Stanza& message, const Jid& from) {
  const std::string id(message.attribute("id"));
  const std::string originId = originIdOf(message);
  if (message.attribute("type") == "error") {
    for (const auto* key : {&id, &originId}) {
      const auto it = pendingById_.find(*key);
      if (it == pendingById_.end()) continue;
      const std::string condition = errorCondition(message);
      if (condition == "not-acceptable") {
        // The room no longer counts that occupant in (XEP-0045 §7.2.x): it joins again first.
        if (Occupant* occupant = occupantOf(room, message.attribute("to"))) {
          occupant->state = State::kOut;
        }
      }
      fail(it->second, "the room refused the message: " + condition);
      return;
    }
    return;
  }
  // An archive result (our catch-up query).
  if (const Stanza result = message.child("result", kMam)) {
    if (room.catching.queryId.empty() || result.attribute("queryid") != room.catching.queryId)
      return;
    const Stanza forwarded = result.child("forwarded", kForward);
    const Stanza inner = forwarded ? forwarded.child("message") : Stanza();
    if (!inner) return;
    Stanza copy = inner.copy();
    const Jid sender = parseJid(copy.attribute("from"));
    if (sender.resource.empty() || isParleyMessageId(copy.attribute("id")) ||
        isParleyMessageId(originIdOf(copy))) {
      return;  // the room's own notices; Parley's own messages
    }
    if (roomStanzaId(room, copy).empty()) {
      Stanza sid = copy.addChild("stanza-id", ns::kStableId);
      sid.set("id", result.attribute("id")).set("by", room.jid);
    }
    room.catching.archived.push_back(Incoming{room.jid, sender.resource, std::move(copy)});
    return;
  }
  if (message.attribute("type") != "groupchat") return;
  // The reflection of a message Parley sent: its stanza-id.
  for (const auto* key : {&id, &originId}) {
    if (key->empty()) continue;
    const auto it = pendingById_.find(*key);
    if (it == pendingById_.end()) continue;
    const auto pending = pending_.find(it->second);
    if (pending != pending_.end() &&
        (pending->second.room != room.jid || from.resource != pending->second.nick)) {
      // Another occupant sending a message under the id Parley gave its own: not the
      // reflection, and not a message to bridge either (its id is Parley's).
      core::log::warn(
          kLog, "a message with the id of Parley's pending message came from another occupant",
          {{"room", room.jid}, {"nick", from.resource}});
      return;
    }
    pendingById_.erase(it);
    if (pending == pending_.end()) return;
    auto& waiting = pending->second;
    const auto index =
        std::find(waiting.ids.begin(), waiting.ids.end(), *key) - waiting.ids.begin();
    if (static_cast<std::size_t>(index) < waiting.stanzaIds.size()) {
      std::string stanzaId = roomStanzaId(room, message);
      if (stanzaId.empty()) {
        stanzaId = *key;  // a room without muc_mam: its occupants name the message by its id
      } else if (room.own.emplace(stanzaId, *key).second) {
        room.ownOrder.push_back(stanzaId);
        if (room.ownOrder.size() > kRememberedIds) {
          room.own.erase(room.ownOrder.front());
          room.ownOrder.pop_front();
        }
      }
      waiting.stanzaIds[index] = std::move(stanzaId);
    }
    if (--waiting.remaining == 0) {
      auto done = std::move(waiting.done);
      Posted posted{true, std::move(waiting.stanzaIds), {}};
      pending_.erase(pending);
      done(std::move(posted));
    }
    return;
  }
  // Parley's own (a copy for another of its occupants, or one sent before a restart): no echo.
  if (isParleyMessageId(id) || isParleyMessageId(originId)) return;
  if (from.resource.empty() || message.child("subject")) return;  // the room's notices, subject
  // Each of Parley's occupants gets a copy: the listener's is the one passed on.
  if (message.attribute("to") != room.listener.jid) return;
  deliverIncoming(room, Incoming{room.jid, from.resource, message});
}

void PartnerRooms::remember(Room& room, const std::string& nick, const Stanza& message,
                            const std::string& stanzaId) {
  const std::string id(message.attribute("id"));
  if (id.empty() || stanzaId.empty()) return;
  auto key = std::make_pair(nick, id);
  if (room.ids.emplace(key, stanzaId).second) room.idOrder.push_back(std::move(key));
  while (room.idOrder.size() > kRememberedIds) {
    room.ids.erase(room.idOrder.front());
    room.idOrder.pop_front();
  }
}

std::string PartnerRooms::stanzaIdOf(const std::string& room, const std::string& nick,
                                     const std::string& messageId) const {
  const Room* found = findRoom(room);
  if (found == nullptr) return {};
  const auto it = found->ids.find({nick, messageId});
  return it == found->ids.end() ? std::string() : it->second;
}

std::string PartnerRooms::ownMessageId(const std::string& room, const std::string& stanzaId) const {
  const Room* found = findRoom(room);
  if (found == nullptr) return {};
  const auto it = found->own.find(stanzaId);
  return it == found->own.end() ? std::string() : it->second;
}

void PartnerRooms::leaveAll() {
  for (auto& [jid, room] : rooms_) {
    for (Occupant* occupant : occupants(room)) leave(room, *occupant);
  }
}

void PartnerRooms::deliverIncoming(Room& room, Incoming incoming) {
  if (room.catching.active) {
    room.catching.live.push_back(std::move(incoming));
    return;
  }
  remember(room, incoming.nick, incoming.message, roomStanzaId(room, incoming.message));
  if (onMessage_) onMessage_(std::move(incoming));
}

void PartnerRooms::handleIq(Room& room, const Stanza& iq, const Jid& /*from*/) {
  const std::string_view type = iq.attribute("type");
  if (type == "get" || type == "set") {
    // A ping of one of Parley's occupants (XEP-0410): answered for a joined one.
    Occupant* occupant = occupantOf(room, iq.attribute("to"));
    const bool ping = iq.child("ping", ns::kPing) && type == "get";
    if (ping && occupant != nullptr && occupant->state == State::kIn) {
      Stanza reply = Stanza::element(ctx_, "iq");
      reply.set("type", "result")
          .set("id", iq.attribute("id"))
          .set("from", iq.attribute("to"))
          .set("to", iq.attribute("from"));
      send_(reply);
      return;
    }
    send_(errorReply(iq, "cancel", ping ? "not-acceptable" : "service-unavailable"));
    return;
  }
  if (room.catching.queryId.empty() || iq.attribute("id") != room.catching.queryId) return;
  if (type == "error") {
    core::log::warn(kLog, "a partner room refused Parley's archive query; no catch-up",
                    {{"room", room.jid}, {"condition", errorCondition(iq)}});
    finishCatchUp(room);
    return;
  }
  const Stanza fin = iq.child("fin", kMam);
  const Stanza set = fin ? fin.child("set", kRsm) : Stanza();
  const Stanza last = set ? set.child("last") : Stanza();
  const bool complete = !fin || fin.attribute("complete") == "true" || !last;
  if (complete || room.catching.archived.size() >= kMaxCatchUp) {
    finishCatchUp(room);
    return;
  }
  queryArchive(room, last.text());
}

void PartnerRooms::catchUp(const std::string& room, const std::string& afterStanzaId) {
  Room* found = findRoom(room);
  if (found == nullptr || !found->catching.active) return;
  if (afterStanzaId.empty() || !up_) {
    finishCatchUp(*found);
    return;
  }
  queryArchive(*found, afterStanzaId);
}

void PartnerRooms::queryArchive(Room& room, const std::string& after) {
  room.catching.queryId = "parley-mam-" + std::to_string(nextQuery_++);
  room.catching.deadline = std::chrono::steady_clock::now() + options_.replyTimeout;
  Stanza iq = Stanza::element(ctx_, "iq");
  iq.set("type", "set")
      .set("id", room.catching.queryId)
      .set("from", room.listener.jid)
      .set("to", room.jid);
  Stanza query = iq.addChild("query", kMam);
  query.set("queryid", room.catching.queryId);
  Stanza set = query.addChild("set", kRsm);
  set.addText("max", {}, std::to_string(kArchivePage));
  set.addText("after", {}, after);
  if (!send_(iq)) finishCatchUp(room);
}

void PartnerRooms::finishCatchUp(Room& room) {
  Catch catching = std::move(room.catching);
  room.catching = Catch{};
  std::set<std::string> seen;
  std::size_t archived = 0;
  for (auto* list : {&catching.archived, &catching.live}) {
    for (auto& incoming : *list) {
      const std::string stanzaId = roomStanzaId(room, incoming.message);
      if (!stanzaId.empty() && !seen.insert(stanzaId).second) continue;
      if (list == &catching.archived) ++archived;
      deliverIncoming(room, std::move(incoming));
    }
  }
  if (archived > 0) {
    core::log::info(kLog, "caught up with a partner room's archive",
                    {{"room", room.jid}, {"messages", archived}});
  }
}

void PartnerRooms::post(const std::string& room, const std::string& username,
                        const std::string& displayName, std::vector<Stanza> messages,
                        std::function<void(Posted)> done) {
  Room* found = findRoom(room);
  if (found == nullptr || !up_) {
    done(Posted{
        false,
        {},
        found == nullptr ? "not a linked partner room" : "the XMPP server is not connected"});
    return;
  }
  const std::uint64_t pendingId = nextPending_++;
  Pending pending;
  pending.room = found->jid;
  for (const auto& message : messages) pending.ids.emplace_back(message.attribute("id"));
  pending.stanzaIds.resize(messages.size());
  pending.remaining = messages.size();
  pending.deadline = std::chrono::steady_clock::now() + 2 * options_.replyTimeout;
  pending.done = std::move(done);
  pending_.emplace(pendingId, std::move(pending));
  if (messages.empty()) {
    fail(pendingId, "nothing to send");
    return;
  }
  auto [it, fresh] = found->puppets.try_emplace(username);
  Occupant& puppet = it->second;
  if (fresh) puppet.jid = puppetJid(username);
  puppet.nickName = displayName;
  puppet.wanted = true;
  if (puppet.state == State::kIn) {
    sendAll(puppet, pendingId, messages);
    return;
  }
  puppet.waiting.emplace_back([this, roomJid = found->jid, username, pendingId,
                               messages = std::move(messages)](const std::string& error) {
    if (!error.empty()) {
      fail(pendingId, error);
      return;
    }
    Room* again = findRoom(roomJid);
    if (again == nullptr || !again->puppets.contains(username)) {
      fail(pendingId, "the room is no longer linked");
      return;
    }
    sendAll(again->puppets.at(username), pendingId, messages);
  });
  if (puppet.state == State::kOut) join(*found, puppet);
}

void PartnerRooms::sendAll(const Occupant& sender, std::uint64_t pendingId,
                           const std::vector<Stanza>& messages) {
  const auto pending = pending_.find(pendingId);
  if (pending == pending_.end()) return;
  pending->second.nick = sender.nick;
  pending->second.deadline = std::chrono::steady_clock::now() + options_.replyTimeout;
  for (const auto& message : messages) {
    pendingById_[std::string(message.attribute("id"))] = pendingId;
    if (!send_(message)) {
      fail(pendingId, "the XMPP server is not connected");
      return;
    }
  }
}

void PartnerRooms::fail(std::uint64_t pendingId, const std::string& error) {
  const auto pending = pending_.find(pendingId);
  if (pending == pending_.end()) return;
  for (const auto& id : pending->second.ids) {
    const auto it = pendingById_.find(id);
    if (it != pendingById_.end() && it->second == pendingId) pendingById_.erase(it);
  }
  auto done = std::move(pending->second.done);
  pending_.erase(pending);
  if (done) done(Posted{false, {}, error});
}

void PartnerRooms::tick(std::chrono::steady_clock::time_point now) {
  for (auto& [jid, room] : rooms_) {
    for (Occupant* occupant : occupants(room)) {
      if (occupant->state == State::kJoining && now >= occupant->deadline) {
        occupant->state = State::kOut;
        joined(room, *occupant, "the room did not answer the join");
      } else if (up_ && occupant->state == State::kOut && occupant->wanted &&
                 occupant->backoff.count() > 0 && now >= occupant->retryAt) {
        join(room, *occupant);
      }
    }
    if (room.catching.active && now >= room.catching.deadline) {
      core::log::warn(kLog, "a partner room's catch-up did not finish in time",
                      {{"room", room.jid}});
      finishCatchUp(room);
    }
  }
  std::vector<std::uint64_t> late;
  for (const auto& [id, pending] : pending_) {
    if (now >= pending.deadline) late.push_back(id);
  }
  for (const auto id : late) fail(id, "the room did not reflect the message");
}

std::vector<std::string> PartnerRooms::joinedNicks(std::string_view room) const {
  std::vector<std::string> nicks;
  const Room* found = findRoom(room);
  if (found == nullptr) return nicks;
  if (found->listener.state == State::kIn) nicks.push_back(found->listener.nick);
  for (const auto& [username, puppet] : found->puppets) {
    if (puppet.state == State::kIn) nicks.push_back(puppet.nick);
  }
  std::sort(nicks.begin(), nicks.end());
  return nicks;
}

}  // namespace parley::bridges::xmpp
