#pragma once
// Persistence of channels and channel memberships. Call only from inside a database job (see
// store.hpp).

#include <string_view>

#include "core/common/result.hpp"
#include "core/model/channel.hpp"

namespace parley::core::store {

class ChannelStore {
 public:
  virtual ~ChannelStore() = default;

  // The channel with `userId`'s active team membership and channel membership, in one round
  // trip: what every permission check on a channel needs (core/services/permissions.hpp).
  // kNotFound "app.channel.get.existing.app_error" when there is no such channel.
  virtual Result<model::ChannelAccess> access(std::string_view userId,
                                              std::string_view channelId) = 0;
};

}  // namespace parley::core::store
