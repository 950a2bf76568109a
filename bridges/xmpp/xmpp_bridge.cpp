#include "bridges/xmpp/xmpp_bridge.hpp"

#include <algorithm>
#include <cctype>
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

std::vector<RoomSnapshot> readRooms(core::store::Store& store, const std::string& domain,
                                    std::size_t historySize) {
  std::vector<RoomSnapshot> rooms;
  auto links = store.bridges().listLinks();
  if (!links) {
    core::log::warn(kLog, "cannot read the links", {{"error", links.error().message}});
    return rooms;
  }
  std::set<std::string> seen;
  for (const auto& link : links.value()) {
    if (link.bridge != "xmpp") continue;
    if (!core::model::directRoomRemoteId(link.remoteRoom).empty())
      continue;  // a DM's link: no room
    const std::string localpart = hostedLocalpart(link.remoteRoom, domain);
    if (localpart.empty()) {
      core::log::warn(kLog,
                      "an xmpp link names a room Parley cannot host (rooms on other servers are "
                      "not supported yet); it is skipped",
                      {{"link", link.id}, {"remote", link.remoteRoom}});
      continue;
    }
    if (!seen.insert(localpart).second) continue;  // one room, several channels: the first
    auto channel = store.channels().get(link.channelId);
    if (!channel) continue;
    RoomSnapshot room;
    room.remoteRoom = link.remoteRoom;
    room.info =
        RoomInfo{localpart, channel.value().displayName,
                 channel.value().header.empty() ? channel.value().purpose : channel.value().header};
    if (historySize > 0) {
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
InboundOptions inboundOptions(bool allowHttpUrls) {
  InboundOptions options;
  options.limits.maxIdBytes = 256;
  options.limits.allowHttpUrls = allowHttpUrls;  // attachments: a test server serves http
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
  handlers.stanza = [this](const Stanza& stanza) { host_->handle(stanza); };
  handlers.link = [this](bool up) { onLink(up); };
  component_ = std::make_shared<Component>(std::move(options), std::move(handlers));
  return component_->start();
}

void XmppBridge::stop() {
  if (component_) component_->stop();
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
  loadRooms();
  loadFileKey();
}

void XmppBridge::onLink(bool up) {
  if (up) {
    loadRooms();  // links may have been added while the link was down
  } else {
    host_->forgetOccupants();
  }
}

void XmppBridge::loadRooms() {
  std::weak_ptr<Component> weak = component_;
  database_->submit([this, weak, domain = config_.domain,
                     historySize = config_.historyMessages](core::store::Store& store) {
    auto rooms = readRooms(store, domain, historySize);
    const auto component = weak.lock();
    if (!component) return;
    // Runs on the component thread, which stop() joins before the bridge goes away.
    component->post([this, rooms = std::move(rooms)] {
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
      core::log::info(kLog, "hosting the rooms of the xmpp links", {{"rooms", infos.size()}});
    });
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
  auto inbound = fromXmppText(message.stanza.toXml(), inboundOptions(config_.allowHttpUrls));
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
  std::vector<std::string> urls;
  if (message.change == core::model::MessageChange::kPost && !message.files.empty()) {
    // Each file goes as a URL Parley serves for this link (the guard already removed the files
    // file.egress denied).
    if (fileKey_.empty()) {
      loadFileKey();
      done(DeliveryResult{Outcome::kRetry, {}, "the file URL signing key is not loaded yet"});
      return;
    }
    urls = fileUrls(item.link.id, message);
  }
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
  if (!request.rootRemoteId.empty()) {
    request.rootAuthorName = item.rootAuthor;
    request.rootText = item.rootText;
  }
  request.reactions = message.reactions;
  request.fileUrls = std::move(urls);
  auto stanzas = toXmpp(message, request);
  if (!stanzas) {
    done(DeliveryResult{Outcome::kRejected, {}, stanzas.error().message});
    return;
  }
  const auto at =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(message.createAt));
  DeliveryResult result{Outcome::kSent, {}, {}};
  for (const auto& out : stanzas.value()) {
    const Stanza stanza = Stanza::parse(component_->context(), toXml(out.element, kNsComponent));
    if (!stanza) {
      done(DeliveryResult{Outcome::kRejected, {}, "the translated stanza does not parse"});
      return;
    }
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

}  // namespace parley::bridges::xmpp
