#include "bridges/xmpp/room_host.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>

#include "bridges/xmpp/translate.hpp"
#include "core/common/log.hpp"

namespace parley::bridges::xmpp {
namespace {

constexpr std::string_view kLog = "xmpp";
constexpr std::size_t kMaxNickBytes = 64;  // longer requested nicks are refused
constexpr std::string_view kMam = "urn:xmpp:mam:2";
constexpr std::string_view kRsm = "http://jabber.org/protocol/rsm";
constexpr std::string_view kForward = "urn:xmpp:forward:0";
constexpr std::string_view kDataForm = "jabber:x:data";
constexpr std::size_t kMaxCursorBytes = 64;  // post ids are 26; anything longer is no cursor

// A XEP-0082 date-time ("2026-11-22T20:15:00Z", fractions and a +hh:mm offset allowed) as
// milliseconds since the epoch; nullopt when it is not one.
std::optional<std::int64_t> parseStamp(const std::string& text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, used = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute,
                  &second, &used) != 6 ||
      used != 19) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return std::nullopt;
  std::size_t at = 19;
  std::int64_t millis = 0;
  if (at < text.size() && text[at] == '.') {
    int digits = 0;
    for (++at; at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])); ++at) {
      if (digits++ < 3) millis = millis * 10 + (text[at] - '0');
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 3; ++digits) millis *= 10;
  }
  std::int64_t offset = 0;
  if (at < text.size() && text[at] == 'Z' && at + 1 == text.size()) {
    offset = 0;
  } else if (at + 6 == text.size() && (text[at] == '+' || text[at] == '-') && text[at + 3] == ':') {
    int offsetHours = 0, offsetMinutes = 0;
    if (std::sscanf(text.c_str() + at + 1, "%2d:%2d", &offsetHours, &offsetMinutes) != 2)
      return std::nullopt;
    offset = (text[at] == '+' ? 1 : -1) * (offsetHours * 3600 + offsetMinutes * 60);
  } else {
    return std::nullopt;
  }
  std::tm utc{};
  utc.tm_year = year - 1900;
  utc.tm_mon = month - 1;
  utc.tm_mday = day;
  utc.tm_hour = hour;
  utc.tm_min = minute;
  utc.tm_sec = second;
  const std::time_t seconds = timegm(&utc);
  return (static_cast<std::int64_t>(seconds) - offset) * 1000 + millis;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// XEP-0082 date-time in UTC with milliseconds, for <delay stamp=.../>.
std::string stamp(std::chrono::system_clock::time_point at) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch());
  const std::time_t seconds = static_cast<std::time_t>(ms.count() / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 80> buffer{};  // the widest output of the format, as -O2 works it out
  std::snprintf(buffer.data(), buffer.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                utc.tm_sec, static_cast<int>(ms.count() % 1000));
  return buffer.data();
}

// A stable id per room and real bare JID (XEP-0421 occupant-id): FNV-1a, 64 bits, as hex.
std::string fnv1a(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (const unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  std::array<char, 17> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%016llx", static_cast<unsigned long long>(hash));
  return buffer.data();
}

void addFeature(Stanza& query, std::string_view feature) {
  query.addChild("feature").set("var", feature);
}

}  // namespace

RoomHost::RoomHost(xmpp_ctx_t* ctx, Options options, Send send, OnGroupchat onGroupchat)
    : ctx_(ctx),
      options_(std::move(options)),
      send_(std::move(send)),
      onGroupchat_(std::move(onGroupchat)) {}

void RoomHost::setRooms(const std::vector<RoomInfo>& rooms) {
  for (auto it = rooms_.begin(); it != rooms_.end();) {
    const bool kept = std::any_of(rooms.begin(), rooms.end(), [&](const RoomInfo& info) {
      return lower(info.localpart) == it->first;
    });
    if (kept) {
      ++it;
      continue;
    }
    for (const auto& occupant : it->second.occupants) {
      Stanza presence = occupantPresence(it->second, occupant, occupant.jid, true);
      presence.child("x", ns::kMucUser).addChild("destroy");
      send_(presence);
    }
    it = rooms_.erase(it);
  }
  for (const auto& info : rooms) {
    Room& room = rooms_[lower(info.localpart)];
    room.info = info;
    room.info.localpart = lower(info.localpart);
  }
}

