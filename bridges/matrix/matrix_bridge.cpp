#include "bridges/matrix/matrix_bridge.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>

#include "bridges/common/emoji.hpp"
#include "bridges/common/inbound_files.hpp"
#include "bridges/matrix/direct.hpp"
#include "bridges/matrix/translate.hpp"
#include "core/common/json_fields.hpp"
#include "core/common/log.hpp"
#include "core/model/link.hpp"
#include "core/store/bridge_store.hpp"
#include "core/store/store.hpp"

namespace parley::bridges::matrix {

using core::objectField;
using core::stringField;

struct MatrixBridge::Transaction {
  std::string txnId;
  nlohmann::json events;
  std::function<void(HttpReply)> reply;
  std::atomic<std::size_t> pending{0};
  std::atomic<bool> failed{false};
};

namespace {

using core::model::MessageChange;
using Kind = HsReply::Kind;

constexpr std::string_view kLog = "matrix";
constexpr std::size_t kMaxTxnIdBytes = 255;
constexpr std::size_t kMaxIdBytes = 255;  // the spec's limit for user, room and event ids
// The body of a transaction (its own route limit, above the API's max_body_size): a homeserver
// sends at most 100 events in one (Synapse, matrix-appservice.md §3.2; the registration asks
// for no ephemeral events), each at most 64 KiB of canonical JSON, and in the client format an
// event may carry as much again in `unsigned` (a state event's prev_content): 100 x 128 KiB =
// 12.5 MiB, plus the envelope's escaping. 16 MiB holds any transaction that keeps to the spec.
constexpr std::uint64_t kMaxTransactionBytes = 16ULL * 1024 * 1024;

HttpReply matrixError(unsigned status, std::string_view errcode, std::string_view message) {
  return HttpReply{status, nlohmann::json{{"errcode", errcode}, {"error", message}}.dump(),
                   "application/json"};
}

HttpReply emptyOk() { return HttpReply{200, "{}", "application/json"}; }

bool sameSecret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// The key of a room member ("<room id> <user id>") in joined_, and of a DM's pair
// ("<local user id> <MXID>") in roomOfDirect_.
std::string pairKey(const std::string& first, const std::string& second) {
  return first + " " + second;
}

// "@carol:example.org" -> "example.org"; "" when it is not an MXID.
std::string serverOf(const std::string& userId) {
  const auto colon = userId.find(':');
  if (userId.size() < 4 || userId.front() != '@' || colon == std::string::npos || colon == 1) {
    return {};
  }
  return userId.substr(colon + 1);
}

std::string localpartOf(const std::string& userId) {
  const auto colon = userId.find(':');
  return colon == std::string::npos || userId.empty() ? std::string() : userId.substr(1, colon - 1);
}

// A Matrix localpart made of a Mattermost username (lower case; a-z 0-9 . _ = - / are the
// characters Matrix allows, anything else becomes '_': a puppet's "carol:partner.example").
std::string matrixLocalpart(std::string_view username) {
  std::string out;
  for (const char c : username) {
    const auto u = static_cast<unsigned char>(std::tolower(static_cast<unsigned char>(c)));
    const bool allowed = std::isalnum(u) != 0 || u == '.' || u == '_' || u == '=' || u == '-';
    out.push_back(allowed ? static_cast<char>(u) : '_');
  }
  return out;
}

DeliveryResult failure(const HsReply& reply) {
  DeliveryResult result;
  result.outcome = reply.kind == Kind::kRejected ? DeliveryResult::Outcome::kRejected
                                                 : DeliveryResult::Outcome::kRetry;
  result.error = reply.error.empty() ? std::string("the homeserver call failed") : reply.error;
  result.retryAfter = reply.retryAfter;
  return result;
}

// Events of sent posts kept for postOrEvent: far more than a burst sends in the moment between
// the homeserver's answer and the drainer's write of the id map.
constexpr std::size_t kRememberedSends = 4096;

DeliveryResult sent(std::vector<RemotePart> parts = {}) {
  return DeliveryResult{DeliveryResult::Outcome::kSent, std::move(parts), {}, {}};
}

}  // namespace

core::Result<BridgePtr> MatrixBridge::create(const BridgeEnvironment& environment) {
  const auto& matrix = environment.config->matrix;
  if (!matrix || !matrix->enabled) {
    return core::makeError(core::ErrorCode::kInvalidArgument, "bridges.matrix.disabled",
                           "the matrix bridge is not enabled in the configuration");
  }
  auto tokens = loadOrCreateTokens(matrix->tokenFile);
  if (!tokens) return std::move(tokens).error();
  return BridgePtr(std::make_unique<MatrixBridge>(
      *matrix, std::move(tokens).value(), environment.database, environment.files,
      environment.config->server.siteUrl, environment.clock));
}

MatrixBridge::MatrixBridge(core::config::MatrixBridgeConfig config, AppServiceTokens tokens,
                           core::store::DatabasePtr database, core::files::FileStorePtr files,
                           std::string siteUrl, core::ClockPtr clock)
    : config_(std::move(config)),
      tokens_(std::move(tokens)),
      database_(std::move(database)),
      client_(std::make_shared<HomeserverClient>(config_.homeserverUrl, tokens_.asToken,
                                                 config_.requestTimeout)),
      media_(std::make_unique<MatrixMedia>(
          client_, std::move(files), database_, std::move(siteUrl),
          clock ? std::move(clock) : std::make_shared<core::SystemClock>())),
      workers_(std::make_unique<asio::thread_pool>(2)),
      queries_(std::make_unique<asio::thread_pool>(1)) {}

AttachmentFetcher MatrixBridge::attachmentFetcher() { return MatrixMedia::fetcher(client_); }

MatrixBridge::~MatrixBridge() { stop(); }

core::Status MatrixBridge::start(IngressSink& sink) {
  sink_ = &sink;
  asio::post(*workers_, [this] { loadRooms(); });
  core::log::info(kLog, "matrix application service started",
                  {{"homeserver", config_.homeserverUrl}, {"as_id", config_.id}});
  return {};
}

void MatrixBridge::stop() {
  if (stopped_.exchange(true)) return;
  // Deliveries under way finish (their outcome is recorded or the row goes again); what is
  // still queued is dropped with the pool, and the drainer sends it after the next start.
  workers_->stop();
  workers_->join();
  queries_->stop();
  queries_->join();
  sink_ = nullptr;
}

std::string MatrixBridge::botId() const {
  return "@" + config_.senderLocalpart + ":" + config_.serverName;
}

std::string MatrixBridge::puppetId(const std::string& username) const {
  return "@" + config_.userPrefix + matrixLocalpart(username) + ":" + config_.serverName;
}

bool MatrixBridge::inUserNamespace(const std::string& userId) const {
  return userId.starts_with("@" + config_.userPrefix) && serverOf(userId) == config_.serverName;
}

bool MatrixBridge::inAliasNamespace(const std::string& alias) const {
  // "#<prefix><something>:<server name>", the registration's alias regex.
  const std::string head = "#" + config_.aliasPrefix;
  const std::string tail = ":" + config_.serverName;
  return alias.size() > head.size() + tail.size() && alias.size() <= kMaxIdBytes &&
         alias.starts_with(head) && alias.ends_with(tail) &&
         alias.find(':') == alias.size() - tail.size();
}

// ------------------------------------------------------------------ homeserver -> AS

std::vector<HttpEndpoint> MatrixBridge::httpEndpoints() {
  const std::string& base = config_.urlPath;
  std::vector<HttpEndpoint> endpoints;
  const auto transaction = [this](HttpCall call, std::function<void(HttpReply)> reply) {
    onTransaction(std::move(call), std::move(reply));
  };
  const auto user = [this](HttpCall call, std::function<void(HttpReply)> reply) {
    onUserQuery(std::move(call), std::move(reply));
  };
  const auto room = [this](HttpCall call, std::function<void(HttpReply)> reply) {
    onRoomQuery(std::move(call), std::move(reply));
  };
  const auto ping = [this](HttpCall call, std::function<void(HttpReply)> reply) {
    if (auto refused = refuseAuth(call)) return reply(*refused);
    reply(emptyOk());
  };
  const std::vector<std::string> token = {"access_token"};
  for (const std::string family : {"/_matrix/app/v1", ""}) {
    // A transaction holds up to 100 PDUs and 100 EDUs of up to 64 KiB each: its own limit
    // (kMaxTransactionBytes), above the API's. Larger: 413 M_TOO_LARGE, which the homeserver
    // retries (it cannot come from a homeserver that keeps to the spec).
    endpoints.push_back({"PUT", base + family + "/transactions/{txnId}", token, transaction,
                         kMaxTransactionBytes,
                         matrixError(413, "M_TOO_LARGE", "the transaction is too large")});
    endpoints.push_back({"GET", base + family + "/users/{userId}", token, user, 0, {}});
    endpoints.push_back({"GET", base + family + "/rooms/{roomAlias}", token, room, 0, {}});
  }
  endpoints.push_back({"POST", base + "/_matrix/app/v1/ping", token, ping, 0, {}});
  return endpoints;
}

std::optional<HttpReply> MatrixBridge::refuseAuth(const HttpCall& call) const {
  std::string header;
  if (call.authorization.starts_with("Bearer ")) header = call.authorization.substr(7);
  const auto query = call.query.find("access_token");
  const std::string fromQuery = query == call.query.end() ? std::string() : query->second;
  if (header.empty() && fromQuery.empty()) {
    return matrixError(401, "M_MISSING_TOKEN", "missing the homeserver token");
  }
  // Both given: they must be the same token (the spec's advice), and it must be ours.
  if ((!header.empty() && !sameSecret(header, tokens_.hsToken)) ||
      (!fromQuery.empty() && !sameSecret(fromQuery, tokens_.hsToken))) {
    return matrixError(403, "M_FORBIDDEN", "invalid homeserver token");
  }
  return std::nullopt;
}

void MatrixBridge::onTransaction(HttpCall call, std::function<void(HttpReply)> reply) {
  if (auto refused = refuseAuth(call)) return reply(*refused);
  const std::string txnId = call.params["txnId"];
  if (txnId.empty() || txnId.size() > kMaxTxnIdBytes) {
    return reply(matrixError(400, "M_INVALID_PARAM", "bad transaction id"));
  }
  auto body = nlohmann::json::parse(call.body, nullptr, false);
  if (body.is_discarded()) return reply(matrixError(400, "M_NOT_JSON", "the body is not JSON"));
  if (!body.is_object() || !body.contains("events") || !body["events"].is_array()) {
    return reply(matrixError(400, "M_BAD_JSON", "expected an object with an events array"));
  }
  if (sink_.load() == nullptr || stopped_) {
    // Not started (or stopping): the homeserver keeps the transaction and retries.
    return reply(matrixError(503, "M_UNKNOWN", "the bridge is not running"));
  }
  auto transaction = std::make_shared<Transaction>();
  transaction->txnId = txnId;
  transaction->events = std::move(body["events"]);
  transaction->reply = std::move(reply);
  database_->submit([this, transaction](core::store::Store& store) {
    auto seen = store.bridges().inboxHas(name(), "txn:" + config_.id + ":" + transaction->txnId);
    if (!seen) {
      core::log::warn(kLog, "cannot read the inbox; the transaction is refused for a retry",
                      {{"error", seen.error().message}});
      return transaction->reply(matrixError(500, "M_UNKNOWN", "database unavailable"));
    }
    if (*seen) return transaction->reply(emptyOk());  // processed before: a retry
    if (stopped_) return transaction->reply(matrixError(503, "M_UNKNOWN", "stopping"));
    asio::post(*workers_, [this, transaction] { processTransaction(transaction); });
  });
}

void MatrixBridge::processTransaction(std::shared_ptr<Transaction> transaction) {
  IngressSink* sink = sink_.load();
  if (sink == nullptr) {
    return transaction->reply(matrixError(503, "M_UNKNOWN", "the bridge is not running"));
  }
  std::vector<InboundEvent> inbound;
  bool reloaded = false;
  for (const auto& event : transaction->events) {
    const std::string type = stringField(event, "type");
    const std::string sender = stringField(event, "sender");
    const std::string roomId = stringField(event, "room_id");
    const std::string eventId = stringField(event, "event_id");
    if (type.empty() || sender.empty() || roomId.empty() || eventId.empty() ||
        sender.size() > kMaxIdBytes || roomId.size() > kMaxIdBytes ||
        eventId.size() > kMaxIdBytes || serverOf(sender).empty()) {
      core::log::warn(kLog, "a malformed event in a transaction is ignored",
                      {{"txn_id", transaction->txnId}, {"event_id", eventId.substr(0, 80)}});
      continue;
    }
    if (sender == botId() || inUserNamespace(sender)) {
      // Parley's own puppets and bot: what Parley sent, coming back (no echo). The namespace is
      // exclusive, so nobody else can send as these users; one that is not a puppet of a
      // Parley user would be a registration mistake worth seeing.
      if (sender != botId() && localpartOf(sender).size() <= config_.userPrefix.size()) {
        core::log::warn(kLog, "an event from the AS namespace that no puppet sends is ignored",
                        {{"sender", sender}, {"event_id", eventId}});
      }
      continue;
    }
    const auto& content = objectField(event, "content");
    if (type == "m.room.member") {
      const auto direct = directInviteOf(
          event, [this](std::string_view id) { return inUserNamespace(std::string(id)); });
      if (direct) {
        acceptDirectInvite(direct->roomId, direct->inviter, direct->invitee);
        continue;
      }
      const std::string membership = stringField(content, "membership");
      if (membership == "leave" || membership == "ban") {
        // One of a DM's pair gone (left, kicked or banned): the room no longer carries the DM.
        // (A linked room is no DM: its members come and go without a database read.)
        bool linked = false;
        {
          std::lock_guard lock(mutex_);
          linked = remoteOfRoom_.contains(roomId);
        }
        if (auto room = linked ? std::nullopt : directOfRoom(roomId)) {
          const std::string member = stringField(event, "state_key");
          if (member == room->remoteId || member == puppetId(room->localUsername)) {
            endDirect(*room, member);
            continue;
          }
        }
      }
      if (stringField(event, "state_key") == botId() && membership == "invite") {
        // The bot invited to a room: it joins, so that the room's events reach Parley (a room
        // no link names is only joined; nothing of it is bridged).
        HsReply error;
        if (!ensureJoined(roomId, botId(), error)) {
          core::log::warn(kLog, "cannot accept an invitation",
                          {{"room_id", roomId}, {"error", error.error}});
        }
        continue;
      }
      // The sender's display name, for its puppet (members' own events carry it).
      const std::string name = stringField(content, "displayname");
      if (stringField(event, "state_key") == sender && !name.empty()) {
        std::lock_guard lock(mutex_);
        displayNames_[sender] = name.substr(0, 128);
      }
      continue;
    }
    if (event.contains("state_key")) continue;  // other state: nothing to bridge
    // A linked room, or the direct room of a Matrix user and a local user.
    const auto linkedRemote = [this, &roomId] {
      std::lock_guard lock(mutex_);
      const auto found = remoteOfRoom_.find(roomId);
      return found != remoteOfRoom_.end() ? found->second : std::string();
    };
    std::string remote = linkedRemote();
    std::optional<core::store::DirectRoom> direct;
    if (remote.empty()) direct = directOfRoom(roomId);
    if (remote.empty() && !direct && !reloaded) {
      loadRooms();  // a link made since the rooms were read
      reloaded = true;
      remote = linkedRemote();
    }
    if (remote.empty() && !direct) continue;  // a room no link names: the puppets' other rooms
    if (direct && sender != direct->remoteId) {
      // A DM is between two: someone else the Matrix user let into the room is not bridged.
      core::log::info(kLog, "an event of a third member of a direct room is ignored",
                      {{"room_id", roomId}, {"sender", sender}, {"event_id", eventId}});
      continue;
    }

    auto translated = fromMatrix(event, inboundOptions());
    if (!translated) {
      if (translated.error().id != kErrNothingToBridge) {
        core::log::warn(kLog, "an event that cannot be bridged is ignored",
                        {{"event_id", eventId}, {"error", translated.error().message}});
      }
      continue;
    }
    auto& matrixEvent = translated.value();
    // Media: the pipeline downloads them (attachmentFetcher()); an encrypted file cannot be
    // read by Parley, so the post says so in its place.
    std::erase_if(matrixEvent.files, [&matrixEvent](const core::model::FileRef& file) {
      if (!file.url.empty()) return false;
      appendAttachmentNote(matrixEvent.text, file.name + ": encrypted, not bridged");
      return true;
    });
    if (matrixEvent.change == MessageChange::kPost && matrixEvent.text.empty() &&
        matrixEvent.files.empty()) {
      continue;
    }
    InboundEvent in;
    in.bridge = std::string(name());
    in.remoteRoom = remote;  // "" for a DM: the pipeline finds the direct channel by toUser
    if (direct) in.toUser = direct->localUsername;
    in.remoteEventId = eventId;
    in.change = matrixEvent.change;
    in.sender = core::model::RemoteOrigin{in.bridge, remote, sender, matrixEvent.senderDomain};
    {
      std::lock_guard lock(mutex_);
      const auto known = displayNames_.find(sender);
      in.senderDisplayName = known != displayNames_.end() ? known->second : localpartOf(sender);
    }
    in.text = std::move(matrixEvent.text);
    in.files = std::move(matrixEvent.files);
    // A thread reply names its root, a plain reply its parent: the pipeline puts either under
    // the root of the post it names (Mattermost threads are flat).
    // An event Parley sent a moment ago may not be in the id map yet (the drainer writes it
    // after the homeserver answered): named by its post, which the pipeline takes for a post
    // of the linked channel, a quick reply or reaction to it is not lost.
    in.replyToRemoteId = postOrEvent(matrixEvent.replyToEventId);
    in.targetRemoteId = postOrEvent(matrixEvent.targetRemoteId);
    in.emoji = matrixEvent.emoji;
    // m.emote: a post like Mattermost's /me makes (type "me", text "*what*").
    in.postType = matrixEvent.postType;
    inbound.push_back(std::move(in));
  }
  if (inbound.empty()) return finishTransaction(transaction);
  transaction->pending = inbound.size();
  for (auto& event : inbound) {
    const std::string eventId = event.remoteEventId;
    sink->receive(std::move(event), [this, transaction, eventId](IngressResult result) {
      switch (result.outcome) {
        case IngressOutcome::kApplied:
        case IngressOutcome::kDuplicate: break;
        case IngressOutcome::kDenied:
          // Decided and audited; the homeserver must not retry a denial (it would forever).
          core::log::info(kLog, "an event was denied at the boundary",
                          {{"event_id", eventId}, {"reason", result.error}});
          break;
        case IngressOutcome::kUnknownRoom:
        case IngressOutcome::kUnknownTarget:
        case IngressOutcome::kRejected:
          core::log::warn(kLog, "an event was not applied",
                          {{"event_id", eventId}, {"error", result.error}});
          break;
      }
      if (transaction->pending.fetch_sub(1) == 1) finishTransaction(transaction);
    });
  }
}

void MatrixBridge::finishTransaction(std::shared_ptr<Transaction> transaction) {
  // Every event's effect is committed: now the transaction is recorded and acknowledged.
  database_->submit([this, transaction](core::store::Store& store) {
    auto claimed =
        store.bridges().claimInbox(name(), "txn:" + config_.id + ":" + transaction->txnId,
                                   "transaction", store.clock().nowMillis());
    if (!claimed) {
      return transaction->reply(matrixError(500, "M_UNKNOWN", "database unavailable"));
    }
    transaction->reply(emptyOk());
  });
}

void MatrixBridge::onUserQuery(HttpCall call, std::function<void(HttpReply)> reply) {
  if (auto refused = refuseAuth(call)) return reply(*refused);
  const std::string userId = call.params["userId"];
  const std::string localpart = localpartOf(userId);
  if (!inUserNamespace(userId) || localpart.size() <= config_.userPrefix.size() ||
      userId.size() > kMaxIdBytes) {
    return reply(matrixError(404, "M_NOT_FOUND", "no such user"));
  }
  // A local user's puppet exists once asked for: registered before the answer (spec).
  auto shared = std::make_shared<std::function<void(HttpReply)>>(std::move(reply));
  database_->submit([this, userId, shared](core::store::Store& store) {
    auto user = localUserOf(store, userId);
    if (!user) return (*shared)(matrixError(404, "M_NOT_FOUND", "no such user"));
    const std::string display = user->nickname.empty() ? user->username : user->nickname;
    asio::post(*workers_, [this, userId, display, shared] {
      HsReply error;
      if (ensurePuppet(userId, display, error)) return (*shared)(emptyOk());
      (*shared)(matrixError(500, "M_UNKNOWN", "cannot register the user"));
    });
  });
}

void MatrixBridge::onRoomQuery(HttpCall call, std::function<void(HttpReply)> reply) {
  if (auto refused = refuseAuth(call)) return reply(*refused);
  // Links are made by gateway.yaml or the admin API (with its channel.link decision): an alias
  // of the namespace exists when a link names it, and is created now, before the answer (spec);
  // any other does not (matrix-appservice.md §8).
  std::string alias = call.params["roomAlias"];
  if (!inAliasNamespace(alias)) return reply(matrixError(404, "M_NOT_FOUND", "no such room"));
  if (stopped_) return reply(matrixError(503, "M_UNKNOWN", "the bridge is not running"));
  auto shared = std::make_shared<std::function<void(HttpReply)>>(std::move(reply));
  asio::post(*queries_, [this, alias = std::move(alias), shared] {
    HsReply error;
    if (!createLinkedRoom(alias, error).empty()) return (*shared)(emptyOk());
    if (error.kind == Kind::kRejected && error.status == 404) {
      return (*shared)(matrixError(404, "M_NOT_FOUND", "no such room"));
    }
    core::log::warn(kLog, "cannot create a linked room",
                    {{"alias", alias}, {"error", error.error}});
    (*shared)(matrixError(500, "M_UNKNOWN", "cannot create the room"));
  });
}

// ------------------------------------------------------------------ AS -> homeserver

HsReply MatrixBridge::track(HsReply reply) {
  connected_ = reply.status != 0;
  return reply;
}

void MatrixBridge::loadRooms() {
  auto links =
      database_->runAndWait([](core::store::Store& store) { return store.bridges().listLinks(); });
  if (!links) {
    core::log::warn(kLog, "cannot read the links", {{"error", links.error().message}});
    return;
  }
  std::size_t rooms = 0;
  for (const auto& link : links.value()) {
    // A DM's implicit link has no room of its own here: its room is in direct_rooms.
    if (link.bridge != name() || !core::model::directRoomRemoteId(link.remoteRoom).empty()) {
      continue;
    }
    HsReply error;
    const std::string roomId = roomIdOf(link.remoteRoom, error);
    if (roomId.empty()) {
      core::log::warn(kLog, "cannot resolve a linked room",
                      {{"link", link.id}, {"remote", link.remoteRoom}, {"error", error.error}});
      continue;
    }
    {
      std::lock_guard lock(mutex_);
      remoteOfRoom_[roomId] = link.remoteRoom;
    }
    // The bot in every linked room: the homeserver sends Parley the events of rooms where one
    // of its users is joined. A room that needs an invitation is joined when it comes.
    if (!ensureJoined(roomId, botId(), error)) {
      core::log::warn(kLog, "the bot cannot join a linked room yet",
                      {{"room_id", roomId}, {"error", error.error}});
    }
    ++rooms;
  }
  core::log::info(kLog, "matrix rooms linked", {{"rooms", rooms}});
}

std::string MatrixBridge::roomIdOf(const std::string& remoteRoom, HsReply& error) {
  if (remoteRoom.starts_with('!')) {
    std::lock_guard lock(mutex_);
    remoteOfRoom_.emplace(remoteRoom, remoteRoom);
    return remoteRoom;
  }
  {
    std::lock_guard lock(mutex_);
    const auto known = roomOfRemote_.find(remoteRoom);
    if (known != roomOfRemote_.end()) return known->second;
  }
  if (!remoteRoom.starts_with('#')) {
    error.kind = Kind::kRejected;
    error.error = "a matrix link names neither a room id (!...) nor an alias (#...)";
    return {};
  }
  auto reply = track(client_->call(
      "GET", "/_matrix/client/v3/directory/room/" + HomeserverClient::segment(remoteRoom)));
  const std::string roomId = stringField(reply.body, "room_id");
  if (reply.status == 404 && inAliasNamespace(remoteRoom)) {
    // An alias of Parley's namespace that nobody made yet: the linked room, made now. (A
    // homeserver that asks the AS about unknown aliases on lookups made it already.)
    return createLinkedRoom(remoteRoom, error);
  }
  if (!reply.ok() || roomId.empty()) {
    error = reply;
    if (reply.ok()) error.error = "the room directory answered without a room id";
    return {};
  }
  std::lock_guard lock(mutex_);
  roomOfRemote_[remoteRoom] = roomId;
  remoteOfRoom_[roomId] = remoteRoom;
  return roomId;
}

std::string MatrixBridge::createLinkedRoom(const std::string& alias, HsReply& error) {
  std::lock_guard creating(creating_);
  {
    // Made while this waited for its turn.
    std::lock_guard lock(mutex_);
    const auto known = roomOfRemote_.find(alias);
    if (known != roomOfRemote_.end()) return known->second;
  }
  struct Linked {
    bool found = false;
    std::string name;
    std::string topic;
  };
  auto linked = database_->runAndWait([&](core::store::Store& store) -> core::Result<Linked> {
    auto link = store.bridges().linkByRemote(name(), alias);
    if (!link) return std::move(link).error();
    if (!*link) return Linked{};
    auto channel = store.channels().get((*link)->channelId);
    if (!channel) return std::move(channel).error();
    return Linked{true, channel->displayName.empty() ? channel->name : channel->displayName,
                  channel->purpose.empty() ? channel->header : channel->purpose};
  });
  if (!linked) {
    error.kind = Kind::kRetry;
    error.error = "cannot read the link: " + linked.error().message;
    return {};
  }
  if (!linked->found) {
    error.kind = Kind::kRejected;
    error.status = 404;
    error.error = "no link names the alias";
    return {};
  }
  // "#<localpart>:<server>" -> room_alias_name "<localpart>".
  const std::string localpart = alias.substr(1, alias.find(':') - 1);
  nlohmann::json request{{"room_alias_name", localpart},
                         {"name", linked->name},
                         {"preset", "public_chat"},
                         {"visibility", "private"},
                         {"creation_content", {{"m.federate", true}}}};
  if (!linked->topic.empty()) request["topic"] = linked->topic;
  auto created = track(client_->call("POST", "/_matrix/client/v3/createRoom", {}, request));
  std::string roomId = stringField(created.body, "room_id");
  if (!created.ok() && created.errcode == "M_ROOM_IN_USE") {
    // Made meanwhile (by the homeserver's query, or another node): the directory has it now.
    created = track(client_->call(
        "GET", "/_matrix/client/v3/directory/room/" + HomeserverClient::segment(alias)));
    roomId = stringField(created.body, "room_id");
  }
  if (!created.ok() || roomId.empty()) {
    error = created;
    if (created.ok()) error.error = "the homeserver answered without a room id";
    return {};
  }
  core::log::info(kLog, "created a linked room", {{"alias", alias}, {"room_id", roomId}});
  std::lock_guard lock(mutex_);
  roomOfRemote_[alias] = roomId;
  remoteOfRoom_[roomId] = alias;
  joined_.insert(pairKey(roomId, botId()));  // its creator
  return roomId;
}

std::optional<core::model::User> MatrixBridge::localUserOf(core::store::Store& store,
                                                           const std::string& userId) const {
  const std::string localpart = localpartOf(userId);
  if (!inUserNamespace(userId) || localpart.size() <= config_.userPrefix.size()) {
    return std::nullopt;
  }
  auto user = store.users().getByUsername(localpart.substr(config_.userPrefix.size()));
  if (!user || user->deleteAt != 0 || user->isRemote() || puppetId(user->username) != userId) {
    return std::nullopt;
  }
  return std::move(user).value();
}

void MatrixBridge::rememberDirect(const core::store::DirectRoom& room) {
  std::lock_guard lock(mutex_);
  directOfRoom_[room.roomId] = room;
  auto& newest = roomOfDirect_[pairKey(room.localUserId, room.remoteId)];
  const auto current = directOfRoom_.find(newest);
  if (newest.empty() || current == directOfRoom_.end() ||
      current->second.createAt <= room.createAt) {
    newest = room.roomId;
  }
}

std::optional<core::store::DirectRoom> MatrixBridge::directOfRoom(const std::string& roomId) {
  {
    std::lock_guard lock(mutex_);
    const auto known = directOfRoom_.find(roomId);
    if (known != directOfRoom_.end()) return known->second;
  }
  auto stored = database_->runAndWait(
      [&](core::store::Store& store) { return store.bridges().directRoomById(name(), roomId); });
  if (!stored) {
    core::log::warn(kLog, "cannot read the direct rooms", {{"error", stored.error().message}});
    return std::nullopt;
  }
  if (*stored) rememberDirect(**stored);
  return *stored;
}

void MatrixBridge::acceptDirectInvite(const std::string& roomId, const std::string& inviter,
                                      const std::string& invitee) {
  auto local = database_->runAndWait(
      [&](core::store::Store& store) -> core::Result<std::optional<core::store::DirectRoom>> {
        auto user = localUserOf(store, invitee);
        if (!user || user->isBot) return std::optional<core::store::DirectRoom>{};
        core::store::DirectRoom room{roomId, user->id, user->username, inviter,
                                     store.clock().nowMillis()};
        if (auto put = store.bridges().putDirectRoom(name(), room); !put) {
          return std::move(put).error();
        }
        auto stored = store.bridges().directRoomById(name(), roomId);
        if (!stored) return std::move(stored).error();
        return *stored ? *stored : std::optional<core::store::DirectRoom>{room};
      });
  if (!local) {
    // Not remembered: the invitation stays pending, and the Matrix user may invite again.
    core::log::warn(kLog, "cannot record a direct room; the invitation is left pending",
                    {{"room_id", roomId}, {"error", local.error().message}});
    return;
  }
  HsReply error;
  if (!*local) {
    core::log::warn(kLog, "a direct invitation for a user Parley does not have is rejected",
                    {{"room_id", roomId}, {"inviter", inviter}, {"invitee", invitee}});
    auto left = track(client_->call(
        "POST", "/_matrix/client/v3/rooms/" + HomeserverClient::segment(roomId) + "/leave",
        {{"user_id", invitee}}, nlohmann::json{{"reason", "no such user"}}));
    if (!left.ok()) {
      core::log::warn(kLog, "cannot reject a direct invitation",
                      {{"room_id", roomId}, {"error", left.error}});
    }
    return;
  }
  if ((*local)->remoteId != inviter) {
    // The room was the DM of another pair (Parley's own invitation, answered): kept as it was.
    core::log::warn(kLog, "a direct room of another pair is not taken over",
                    {{"room_id", roomId}, {"inviter", inviter}});
    return;
  }
  rememberDirect(**local);
  const std::string display = (*local)->localUsername;
  if (!ensurePuppet(invitee, display, error) || !ensureJoined(roomId, invitee, error)) {
    // Joined at the first message the local user writes back (deliverNow joins before sending).
    core::log::warn(kLog, "cannot join a direct room yet",
                    {{"room_id", roomId}, {"error", error.error}});
    return;
  }
  core::log::info(kLog, "joined a direct room",
                  {{"room_id", roomId}, {"inviter", inviter}, {"invitee", invitee}});
}

void MatrixBridge::endDirect(const core::store::DirectRoom& room, const std::string& member) {
  auto forgotten = database_->runAndWait([&](core::store::Store& store) {
    return store.bridges().deleteDirectRoom(name(), room.roomId);
  });
  if (!forgotten) {
    // Kept: the next message of the pair still goes to this room, where the Matrix user may
    // come back; the departure is logged for the administrator.
    core::log::warn(kLog, "cannot forget a direct room that was left",
                    {{"room_id", room.roomId}, {"error", forgotten.error().message}});
    return;
  }
  const std::string puppet = puppetId(room.localUsername);
  {
    std::lock_guard lock(mutex_);
    directOfRoom_.erase(room.roomId);
    const auto newest = roomOfDirect_.find(pairKey(room.localUserId, room.remoteId));
    if (newest != roomOfDirect_.end() && newest->second == room.roomId) {
      roomOfDirect_.erase(newest);  // the next message reads the pair's rooms again
    }
    joined_.erase(pairKey(room.roomId, puppet));
  }
  core::log::info(kLog, "a direct room was left; the next message makes a new one",
                  {{"room_id", room.roomId}, {"member", member}});
  if (member == puppet) return;
  // The Matrix user left: the puppet leaves too, as a Matrix client does with an empty DM.
  auto left = track(client_->call(
      "POST", "/_matrix/client/v3/rooms/" + HomeserverClient::segment(room.roomId) + "/leave",
      {{"user_id", puppet}}, nlohmann::json::object()));
  if (!left.ok()) {
    core::log::warn(kLog, "cannot leave a direct room",
                    {{"room_id", room.roomId}, {"error", left.error}});
  }
}

std::string MatrixBridge::directRoomOf(const OutboundItem& item, const std::string& userId,
                                       const std::string& displayName, HsReply& error) {
  const std::string remoteId(core::model::directRoomRemoteId(item.link.remoteRoom));
  const std::string localId(core::model::directRoomLocalId(item.link.remoteRoom));
  if (item.message.author.userId != localId) {
    // The puppet of the Matrix user never writes here (the outbox skips the link a post came
    // in on), nor does anyone else: a direct channel has two members.
    error.kind = Kind::kRejected;
    error.error = "only the local user of a direct message writes to its Matrix room";
    return {};
  }
  {
    std::lock_guard lock(mutex_);
    const auto known = roomOfDirect_.find(pairKey(localId, remoteId));
    if (known != roomOfDirect_.end()) return known->second;
  }
  auto stored = database_->runAndWait([&](core::store::Store& store) {
    return store.bridges().directRoomOfPair(name(), localId, remoteId);
  });
  if (!stored) {
    error.kind = Kind::kRetry;
    error.error = "cannot read the direct rooms: " + stored.error().message;
    return {};
  }
  if (*stored) {
    rememberDirect(**stored);
    return (*stored)->roomId;
  }
  if (item.message.change != MessageChange::kPost) {
    error.kind = Kind::kOk;  // a change of a post that never went there: nothing to do
    return {};
  }
  // The first message of the pair: the local user's puppet makes the room, inviting the Matrix
  // user (who sees an invitation with is_direct, as from a Matrix client).
  if (!ensurePuppet(userId, displayName, error)) return {};
  auto created = track(client_->call("POST", "/_matrix/client/v3/createRoom", {{"user_id", userId}},
                                     directRoomRequest(remoteId)));
  const std::string roomId = stringField(created.body, "room_id");
  if (!created.ok() || roomId.empty()) {
    error = created;
    if (created.ok()) {
      error.kind = Kind::kRetry;
      error.error = "the homeserver answered createRoom without a room id";
    }
    return {};
  }
  core::store::DirectRoom room{roomId, localId, item.message.author.username, remoteId, 0};
  auto put = database_->runAndWait([&](core::store::Store& store) {
    room.createAt = store.clock().nowMillis();
    return store.bridges().putDirectRoom(name(), room);
  });
  if (!put) {
    // The room is made: used from memory until the next restart, which makes another.
    core::log::warn(kLog, "cannot record a direct room",
                    {{"room_id", roomId}, {"error", put.error().message}});
  }
  core::log::info(kLog, "created a direct room",
                  {{"room_id", roomId}, {"local_user_id", localId}, {"invitee", remoteId}});
  rememberDirect(room);
  std::lock_guard lock(mutex_);
  joined_.insert(pairKey(roomId, userId));  // its creator
  return roomId;
}

bool MatrixBridge::ensurePuppet(const std::string& userId, const std::string& displayName,
                                HsReply& error) {
  {
    std::lock_guard lock(mutex_);
    if (registered_.contains(userId) && displayNames_[userId] == displayName) return true;
  }
  auto registered = track(client_->call("POST", "/_matrix/client/v3/register", {},
                                        nlohmann::json{{"type", "m.login.application_service"},
                                                       {"username", localpartOf(userId)},
                                                       {"inhibit_login", true}}));
  if (!registered.ok() && registered.errcode != "M_USER_IN_USE") {
    error = registered;
    return false;
  }
  if (!displayName.empty()) {
    auto named = track(client_->call(
        "PUT", "/_matrix/client/v3/profile/" + HomeserverClient::segment(userId) + "/displayname",
        {{"user_id", userId}}, nlohmann::json{{"displayname", displayName}}));
    if (!named.ok()) {
      // The name is cosmetic: the message still goes, under the Matrix id.
      core::log::warn(kLog, "cannot set a puppet's display name",
                      {{"user_id", userId}, {"error", named.error}});
    }
  }
  std::lock_guard lock(mutex_);
  registered_.insert(userId);
  displayNames_[userId] = displayName;
  return true;
}

bool MatrixBridge::ensureJoined(const std::string& roomId, const std::string& userId,
                                HsReply& error) {
  const std::string key = pairKey(roomId, userId);
  {
    std::lock_guard lock(mutex_);
    if (joined_.contains(key)) return true;
  }
  const std::string joinPath = "/_matrix/client/v3/join/" + HomeserverClient::segment(roomId);
  auto joined =
      track(client_->call("POST", joinPath, {{"user_id", userId}}, nlohmann::json::object()));
  if (!joined.ok() && joined.status == 403) {
    // A room that is not public: the bot (a member, or joining now) invites the puppet.
    auto bot = track(client_->call("POST", joinPath, {}, nlohmann::json::object()));
    if (!bot.ok()) {
      error = bot;
      return false;
    }
    auto invited = track(client_->call(
        "POST", "/_matrix/client/v3/rooms/" + HomeserverClient::segment(roomId) + "/invite", {},
        nlohmann::json{{"user_id", userId}}));
    if (!invited.ok() && invited.status != 403) {  // 403: invited or joined already
      error = invited;
      return false;
    }
    joined =
        track(client_->call("POST", joinPath, {{"user_id", userId}}, nlohmann::json::object()));
  }
  if (!joined.ok()) {
    error = joined;
    return false;
  }
  std::lock_guard lock(mutex_);
  joined_.insert(key);
  return true;
}

void MatrixBridge::deliver(OutboundItem item, std::function<void(DeliveryResult)> done) {
  if (stopped_) {
    done(DeliveryResult{DeliveryResult::Outcome::kRetry, {}, "the matrix bridge stopped", {}});
    return;
  }
  auto shared = std::make_shared<OutboundItem>(std::move(item));
  asio::post(*workers_, [this, shared, done = std::move(done)] {
    DeliveryResult result = deliverNow(*shared);
    if (result.outcome == DeliveryResult::Outcome::kSent &&
        shared->message.change == MessageChange::kPost) {
      rememberSent(shared->message.postId, result.parts);
    }
    done(std::move(result));
  });
}

void MatrixBridge::rememberSent(const std::string& postId, const std::vector<RemotePart>& parts) {
  std::lock_guard lock(mutex_);
  for (const auto& part : parts) {
    if (!postOfSent_.emplace(part.remoteEventId, postId).second) continue;
    sentOrder_.push_back(part.remoteEventId);
    if (sentOrder_.size() > kRememberedSends) {
      postOfSent_.erase(sentOrder_.front());
      sentOrder_.pop_front();
    }
  }
}

std::string MatrixBridge::postOrEvent(const std::string& eventId) {
  if (eventId.empty()) return eventId;
  std::lock_guard lock(mutex_);
  const auto sent = postOfSent_.find(eventId);
  return sent != postOfSent_.end() ? sent->second : eventId;
}

DeliveryResult MatrixBridge::deliverNow(const OutboundItem& item) {
  const auto& message = item.message;
  HsReply error;
  if (message.author.username.empty()) {
    return DeliveryResult{DeliveryResult::Outcome::kRejected, {}, "the change has no author", {}};
  }
  const std::string userId = puppetId(message.author.username);
  const std::string display =
      message.author.displayName.empty() ? message.author.username : message.author.displayName;
  const bool isDirect = !core::model::directRoomRemoteId(item.link.remoteRoom).empty();
  const std::string roomId =
      isDirect ? directRoomOf(item, userId, display, error) : roomIdOf(item.link.remoteRoom, error);
  if (roomId.empty()) {
    // A change of a post that never went to a DM that has no room: nothing to change there.
    if (isDirect && error.kind == Kind::kOk) return sent();
    return failure(error);
  }
  if (!ensurePuppet(userId, display, error)) return failure(error);
  if (!ensureJoined(roomId, userId, error)) return failure(error);

  const std::string roomPath = "/_matrix/client/v3/rooms/" + HomeserverClient::segment(roomId);
  const auto send = [&](const std::string& type, const std::string& txnId,
                        const nlohmann::json& content) {
    auto reply = track(client_->call("PUT",
                                     roomPath + "/send/" + HomeserverClient::segment(type) + "/" +
                                         HomeserverClient::segment(txnId),
                                     {{"user_id", userId}}, content));
    if (!reply.ok() && reply.status == 403) {
      // Not (or no longer) in the room: join again before the retry.
      std::lock_guard lock(mutex_);
      joined_.erase(pairKey(roomId, userId));
      reply.kind = Kind::kRetry;
    }
    return reply;
  };
  OutboundRequest request;
  request.txnId = item.txnId;
  for (const auto& part : item.parts) request.targets.push_back({part.part, part.remoteEventId});
  request.rootRemoteId = item.rootRemoteId;
  request.postType = item.postType;  // "me" -> m.emote
  for (const auto& username : mentionedUsernames(message.text)) {
    request.mentions[username] = mentionTarget(username);
  }
  const bool targeted = message.change != MessageChange::kPost;
  if (targeted && item.parts.empty()) return sent();  // never delivered on this link
  if (message.change == MessageChange::kPost && !message.files.empty()) {
    // Each file uploaded as the puppet (or, too large for the homeserver, a link to it).
    auto uploads = media_->prepare(item, userId, error);
    if (!uploads) return failure(error);
    request.files = std::move(*uploads);
  }
  if (message.change == MessageChange::kReactionDelete) {
    // The puppet's m.reaction with that key, found through the relations of the target.
    const auto key = emojiForName(message.emoji);
    const std::string wanted = key ? *key : ":" + message.emoji + ":";
    const std::string target = item.parts.front().remoteEventId;
    auto relations = track(client_->call(
        "GET",
        "/_matrix/client/v1/rooms/" + HomeserverClient::segment(roomId) + "/relations/" +
            HomeserverClient::segment(target) + "/m.annotation/m.reaction",
        {{"user_id", userId}, {"limit", "100"}}));
    if (!relations.ok()) return failure(relations);
    const auto chunk = relations.body.is_object() ? relations.body.value("chunk", nlohmann::json())
                                                  : nlohmann::json();
    for (const auto& reaction : chunk.is_array() ? chunk : nlohmann::json::array()) {
      if (stringField(reaction, "sender") != userId) continue;
      if (stringField(objectField(objectField(reaction, "content"), "m.relates_to"), "key") ==
          wanted) {
        request.reactionEventId = stringField(reaction, "event_id");
      }
    }
    if (request.reactionEventId.empty()) return sent();  // not (or no longer) in the room
  }
  auto events = toMatrix(message, request);
  if (!events) {
    return DeliveryResult{DeliveryResult::Outcome::kRejected, {}, events.error().message, {}};
  }
  std::vector<RemotePart> parts;
  for (const auto& event : events.value()) {
    HsReply reply;
    if (event.type == kEventRedaction) {
      reply = track(client_->call("PUT",
                                  roomPath + "/redact/" + HomeserverClient::segment(event.redacts) +
                                      "/" + HomeserverClient::segment(event.txnId),
                                  {{"user_id", userId}}, event.content));
    } else {
      reply = send(event.type, event.txnId, event.content);
    }
    if (!reply.ok()) return failure(reply);
    const std::string eventId = stringField(reply.body, "event_id");
    if (message.change == MessageChange::kPost) {
      if (eventId.empty()) {
        reply.kind = Kind::kRetry;
        reply.error = "the homeserver answered a send without an event id";
        return failure(reply);
      }
      parts.push_back(RemotePart{event.part, eventId});
    }
  }
  return sent(std::move(parts));
}

InboundOptions MatrixBridge::inboundOptions() const {
  InboundOptions options;
  // A pill of one of Parley's puppets is a mention of the local user it stands for; of a
  // Matrix user, of that user's puppet here ("carol:partner.example").
  options.mentionResolver = [this](std::string_view mxid) -> std::optional<std::string> {
    const std::string id(mxid);
    if (inUserNamespace(id)) return localpartOf(id).substr(config_.userPrefix.size());
    if (serverOf(id).empty()) return std::nullopt;
    return localpartOf(id) + ":" + serverOf(id);
  };
  return options;
}

std::string MatrixBridge::mentionTarget(const std::string& username) const {
  // A puppet of a Matrix user ("carol:partner.example") is that user; anyone else is addressed
  // through their own puppet.
  const auto colon = username.find(':');
  if (colon != std::string::npos) {
    return "@" + username.substr(0, colon) + ":" + username.substr(colon + 1);
  }
  return puppetId(username);
}

}  // namespace parley::bridges::matrix
