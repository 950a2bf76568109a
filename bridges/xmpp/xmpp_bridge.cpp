#include "bridges/xmpp/xmpp_bridge.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <set>

#include "bridges/common/ingress_pipeline.hpp"
#include "bridges/xmpp/styling.hpp"
#include "bridges/xmpp/translate.hpp"
#include "core/common/log.hpp"
#include "core/model/id.hpp"
#include "core/services/bridge_file_url.hpp"
#include "core/store/bridge_store.hpp"
#include "core/store/store.hpp"

namespace parley::bridges::xmpp {
namespace {

constexpr std::string_view kLog = "xmpp";
constexpr std::uint64_t kReloadTicks = 10;  // partner rooms: the links are read every 10 s

// A room localpart Parley hosts: what Mattermost channel names are made of (and safe in a JID).
bool isRoomLocalpart(std::string_view text) {
  return !text.empty() && text.size() <= 64 && std::all_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::islower(u) != 0 || std::isdigit(u) != 0 || c == '-' || c == '_' || c == '.';
  });
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// What loadRooms() reads on the pool for one hosted room.
struct RoomSnapshot {
  RoomInfo info;
  std::string remoteRoom;
  std::vector<core::store::ArchivedPost> history;  // oldest first
};

// The room localpart of a link's remote ("" when it is not a room of `domain`).
std::string hostedLocalpart(const std::string& remoteRoom, const std::string& domain) {
  const Jid jid = parseJid(remoteRoom);
  if (!jid.resource.empty()) return {};
  std::string localpart;
  if (jid.local.empty()) {
    localpart = lower(jid.domain);  // a bare name: "town-square"
  } else if (lower(jid.domain) == domain) {
    localpart = lower(jid.local);
  }
  return isRoomLocalpart(localpart) ? localpart : std::string();
}

// A partner room (mode B) of a link: its JID and the link's remote as stored (as
// XmppBridge::PartnerLink).
using PartnerLink = std::pair<std::string, std::string>;

// `hosted`: rooms hosted already, whose history is not read again. nullopt when the database
// did not answer: the rooms stay as they are (they are read again every few seconds, and a
// failed read must not close them).
std::optional<std::vector<RoomSnapshot>> readRooms(core::store::Store& store,
                                                   const std::string& domain,
                                                   std::size_t historySize,
                                                   const std::set<std::string>& hosted,
                                                   std::vector<PartnerLink>& partner) {
  std::vector<RoomSnapshot> rooms;
  auto links = store.bridges().listLinks();
  if (!links) {
    core::log::warn(kLog, "cannot read the links", {{"error", links.error().message}});
    return std::nullopt;
  }
  std::set<std::string> seen;
  for (const auto& link : links.value()) {
    if (link.bridge != "xmpp") continue;
    if (!core::model::directRoomRemoteId(link.remoteRoom).empty())
      continue;  // a DM's link: no room
    const std::string localpart = hostedLocalpart(link.remoteRoom, domain);
    if (localpart.empty()) {
      if (auto room = partnerRoomJid(link.remoteRoom, domain); !room.empty()) {
        partner.emplace_back(std::move(room), link.remoteRoom);
        continue;
      }
      core::log::warn(kLog,
                      "an xmpp link names neither a room Parley can host nor a room JID on "
                      "another server; it is skipped",
                      {{"link", link.id}, {"remote", link.remoteRoom}});
      continue;
    }
    if (!seen.insert(localpart).second) continue;  // one room, several channels: the first
    auto channel = store.channels().get(link.channelId);
    if (!channel) {
      if (channel.error().code == core::ErrorCode::kNotFound) continue;
      core::log::warn(kLog, "cannot read a linked channel", {{"error", channel.error().message}});
      return std::nullopt;
    }
    RoomSnapshot room;
    room.remoteRoom = link.remoteRoom;
    room.info =
        RoomInfo{localpart, channel.value().displayName,
                 channel.value().header.empty() ? channel.value().purpose : channel.value().header};
    if (historySize > 0 && hosted.count(localpart) == 0) {
      // Only what crossed this link: a post the guard kept from the room never shows in it.
      core::store::ArchiveQuery query;
      query.channelId = link.channelId;
      query.bridge = link.bridge;
      query.remoteRoom = link.remoteRoom;
      query.limit = static_cast<int>(historySize);
      query.newestFirst = true;
      auto posts = store.bridges().archive(query);
      if (posts) {
        room.history.assign(posts.value().rbegin(), posts.value().rend());
      } else {
        core::log::warn(kLog, "cannot read a room's history", {{"error", posts.error().message}});
      }
    }
    rooms.push_back(std::move(room));
  }
  return rooms;
}

// The stanza-id of a post's part in a hosted room: its text is known by the post id, its
// files by "<post id>-<part>".
std::string hostedStanzaId(const std::string& postId, int part) {
  return part == 0 ? postId : postId + "-" + std::to_string(part);
}

// The id a client gave its message, from an id map entry: what came from XMPP is kept scoped by
// its sender ("<bare JID> <id>"), what Parley sent as the id itself.
std::string clientId(const std::string& remoteEventId) {
  const auto space = remoteEventId.find(' ');
  return space == std::string::npos ? remoteEventId : remoteEventId.substr(space + 1);
}

// What an XMPP client's message may carry in: Parley assigns the stanza-ids of its rooms, so
// none a client sends is trusted, and a DM's ids are the sender's own (scoped by sender).
InboundOptions inboundOptions(bool allowHttpUrls, std::string trustedStanzaIdBy = {}) {
  InboundOptions options;
  options.limits.maxIdBytes = 256;
  options.limits.allowHttpUrls = allowHttpUrls;  // attachments: a test server serves http
  // A partner room assigns the stanza-ids itself (Parley's rooms do: none is trusted there).
  options.trustedStanzaIdBy = std::move(trustedStanzaIdBy);
  return options;
}

// An archived post as the room shows it: the text with XEP-0393 styling, from its author's
// nick (a puppet's: the nick it spoke with), a reply naming its root's stanza-id (XEP-0461 and
// <thread>, no fallback quote), and the sender's own id for what came from a client.
RoomHost::ArchivedMessage archivedMessage(xmpp_ctx_t* ctx, const core::store::ArchivedPost& post) {
  RoomHost::ArchivedMessage out;
  out.stanzaId = post.postId;
  out.id = clientId(post.remoteEventId);
  out.nick = post.remoteAuthor && !post.nickname.empty() ? post.nickname : post.username;
  out.payload = Stanza::element(ctx, "message");
  out.payload.addText("body", {}, markdownToStyling(post.message));
  if (!post.rootId.empty()) {
    out.payload.addChild("reply", kNsReply).set("id", post.rootId);
    out.payload.addText("thread", {}, post.rootId);
  }
  out.at = std::chrono::system_clock::time_point(std::chrono::milliseconds(post.createAt));
  return out;
}

// The rest of an item's request (the quote of a reply's root, the author's reactions, the
// files' URLs), translated; nullopt when `done` was told that the item cannot be sent.
std::optional<std::vector<OutboundStanza>> translateItem(
    const OutboundItem& item, OutboundRequest& request, std::vector<std::string> urls,
    const std::function<void(DeliveryResult)>& done) {
  if (!request.rootRemoteId.empty()) {
    request.rootAuthorName = item.rootAuthor;
    request.rootText = item.rootText;
  }
  request.reactions = item.message.reactions;
  request.fileUrls = std::move(urls);
  auto stanzas = toXmpp(item.message, request);
  if (!stanzas) {
    done(DeliveryResult{DeliveryResult::Outcome::kRejected, {}, stanzas.error().message});
    return std::nullopt;
  }
  return std::move(stanzas).value();
}

}  // namespace

