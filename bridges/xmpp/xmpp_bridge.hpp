#pragma once
// The XMPP bridge (issue 6): parleyd as an XEP-0114 component (component.hpp) hosting one MUC
// room per xmpp link (room_host.hpp). The rooms are the links whose remote is a bare localpart
// or a JID in the component's domain ("town-square" or "town-square@<domain>"). A link whose
// remote is a room on another server ("room@conference.example.org") is the second mode
// (xmpp.md §1 mode B, partner_room.hpp): Parley's puppets join that existing room; there the
// room assigns the stanza-ids, which the id map learns from the reflections of Parley's own
// messages and from the occupants' messages, and a rejoin catches up from the room's archive
// after the last message of the link.
//
// Ingress: an occupant's groupchat becomes an InboundEvent for the framework's IngressSink; the
// outcome decides what the room does (reflect it with the post id as stanza-id, or answer with
// an XMPP error). Egress: deliver() broadcasts a post to the room's occupants from
// <room>@<domain>/<author's username>, the post id being the message's id, origin-id and
// stanza-id, so the remote id of part 0 is the post id. Reactions (XEP-0444) go both ways as the
// author's whole set. Direct messages to and from <username>@<domain> (direct_chat.hpp) use
// the framework's implicit DM links. Each file of a post is a message of its own (part 1..n)
// whose body is a capability URL Parley serves for that file over that link
// (core/services/bridge_file_url.hpp) plus XEP-0066 OOB; the signing key is read from the
// database when the component starts.
//
// Threads: everything XMPP runs on the component's thread; database work goes to the pool
// (Database::submit) and its results are posted back. Callbacks that may outlive the bridge hold
// only a weak reference to the component and a number.

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "bridges/common/bridge.hpp"
#include "bridges/xmpp/component.hpp"
#include "bridges/xmpp/direct_chat.hpp"
#include "bridges/xmpp/partner_room.hpp"
#include "bridges/xmpp/room_host.hpp"

namespace parley::bridges::xmpp {

class XmppBridge : public Bridge {
 public:
  // The bridge of environment.config->xmpp (which must be present and enabled).
  static core::Result<BridgePtr> create(const BridgeEnvironment& environment);

  std::string_view name() const override { return "xmpp"; }
  core::Status start(IngressSink& sink) override;
  void stop() override;
  bool connected() const override;
  void deliver(OutboundItem item, std::function<void(DeliveryResult)> done) override;
  // A room Parley hosts takes runs: a re-sent message carries its post's stanza-id again, by
  // which clients tell it from a new one (XEP-0359). A partner's room gives it a new stanza-id
  // and a direct chat has none, so there one item at a time.
  std::size_t maxRun(const core::model::Link& link) const override;
  // The run in one hand-over to the component thread.
  void deliverRun(std::vector<OutboundItem> items,
                  std::function<void(std::vector<DeliveryResult>)> done) override;

  // `siteUrl`: where partners' clients reach Parley for the files of bridged posts
  // (server.site_url); `clock`: their URLs' expiry (null: the system clock).
  XmppBridge(core::config::XmppBridgeConfig config, core::store::DatabasePtr database,
             std::string siteUrl = {}, core::ClockPtr clock = nullptr);
  ~XmppBridge() override;
  XmppBridge(const XmppBridge&) = delete;
  XmppBridge& operator=(const XmppBridge&) = delete;
  XmppBridge(XmppBridge&&) = delete;
  XmppBridge& operator=(XmppBridge&&) = delete;

 private:
  struct HostedLink {
    std::string localpart;   // the room's localpart (lower case)
    std::string remoteRoom;  // the link's remote as stored (the ingress pipeline's key)
  };

  // Component thread.
  void onStarted();
  void onLink(bool up);
  void onGroupchat(RoomHost::Groupchat message);
  void finishGroupchat(std::uint64_t ticket, const IngressResult& result);
  // Hands `event` to the ingress sink; `done` runs on the component thread.
  void submit(InboundEvent event, std::function<void(IngressResult)> done);
  // XEP-0313 on a hosted room: a page of the room's archive (store::BridgeStore::archive) read
  // on the pool, answered on the component thread.
  void onArchiveQuery(RoomHost::ArchiveQuery query);
  void deliverNow(const OutboundItem& item, const std::function<void(DeliveryResult)>& done);
  // Partner rooms (mode B): an item sent by its author's puppet occupant; an occupant's message
  // to the ingress sink; the listener joined: the last stanza-id of the link, read on the pool,
  // starts the catch-up.
  void deliverPartner(const OutboundItem& item, const std::string& room,
                      const std::function<void(DeliveryResult)>& done);
  void onPartnerMessage(PartnerRooms::Incoming incoming);
  void onPartnerJoined(const std::string& room);
  // A partner room of a link: its JID and the link's remote as stored.
  using PartnerLink = std::pair<std::string, std::string>;
  // Joins the listener of new partner rooms and leaves those no longer linked; how many.
  std::size_t applyPartnerRooms(const std::vector<PartnerLink>& partner);
  // Reads the partner rooms of the links on the pool (every few seconds: links created through
  // the admin API), then applies them.
  void loadPartnerRooms();
  static int onTick(xmpp_ctx_t* ctx, void* self);
  // Reads the xmpp links, their channels and recent posts on the pool, then sets the rooms.
  void loadRooms();
  // Reads (or creates) the file URL signing key on the pool, then keeps it in fileKey_.
  void loadFileKey();
  // The URL of each file of `message` for `linkId`, in order.
  // The URLs of a post's files for deliver(); nullopt when `done` was told to retry (the key is
  // not loaded yet).
  std::optional<std::vector<std::string>> outboundFileUrls(
      const OutboundItem& item, const std::function<void(DeliveryResult)>& done);
  std::vector<std::string> fileUrls(const std::string& linkId,
                                    const core::model::CanonicalMessage& message) const;
  std::string localpartOf(const std::string& remoteRoom) const;

  core::config::XmppBridgeConfig config_;
  core::store::DatabasePtr database_;
  std::string siteUrl_;
  core::ClockPtr clock_;
  IngressSink* sink_ = nullptr;
  std::shared_ptr<Component> component_;
  // Component thread only.
  std::unique_ptr<RoomHost> host_;
  std::unique_ptr<DirectChat> direct_;
  std::map<std::string, HostedLink> links_;  // by localpart
  std::unique_ptr<PartnerRooms> partner_;
  std::map<std::string, std::string> partnerLinks_;  // room JID -> the link's remote as stored
  std::uint64_t ticks_ = 0;
  std::string fileKey_;  // "" until loadFileKey() answered
  struct Waiting {
    RoomHost::Groupchat message;
    bool isPost = false;  // a new post (not a correction or retraction)
  };
  std::map<std::uint64_t, Waiting> waiting_;  // messages the sink has not answered
  std::uint64_t nextTicket_ = 1;
};

}  // namespace parley::bridges::xmpp
