#pragma once
// The Matrix bridge (issue 7): parleyd as an Application Service of a partner's homeserver
// (matrix-appservice.md). Links name a room by id ("!abc:example.org") or alias
// ("#ops:example.org"); an alias is resolved through the room directory. An alias of Parley's
// own namespace (#<alias_prefix>...:<server_name>, the registration's) that does not exist yet
// is a room Parley creates, as its bot (createRoom with that alias, the channel's name and
// purpose, preset public_chat so that the partner's users join by the alias, unlisted in the
// directory, m.federate true): when it resolves the link (at start, before a delivery) or when
// the homeserver asks for the alias (a user joins by it); an alias of the namespace that no
// link names does not exist (404 M_NOT_FOUND).
//
// Ingress (homeserver -> Parley, appservice_api.hpp): a transaction's events become
// InboundEvents for the framework's ingress pipeline, in order (the pipeline applies the events
// of a room one after the other); the transaction is answered 200 only once every event's
// effect is committed, then its txnId is claimed in the durable inbox, so a retried
// transaction is a no-op and a redelivered event is one by its event id. Events sent by
// Parley's own puppets or its bot (the registration's exclusive user namespace) are echoes and
// ignored.
//
// Egress: deliver() runs on the bridge's own worker threads: ensure the author's puppet
// (@<user_prefix><username>:<server_name>) is registered (inhibit_login), has its display name
// and has joined the room (invited by the bot when the room asks for it), then sends as it with
// ?user_id= and the transaction id "<outbox txnId>.<part>" (unique across puppets, the same on
// every retry: the homeserver de-duplicates). 429 -> retry after retry_after_ms; 5xx and
// network -> retry; other 4xx -> rejected.
//
// Direct messages (direct.hpp): a Matrix user's is_direct invitation of a Mattermost user's
// puppet is accepted as that puppet and the room kept (direct_rooms) as the DM of the pair; its
// messages come in addressed to the local user (InboundEvent::toUser), and what the local user
// writes in the direct channel goes there, the room made by the puppet (createRoom, is_direct,
// the Matrix user invited) when the pair has none yet. An invitation for a puppet of nobody is
// left (rejected). When one of the pair leaves the room, it is forgotten and the puppet leaves:
// the next message makes a new one.
//
// Media both ways: media.hpp (uploads of a post's files, or links; the fetcher of inbound
// mxc:// URIs the ingress pipeline runs).

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "bridges/common/bridge.hpp"
#include "bridges/matrix/homeserver_client.hpp"
#include "bridges/matrix/media.hpp"
#include "bridges/matrix/registration.hpp"
#include "bridges/matrix/translate.hpp"
#include "core/common/asio.hpp"
#include "core/model/user.hpp"
#include "core/store/bridge_store.hpp"
#include "core/store/store.hpp"

namespace parley::bridges::matrix {

class MatrixBridge : public Bridge {
 public:
  // The bridge of environment.config->matrix (present and enabled); reads (or generates) the
  // token file.
  static core::Result<BridgePtr> create(const BridgeEnvironment& environment);

  // `files`, `siteUrl`, `clock`: the media of posts (media.hpp).
  MatrixBridge(core::config::MatrixBridgeConfig config, AppServiceTokens tokens,
               core::store::DatabasePtr database, core::files::FileStorePtr files = nullptr,
               std::string siteUrl = {}, core::ClockPtr clock = nullptr);
  ~MatrixBridge() override;

  std::string_view name() const override { return "matrix"; }
  core::Status start(IngressSink& sink) override;
  void stop() override;
  bool connected() const override { return connected_.load(); }
  void deliver(OutboundItem item, std::function<void(DeliveryResult)> done) override;
  std::vector<HttpEndpoint> httpEndpoints() override;
  // Media of inbound events: mxc:// URIs downloaded from the homeserver (media.hpp).
  AttachmentFetcher attachmentFetcher() override;

 private:
  struct Transaction;

  // Homeserver -> AS.
  void onTransaction(HttpCall call, std::function<void(HttpReply)> reply);
  void processTransaction(std::shared_ptr<Transaction> transaction);
  void finishTransaction(std::shared_ptr<Transaction> transaction);
  void onUserQuery(HttpCall call, std::function<void(HttpReply)> reply);
  void onRoomQuery(HttpCall call, std::function<void(HttpReply)> reply);
  // The hs_token check of every route; nullopt when it passes.
  std::optional<HttpReply> refuseAuth(const HttpCall& call) const;

