#pragma once
// A user account as Mattermost models it (reference/mattermost-api.md §7 "User"), plus the
// fields Parley keeps for puppets of users on other networks. Plain data: the store reads and
// writes it, services decide what it may contain, the gateway turns it into JSON.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace parley::core::model {

inline constexpr std::string_view kRoleSystemAdmin = "system_admin";
inline constexpr std::string_view kRoleSystemUser = "system_user";
inline constexpr std::string_view kRoleSystemGuest = "system_guest";

// Mattermost's limits (model/user.go): UserNameMaxLength, UserEmailMaxLength, and the password
// maximum kept from its bcrypt days so that a password accepted here is accepted there too.
inline constexpr std::size_t kUsernameMaxLength = 64;
inline constexpr std::size_t kEmailMaxLength = 128;
inline constexpr std::size_t kPasswordMinLength = 8;
inline constexpr std::size_t kPasswordMaxLength = 72;

// Where the connection a request came in on comes from (gateway.yaml policy.vpn_networks, after
// server.trusted_proxies): the policy's subject.via_vpn and env.origin.
enum class ConnectionOrigin : std::uint8_t {
  kUnknown,  // no client connection: the server itself, a bridge, the command line
  kDirect,
  kVpn,
};

// "vpn", "direct", or "" for kUnknown (env.origin's values).
constexpr std::string_view connectionOriginName(ConnectionOrigin origin) {
  switch (origin) {
    case ConnectionOrigin::kVpn: return "vpn";
    case ConnectionOrigin::kDirect: return "direct";
    case ConnectionOrigin::kUnknown: break;
  }
  return "";
}

struct User {
  std::string id;
  std::int64_t createAt = 0;
  std::int64_t updateAt = 0;
  std::int64_t deleteAt = 0;
  std::string username;
  std::string passwordHash;  // Argon2id PHC string; "" when password login is impossible
  std::string authService;   // "" for password accounts
  std::string email;
  bool emailVerified = false;
  std::string nickname;
  std::string firstName;
  std::string lastName;
  std::string position;
  std::string roles{kRoleSystemUser};  // space-separated, e.g. "system_admin system_user"
  bool allowMarketing = false;
  nlohmann::json props = nlohmann::json::object();
  nlohmann::json notifyProps = nlohmann::json::object();
  std::int64_t lastPasswordUpdate = 0;
  std::int64_t lastPictureUpdate = 0;
  int failedAttempts = 0;
  std::string locale = "en";
  nlohmann::json timezone = {
      {"automaticTimezone", ""}, {"manualTimezone", ""}, {"useAutomaticTimezone", "true"}};
  bool mfaActive = false;
  std::int64_t lastActivityAt = 0;
  std::int64_t lastLogin = 0;
  bool isBot = false;
  bool disableWelcomeEmail = false;
  // Puppets: the connected workspace (Mattermost's remote_id), or the bridge and the remote
  // identity (MXID, JID, ...) the account stands for. Empty for local accounts.
  std::string remoteId;
  std::string remoteBridge;
  std::string remoteUserId;
  std::string remoteDomain;
  // Not stored: the origin of the connection of the request this user is the caller of. The
  // gateway sets it on the caller it authenticated (gateway/api/session_context), so every
  // service deciding a local policy action for the caller sees it; kUnknown on accounts read
  // from the store.
  ConnectionOrigin connectionOrigin = ConnectionOrigin::kUnknown;

  bool hasRole(std::string_view role) const {
    std::string_view rest = roles;
    while (!rest.empty()) {
      const auto space = rest.find(' ');
      if (rest.substr(0, space) == role) return true;
      if (space == std::string_view::npos) break;
      rest.remove_prefix(space + 1);
    }
    return false;
  }
  bool isSystemAdmin() const { return hasRole(kRoleSystemAdmin); }
  bool isGuest() const { return hasRole(kRoleSystemGuest); }
  bool isRemote() const { return !remoteId.empty() || !remoteBridge.empty(); }
};

// Mattermost's username rule (reference §2): 1 to 64 characters of a-z 0-9 . - _, starting with
// a letter, not a reserved name. Expects an already normalised (lower-case) name.
bool isValidUsername(std::string_view username);

// Mattermost's email rule: lower case, one '@', an RFC 5322 dot-atom on each side, at most 128
// characters, no display name or quoting. Expects an already normalised (lower-case) address.
bool isValidEmail(std::string_view email);

// Mattermost's notify_props for a new user (model/user.go SetDefaultNotifications).
nlohmann::json defaultNotifyProps();

// Trims surrounding white space and lower-cases ASCII letters, as Mattermost does before
// validating and storing usernames and emails.
std::string normalizeUsernameOrEmail(std::string_view text);

}  // namespace parley::core::model