bool RoomHost::hasRoom(std::string_view localpart) const {
  return findRoom(lower(localpart)) != nullptr;
}

RoomHost::Room* RoomHost::findRoom(std::string_view localpart) {
  const auto it = rooms_.find(localpart);
  return it == rooms_.end() ? nullptr : &it->second;
}

const RoomHost::Room* RoomHost::findRoom(std::string_view localpart) const {
  const auto it = rooms_.find(localpart);
  return it == rooms_.end() ? nullptr : &it->second;
}

const RoomHost::Occupant* RoomHost::findByJid(const Room& room, std::string_view jid) {
  for (const auto& occupant : room.occupants) {
    if (occupant.jid == jid) return &occupant;
  }
  return nullptr;
}

const RoomHost::Occupant* RoomHost::findByNick(const Room& room, std::string_view nick) {
  for (const auto& occupant : room.occupants) {
    if (lower(occupant.nick) == lower(nick)) return &occupant;
  }
  return nullptr;
}

std::string RoomHost::roomJid(const Room& room) const {
  return room.info.localpart + "@" + options_.domain;
}

std::string RoomHost::occupantId(const Room& room, const Occupant& occupant) const {
  return fnv1a(roomJid(room) + "|" + parseJid(occupant.jid).bare());
}

void RoomHost::handle(const Stanza& stanza) {
  const std::string_view kind = stanza.name();
  const std::string_view type = stanza.attribute("type");
  const Jid from = parseJid(stanza.attribute("from"));
  const Jid to = parseJid(stanza.attribute("to"));
  // The server stamps `from` on everything it routes; without a valid one there is nobody to
  // answer. A `from` in Parley's own domain cannot come from a client: it is forged.
  if (!from.valid() || lower(from.domain) == options_.domain) {
    core::log::warn(
        kLog, "dropped a stanza with a missing or forged sender",
        {{"stanza", std::string(kind)}, {"from", std::string(stanza.attribute("from"))}});
    return;
  }
  if (type == "error") {
    // An error from an occupant's server (e.g. its session is gone) ends its presence in the
    // room (XEP-0045 §7.2.5); other errors need no answer (answering errors can loop).
    if (kind == "presence" || kind == "message") {
      if (Room* room = findRoom(lower(to.local))) {
        if (const Occupant* occupant = findByJid(*room, from.full()))
          leave(*room, *occupant, false);
      }
    }
    return;
  }
  if (!to.valid() || lower(to.domain) != options_.domain) {
    reply(stanza, "cancel", "item-not-found");
    return;
  }
  if (const auto size = stanza.xmlSize(); size > options_.maxStanzaBytes) {
    reply(stanza, "modify", "policy-violation",
          "stanza of " + std::to_string(size) + " bytes is larger than the limit of " +
              std::to_string(options_.maxStanzaBytes));
    return;
  }
  if (kind == "iq") {
    handleIq(stanza, from, to);
  } else if (kind == "presence") {
    handlePresence(stanza, from, to);
  } else if (kind == "message") {
    handleMessage(stanza, from, to);
  }
}

void RoomHost::reply(const Stanza& original, std::string_view type, std::string_view condition,
                     std::string_view text) {
  if (original.attribute("type") == "error") return;
  send_(errorReply(original, type, condition, text));
}

Stanza RoomHost::iqResult(const Stanza& iq) const {
  Stanza result = Stanza::element(ctx_, "iq");
  result.set("type", "result");
  result.set("id", iq.attribute("id"));
  result.set("to", iq.attribute("from"));
  result.set("from", iq.attribute("to"));
  return result;
}

