#pragma once
// PostgreSQL implementation of UserStore (users table).

#include "core/store/postgres/connection.hpp"
#include "core/store/user_store.hpp"

namespace parley::core::store::postgres {

class PgStore;

class PgUserStore final : public UserStore {
 public:
  explicit PgUserStore(PgStore& store) : store_(store) {}
  Status create(const model::User& user) override;
  Result<model::User> getById(std::string_view id) override;
  Result<model::User> getByUsername(std::string_view username) override;
  Result<model::User> getByEmail(std::string_view email) override;
  Status recordLogin(std::string_view id, int failedAttempts, std::int64_t lastLogin) override;
  Result<std::int64_t> countSystemAdmins() override;
  Result<std::int64_t> count() override;
  Status update(const model::User& user) override;
  Status setDeleteAt(std::string_view id, std::int64_t deleteAt, std::int64_t updateAt) override;
  Status setRoles(std::string_view id, std::string_view roles, std::int64_t updateAt) override;
  Status setPassword(std::string_view id, std::string_view passwordHash, std::int64_t now) override;
  Result<std::vector<model::User>> getByIds(const std::vector<std::string>& ids, std::int64_t since,
                                            std::string_view visibleTo) override;
  Result<std::vector<model::User>> getByUsernames(const std::vector<std::string>& usernames,
                                                  std::string_view visibleTo) override;
  Result<std::vector<model::User>> search(const UserQuery& query) override;
  Result<bool> shareChannel(std::string_view viewerId, std::string_view otherId) override;
  Result<bool> isTeamMember(std::string_view viewerId, std::string_view teamId) override;
  Result<bool> canSeeChannelMembers(std::string_view viewerId, std::string_view channelId) override;
  Result<std::vector<UserActivity>> activity(const std::vector<std::string>& ids) override;

 private:
  Result<model::User> getOne(const Statement& statement, std::string_view key);
  Result<bool> exists(const Statement& statement, std::string_view first, std::string_view second);
  Result<std::vector<model::User>> getMany(const Statement& statement, const Params& params);
  // One-row updates: kNotFound when no row has that id.
  Status updateOne(const Statement& statement, const Params& params);
  PgStore& store_;
};

}  // namespace parley::core::store::postgres