core::Result<BridgePtr> XmppBridge::create(const BridgeEnvironment& environment) {
  const auto& xmpp = environment.config->xmpp;
  if (!xmpp || !xmpp->enabled) {
    return core::makeError(core::ErrorCode::kInvalidArgument, "bridges.xmpp.disabled",
                           "the xmpp bridge is not enabled in the configuration");
  }
  return BridgePtr(std::make_unique<XmppBridge>(
      *xmpp, environment.database, environment.config->server.siteUrl, environment.clock));
}

XmppBridge::XmppBridge(core::config::XmppBridgeConfig config, core::store::DatabasePtr database,
                       std::string siteUrl, core::ClockPtr clock)
    : config_(std::move(config)),
      database_(std::move(database)),
      siteUrl_(std::move(siteUrl)),
      clock_(clock ? std::move(clock) : std::make_shared<core::SystemClock>()) {}

XmppBridge::~XmppBridge() { stop(); }

core::Status XmppBridge::start(IngressSink& sink) {
  sink_ = &sink;
  ComponentOptions options;
  options.domain = config_.domain;
  options.host = config_.serverHost;
  options.port = config_.serverPort;
  options.secret = config_.secret;
  options.reconnectMin = config_.reconnectMin;
  options.reconnectMax = config_.reconnectMax;
  Component::Handlers handlers;
  handlers.started = [this] { onStarted(); };
  handlers.stanza = [this](const Stanza& stanza) {
    if (partner_->handles(stanza)) {
      partner_->handle(stanza);
    } else {
      host_->handle(stanza);
    }
  };
  handlers.link = [this](bool up) { onLink(up); };
  component_ = std::make_shared<Component>(std::move(options), std::move(handlers));
  return component_->start();
}