void RoomHost::handleIq(const Stanza& iq, const Jid& from, const Jid& to) {
  const std::string_view type = iq.attribute("type");
  if (type == "result") return;
  const auto payloads = iq.children();
  if ((type != "get" && type != "set") || payloads.size() != 1 || !iq.hasAttribute("id")) {
    reply(iq, "modify", "bad-request");
    return;
  }
  const Stanza& payload = payloads.front();
  const std::string_view name = payload.name();
  const std::string_view payloadNs = payload.ns();
  const bool isGet = type == "get";
  const Room* room = to.local.empty() ? nullptr : findRoom(lower(to.local));

  // The domain itself: the gateway and MUC service.
  if (to.local.empty()) {
    if (!to.resource.empty()) {
      reply(iq, "cancel", "service-unavailable");
    } else {
      answerServiceIq(iq, to, payload);
    }
    return;
  }
  if (room == nullptr) {
    // user@domain (a Mattermost user) or an unknown room: only disco#info is answered for
    // users; room JIDs that are not linked do not exist.
    reply(iq, "cancel", "item-not-found");
    return;
  }
  if (!to.resource.empty()) {
    // XEP-0410 self-ping: answered for a joined occupant pinging its own occupant JID, so a
    // client notices when Parley restarted and rejoins.
    if (isGet && name == "ping" && payloadNs == ns::kPing) {
      const Occupant* occupant = findByJid(*room, from.full());
      if (occupant != nullptr && lower(occupant->nick) == lower(to.resource)) {
        send_(iqResult(iq));
      } else {
        reply(iq, "cancel", "not-acceptable");
      }
      return;
    }
    reply(iq, "cancel", "service-unavailable");
    return;
  }
  if (name == "query" && payloadNs == kMam && onArchiveQuery_) {
    handleArchiveIq(*room, iq, from, payload);
    return;
  }
  answerServiceIq(iq, to, payload);
}

void RoomHost::handleArchiveIq(const Room& room, const Stanza& iq, const Jid& from,
                               const Stanza& query) {
  // The archive is the room's: its occupants read it (a client joins, then catches up).
  const bool occupant =
      std::any_of(room.occupants.begin(), room.occupants.end(),
                  [&](const Occupant& o) { return parseJid(o.jid).bare() == from.bare(); });
  if (!occupant) {
    reply(iq, "auth", "forbidden", "only occupants may read this room's archive");
    return;
  }
  if (iq.attribute("type") == "get") {
    // XEP-0313 §5.1: the fields this archive filters on.
    Stanza result = iqResult(iq);
    Stanza form = result.addChild("query", kMam).addChild("x", kDataForm);
    form.set("type", "form");
    Stanza formType = form.addChild("field");
    formType.set("var", "FORM_TYPE").set("type", "hidden");
    formType.addText("value", {}, kMam);
    for (const auto var : {"start", "end", "after-id", "before-id"}) {
      form.addChild("field").set("var", var).set("type", "text-single");
    }
    send_(result);
    return;
  }
  ArchiveQuery request;
  request.room = room.info.localpart;
  request.requester = from.full();
  request.iqId = std::string(iq.attribute("id"));
  request.queryId = std::string(query.attribute("queryid"));
  request.max = kDefaultArchivePage;
  if (request.queryId.size() > kMaxCursorBytes) {
    reply(iq, "modify", "bad-request", "the queryid is too long");
    return;
  }
  const auto cursor = [&](std::string text, std::string& into) {
    if (text.size() > kMaxCursorBytes) return false;
    into = std::move(text);
    return true;
  };
  if (const Stanza form = query.child("x", kDataForm)) {
    for (const auto& field : form.children()) {
      if (field.name() != "field") continue;
      const std::string var(field.attribute("var"));
      const std::string value = field.child("value").text();
      bool ok = true;
      if (var == "FORM_TYPE") {
        ok = value == kMam;
      } else if (var == "start" || var == "end") {
        const auto millis = parseStamp(value);
        ok = millis.has_value();
        if (ok) (var == "start" ? request.startMs : request.endMs) = *millis;
      } else if (var == "after-id") {
        ok = cursor(value, request.after);
      } else if (var == "before-id") {
        ok = cursor(value, request.before);
      } else {
        // `with` and anything else: filters this archive does not offer (§4.1.1).
        reply(iq, "cancel", "feature-not-implemented", "the archive cannot filter on " + var);
        return;
      }
      if (!ok) {
        reply(iq, "modify", "bad-request", "the field " + var + " has a bad value");
        return;
      }
    }
  }
  if (const Stanza set = query.child("set", kRsm)) {
    if (const Stanza max = set.child("max")) {
      const std::string text = max.text();
      char* end = nullptr;
      const unsigned long value = std::strtoul(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0') {
        reply(iq, "modify", "bad-request", "<max/> is not a number");
        return;
      }
      request.max = std::min<std::size_t>(value, kMaxArchivePage);
    }
    bool ok = true;
    if (const Stanza after = set.child("after")) ok = cursor(after.text(), request.after);
    if (const Stanza before = set.child("before")) {
      const std::string text = before.text();
      if (text.empty()) {
        request.lastPage = true;
      } else {
        ok = ok && cursor(text, request.before);
      }
    }
    if (!ok) {
      reply(iq, "modify", "bad-request", "a cursor is too long");
      return;
    }
  }
  onArchiveQuery_(std::move(request));
}

