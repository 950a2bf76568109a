#include "core/services/bot_service.hpp"

#include "core/model/id.hpp"
#include "core/model/permissions.hpp"
#include "core/services/permissions.hpp"
#include "core/services/session_service.hpp"

namespace parley::core::services {
namespace {

namespace permission = model::permission;

Error invalidBot(std::string_view field, std::string message) {
  return makeError(ErrorCode::kInvalidArgument,
                   "model.bot.is_valid." + std::string(field) + ".app_error", std::move(message));
}

// Applies `fields` to the bot and its user, with Mattermost's Bot.IsValid rules.
Status applyBotFields(model::Bot& bot, model::User& user, const BotFields& fields) {
  if (fields.username) {
    const std::string username = model::normalizeUsernameOrEmail(*fields.username);
    if (!model::isValidUsername(username)) {
      return invalidBot("username",
                        "Invalid username: use 1 to 64 characters of a-z, 0-9, "
                        "'.', '-' and '_', starting with a letter.");
    }
    bot.username = user.username = username;
  }
  if (fields.displayName) {
    if (fields.displayName->size() > model::kBotDisplayNameMaxLength) {
      return invalidBot("display_name", "The display name is longer than 64 characters.");
    }
    bot.displayName = user.firstName = *fields.displayName;
  }
  if (fields.description) {
    if (fields.description->size() > model::kBotDescriptionMaxLength) {
      return invalidBot("description", "The description is longer than 1024 characters.");
    }
    bot.description = *fields.description;
  }
  return {};
}

// The bot `botId` if `caller` may manage it; hidden (404) otherwise.
Result<model::Bot> managedBot(store::Store& store, const model::User& caller,
                              std::string_view botId) {
  auto bot = store.bots().get(botId);
  if (!bot) return bot;
  const bool mayManage =
      hasSystemPermission(caller, permission::kManageOthersBots) ||
      (bot->ownerId == caller.id && hasSystemPermission(caller, permission::kManageBots));
  if (!mayManage) {
    return makeError(ErrorCode::kNotFound, "store.sql_bot.get.missing.app_error",
                     "Unable to find the bot.");
  }
  return bot;
}

}  // namespace

Result<model::Bot> createBot(store::Store& store, const model::User& caller,
                             const BotFields& fields, bool enabled) {
  if (!enabled) {
    return makeError(ErrorCode::kPermissionDenied, "api.bot.create_disabled",
                     "Bot creation has been disabled.");
  }
  if (!hasSystemPermission(caller, permission::kCreateBot)) {
    return permissionDenied(permission::kCreateBot);
  }
  if (!fields.username) return invalidBot("username", "A username is required.");
  const auto now = store.clock().nowMillis();
  model::User user;
  model::Bot bot;
  if (auto applied = applyBotFields(bot, user, fields); !applied) {
    return std::move(applied).error();
  }
  user.id = bot.userId = model::newId();
  user.createAt = user.updateAt = bot.createAt = bot.updateAt = now;
  user.email = user.username + "@localhost";
  user.emailVerified = true;
  user.isBot = true;
  user.roles = std::string(model::kRoleSystemUser);
  user.notifyProps = model::defaultNotifyProps();
  bot.ownerId = caller.id;
  auto done = store.transaction([&](store::Store& tx) -> Status {
    if (auto created = tx.users().create(user); !created) return created;
    return tx.bots().create(bot);
  });
  if (!done) return std::move(done).error();
  return bot;
}

Result<model::Bot> getBot(store::Store& store, const model::User& caller, std::string_view botId,
                          bool includeDeleted) {
  auto bot = managedBot(store, caller, botId);
  if (bot && bot->deleteAt != 0 && !includeDeleted) {
    return makeError(ErrorCode::kNotFound, "store.sql_bot.get.missing.app_error",
                     "Unable to find the bot.");
  }
  return bot;
}

Result<std::vector<model::Bot>> listBots(store::Store& store, const model::User& caller,
                                         store::BotQuery query) {
  if (!hasSystemPermission(caller, permission::kReadOthersBots)) query.ownerId = caller.id;
  return store.bots().list(query);
}

Result<model::Bot> patchBot(store::Store& store, const model::User& caller, std::string_view botId,
                            const BotFields& fields) {
  auto bot = managedBot(store, caller, botId);
  if (!bot) return bot;
  auto user = store.users().getById(botId);
  if (!user) return std::move(user).error();
  if (auto applied = applyBotFields(*bot, *user, fields); !applied) {
    return std::move(applied).error();
  }
  const auto now = store.clock().nowMillis();
  bot->updateAt = user->updateAt = now;
  auto done = store.transaction([&](store::Store& tx) -> Status {
    if (auto updated = tx.users().update(*user); !updated) return updated;
    return tx.bots().update(*bot);
  });
  if (!done) return std::move(done).error();
  return bot;
}

Result<model::Bot> setBotActive(store::Store& store, const model::User& caller,
                                std::string_view botId, bool active) {
  auto bot = managedBot(store, caller, botId);
  if (!bot) return bot;
  const auto now = store.clock().nowMillis();
  bot->deleteAt = active ? 0 : now;
  bot->updateAt = now;
  auto done = store.transaction([&](store::Store& tx) -> Status {
    if (auto set = tx.users().setDeleteAt(bot->userId, bot->deleteAt, now); !set) return set;
    if (!active) {
      if (auto revoked = revokeAllSessions(tx, bot->userId); !revoked) return revoked;
    }
    return tx.bots().update(*bot);
  });
  if (!done) return std::move(done).error();
  return bot;
}

}  // namespace parley::core::services