void XmppBridge::stop() {
  if (!component_) return;
  // Parley's occupants leave the partner rooms (flushed with the stream): the rooms show them
  // gone rather than keep them until a message to them bounces.
  component_->post([this] {
    if (partner_) partner_->leaveAll();
  });
  component_->stop();
  // The component thread has ended. libstrophe 0.12 does not free a context's global timed
  // handlers with the context: remove onStarted's (a no-op when it never ran or is gone).
  xmpp_global_timed_handler_delete(component_->context(), &XmppBridge::onTick);
}

bool XmppBridge::connected() const { return component_ && component_->connected(); }

void XmppBridge::onStarted() {
  host_ = std::make_unique<RoomHost>(
      component_->context(),
      RoomHost::Options{config_.domain, config_.historyMessages, config_.maxStanzaBytes},
      [this](const Stanza& stanza) { component_->send(stanza); },
      [this](RoomHost::Groupchat message) { onGroupchat(std::move(message)); });
  direct_ = std::make_unique<DirectChat>(
      config_.domain, inboundOptions(config_.allowHttpUrls),
      [this](const Stanza& stanza) { component_->send(stanza); },
      [this](InboundEvent event, std::function<void(IngressResult)> done) {
        submit(std::move(event), std::move(done));
      });
  host_->setOnDirect([this](const Stanza& message, const Jid& from, const Jid& to) {
    direct_->receive(message, from, to);
  });
  host_->onArchiveQuery([this](RoomHost::ArchiveQuery query) { onArchiveQuery(std::move(query)); });
  partner_ = std::make_unique<PartnerRooms>(
      component_->context(), PartnerRooms::Options{config_.domain},
      [this](const Stanza& stanza) { return component_->send(stanza); },
      [this](PartnerRooms::Incoming incoming) { onPartnerMessage(std::move(incoming)); },
      [this](const std::string& room) { onPartnerJoined(room); });
  // The partner rooms' timeouts and rejoins (libstrophe runs it on the component thread).
  xmpp_global_timed_handler_add(component_->context(), &XmppBridge::onTick, 1000, this);
  loadRooms();
  loadFileKey();
}

int XmppBridge::onTick(xmpp_ctx_t* /*ctx*/, void* self) {
  auto* bridge = static_cast<XmppBridge*>(self);
  bridge->partner_->tick();
  // Links created or deleted through the admin API: the listener of a new partner room joins
  // (it must, to hear the room before anyone in Mattermost posts), a removed room is left.
  if (++bridge->ticks_ % kReloadTicks == 0 && bridge->component_->connected())
    bridge->loadPartnerRooms();
  return 1;
}

void XmppBridge::onLink(bool up) {
  if (up) {
    partner_->linkUp();  // Parley's occupants join the partner rooms again
    loadRooms();         // links may have been added while the link was down
  } else {
    host_->forgetOccupants();
    partner_->linkDown();
  }
}

void XmppBridge::loadRooms() {
  std::weak_ptr<Component> weak = component_;
  std::set<std::string> hosted;
  for (const auto& [localpart, link] : links_) hosted.insert(localpart);
  database_->submit([this, weak, domain = config_.domain, historySize = config_.historyMessages,
                     hosted = std::move(hosted)](core::store::Store& store) {
    std::vector<PartnerLink> partner;
    auto read = readRooms(store, domain, historySize, hosted, partner);
    const auto component = weak.lock();
    if (!component || !read) return;
    auto rooms = std::move(*read);
    // Runs on the component thread, which stop() joins before the bridge goes away.
    component->post([this, rooms = std::move(rooms), partner = std::move(partner)] {
      const std::size_t partnerRooms = applyPartnerRooms(partner);
      std::vector<RoomInfo> infos;
      std::map<std::string, HostedLink> links;
      for (const auto& room : rooms) {
        infos.push_back(room.info);
        links[room.info.localpart] = HostedLink{room.info.localpart, room.remoteRoom};
      }
      std::vector<std::string> fresh;
      for (const auto& room : rooms) {
        if (!host_->hasRoom(room.info.localpart)) fresh.push_back(room.info.localpart);
      }
      host_->setRooms(infos);
      links_ = std::move(links);
      for (const auto& room : rooms) {
        if (std::find(fresh.begin(), fresh.end(), room.info.localpart) == fresh.end()) continue;
        for (const auto& post : room.history) {
          const auto message = archivedMessage(component_->context(), post);
          host_->seedHistory(room.info.localpart, message.nick, message.payload, message.stanzaId,
                             message.at);
        }
      }
      core::log::info(kLog, "hosting the rooms of the xmpp links",
                      {{"rooms", infos.size()}, {"partner_rooms", partnerRooms}});
    });
  });
}

