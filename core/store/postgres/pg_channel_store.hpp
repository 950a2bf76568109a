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
  Status create(const model::Channel& channel) override;
  Status update(const model::Channel& channel) override;
  Result<model::Channel> get(std::string_view channelId) override;
  Result<model::Channel> getByName(std::string_view teamId, std::string_view name) override;
  Result<std::vector<model::Channel>> listOfTeam(std::string_view teamId, char type, int offset,
                                                 int limit) override;
  Result<std::vector<model::Channel>> listArchivedOfTeam(std::string_view teamId,
                                                         std::string_view userId, int offset,
                                                         int limit) override;
  Result<std::vector<model::Channel>> searchOfTeam(std::string_view teamId, std::string_view userId,
                                                   std::string_view term, SearchScope scope,
                                                   int limit) override;
  Result<std::vector<model::Channel>> channelsOfUser(std::string_view userId,
                                                     std::string_view teamId,
                                                     const ChannelListOptions& options) override;
  Result<std::optional<model::ChannelMember>> member(std::string_view channelId,
                                                     std::string_view userId) override;
  Status addMember(const model::ChannelMember& member) override;
  Status updateMember(const model::ChannelMember& member) override;
  Status removeMember(std::string_view channelId, std::string_view userId) override;
  Status removeMemberFromTeamChannels(std::string_view teamId, std::string_view userId) override;
  Result<std::vector<model::ChannelMember>> members(std::string_view channelId, int offset,
                                                    int limit) override;
  Result<std::vector<model::ChannelMember>> membersByIds(
      std::string_view channelId, const std::vector<std::string>& userIds) override;
  Result<std::vector<model::ChannelMember>> membershipsOfUser(std::string_view userId,
                                                              std::string_view teamId, int offset,
                                                              int limit) override;
  Result<ChannelCounts> counts(std::string_view channelId) override;
  Result<bool> shareAChannel(std::string_view userA, std::string_view userB) override;
  Result<std::vector<std::string>> favoriteChannelIds(std::string_view userId) override;
  Result<std::vector<std::string>> memberUserIds(std::string_view channelId) override;
  Result<std::vector<model::SidebarCategory>> sidebarCategories(std::string_view userId,
                                                                std::string_view teamId) override;
  Status saveSidebarCategories(std::string_view userId, std::string_view teamId,
                               const std::vector<model::SidebarCategory>& categories) override;
  Result<bool> markViewed(std::string_view channelId, std::string_view userId,
                          std::int64_t now) override;

 private:
  Status write(const Statement& statement, const Params& params);

  PgStore& store_;
};

}  // namespace parley::core::store::postgres