void RoomHost::answerServiceIq(const Stanza& iq, const Jid& to, const Stanza& payload) {
  const bool isGet = iq.attribute("type") == "get";
  const std::string_view name = payload.name();
  const std::string_view payloadNs = payload.ns();
  if (isGet && name == "query" && payloadNs == ns::kDiscoInfo) {
    send_(discoInfo(iq, to));
  } else if (isGet && name == "query" && payloadNs == ns::kDiscoItems) {
    send_(discoItems(iq, to));
  } else if (isGet && name == "ping" && payloadNs == ns::kPing) {
    send_(iqResult(iq));
  } else {
    reply(iq, "cancel", "service-unavailable");
  }
}

Stanza RoomHost::discoInfo(const Stanza& iq, const Jid& to) const {
  Stanza result = iqResult(iq);
  Stanza query = result.addChild("query", ns::kDiscoInfo);
  if (const std::string node(iq.child("query").attribute("node")); !node.empty()) {
    query.set("node", node);
  }
  const std::vector<std::string_view> common = {ns::kDiscoInfo, ns::kDiscoItems, ns::kPing,
                                                ns::kMuc,
                                                "http://jabber.org/protocol/muc#stable_id"};
  if (to.local.empty()) {
    query.addChild("identity")
        .set("category", "conference")
        .set("type", "text")
        .set("name", "Parley");
    query.addChild("identity")
        .set("category", "gateway")
        .set("type", "mattermost")
        .set("name", "Parley");
    for (const auto feature : common) addFeature(query, feature);
    return result;
  }
  const Room& room = *findRoom(lower(to.local));
  query.addChild("identity")
      .set("category", "conference")
      .set("type", "text")
      .set("name", room.info.name.empty() ? room.info.localpart : room.info.name);
  for (const auto feature : common) addFeature(query, feature);
  for (const auto feature :
       {std::string_view("http://jabber.org/protocol/muc#self-ping-optimization"),
        std::string_view("muc_persistent"), std::string_view("muc_public"),
        std::string_view("muc_open"), std::string_view("muc_nonanonymous"),
        std::string_view("muc_unmoderated"), std::string_view("muc_unsecured"), ns::kStableId,
        ns::kOccupantId}) {
    addFeature(query, feature);
  }
  if (onArchiveQuery_) addFeature(query, kMam);
  return result;
}

Stanza RoomHost::discoItems(const Stanza& iq, const Jid& to) const {
  Stanza result = iqResult(iq);
  Stanza query = result.addChild("query", ns::kDiscoItems);
  if (to.local.empty()) {
    for (const auto& [localpart, room] : rooms_) {
      query.addChild("item")
          .set("jid", roomJid(room))
          .set("name", room.info.name.empty() ? localpart : room.info.name);
    }
    return result;
  }
  // A room's items are its occupants (XEP-0045 §6.5 allows either; the list is public here).
  const Room& room = *findRoom(lower(to.local));
  for (const auto& occupant : room.occupants) {
    query.addChild("item").set("jid", roomJid(room) + "/" + occupant.nick);
  }
  return result;
}