std::size_t XmppBridge::applyPartnerRooms(const std::vector<PartnerLink>& partner) {
  std::vector<std::string> rooms;
  partnerLinks_.clear();
  for (const auto& [room, remote] : partner) {
    if (partnerLinks_.emplace(room, remote).second) rooms.push_back(room);
  }
  partner_->setRooms(rooms);
  return rooms.size();
}

void XmppBridge::loadPartnerRooms() {
  std::weak_ptr<Component> weak = component_;
  database_->submit([this, weak, domain = config_.domain](core::store::Store& store) {
    auto links = store.bridges().listLinks();
    if (!links) return;  // the rooms stay as they are; read again in a few seconds
    std::vector<PartnerLink> partner;
    for (const auto& link : links.value()) {
      if (link.bridge != "xmpp" || !core::model::directRoomRemoteId(link.remoteRoom).empty())
        continue;
      if (!hostedLocalpart(link.remoteRoom, domain).empty()) continue;
      if (auto room = partnerRoomJid(link.remoteRoom, domain); !room.empty())
        partner.emplace_back(std::move(room), link.remoteRoom);
    }
    if (const auto component = weak.lock()) {
      component->post([this, partner = std::move(partner)] { applyPartnerRooms(partner); });
    }
  });
}

void XmppBridge::loadFileKey() {
  std::weak_ptr<Component> weak = component_;
  database_->submit([this, weak](core::store::Store& store) {
    auto key = core::services::bridgeFileKey(store);
    if (!key) {
      core::log::warn(kLog, "cannot read the file URL signing key; files wait for it",
                      {{"error", key.error().message}});
      return;
    }
    if (const auto component = weak.lock()) {
      component->post([this, key = std::move(key.value())] { fileKey_ = key; });
    }
  });
}

std::optional<std::vector<std::string>> XmppBridge::outboundFileUrls(
    const OutboundItem& item, const std::function<void(DeliveryResult)>& done) {
  const auto& message = item.message;
  if (message.change != core::model::MessageChange::kPost || message.files.empty())
    return std::vector<std::string>{};
  // Each file goes as a URL Parley serves for this link (the guard already removed the files
  // file.egress denied).
  if (fileKey_.empty()) {
    loadFileKey();
    done(DeliveryResult{
        DeliveryResult::Outcome::kRetry, {}, "the file URL signing key is not loaded yet"});
    return std::nullopt;
  }
  return fileUrls(item.link.id, message);
}

std::vector<std::string> XmppBridge::fileUrls(const std::string& linkId,
                                              const core::model::CanonicalMessage& message) const {
  const std::int64_t expires =
      clock_->nowMillis() / 1000 +
      std::chrono::duration_cast<std::chrono::seconds>(core::services::kBridgeFileUrlLifetime)
          .count();
  std::vector<std::string> urls;
  for (const auto& file : message.files) {
    urls.push_back(core::services::bridgeFileUrl(
        siteUrl_, fileKey_, core::services::BridgeFileGrant{linkId, file.fileId, expires},
        file.name));
  }
  return urls;
}

