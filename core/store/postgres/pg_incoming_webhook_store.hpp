#pragma once
// PostgreSQL implementation of IncomingWebhookStore (incoming_webhooks table).

#include "core/store/incoming_webhook_store.hpp"
#include "core/store/postgres/connection.hpp"

namespace parley::core::store::postgres {

class PgStore;

class PgIncomingWebhookStore final : public IncomingWebhookStore {
 public:
  explicit PgIncomingWebhookStore(PgStore& store) : store_(store) {}

  Status create(const model::IncomingWebhook& hook) override;
  Result<model::IncomingWebhook> get(std::string_view id) override;
  Status update(const model::IncomingWebhook& hook) override;
  Status remove(std::string_view id, std::int64_t at) override;
  Result<std::vector<model::IncomingWebhook>> list(const IncomingWebhookFilter& filter, int offset,
                                                   int limit) override;
  Result<std::int64_t> count(const IncomingWebhookFilter& filter) override;

 private:
  PgStore& store_;
};

}  // namespace parley::core::store::postgres