  // Parley -> homeserver (worker threads).
  DeliveryResult deliverNow(const OutboundItem& item);
  // The events a post became (kSent), kept for the last kRememberedSends of them: an inbound
  // event that names one of them before the drainer wrote the id map finds its post.
  void rememberSent(const std::string& postId, const std::vector<RemotePart>& parts);
  // The post of an event Parley sent lately, else `eventId` as it is.
  std::string postOrEvent(const std::string& eventId);
  // The room id of a link's remote ("" when it cannot be resolved now; `error` says why).
  std::string roomIdOf(const std::string& remoteRoom, HsReply& error);
  // Reads the matrix links and resolves their rooms: room id -> the link's remote.
  void loadRooms();
  // The room of a link to `alias` (of the alias namespace), created with that alias (or found,
  // when the alias was taken meanwhile): its id, "" when there is no such link (`error`
  // kRejected, status 404) or the homeserver failed. One creation at a time.
  std::string createLinkedRoom(const std::string& alias, HsReply& error);
  bool inAliasNamespace(const std::string& alias) const;
  // Direct rooms: the pair a room is the DM of (nullopt: not a direct room, or the database
  // did not answer); an invitation; the room of a DM link, made when there is none and `create`.
  std::optional<core::store::DirectRoom> directOfRoom(const std::string& roomId);
  void acceptDirectInvite(const std::string& roomId, const std::string& inviter,
                          const std::string& invitee);
  std::string directRoomOf(const OutboundItem& item, const std::string& userId,
                           const std::string& displayName, HsReply& error);
  void rememberDirect(const core::store::DirectRoom& room);
  // `member`, one of the pair, left `room`: it is forgotten (and left by the puppet), so that
  // the pair's next message makes a new room rather than going where the Matrix user is not.
  void endDirect(const core::store::DirectRoom& room, const std::string& member);
  // The local user `userId` (a puppet MXID of the namespace) stands for: active and local.
  std::optional<core::model::User> localUserOf(core::store::Store& store,
                                               const std::string& userId) const;
  bool ensurePuppet(const std::string& userId, const std::string& displayName, HsReply& error);
  bool ensureJoined(const std::string& roomId, const std::string& userId, HsReply& error);
  HsReply track(HsReply reply);  // keeps connected() current

  // Translation settings: mention pills resolved from the names of puppets.
  InboundOptions inboundOptions() const;
  // The MXID a Mattermost @mention of `username` pills.
  std::string mentionTarget(const std::string& username) const;

  // Names.
  std::string botId() const;
  std::string puppetId(const std::string& username) const;
  bool inUserNamespace(const std::string& userId) const;

  core::config::MatrixBridgeConfig config_;
  AppServiceTokens tokens_;
  core::store::DatabasePtr database_;
  std::shared_ptr<HomeserverClient> client_;  // shared with the attachment fetcher
  std::unique_ptr<MatrixMedia> media_;
  std::unique_ptr<asio::thread_pool> workers_;
  // The homeserver's alias queries: their own thread, since a worker resolving an alias may be
  // waiting for the homeserver, which waits for the query's answer.
  std::unique_ptr<asio::thread_pool> queries_;
  std::mutex creating_;  // createLinkedRoom
  std::atomic<IngressSink*> sink_{nullptr};
  std::atomic<bool> connected_{false};
  std::atomic<bool> stopped_{false};

  std::mutex mutex_;
  std::map<std::string, std::string> roomOfRemote_;  // link remote -> room id
  std::map<std::string, std::string> remoteOfRoom_;  // room id -> link remote
  std::set<std::string> registered_;                 // puppets known to exist
  std::set<std::string> joined_;                     // "<room id> <user id>"
  std::map<std::string, std::string> displayNames_;  // Matrix user -> its last display name
  std::map<std::string, core::store::DirectRoom> directOfRoom_;  // DM room id -> its pair
  std::map<std::string, std::string> roomOfDirect_;  // "<local id> <MXID>" -> newest room id
  // The events of the posts sent last, by event id: their post (postOrEvent).
  std::map<std::string, std::string> postOfSent_;
  std::deque<std::string> sentOrder_;  // the same event ids, oldest first
};

}  // namespace parley::bridges::matrix