void XmppBridge::onArchiveQuery(RoomHost::ArchiveQuery query) {
  const auto link = links_.find(query.room);
  if (link == links_.end()) {
    host_->refuseArchive(query, "cancel", "item-not-found");
    return;
  }
  struct Page {
    std::vector<core::store::ArchivedPost> posts;
    bool complete = false;
    bool unknownCursor = false;
    bool failed = false;
  };
  std::weak_ptr<Component> weak = component_;
  database_->submit([this, weak, query = std::move(query),
                     remoteRoom = link->second.remoteRoom](core::store::Store& store) {
    Page page;
    auto found = store.bridges().linkByRemote("xmpp", remoteRoom);
    if (!found || !*found) {
      page.failed = true;
    } else {
      const std::string& channelId = (*found)->channelId;
      // A cursor names a post of this channel (XEP-0313: item-not-found otherwise).
      for (const std::string* cursor : {&query.after, &query.before}) {
        if (cursor->empty()) continue;
        auto post = store.posts().get(*cursor);
        if (!post || post->channelId != channelId) page.unknownCursor = true;
      }
      core::store::ArchiveQuery archive;
      archive.channelId = channelId;
      archive.bridge = "xmpp";
      archive.remoteRoom = remoteRoom;
      archive.afterPostId = query.after;
      archive.beforePostId = query.before;
      archive.sinceMs = query.startMs;
      archive.untilMs = query.endMs;
      archive.limit = static_cast<int>(query.max) + 1;  // one more: is the page the last?
      archive.newestFirst = query.backwards();
      auto posts = page.unknownCursor ? core::Result<std::vector<core::store::ArchivedPost>>(
                                            std::vector<core::store::ArchivedPost>{})
                                      : store.bridges().archive(archive);
      if (!posts) {
        page.failed = true;
      } else {
        page.posts = std::move(posts.value());
        page.complete = page.posts.size() <= query.max;
        if (!page.complete) page.posts.resize(query.max);
        if (archive.newestFirst) std::reverse(page.posts.begin(), page.posts.end());
      }
    }
    const auto component = weak.lock();
    if (!component) return;
    component->post([this, query, page = std::move(page)] {
      if (page.failed) {
        host_->refuseArchive(query, "wait", "internal-server-error");
        return;
      }
      if (page.unknownCursor) {
        host_->refuseArchive(query, "cancel", "item-not-found", "no such message in this archive");
        return;
      }
      std::vector<RoomHost::ArchivedMessage> messages;
      messages.reserve(page.posts.size());
      for (const auto& post : page.posts)
        messages.push_back(archivedMessage(component_->context(), post));
      host_->answerArchive(query, messages, page.complete);
    });
  });
}

std::string XmppBridge::localpartOf(const std::string& remoteRoom) const {
  return hostedLocalpart(remoteRoom, config_.domain);
}

void XmppBridge::onGroupchat(RoomHost::Groupchat message) {
  const auto link = links_.find(message.room);
  if (link == links_.end() || sink_ == nullptr) {
    host_->refuse(message, "cancel", "item-not-found");
    return;
  }
  const InboundOptions options = inboundOptions(config_.allowHttpUrls);
  auto inbound = fromXmppTree(message.stanza.toTree(options.limits.xml), options);
  if (!inbound) {
    if (inbound.error().id == kErrNothingToBridge) return;  // chat states, receipts...
    host_->refuse(message, "modify",
                  inbound.error().id == kErrTooLarge ? "policy-violation" : "bad-request",
                  inbound.error().message);
    return;
  }
  const Jid sender = parseJid(message.occupantJid);
  InboundEvent event;
  event.bridge = "xmpp";
  event.remoteRoom = link->second.remoteRoom;
  event.remoteEventId = inbound.value().remoteEventId;
  event.change = inbound.value().change;
  event.sender =
      core::model::RemoteOrigin{"xmpp", link->second.remoteRoom, sender.bare(), sender.domain};
  event.senderDisplayName = message.nick;
  event.text = std::move(inbound.value().text);
  event.files = std::move(inbound.value().files);
  event.replyToRemoteId = !inbound.value().replyToRemoteId.empty() ? inbound.value().replyToRemoteId
                                                                   : inbound.value().thread;
  event.targetRemoteId = inbound.value().targetRemoteId;
  event.label = inbound.value().label;
  if (event.change == core::model::MessageChange::kReaction) {
    // XEP-0444: the sender's whole set; the pipeline applies the difference. <reaction>s with
    // no Mattermost name were left out by the translation (InboundMessage::unmappedReactions):
    // they neither add nor remove anything, as Mattermost could not show them.
    event.reactionSet = std::move(inbound.value().reactions);
  }
  const bool isPost = event.change == core::model::MessageChange::kPost;
  const std::uint64_t ticket = nextTicket_++;
  waiting_.emplace(ticket, Waiting{std::move(message), isPost});
  submit(std::move(event),
         [this, ticket](const IngressResult& result) { finishGroupchat(ticket, result); });
}

void XmppBridge::submit(InboundEvent event, std::function<void(IngressResult)> done) {
  if (sink_ == nullptr) return;
  std::weak_ptr<Component> weak = component_;
  sink_->receive(std::move(event), [weak, done = std::move(done)](IngressResult result) {
    // Back to the component thread, which stop() joins before the bridge goes away.
    if (const auto component = weak.lock()) {
      component->post([done, result = std::move(result)] { done(result); });
    }
  });
}

