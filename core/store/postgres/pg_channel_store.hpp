#pragma once
// PostgreSQL implementation of ChannelStore (channels and channel_members tables).

#include "core/store/channel_store.hpp"
#include "core/store/postgres/connection.hpp"

namespace parley::core::store::postgres {

class PgStore;

class PgChannelStore final : public ChannelStore {
 public:
  explicit PgChannelStore(PgStore& store) : store_(store) {}
  Result<model::ChannelAccess> access(std::string_view userId, std::string_view channelId) override;

 private:
  PgStore& store_;
};

}  // namespace parley::core::store::postgres
