#include "core/services/status_service.hpp"

#include <algorithm>
#include <unordered_map>

#include "core/model/permissions.hpp"
#include "core/services/permissions.hpp"
#include "core/services/team_service.hpp"

namespace parley::core::services {

Result<std::vector<model::UserStatus>> effectiveStatuses(store::Store& store,
                                                         const std::vector<std::string>& ids) {
  auto activity = store.users().activity(ids);
  if (!activity) return std::move(activity).error();
  auto stored = store.statuses().getByIds(ids);
  if (!stored) return std::move(stored).error();
  std::unordered_map<std::string, model::UserStatus> byUser;
  for (auto& status : *stored) byUser.emplace(status.userId, std::move(status));
  const auto now = store.clock().nowMillis();
  std::vector<model::UserStatus> statuses;
  statuses.reserve(activity->size());
  for (const auto& entry : *activity) {
    model::UserStatus status;
    if (auto it = byUser.find(entry.userId); it != byUser.end()) status = it->second;
    status.userId = entry.userId;
    status.lastActivityAt = std::max(status.lastActivityAt, entry.lastActivityAt);
    if (!status.manual) {
      const bool online =
          status.lastActivityAt != 0 && now - status.lastActivityAt < kOnlineWindowMillis;
      status.status = std::string(online ? model::kStatusOnline : model::kStatusOffline);
      status.dndEndTime = 0;
      status.prevStatus.clear();
    }
    statuses.push_back(std::move(status));
  }
  return statuses;
}

namespace {

Result<model::UserStatus> effectiveStatus(store::Store& store, std::string_view userId) {
  auto user = store.users().getById(userId);
  if (!user) return std::move(user).error();
  auto statuses = effectiveStatuses(store, {std::string(userId)});
  if (!statuses) return std::move(statuses).error();
  if (statuses->empty()) {
    return model::UserStatus{
        std::string(userId), std::string(model::kStatusOffline), false, 0, 0, ""};
  }
  return std::move(statuses->front());
}

}  // namespace

Result<model::UserStatus> setStatus(store::Store& store, const model::User& caller,
                                    std::string_view userId, std::string_view status,
                                    std::int64_t dndEndTime) {
  if (caller.id != userId && !hasSystemPermission(caller, model::permission::kEditOtherUsers)) {
    return permissionDenied(model::permission::kEditOtherUsers);
  }
  if (!model::isValidStatus(status)) return invalidBodyParam("status");
  if (dndEndTime < 0) return invalidBodyParam("dnd_end_time");
  auto previous = effectiveStatus(store, userId);
  if (!previous) return previous;
  const bool dnd = status == model::kStatusDnd;
  model::UserStatus next{std::string(userId),      std::string(status),  true,
                         previous->lastActivityAt, dnd ? dndEndTime : 0, ""};
  if (dnd) {
    // Staying in dnd keeps the status to return to.
    next.prevStatus =
        previous->status == model::kStatusDnd ? previous->prevStatus : previous->status;
  }
  if (auto saved = store.statuses().save(next); !saved) return std::move(saved).error();
  if (previous->status != next.status) {
    store.afterCommit(events::StatusChanged{next.userId, next.status});
  }
  return next;
}

Result<bool> markConnected(store::Store& store, std::string_view userId) {
  auto stored = store.statuses().get(userId);
  if (!stored) return std::move(stored).error();
  const auto now = store.clock().nowMillis();
  if (stored->has_value()) {
    const model::UserStatus& current = **stored;
    if (current.manual) return false;
    if (current.status == model::kStatusOnline &&
        now - current.lastActivityAt < kOnlineWindowMillis) {
      return false;
    }
  }
  model::UserStatus next{std::string(userId), std::string(model::kStatusOnline), false, now, 0, ""};
  if (auto saved = store.statuses().save(next); !saved) return std::move(saved).error();
  store.afterCommit(events::StatusChanged{next.userId, next.status});
  return true;
}

}  // namespace parley::core::services
