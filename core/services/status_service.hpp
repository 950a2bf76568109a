#pragma once
// User statuses (presence): the status a user set (manual) wins over the one derived from
// activity; a WebSocket connection makes a user online. Every change others would notice is
// recorded as events::StatusChanged.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/status.hpp"
#include "core/model/user.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

// A non-manual status is "online" when the user was active within this window.
inline constexpr std::int64_t kOnlineWindowMillis = std::int64_t{10} * 60 * 1000;

// What others see of `ids` (existing users only, in no particular order): the stored status when
// the user set it, else "online" or "offline" from the last activity. No visibility check.
Result<std::vector<model::UserStatus>> effectiveStatuses(store::Store& store,
                                                         const std::vector<std::string>& ids);

// PUT /users/{id}/status: the caller for themselves, or with edit_other_users (kPermissionDenied);
// `status` one of online/away/dnd/offline and `dndEndTime` (unix seconds, dnd only) not negative
// (kInvalidArgument "api.context.invalid_body_param.app_error"); kNotFound for an unknown user.
// Stores it as manual and returns it; StatusChanged only when what others see changed.
Result<model::UserStatus> setStatus(store::Store& store, const model::User& caller,
                                    std::string_view userId, std::string_view status,
                                    std::int64_t dndEndTime);

// The first WebSocket of `userId` on a node authenticated: online unless the user set a status.
// Writes and records StatusChanged only when the user was not already announced online within
// kOnlineWindowMillis, so that a storm of reconnections costs one read each. Returns whether it
// changed.
Result<bool> markConnected(store::Store& store, std::string_view userId);

}  // namespace parley::core::services