Stanza RoomHost::occupantPresence(const Room& room, const Occupant& occupant, std::string_view to,
                                  bool unavailable) const {
  Stanza presence = Stanza::element(ctx_, "presence");
  presence.set("from", roomJid(room) + "/" + occupant.nick);
  presence.set("to", to);
  if (unavailable) presence.set("type", "unavailable");
  Stanza x = presence.addChild("x", ns::kMucUser);
  // Non-anonymous room: every occupant sees the real JID (and the room says so, status 100).
  x.addChild("item")
      .set("affiliation", "none")
      .set("role", unavailable ? "none" : "participant")
      .set("jid", occupant.jid);
  presence.addChild("occupant-id", ns::kOccupantId).set("id", occupantId(room, occupant));
  return presence;
}

void RoomHost::handlePresence(const Stanza& presence, const Jid& from, const Jid& to) {
  const std::string_view type = presence.attribute("type");
  if (to.local.empty()) return;  // presence to the domain: nothing to track
  Room* room = findRoom(lower(to.local));
  if (room == nullptr) {
    if (type != "unavailable") reply(presence, "cancel", "item-not-found");
    return;
  }
  const Occupant* current = findByJid(*room, from.full());
  if (type == "unavailable") {
    if (current != nullptr) leave(*room, *current, true);
    return;
  }
  if (!type.empty()) return;  // subscribe/probe and the like: rooms have no roster
  if (to.resource.empty() || to.resource.size() > kMaxNickBytes) {
    reply(presence, "modify", "jid-malformed", "a nick of 1 to 64 bytes is needed to join");
    return;
  }
  if (current != nullptr) {
    if (lower(current->nick) != lower(to.resource)) {
      // Nick changes are not offered: the nick is what the Mattermost side shows.
      reply(presence, "cancel", "not-acceptable", "changing nicks is not supported");
      return;
    }
    // A presence update (status, show) of a joined occupant: shown to everyone.
    for (const auto& occupant : room->occupants) {
      Stanza update = occupantPresence(*room, *current, occupant.jid, false);
      for (const auto& child : presence.children()) {
        if (child.name() == "show" || child.name() == "status") update.add(child.copy());
      }
      send_(update);
    }
    return;
  }
  join(*room, presence, from, to.resource);
}

void RoomHost::join(Room& room, const Stanza& presence, const Jid& from,
                    const std::string& requested) {
  // Parley decides nicks: a nick taken by someone else gets a numeric suffix (status 210).
  std::string nick = requested;
  for (int n = 2; findByNick(room, nick) != nullptr; ++n) {
    nick = requested + " (" + std::to_string(n) + ")";
  }
  room.occupants.push_back(Occupant{nick, from.full()});
  const Occupant& joined = room.occupants.back();

  // 1. The occupants already there, to the newcomer; the newcomer, to them.
  for (const auto& other : room.occupants) {
    if (&other == &joined) continue;
    send_(occupantPresence(room, other, joined.jid, false));
    send_(occupantPresence(room, joined, other.jid, false));
  }
  // 2. Self-presence: 110 (this is you), 100 (real JIDs are visible), 210 (nick changed).
  Stanza self = occupantPresence(room, joined, joined.jid, false);
  Stanza x = self.child("x", ns::kMucUser);
  x.addChild("status").set("code", "100");
  if (nick != requested) x.addChild("status").set("code", "210");
  x.addChild("status").set("code", "110");
  send_(self);

  // 3. History with <delay/>, bounded by what the client asked for (<history maxstanzas>).
  std::size_t wanted = room.history.size();
  if (const Stanza history = presence.child("x", ns::kMuc).child("history")) {
    if (history.hasAttribute("maxstanzas")) {
      const std::string text(history.attribute("maxstanzas"));
      char* end = nullptr;
      const unsigned long value = std::strtoul(text.c_str(), &end, 10);
      if (end != text.c_str() && *end == '\0') wanted = std::min<std::size_t>(wanted, value);
    }
  }
  for (std::size_t i = room.history.size() - wanted; i < room.history.size(); ++i) {
    const HistoryItem& item = room.history[i];
    Stanza message = item.message.copy();
    message.set("to", joined.jid);
    message.addChild("delay", ns::kDelay).set("stamp", stamp(item.at)).set("from", roomJid(room));
    send_(message);
  }
  // 4. The subject, always (an empty one says there is none): clients take it as the end of
  // the join sequence.
  Stanza subject = Stanza::element(ctx_, "message");
  subject.set("type", "groupchat").set("from", roomJid(room)).set("to", joined.jid);
  subject.set("id", fnv1a(roomJid(room) + "|subject|" + joined.jid));
  subject.addText("subject", {}, room.info.subject);
  send_(subject);
  core::log::info(kLog, "an XMPP user joined a room", {{"room", roomJid(room)}, {"nick", nick}});
}

