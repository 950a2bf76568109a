#include "core/store/postgres/pg_access_token_store.hpp"

#include "core/store/postgres/pg_store.hpp"
#include "core/store/postgres/pg_support.hpp"

namespace parley::core::store::postgres {
namespace {

#define PARLEY_TOKEN_COLUMNS                                                   \
  "t.id, encode(t.token_hash, 'hex'), t.user_id, t.description, t.is_active, " \
  "t.create_at"
constexpr Statement kTokenInsert{
    "access_token_insert",
    "INSERT INTO user_access_tokens (id, token_hash, user_id, description, is_active, "
    "create_at) VALUES ($1, decode($2, 'hex'), $3, $4, $5, $6)"};
// The user's columns first, so that userFromRow() reads them unchanged; the token's renamed
// in a subquery, as both tables have id and create_at.
constexpr Statement kTokenByHash{
    "access_token_by_hash",
    "SELECT " PARLEY_PG_USER_COLUMNS
    ", t.* FROM (SELECT id AS t_id, encode(token_hash, 'hex') AS t_hash, user_id AS t_user_id, "
    "description AS t_description, is_active AS t_is_active, create_at AS t_create_at "
    "FROM user_access_tokens WHERE token_hash = decode($1, 'hex')) t "
    "JOIN users ON users.id = t.t_user_id"};
constexpr Statement kTokenById{"access_token_by_id", "SELECT " PARLEY_TOKEN_COLUMNS
                                                     " FROM user_access_tokens t WHERE t.id = $1"};
constexpr Statement kTokensOfUser{
    "access_tokens_of_user",
    "SELECT " PARLEY_TOKEN_COLUMNS
    " FROM user_access_tokens t WHERE t.user_id = $1 ORDER BY t.create_at, t.id "
    "OFFSET $2 LIMIT $3"};
constexpr Statement kAllTokens{
    "access_tokens_all",
    "SELECT " PARLEY_TOKEN_COLUMNS
    " FROM user_access_tokens t ORDER BY t.create_at, t.id OFFSET $1 LIMIT $2"};
#undef PARLEY_TOKEN_COLUMNS
constexpr Statement kTokenSetActive{"access_token_set_active",
                                    "UPDATE user_access_tokens SET is_active = $2 WHERE id = $1"};
constexpr Statement kTokenDelete{"access_token_delete",
                                 "DELETE FROM user_access_tokens WHERE id = $1"};

model::AccessToken tokenFromRow(const Rows& rows, int row, int first) {
  model::AccessToken token;
  token.id = rows.string(row, first);
  token.tokenHash = rows.string(row, first + 1);
  token.userId = rows.string(row, first + 2);
  token.description = rows.string(row, first + 3);
  token.isActive = rows.boolean(row, first + 4);
  token.createAt = rows.int64(row, first + 5);
  return token;
}

Error tokenNotFound(const char* id) {
  return makeError(ErrorCode::kNotFound, id, "Unable to find the personal access token.");
}

Result<std::vector<model::AccessToken>> tokensFrom(Result<Rows> rows) {
  if (!rows) return std::move(rows).error();
  std::vector<model::AccessToken> tokens;
  for (int row = 0; row < rows->size(); ++row) tokens.push_back(tokenFromRow(*rows, row, 0));
  return tokens;
}

}  // namespace

Status PgAccessTokenStore::create(const model::AccessToken& token) {
  Params params;
  params.add(token.id)
      .add(token.tokenHash)
      .add(token.userId)
      .add(token.description)
      .add(token.isActive)
      .add(token.createAt);
  return done(store_.exec(kTokenInsert, params));
}

Result<AccessTokenWithUser> PgAccessTokenStore::getByTokenHash(std::string_view tokenHash) {
  auto rows = store_.exec(kTokenByHash, Params().add(tokenHash));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return tokenNotFound("app.user_access_token.get_by_token.app_error");
  return AccessTokenWithUser{tokenFromRow(*rows, 0, UserColumn::kCount), userFromRow(*rows, 0)};
}

Result<model::AccessToken> PgAccessTokenStore::getById(std::string_view id) {
  auto rows = store_.exec(kTokenById, Params().add(id));
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return tokenNotFound("app.user_access_token.get.app_error");
  return tokenFromRow(*rows, 0, 0);
}

Result<std::vector<model::AccessToken>> PgAccessTokenStore::listOfUser(std::string_view userId,
                                                                       std::int64_t offset,
                                                                       std::int64_t limit) {
  return tokensFrom(store_.exec(kTokensOfUser, Params().add(userId).add(offset).add(limit)));
}

Result<std::vector<model::AccessToken>> PgAccessTokenStore::listAll(std::int64_t offset,
                                                                    std::int64_t limit) {
  return tokensFrom(store_.exec(kAllTokens, Params().add(offset).add(limit)));
}

Status PgAccessTokenStore::setActive(std::string_view id, bool active) {
  return done(store_.exec(kTokenSetActive, Params().add(id).add(active)));
}

Status PgAccessTokenStore::remove(std::string_view id) {
  return done(store_.exec(kTokenDelete, Params().add(id)));
}

}  // namespace parley::core::store::postgres
