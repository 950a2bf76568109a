#pragma once
// Bot accounts (reference/mattermost-api.md §3.4): a bot is a User with is_bot set, no
// password (it cannot log in: findLoginAccount refuses bots) and a bots row with its owner and
// description. Its tokens are personal access tokens on its user id. Run inside a database job.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/bot.hpp"
#include "core/model/user.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

struct BotFields {
  std::optional<std::string> username;
  std::optional<std::string> displayName;
  std::optional<std::string> description;
};

// POST /bots. `enabled` is gateway.yaml's enable_bot_account_creation (kPermissionDenied
// "api.bot.create_disabled" when off). The caller needs create_bot and becomes the owner. Errors:
// kInvalidArgument "model.bot.is_valid.<field>.app_error"; kConflict
// "app.user.save.username_exists.app_error".
Result<model::Bot> createBot(store::Store& store, const model::User& caller,
                             const BotFields& fields, bool enabled);

// GET /bots/{id}: the owner (with manage_bots) and holders of manage_others_bots; kNotFound
// "store.sql_bot.get.missing.app_error" otherwise (Mattermost hides bots one may not manage).
// Deleted bots only with `includeDeleted`.
Result<model::Bot> getBot(store::Store& store, const model::User& caller, std::string_view botId,
                          bool includeDeleted);

// GET /bots: holders of read_others_bots see every bot, others the bots they own.
Result<std::vector<model::Bot>> listBots(store::Store& store, const model::User& caller,
                                         store::BotQuery query);

// PUT /bots/{id} (patch of username, display_name, description), by the owner or an admin.
Result<model::Bot> patchBot(store::Store& store, const model::User& caller, std::string_view botId,
                            const BotFields& fields);

// POST /bots/{id}/disable|enable: deactivates (revoking its sessions) or reactivates the bot and
// its user.
Result<model::Bot> setBotActive(store::Store& store, const model::User& caller,
                                std::string_view botId, bool active);

}  // namespace parley::core::services
