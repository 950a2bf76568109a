#pragma once
// PostgreSQL implementation of BridgeStore (links, remote_users, outbox, inbox, id_map,
// reaction_map, direct_rooms).

#include "core/store/bridge_store.hpp"
#include "core/store/postgres/connection.hpp"
#include "core/store/postgres/pg_read_ahead.hpp"

namespace parley::core::store::postgres {

class PgStore;

class PgBridgeStore final : public BridgeStore {
 public:
  explicit PgBridgeStore(PgStore& store) : store_(store) {}

  Status createLink(const model::Link& link) override;
  Result<model::Link> getLink(std::string_view id) override;
  Result<std::vector<model::Link>> listLinks() override;
  Result<bool> deleteLink(std::string_view id) override;
  Result<std::vector<model::Link>> linksOfChannel(std::string_view channelId) override;
  Result<std::optional<model::Link>> linkByRemote(std::string_view bridge,
                                                  std::string_view remoteRoom) override;
  Status updateLink(const model::Link& link) override;

  Result<std::optional<KnownPuppet>> findRemoteUser(std::string_view bridge,
                                                    std::string_view remoteId) override;
  Status upsertRemoteUser(const model::RemoteUser& user) override;
  void findRemoteUserAhead(std::string_view bridge, std::string_view remoteId) override;
  void linkByRemoteAhead(std::string_view bridge, std::string_view remoteRoom) override;

  Status enqueue(const OutboxRow& row) override;
  Status enqueueDecided(const OutboxRow& row) override;
  void outboxIdsAhead(int count) override;
  Result<std::int64_t> nextOutboxId() override;
  Result<std::optional<OutboxRow>> outboxRow(std::int64_t id) override;
  Result<PendingRows> pendingOfLink(std::string_view linkId, int limit,
                                    std::int64_t afterId) override;
  Result<std::vector<PendingLink>> pendingLinks() override;
  Status markSent(std::int64_t id) override;
  Status markSentMany(const std::vector<std::int64_t>& ids, const std::vector<PostParts>& parts,
                      std::int64_t at) override;
  Status markDenied(std::int64_t id, std::int64_t auditId, std::string_view reason) override;
  Status markFailed(std::int64_t id, std::string_view lastError) override;
  Status reschedule(std::int64_t id, int attempts, std::int64_t nextAttemptAt,
                    std::string_view lastError) override;
  Result<OutboxCounts> outboxCounts(std::string_view linkId) override;
  Result<std::int64_t> deleteOrphanedOutboxRows() override;
  Result<LockedLink> lockLink(std::string_view linkId, int pendingLimit) override;
  Status unlockLink(std::string_view linkId) override;
  Result<std::int64_t> linkLockHolder(std::string_view linkId) override;

  Result<bool> inboxHas(std::string_view bridge, std::string_view remoteId) override;
  Result<bool> claimInbox(std::string_view bridge, std::string_view remoteId,
                          std::string_view effectKind, std::int64_t receivedAt) override;
  Status setInboxEffect(std::string_view bridge, std::string_view remoteId,
                        std::string_view effectKind, std::string_view effectId) override;
  Result<std::vector<bool>> claimInboxMany(std::string_view bridge,
                                           const std::vector<InboxClaim>& claims,
                                           std::int64_t receivedAt) override;
  void claimInboxManyAhead(std::string_view bridge, const std::vector<InboxClaim>& claims,
                           std::int64_t receivedAt) override;
  Status setInboxEffects(std::string_view bridge, const std::vector<InboxEffect>& effects) override;

  Status putParts(std::string_view postId, std::string_view bridge, std::string_view remoteRoom,
                  const std::vector<IdMapPart>& parts, std::int64_t at) override;
  Status putPartsMany(const std::vector<PostParts>& posts, std::int64_t at) override;
  Result<std::vector<IdMapPart>> partsOf(std::string_view postId, std::string_view bridge,
                                         std::string_view remoteRoom) override;
  Result<std::vector<ArchivedPost>> archive(const ArchiveQuery& query) override;
  Result<std::optional<std::string>> postOfRemote(std::string_view bridge,
                                                  std::string_view remoteRoom,
                                                  std::string_view remoteEventId) override;

  Status putRemoteReaction(std::string_view bridge, std::string_view remoteRoom,
                           std::string_view remoteEventId, const RemoteReaction& reaction,
                           std::int64_t at) override;
  Result<std::optional<RemoteReaction>> remoteReaction(std::string_view bridge,
                                                       std::string_view remoteRoom,
                                                       std::string_view remoteEventId) override;
  Status putDirectRoom(std::string_view bridge, const DirectRoom& room) override;
  Status deleteDirectRoom(std::string_view bridge, std::string_view roomId) override;
  Result<std::optional<DirectRoom>> directRoomOfPair(std::string_view bridge,
                                                     std::string_view localUserId,
                                                     std::string_view remoteId) override;
  Result<std::optional<DirectRoom>> directRoomById(std::string_view bridge,
                                                   std::string_view roomId) override;
  Status deleteRemoteReaction(std::string_view bridge, std::string_view remoteRoom,
                              std::string_view remoteEventId) override;

 private:
  PgStore& store_;
  ReadAhead remoteUserAhead_;
  ReadAhead linkByRemoteAhead_;
  ReadAhead outboxIdsAhead_;
  ReadAhead claimsAhead_;
  std::vector<std::int64_t> outboxIds_;     // taken ahead and not used yet, the next one last
  std::uint64_t outboxIdsTransaction_ = 0;  // the transaction they were taken in
};

}  // namespace parley::core::store::postgres