void RoomHost::leave(Room& room, const Occupant& occupant, bool selfPresence) {
  const Occupant gone = occupant;  // `occupant` points into the vector erased below
  room.occupants.erase(std::remove_if(room.occupants.begin(), room.occupants.end(),
                                      [&](const Occupant& o) { return o.jid == gone.jid; }),
                       room.occupants.end());
  if (selfPresence) {
    Stanza self = occupantPresence(room, gone, gone.jid, true);
    self.child("x", ns::kMucUser).addChild("status").set("code", "110");
    send_(self);
  }
  for (const auto& other : room.occupants) send_(occupantPresence(room, gone, other.jid, true));
}

void RoomHost::handleMessage(const Stanza& message, const Jid& from, const Jid& to) {
  const std::string_view type = message.attribute("type");
  Room* room = to.local.empty() ? nullptr : findRoom(lower(to.local));
  // A chat message to user@domain is a direct message to a Mattermost user; to room@domain/nick
  // it would be a private message between occupants (refused below).
  if (type == "chat" && onDirect_ && !to.local.empty() &&
      (room == nullptr || to.resource.empty())) {
    onDirect_(message, from, to);
    return;
  }
  if (room == nullptr) {
    // Unknown rooms do not exist; the domain itself takes no messages.
    reply(message, "cancel", to.local.empty() ? "service-unavailable" : "item-not-found");
    return;
  }
  if (!to.resource.empty()) {
    // Private messages between occupants are not offered: the Mattermost side has no such
    // thing in a channel.
    reply(message, "cancel", "feature-not-implemented", "private messages are not supported");
    return;
  }
  if (type != "groupchat") {
    reply(message, "modify", "bad-request", "messages to a room must be groupchat");
    return;
  }
  const Occupant* occupant = findByJid(*room, from.full());
  if (occupant == nullptr) {
    // xmpp.md §6: an unjoined sender learns it is out of the room.
    reply(message, "modify", "not-acceptable", "only occupants may send messages to this room");
    return;
  }
  if (message.child("subject") && !message.child("body")) {
    reply(message, "auth", "forbidden", "the subject is the Mattermost channel's header");
    return;
  }
  // Chat states and other body-less messages are not conversation; a XEP-0444 reaction is.
  if (!message.child("body") && !message.child("reactions", kNsReactions)) return;
  Groupchat groupchat;
  groupchat.room = room->info.localpart;
  groupchat.nick = occupant->nick;
  groupchat.occupantJid = occupant->jid;
  groupchat.id = std::string(message.attribute("id"));
  groupchat.originId = std::string(message.child("origin-id", ns::kStableId).attribute("id"));
  groupchat.stanza = message;
  onGroupchat_(std::move(groupchat));
}

void RoomHost::sendToOccupants(const Room& room, const Stanza& message) {
  for (const auto& occupant : room.occupants) {
    Stanza copy = message.copy();
    copy.set("to", occupant.jid);
    send_(copy);
  }
}

void RoomHost::remember(Room& room, const Stanza& message, std::chrono::system_clock::time_point at,
                        std::string_view stanzaId) {
  if (options_.historySize == 0) return;
  room.history.push_back(HistoryItem{message, at, std::string(stanzaId)});
  while (room.history.size() > options_.historySize) room.history.pop_front();
}