void XmppBridge::finishGroupchat(std::uint64_t ticket, const IngressResult& result) {
  const auto it = waiting_.find(ticket);
  if (it == waiting_.end()) return;
  const Waiting waiting = std::move(it->second);
  waiting_.erase(it);
  const RoomHost::Groupchat& message = waiting.message;
  switch (result.outcome) {
    case IngressOutcome::kApplied:
      // A new post's stanza-id is the post id; a correction or retraction is a message of its
      // own in the room and gets an id of its own.
      host_->accept(message, waiting.isPost ? result.postId : core::model::newId());
      return;
    case IngressOutcome::kDuplicate:
      // Already posted (a client's retry, e.g. after Parley restarted before reflecting it): the
      // sender gets its acknowledgement again; the others saw it then or find it in the archive.
      if (waiting.isPost && !result.postId.empty()) host_->acknowledge(message, result.postId);
      return;
    case IngressOutcome::kDenied: host_->refuse(message, "auth", "forbidden", result.error); return;
    case IngressOutcome::kUnknownRoom:
    case IngressOutcome::kUnknownTarget:
      host_->refuse(message, "cancel", "item-not-found", result.error);
      return;
    case IngressOutcome::kRejected:
      host_->refuse(message, "modify", "not-acceptable", result.error);
      return;
  }
}

void XmppBridge::deliver(OutboundItem item, std::function<void(DeliveryResult)> done) {
  auto shared = std::make_shared<OutboundItem>(std::move(item));
  if (!component_) {
    done(DeliveryResult{DeliveryResult::Outcome::kRetry, {}, "the xmpp bridge is not started"});
    return;
  }
  // The item travels to the component thread; `done` runs there or, if the bridge stopped
  // meanwhile, is dropped with the task (the drainer retries the row after a restart).
  component_->post([this, shared, done = std::move(done)] { deliverNow(*shared, done); });
}

std::size_t XmppBridge::maxRun(const core::model::Link& link) const {
  const bool hosted = core::model::directRoomRemoteId(link.remoteRoom).empty() &&
                      !localpartOf(link.remoteRoom).empty();
  return hosted ? std::numeric_limits<std::size_t>::max() : 1;  // as many as the drainer hands
}

void XmppBridge::deliverRun(std::vector<OutboundItem> items,
                            std::function<void(std::vector<DeliveryResult>)> done) {
  if (!component_) {
    done({DeliveryResult{DeliveryResult::Outcome::kRetry, {}, "the xmpp bridge is not started"}});
    return;
  }
  // As deliver(): `done` runs on the component thread, or is dropped with the task when the
  // bridge stopped meanwhile (the rows stay pending).
  auto run = std::make_shared<std::vector<OutboundItem>>(std::move(items));
  component_->post([this, run, done = std::move(done)] {
    deliverInTurn(
        std::move(*run),
        [this](const OutboundItem& item, std::function<void(DeliveryResult)> one) {
          deliverNow(item, one);
        },
        done);
  });
}

