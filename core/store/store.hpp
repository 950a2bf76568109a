#pragma once
// Store interfaces: what the domain needs from persistence, nothing about SQL. The PostgreSQL
// implementation lives in postgres/. A Store is one worker's view on one connection and is only
// valid inside the job it was handed to (see database.hpp).

#include <functional>

#include "core/common/clock.hpp"
#include "core/common/result.hpp"
#include "core/events/domain_event.hpp"
#include "core/store/access_token_store.hpp"
#include "core/store/audit_store.hpp"
#include "core/store/bot_store.hpp"
#include "core/store/bridge_store.hpp"
#include "core/store/channel_store.hpp"
#include "core/store/file_info_store.hpp"
#include "core/store/incoming_webhook_store.hpp"
#include "core/store/policy_attribute_store.hpp"
#include "core/store/post_store.hpp"
#include "core/store/preference_store.hpp"
#include "core/store/reaction_store.hpp"
#include "core/store/session_store.hpp"
#include "core/store/status_store.hpp"
#include "core/store/system_store.hpp"
#include "core/store/team_store.hpp"
#include "core/store/user_store.hpp"

namespace parley::policy {
class PolicyHolder;
}

namespace parley::core::store {

class Store {
 public:
  virtual ~Store() = default;

  // A round trip to the database ("SELECT 1"); kUnavailable when it is down.
  virtual Status ping() = 0;

  // Runs `body` in one transaction: committed when it returns ok, rolled back otherwise.
  // Nested calls join the outer transaction.
  virtual Status transaction(const std::function<Status(Store&)>& body) = 0;

  // Records what the current unit of work did. Inside transaction(): kept until the outermost
  // transaction commits, then handed to the database's event sink in recording order (a
  // transaction's OutboundQueued events as one, in the first one's place: they only wake the
  // drainer); dropped when it rolls back. Outside a transaction (the statement already
  // succeeded): handed on at once. Record an event right after the write it describes succeeded.
  virtual void afterCommit(events::DomainEvent event) = 0;

  virtual UserStore& users() = 0;
  virtual SystemStore& system() = 0;
  virtual SessionStore& sessions() = 0;
  virtual ChannelStore& channels() = 0;
  // File metadata (file_infos); the bytes are core/files'.
  virtual FileInfoStore& files() = 0;
  virtual TeamStore& teams() = 0;
  virtual PreferenceStore& preferences() = 0;
  virtual AccessTokenStore& accessTokens() = 0;
  virtual BotStore& bots() = 0;
  virtual PostStore& posts() = 0;
  virtual ReactionStore& reactions() = 0;
  virtual IncomingWebhookStore& incomingWebhooks() = 0;
  virtual StatusStore& statuses() = 0;
  // Custom profile attributes and channel policy attributes (issue 5).
  virtual PolicyAttributeStore& policyAttributes() = 0;
  // The hash-chained audit log of policy decisions.
  virtual AuditStore& audit() = 0;
  // Links, puppets, outbox, inbox and id map of the bridges (issue 6).
  virtual BridgeStore& bridges() = 0;

  // The clock the database was opened with: services stamp create_at/update_at from it.
  virtual const Clock& clock() const = 0;

  // The policy bundles in force for local enforcement (core/services/access_policy.hpp), set
  // when the database was opened; null when no policy files are configured (enforcement off).
  // Exposed like clock() so that every service reaches it without a new parameter.
  virtual const policy::PolicyHolder* policyHolder() const { return nullptr; }
};

}  // namespace parley::core::store
