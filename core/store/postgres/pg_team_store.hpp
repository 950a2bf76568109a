#pragma once
// PostgreSQL implementation of TeamStore (teams and team_members tables).

#include "core/store/postgres/connection.hpp"
#include "core/store/team_store.hpp"

namespace parley::core::store::postgres {

class PgStore;

class PgTeamStore final : public TeamStore {
 public:
  explicit PgTeamStore(PgStore& store) : store_(store) {}

  Status create(const model::Team& team) override;
  Status update(const model::Team& team) override;
  Status removePermanently(std::string_view teamId) override;
  Result<model::Team> get(std::string_view teamId) override;
  Result<model::Team> getByName(std::string_view name) override;
  Result<std::vector<model::Team>> list(bool openOnly, int offset, int limit) override;
  Result<std::int64_t> count(bool openOnly) override;
  Result<std::vector<model::Team>> teamsOfUser(std::string_view userId) override;
  Result<std::optional<model::TeamMember>> member(std::string_view teamId,
                                                  std::string_view userId) override;
  Status saveMember(const model::TeamMember& member) override;
  Result<std::vector<model::TeamMember>> members(std::string_view teamId, int offset,
                                                 int limit) override;
  Result<std::vector<model::TeamMember>> membershipsOfUser(std::string_view userId) override;
  Result<TeamStats> stats(std::string_view teamId) override;
  Result<std::vector<TeamUnread>> unreadsOfUser(std::string_view userId) override;
  Result<std::vector<std::string>> memberUserIds(std::string_view teamId) override;

 private:
  Status write(const Statement& statement, const model::Team& team);
  Result<model::Team> getOne(const Statement& statement, std::string_view key, const char* errorId,
                             const char* message);

  PgStore& store_;
};

}  // namespace parley::core::store::postgres