void XmppBridge::deliverNow(const OutboundItem& item,
                            const std::function<void(DeliveryResult)>& done) {
  using Outcome = DeliveryResult::Outcome;
  if (!component_->connected()) {
    done(DeliveryResult{Outcome::kRetry, {}, "the XMPP server is not connected"});
    return;
  }
  auto message = item.message;
  const std::string nick =
      message.author.username.empty() ? message.author.displayName : message.author.username;
  // A DM's link: from the author's own JID to the remote user, not through a room.
  const auto direct = directAddress(item.link.remoteRoom, message.author.username, config_.domain);
  const std::string localpart = direct ? std::string() : localpartOf(item.link.remoteRoom);
  if (!direct && localpart.empty()) {
    if (auto room = partnerRoomJid(item.link.remoteRoom, config_.domain); !room.empty()) {
      deliverPartner(item, room, done);
      return;
    }
    done(DeliveryResult{
        Outcome::kRejected, {}, "the link's remote is not a room of " + config_.domain});
    return;
  }
  if (!direct && !host_->hasRoom(localpart)) {
    // A link created after the rooms were read: read them again and retry the row.
    loadRooms();
    done(DeliveryResult{Outcome::kRetry, {}, "the room is not hosted yet"});
    return;
  }
  const bool reaction = message.change == core::model::MessageChange::kReaction ||
                        message.change == core::model::MessageChange::kReactionDelete;
  auto urls = outboundFileUrls(item, done);
  if (!urls) return;
  const std::string roomJid = localpart + "@" + config_.domain;
  OutboundRequest request;
  request.address =
      direct ? *direct : OutboundAddress{roomJid + "/" + nick, roomJid, ChatType::kGroupchat};
  // A post's messages in a DM carry its post id ("<post id>-<n>" for its files), as its
  // stanza-ids do in a room: a reaction or correction naming one finds the post also before
  // its delivery is recorded (which follows the send by a database write).
  const bool directPost = direct && message.change == core::model::MessageChange::kPost;
  request.txnId = directPost ? message.postId : item.txnId;
  if (direct) {
    // A DM has no stanza-ids of Parley's: each message is known by the id it was sent with.
    for (const auto& part : item.parts)
      request.targets.push_back({part.part, clientId(part.remoteEventId), ""});
    if (!item.rootRemoteId.empty()) request.rootRemoteId = clientId(item.rootRemoteId);
  } else if (reaction) {
    // XEP-0444 in a room names the message by its stanza-id: the post id, whoever wrote the
    // post, also when no delivery of it is recorded on this link.
    request.targets.push_back({0, hostedStanzaId(message.postId, 0), ""});
  } else {
    // In a hosted room every message is known by its post's stanza-id (xmpp.md §2), also one
    // that came from an XMPP client: the id map keeps that client's id, which only corrections
    // name (the id attribute, scoped by its sender there: "<bare JID> <id>").
    for (const auto& part : item.parts) {
      request.targets.push_back({part.part, hostedStanzaId(item.message.postId, part.part),
                                 clientId(part.remoteEventId)});
    }
    if (!item.rootRemoteId.empty()) request.rootRemoteId = hostedStanzaId(message.rootId, 0);
  }
  auto stanzas = translateItem(item, request, std::move(*urls), done);
  if (!stanzas) return;
  const auto at =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(message.createAt));
  DeliveryResult result{Outcome::kSent, {}, {}};
  for (const auto& out : *stanzas) {
    const Stanza stanza = Stanza::fromTree(component_->context(), out.element, kNsComponent);
    // A post's text is known in the room by the post id (xmpp.md §2), its files by
    // "<post id>-<part>"; a correction, retraction or reaction by its own id.
    std::string stanzaId = out.id;
    if (direct) {
      // A DM has no stanza-id of Parley's: the message's id is what the peer refers to.
      if (message.change == core::model::MessageChange::kPost)
        result.parts.push_back(RemotePart{out.part, out.id});
      if (!component_->send(stanza)) {
        // The link dropped: the row goes again, with the same ids (the peer de-duplicates).
        done(DeliveryResult{Outcome::kRetry, {}, "the XMPP server is not connected"});
        return;
      }
      continue;
    }
    if (message.change == core::model::MessageChange::kPost) {
      stanzaId = hostedStanzaId(message.postId, out.part);
      result.parts.push_back(RemotePart{out.part, stanzaId});
    }
    host_->broadcast(localpart, nick, stanza, stanzaId, at);
  }
  done(std::move(result));
}

void XmppBridge::deliverPartner(const OutboundItem& item, const std::string& room,
                                const std::function<void(DeliveryResult)>& done) {
  using Outcome = DeliveryResult::Outcome;
  if (!partner_->hasRoom(room)) {
    // A link created after the rooms were read: read them again and retry the row.
    loadRooms();
    done(DeliveryResult{Outcome::kRetry, {}, "the partner room is not joined yet"});
    return;
  }
  const auto& message = item.message;
  if (message.author.username.empty()) {
    done(DeliveryResult{Outcome::kRejected, {}, "a post without an author username"});
    return;
  }
  auto urls = outboundFileUrls(item, done);
  if (!urls) return;
  OutboundRequest request;
  request.address =
      OutboundAddress{partner_->puppetJid(message.author.username), room, ChatType::kGroupchat};
  // Parley's ids in a partner room: a post's messages are known by its post id (retries of the
  // row send the same ids), a change by its outbox transaction.
  const bool isPost = message.change == core::model::MessageChange::kPost;
  request.txnId = parleyMessageId(isPost ? message.postId : item.txnId);
  // The room's stanza-ids are what replies, retractions and reactions name; a correction names
  // the id attribute Parley gave the message.
  for (const auto& part : item.parts) {
    request.targets.push_back({part.part, part.remoteEventId,
                               parleyMessageId(hostedStanzaId(message.postId, part.part))});
  }
  request.rootRemoteId = item.rootRemoteId;
  auto stanzas = translateItem(item, request, std::move(*urls), done);
  if (!stanzas) return;
  if (stanzas->empty()) {
    done(DeliveryResult{Outcome::kSent, {}, {}});  // nothing XMPP can show (a custom emoji)
    return;
  }
  std::vector<Stanza> messages;
  std::vector<int> parts;
  for (const auto& out : *stanzas) {
    messages.push_back(Stanza::fromTree(component_->context(), out.element, kNsComponent));
    parts.push_back(out.part);
  }
  partner_->post(room, message.author.username, message.author.displayName, std::move(messages),
                 [done, isPost, parts](PartnerRooms::Posted posted) {
                   if (!posted.ok) {
                     done(DeliveryResult{Outcome::kRetry, {}, posted.error});
                     return;
                   }
                   DeliveryResult result{Outcome::kSent, {}, {}};
                   if (isPost) {
                     for (std::size_t i = 0; i < parts.size(); ++i)
                       result.parts.push_back(RemotePart{parts[i], posted.stanzaIds[i]});
                   }
                   done(std::move(result));
                 });
}

