#pragma once
// The PostgreSQL Store: one object per pool worker, bound to that worker's connection (or to
// none while the database is unreachable, in which case every call fails with kUnavailable).
// Used only on the worker's thread.

#include <vector>

#include "core/common/clock.hpp"
#include "core/store/postgres/connection.hpp"
#include "core/store/postgres/pg_access_token_store.hpp"
#include "core/store/postgres/pg_audit_store.hpp"
#include "core/store/postgres/pg_bot_store.hpp"
#include "core/store/postgres/pg_bridge_store.hpp"
#include "core/store/postgres/pg_channel_store.hpp"
#include "core/store/postgres/pg_file_info_store.hpp"
#include "core/store/postgres/pg_incoming_webhook_store.hpp"
#include "core/store/postgres/pg_policy_attribute_store.hpp"
#include "core/store/postgres/pg_post_store.hpp"
#include "core/store/postgres/pg_preference_store.hpp"
#include "core/store/postgres/pg_reaction_store.hpp"
#include "core/store/postgres/pg_session_store.hpp"
#include "core/store/postgres/pg_status_store.hpp"
#include "core/store/postgres/pg_system_store.hpp"
#include "core/store/postgres/pg_team_store.hpp"
#include "core/store/postgres/pg_user_store.hpp"
#include "core/store/store.hpp"

namespace parley::core::store::postgres {

class PgStore final : public Store {
 public:
  // `connection` may be null (database down, or the pool stopped).
  // `sink` (may be null or empty: events are then discarded) receives committed events.
  // `policy` (may be null: enforcement off) is the holder services decide with.
  PgStore(Connection* connection, const Clock& clock, const events::DomainEventSink* sink = nullptr,
          const policy::PolicyHolder* policy = nullptr)
      : connection_(connection),
        clock_(clock),
        sink_(sink),
        policy_(policy),
        users_(*this),
        system_(*this),
        sessions_(*this),
        channels_(*this),
        files_(*this),
        teams_(*this),
        preferences_(*this),
        accessTokens_(*this),
        bots_(*this),
        posts_(*this),
        reactions_(*this),
        incomingWebhooks_(*this),
        statuses_(*this),
        policyAttributes_(*this),
        audit_(*this),
        bridges_(*this) {}

  Status ping() override;
  Status transaction(const std::function<Status(Store&)>& body) override;
  void afterCommit(events::DomainEvent event) override;
  UserStore& users() override { return users_; }
  SystemStore& system() override { return system_; }
  SessionStore& sessions() override { return sessions_; }
  ChannelStore& channels() override { return channels_; }
  FileInfoStore& files() override { return files_; }
  TeamStore& teams() override { return teams_; }
  PreferenceStore& preferences() override { return preferences_; }
  AccessTokenStore& accessTokens() override { return accessTokens_; }
  BotStore& bots() override { return bots_; }
  PostStore& posts() override { return posts_; }
  ReactionStore& reactions() override { return reactions_; }
  IncomingWebhookStore& incomingWebhooks() override { return incomingWebhooks_; }
  StatusStore& statuses() override { return statuses_; }
  PolicyAttributeStore& policyAttributes() override { return policyAttributes_; }
  AuditStore& audit() override { return audit_; }
  BridgeStore& bridges() override { return bridges_; }
  const Clock& clock() const override { return clock_; }
  const policy::PolicyHolder* policyHolder() const override { return policy_; }

  // For the stores of this module: runs a named statement on the bound connection.
  Result<Rows> exec(const Statement& statement, const Params& params = {});
  // The bound connection (Connection::holdsSessionLock and the like), null without one.
  Connection* connection() { return connection_; }
  // Reads that do not depend on each other, in one round trip (Connection::execAll).
  Result<std::vector<Rows>> execAll(const std::vector<Connection::Query>& queries);
  // A write whose rows nobody reads: inside a transaction it travels to the server with the
  // transaction's next statement or its COMMIT, and a failure ends the transaction there
  // (Connection::defer); outside one it runs at once. For statements whose error the caller
  // only passes on.
  Status defer(const Statement& statement, Params params = {});
  // defer() for one row: rows of one statement deferred in a transaction may go as one
  // statement (Connection::deferRow says when, and what a RowsStatement must allow).
  Status deferRow(const RowsStatement& statement, Params row);
  // A read sent ahead with the transaction's next statement, its rows handed to `onRows` then
  // (Connection::deferRead); flush() sends it without waiting for one.
  Status deferRead(const Statement& statement, Params params, Connection::RowsHandler onRows);
  Status flush();
  // Names the open transaction (different for every one this store begins); 0 outside one.
  std::uint64_t transactionSerial() const { return transactionDepth_ > 0 ? transactionSerial_ : 0; }

 private:
  void deliver(const events::DomainEvent& event) const;

  Connection* connection_;
  const Clock& clock_;
  const events::DomainEventSink* sink_;
  const policy::PolicyHolder* policy_;
  int transactionDepth_ = 0;
  std::uint64_t transactionSerial_ = 0;
  std::vector<events::DomainEvent> pending_;  // recorded in the open transaction
  PgUserStore users_;
  PgSystemStore system_;
  PgSessionStore sessions_;
  PgChannelStore channels_;
  PgFileInfoStore files_;
  PgTeamStore teams_;
  PgPreferenceStore preferences_;
  PgAccessTokenStore accessTokens_;
  PgBotStore bots_;
  PgPostStore posts_;
  PgReactionStore reactions_;
  PgIncomingWebhookStore incomingWebhooks_;
  PgStatusStore statuses_;
  PgPolicyAttributeStore policyAttributes_;
  PgAuditStore audit_;
  PgBridgeStore bridges_;
};

}  // namespace parley::core::store::postgres