namespace {

// The groupchat message as the room sends it: payload children of `content`, the room's own
// addressing and ids.
Stanza roomMessage(xmpp_ctx_t* ctx, const Stanza& content, const std::string& from,
                   std::string_view id, std::string_view originId, std::string_view roomJid,
                   std::string_view stanzaId) {
  Stanza message = Stanza::element(ctx, "message");
  message.set("type", "groupchat").set("from", from);
  if (!id.empty()) message.set("id", id);
  for (const auto& child : content.children()) {
    // Ids and addressing are the room's to set; the sender's delay/stanza-id are dropped too.
    const std::string_view childNs = child.ns();
    if (childNs == ns::kStableId || childNs == ns::kDelay || childNs == ns::kOccupantId) continue;
    message.add(child.copy());
  }
  if (!originId.empty()) message.addChild("origin-id", ns::kStableId).set("id", originId);
  message.addChild("stanza-id", ns::kStableId).set("id", stanzaId).set("by", roomJid);
  return message;
}

}  // namespace

bool RoomHost::broadcast(std::string_view roomName, std::string_view nick, const Stanza& message,
                         std::string_view stanzaId, std::chrono::system_clock::time_point at) {
  Room* room = findRoom(lower(roomName));
  if (room == nullptr) return false;
  // A Mattermost author whose name an XMPP occupant already uses is shown apart. An occupant
  // JID needs a nick: the server closes the stream on an empty resource.
  std::string from = roomJid(*room) + "/" + std::string(nick.empty() ? "unknown" : nick);
  if (findByNick(*room, nick) != nullptr) from += " (mattermost)";
  // The post id is the message id, origin-id and stanza-id (xmpp.md §2): corrections,
  // replies and retractions from clients then name the post directly.
  const Stanza out = roomMessage(ctx_, message, from, stanzaId, stanzaId, roomJid(*room), stanzaId);
  remember(*room, out, at, stanzaId);
  sendToOccupants(*room, out);
  return true;
}

void RoomHost::seedHistory(std::string_view roomName, std::string_view nick, const Stanza& message,
                           std::string_view postId, std::chrono::system_clock::time_point at) {
  Room* room = findRoom(lower(roomName));
  if (room == nullptr) return;
  const std::string from = roomJid(*room) + "/" + std::string(nick.empty() ? "unknown" : nick);
  remember(*room, roomMessage(ctx_, message, from, postId, postId, roomJid(*room), postId), at,
           postId);
}

void RoomHost::accept(const Groupchat& message, std::string_view stanzaId,
                      std::chrono::system_clock::time_point at) {
  Room* room = findRoom(message.room);
  if (room == nullptr) return;
  const std::string from = roomJid(*room) + "/" + message.nick;
  // Reflected with the sender's own id and origin-id (XEP-0045 §7.2.4, muc#stable_id), so its
  // client recognises its message and shows no duplicate.
  const Stanza out = roomMessage(ctx_, message.stanza, from, message.id, message.originId,
                                 roomJid(*room), stanzaId);
  remember(*room, out, at, stanzaId);
  sendToOccupants(*room, out);
}

void RoomHost::acknowledge(const Groupchat& message, std::string_view stanzaId) {
  const Room* room = findRoom(message.room);
  if (room == nullptr) return;
  Stanza out = roomMessage(ctx_, message.stanza, roomJid(*room) + "/" + message.nick, message.id,
                           message.originId, roomJid(*room), stanzaId);
  out.set("to", message.occupantJid);
  send_(out);
}

void RoomHost::refuse(const Groupchat& message, std::string_view errorType,
                      std::string_view condition, std::string_view text) {
  send_(errorReply(message.stanza, errorType, condition, text));
}

void RoomHost::forgetOccupants() {
  for (auto& [localpart, room] : rooms_) room.occupants.clear();
}

