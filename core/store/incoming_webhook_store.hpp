#pragma once
// Persistence of incoming webhooks (incoming_webhooks table). Call only from inside a database
// job (see store.hpp).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/incoming_webhook.hpp"

namespace parley::core::store {

// Which hooks a listing covers: "" means any.
struct IncomingWebhookFilter {
  std::string teamId;
  std::string userId;
};

class IncomingWebhookStore {
 public:
  virtual ~IncomingWebhookStore() = default;

  virtual Status create(const model::IncomingWebhook& hook) = 0;
  // kNotFound "app.webhooks.get_incoming.app_error" when there is no such live hook.
  virtual Result<model::IncomingWebhook> get(std::string_view id) = 0;
  // Writes channel_id, display_name, description, username, icon_url, channel_locked and
  // update_at of a live hook (kNotFound as get() otherwise).
  virtual Status update(const model::IncomingWebhook& hook) = 0;
  // Soft delete (delete_at = update_at = `at`); kNotFound as get().
  virtual Status remove(std::string_view id, std::int64_t at) = 0;
  // Live hooks matching `filter`, oldest first.
  virtual Result<std::vector<model::IncomingWebhook>> list(const IncomingWebhookFilter& filter,
                                                           int offset, int limit) = 0;
  virtual Result<std::int64_t> count(const IncomingWebhookFilter& filter) = 0;
};

}  // namespace parley::core::store