void XmppBridge::onPartnerMessage(PartnerRooms::Incoming incoming) {
  const auto link = partnerLinks_.find(incoming.room);
  if (link == partnerLinks_.end() || sink_ == nullptr) return;
  const InboundOptions options = inboundOptions(config_.allowHttpUrls, incoming.room);
  auto inbound = fromXmppTree(incoming.message.toTree(options.limits.xml), options);
  if (!inbound) {
    if (inbound.error().id != kErrNothingToBridge) {
      core::log::info(kLog, "a partner room's message was not bridged",
                      {{"room", incoming.room}, {"error", inbound.error().message}});
    }
    return;
  }
  InboundMessage& in = inbound.value();
  const std::string occupant = incoming.room + "/" + incoming.nick;
  InboundEvent event;
  event.bridge = "xmpp";
  event.remoteRoom = link->second;
  // Without the room's stanza-id (a MUC without MAM) the id is the sender's, scoped by the
  // occupant.
  event.remoteEventId = in.stanzaId.empty() ? occupant + " " + in.messageId : in.remoteEventId;
  event.change = in.change;
  event.sender = core::model::RemoteOrigin{"xmpp", link->second,
                                           occupantRemoteId(incoming.room, incoming.nick),
                                           parseJid(incoming.room).domain};
  event.senderDisplayName = incoming.nick;
  event.text = std::move(in.text);
  event.files = std::move(in.files);
  // A stanza-id of one of Parley's own messages names its post (the post id, which the pipeline
  // takes for a post of the channel), also before the delivery is in the id map.
  const auto resolve = [&](const std::string& remoteId) {
    const std::string own = partner_->ownMessageId(incoming.room, remoteId);
    const std::string postId = own.substr(std::min(own.size(), kParleyIdPrefix.size()), 26);
    return core::model::isValidId(postId) ? postId : remoteId;
  };
  event.replyToRemoteId = resolve(!in.replyToRemoteId.empty() ? in.replyToRemoteId : in.thread);
  event.targetRemoteId = resolve(in.targetRemoteId);
  if (in.change == core::model::MessageChange::kEdit) {
    // XEP-0308 names the id attribute the occupant gave its message: the room's stanza-id of it.
    const auto space = in.targetRemoteId.find(' ');
    const std::string id =
        space == std::string::npos ? in.targetRemoteId : in.targetRemoteId.substr(space + 1);
    const std::string stanzaId = partner_->stanzaIdOf(incoming.room, incoming.nick, id);
    event.targetRemoteId = stanzaId.empty() ? occupant + " " + id : stanzaId;
  }
  if (in.change == core::model::MessageChange::kReaction)
    event.reactionSet = std::move(in.reactions);
  event.label = in.label;
  submit(std::move(event), [room = incoming.room,
                            nick = incoming.nick](const IngressResult& result) {
    if (result.outcome == IngressOutcome::kApplied || result.outcome == IngressOutcome::kDuplicate)
      return;
    // The room is not Parley's: nothing to answer its occupant with; the log says why.
    core::log::info(kLog, "a partner room's message was not applied",
                    {{"room", room}, {"nick", nick}, {"error", result.error}});
  });
}

void XmppBridge::onPartnerJoined(const std::string& room) {
  const auto link = partnerLinks_.find(room);
  if (link == partnerLinks_.end()) {
    partner_->catchUp(room, {});
    return;
  }
  std::weak_ptr<Component> weak = component_;
  database_->submit([this, weak, room, remoteRoom = link->second](core::store::Store& store) {
    // The last message of the link that crossed either way: its part 0 is the room's stanza-id.
    std::string cursor;
    auto found = store.bridges().linkByRemote("xmpp", remoteRoom);
    if (found && *found) {
      core::store::ArchiveQuery query;
      query.channelId = (*found)->channelId;
      query.bridge = "xmpp";
      query.remoteRoom = remoteRoom;
      query.limit = 1;
      query.newestFirst = true;
      auto last = store.bridges().archive(query);
      if (last && !last.value().empty()) cursor = last.value().front().remoteEventId;
    }
    const auto component = weak.lock();
    if (!component) return;
    component->post([this, room, cursor] { partner_->catchUp(room, cursor); });
  });
}

}  // namespace parley::bridges::xmpp
