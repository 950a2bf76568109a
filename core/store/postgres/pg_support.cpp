#include "core/store/postgres/pg_support.hpp"

#include "core/common/json_text.hpp"

namespace parley::core::store::postgres {

nlohmann::json parseJson(std::string_view text, const nlohmann::json& fallback) {
  auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? fallback : parsed;
}

std::string jsonArray(const std::vector<std::string>& values) {
  return core::dumpJson(nlohmann::json(values));
}

std::string likePrefix(std::string_view prefix) {
  std::string pattern;
  pattern.reserve(prefix.size() + 1);
  for (const char c : prefix) {
    if (c == '%' || c == '_' || c == '\\') pattern.push_back('\\');
    pattern.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  }
  pattern.push_back('%');
  return pattern;
}

Error missingAccount() {
  return makeError(ErrorCode::kNotFound, "app.user.missing_account.const",
                   "Unable to find the user.");
}

model::User userFromRow(const Rows& rows, int row) {
  model::User user;
  user.id = rows.string(row, UserColumn::kId);
  user.createAt = rows.int64(row, UserColumn::kCreateAt);
  user.updateAt = rows.int64(row, UserColumn::kUpdateAt);
  user.deleteAt = rows.int64(row, UserColumn::kDeleteAt);
  user.username = rows.string(row, UserColumn::kUsername);
  user.passwordHash = rows.string(row, UserColumn::kPassword);
  user.authService = rows.string(row, UserColumn::kAuthService);
  user.email = rows.string(row, UserColumn::kEmail);
  user.emailVerified = rows.boolean(row, UserColumn::kEmailVerified);
  user.nickname = rows.string(row, UserColumn::kNickname);
  user.firstName = rows.string(row, UserColumn::kFirstName);
  user.lastName = rows.string(row, UserColumn::kLastName);
  user.position = rows.string(row, UserColumn::kPosition);
  user.roles = rows.string(row, UserColumn::kRoles);
  user.allowMarketing = rows.boolean(row, UserColumn::kAllowMarketing);
  user.props = parseJson(rows.text(row, UserColumn::kProps), nlohmann::json::object());
  user.notifyProps = parseJson(rows.text(row, UserColumn::kNotifyProps), nlohmann::json::object());
  user.lastPasswordUpdate = rows.int64(row, UserColumn::kLastPasswordUpdate);
  user.lastPictureUpdate = rows.int64(row, UserColumn::kLastPictureUpdate);
  user.failedAttempts = static_cast<int>(rows.int64(row, UserColumn::kFailedAttempts));
  user.locale = rows.string(row, UserColumn::kLocale);
  user.timezone = parseJson(rows.text(row, UserColumn::kTimezone), model::User{}.timezone);
  user.mfaActive = rows.boolean(row, UserColumn::kMfaActive);
  user.lastActivityAt = rows.int64(row, UserColumn::kLastActivityAt);
  user.lastLogin = rows.int64(row, UserColumn::kLastLogin);
  user.isBot = rows.boolean(row, UserColumn::kIsBot);
  user.disableWelcomeEmail = rows.boolean(row, UserColumn::kDisableWelcomeEmail);
  user.remoteId = rows.string(row, UserColumn::kRemoteId);  // NULL reads as ""
  user.remoteBridge = rows.string(row, UserColumn::kRemoteBridge);
  user.remoteUserId = rows.string(row, UserColumn::kRemoteUserId);
  user.remoteDomain = rows.string(row, UserColumn::kRemoteDomain);
  return user;
}

Params userParams(const model::User& user) {
  Params params;
  params.add(user.id)
      .add(user.createAt)
      .add(user.updateAt)
      .add(user.deleteAt)
      .add(user.username)
      .add(user.passwordHash)
      .add(user.authService)
      .add(user.email)
      .add(user.emailVerified)
      .add(user.nickname)
      .add(user.firstName)
      .add(user.lastName)
      .add(user.position)
      .add(user.roles)
      .add(user.allowMarketing)
      .add(user.props.dump())
      .add(user.notifyProps.dump())
      .add(user.lastPasswordUpdate)
      .add(user.lastPictureUpdate)
      .add(user.failedAttempts)
      .add(user.locale)
      .add(user.timezone.dump())
      .add(user.mfaActive)
      .add(user.lastActivityAt)
      .add(user.lastLogin)
      .add(user.isBot)
      .add(user.disableWelcomeEmail)
      .addOrNull(user.remoteId)
      .addOrNull(user.remoteBridge)
      .addOrNull(user.remoteUserId)
      .addOrNull(user.remoteDomain);
  return params;
}

}  // namespace parley::core::store::postgres