Stanza RoomHost::archiveResult(const Room& room, const ArchiveQuery& query, const Stanza& message,
                               std::string_view stanzaId,
                               std::chrono::system_clock::time_point at) const {
  Stanza out = Stanza::element(ctx_, "message");
  out.set("from", roomJid(room)).set("to", query.requester);
  out.set("id", fnv1a(query.queryId + "|" + std::string(stanzaId)));
  Stanza result = out.addChild("result", kMam);
  if (!query.queryId.empty()) result.set("queryid", query.queryId);
  result.set("id", stanzaId);
  Stanza forwarded = result.addChild("forwarded", kForward);
  forwarded.addChild("delay", ns::kDelay).set("stamp", stamp(at));
  Stanza inner = message.copy();
  inner.remove("to");
  inner.set("xmlns", "jabber:client");
  forwarded.add(inner);
  return out;
}

void RoomHost::answerArchive(const ArchiveQuery& query, const std::vector<ArchivedMessage>& page,
                             bool complete) {
  const Room* room = findRoom(query.room);
  if (room == nullptr) {
    refuseArchive(query, "cancel", "item-not-found");
    return;
  }
  struct Archived {
    Stanza message;
    std::string stanzaId;
    std::chrono::system_clock::time_point at;
  };
  std::vector<Archived> results;
  for (const auto& item : page) {
    const std::string from =
        roomJid(*room) + "/" + (item.nick.empty() ? std::string("unknown") : item.nick);
    const std::string id = item.id.empty() ? item.stanzaId : item.id;
    results.push_back({roomMessage(ctx_, item.payload, from, id, id, roomJid(*room), item.stanzaId),
                       item.stanzaId, item.at});
  }
  // What the room sent after the newest archived message and the database does not show yet (a
  // delivery is recorded after the room sent it): after a forward page that reaches the end,
  // and on the newest page (RSM <before/>), which keeps its newest `max`.
  const std::string anchor = !page.empty() ? page.back().stanzaId : query.after;
  const bool reachesNow = (complete && !query.backwards()) || query.lastPage;
  if (reachesNow && query.endMs == 0 && !anchor.empty()) {
    const auto it = std::find_if(room->history.begin(), room->history.end(),
                                 [&](const HistoryItem& h) { return h.stanzaId == anchor; });
    if (it != room->history.end()) {
      for (auto next = std::next(it); next != room->history.end(); ++next) {
        results.push_back({next->message, next->stanzaId, next->at});
      }
    }
  }
  if (query.lastPage && results.size() > query.max) {
    results.erase(results.begin(),
                  results.begin() + static_cast<std::ptrdiff_t>(results.size() - query.max));
    complete = false;  // older messages remain before this page
  }
  std::string first;
  std::string last;
  for (const auto& archived : results) {
    send_(archiveResult(*room, query, archived.message, archived.stanzaId, archived.at));
    if (first.empty()) first = archived.stanzaId;
    last = archived.stanzaId;
  }
  Stanza result = Stanza::element(ctx_, "iq");
  result.set("type", "result").set("id", query.iqId);
  result.set("from", roomJid(*room)).set("to", query.requester);
  Stanza fin = result.addChild("fin", kMam);
  if (complete) fin.set("complete", "true");
  Stanza set = fin.addChild("set", kRsm);
  if (!first.empty()) {
    set.addText("first", {}, first);
    set.addText("last", {}, last);
  }
  send_(result);
}

void RoomHost::refuseArchive(const ArchiveQuery& query, std::string_view errorType,
                             std::string_view condition, std::string_view text) {
  Stanza iq = Stanza::element(ctx_, "iq");
  iq.set("type", "set").set("id", query.iqId).set("from", query.requester);
  iq.set("to", query.room + "@" + options_.domain);
  send_(errorReply(iq, errorType, condition, text));
}

std::vector<std::string> RoomHost::occupantNicks(std::string_view roomName) const {
  std::vector<std::string> nicks;
  if (const Room* room = findRoom(lower(roomName))) {
    for (const auto& occupant : room->occupants) nicks.push_back(occupant.nick);
  }
  std::sort(nicks.begin(), nicks.end());
  return nicks;
}

}  // namespace parley::bridges::xmpp
