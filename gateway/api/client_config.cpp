#include "gateway/api/client_config.hpp"

#include <optional>

#include "core/model/user.hpp"
#include "core/services/account_service.hpp"
#include "core/services/installation_service.hpp"
#include "gateway/api/session_context.hpp"
#include "gateway/api/version.hpp"

namespace parley::gateway::api {
namespace {

// Mattermost's post size limit (model/post.go PostMessageMaxRunesV2), which clients read as
// MaxPostSize to limit the message box.
constexpr int kMaxPostRunes = 16383;

std::string flag(bool value) { return value ? "true" : "false"; }

std::string withoutTrailingSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// The keys of Mattermost's GenerateLimitedClientConfig and LimitedClientConfigWithComputed
// (server/config/client.go) that clients read, with Parley's answers. Features Parley does not
// have (LDAP, SAML, OAuth sign-in, MFA, plugins, custom branding, email password reset) are
// off; links to vendor pages are empty because a gateway in a DMZ has nothing to link to.
StringMap limitedConfig(const core::config::Config& config, const InstallationFacts& facts) {
  const auto& security = config.security;
  const bool openServer = security.enableOpenServer && !facts.signupLocked;
  return {
      {"Version", std::string(kMattermostApiVersion)},
      {"BuildNumber", std::string(kBuildNumber)},
      {"BuildDate", ""},
      {"BuildHash", ""},
      {"BuildHashEnterprise", ""},
      {"BuildEnterpriseReady", "false"},

      {"SiteURL", withoutTrailingSlashes(config.server.siteUrl)},
      {"SiteName", "Parley"},
      // Empty: clients connect the WebSocket to the site URL.
      {"WebsocketURL", ""},
      {"WebsocketPort", "80"},
      {"WebsocketSecurePort", "443"},

      {"DiagnosticId", facts.diagnosticId},
      {"TelemetryId", facts.diagnosticId},
      {"DiagnosticsEnabled", "false"},
      {"EnableDiagnostics", "false"},

      // Sign-up and sign-in (reference §9.2). Sign-up is by email and password only, so
      // EnableSignUpWithEmail follows EnableUserCreation.
      {"EnableUserCreation", flag(security.enableUserCreation)},
      {"EnableOpenServer", flag(openServer)},
      {"EnableSignUpWithEmail", flag(security.enableUserCreation)},
      {"EnableSignInWithEmail", "true"},
      {"EnableSignInWithUsername", "true"},
      {"EnableGuestAccounts", flag(security.enableGuestAccounts)},
      {"EnableGuestMagicLink", "false"},
      {"GuestAccountsEnforceMultifactorAuthentication", "false"},
      {"EnableBotAccountCreation", flag(security.enableBotAccountCreation)},
      {"EnableLdap", "false"},
      {"LdapLoginFieldName", ""},
      {"EnableSaml", "false"},
      {"SamlLoginButtonText", ""},
      {"EnableSignUpWithGitLab", "false"},
      {"EnableSignUpWithGoogle", "false"},
      {"EnableSignUpWithOffice365", "false"},
      {"EnableSignUpWithOpenId", "false"},
      {"OpenIdButtonText", ""},
      {"EnableMultifactorAuthentication", "false"},
      {"EnforceMultifactorAuthentication", "false"},
      {"PasswordMinimumLength", std::to_string(core::model::kPasswordMinLength)},
      {"PasswordRequireLowercase", "false"},
      {"PasswordRequireUppercase", "false"},
      {"PasswordRequireNumber", "false"},
      {"PasswordRequireSymbol", "false"},
      {"PasswordEnableForgotLink", "false"},
      {"ForgotPasswordLink", ""},

      // Mobile: empty versions mean no minimum is enforced (as in the ping answer).
      {"AndroidLatestVersion", ""},
      {"AndroidMinVersion", ""},
      {"IosLatestVersion", ""},
      {"IosMinVersion", ""},
      {"AppDownloadLink", ""},
      {"AndroidAppDownloadLink", ""},
      {"IosAppDownloadLink", ""},
      {"MobileEnableBiometrics", "false"},
      {"MobileJailbreakProtection", "false"},
      {"MobilePreventScreenCapture", "false"},

      {"TermsOfServiceLink", ""},
      {"PrivacyPolicyLink", ""},
      {"AboutLink", ""},
      {"HelpLink", ""},
      {"ReportAProblemLink", ""},
      {"SupportEmail", ""},
      {"EnableAskCommunityLink", "false"},
      {"EnableCustomBrand", "false"},
      {"CustomBrandText", ""},
      {"CustomDescriptionText", ""},
      {"DefaultClientLocale", "en"},

      {"EnableCustomEmoji", "false"},
      {"EnableComplianceExport", "false"},
      {"HasImageProxy", "false"},
      {"PluginsEnabled", "false"},
      {"MaxPostSize", std::to_string(kMaxPostRunes)},
  };
}

// Keys of the full config (Mattermost's GenerateClientConfig) that change what a logged-in
// client does.
void addFull(StringMap& out, const core::config::Config& config) {
  // Collapsed reply threads off: clients then use neither /threads nor thread_* events
  // (reference §6.3).
  out["CollapsedThreads"] = "disabled";
  // Clients take reactions and files from post.metadata (reference §13.4).
  out["ExperimentalEnablePostMetadata"] = "true";
  out["MaxFileSize"] = std::to_string(config.files.maxFileSize);
  out["EnableUserAccessTokens"] = flag(config.security.enableUserAccessTokens);
  out["TeammateNameDisplay"] = "username";
}

std::optional<http::Response> requireOldFormat(const http::Request& request,
                                               std::string_view errorId, std::string_view what) {
  const auto format = request.query().get("format");
  if (!format || format->empty()) {
    return http::Response::error(core::makeError(
        core::ErrorCode::kNotImplemented, std::string(errorId),
        "New format for the " + std::string(what) +
            " is not supported yet. Please specify format=old in the query string."));
  }
  if (*format != "old") {
    return http::Response::error(core::makeError(
        core::ErrorCode::kInvalidArgument, "api.context.invalid_url_param.app_error",
        "Invalid or missing format parameter in request URL.", "format=" + std::string(*format)));
  }
  return std::nullopt;
}

core::Result<InstallationFacts> installationFacts(core::store::Store& store) {
  auto id = core::services::diagnosticId(store);
  if (!id) return std::move(id).error();
  auto lockdown = core::services::lockdownStatus(store);
  if (!lockdown) return std::move(lockdown).error();
  return InstallationFacts{std::move(*id), lockdown->signupLocked};
}

asio::awaitable<http::Response> getClientConfig(const ApiContext& api, http::Request& request) {
  if (auto refused = requireOldFormat(request, "api.config.client.old_format.app_error",
                                      "client configuration")) {
    co_return std::move(*refused);
  }
  // No session needed: an absent or invalid token gets the limited config, as on Mattermost.
  auto caller = co_await findSession(api, request);
  if (!caller) co_return authFailure(api, std::move(caller).error());
  const auto scope = caller->has_value() ? ClientConfigScope::kFull : ClientConfigScope::kLimited;
  auto facts = co_await api.database->run(installationFacts);
  if (!facts) co_return http::Response::error(std::move(facts).error());
  co_return http::Response::json(200, nlohmann::json(clientConfig(*api.config, *facts, scope)));
}

}  // namespace

StringMap clientConfig(const core::config::Config& config, const InstallationFacts& facts,
                       ClientConfigScope scope) {
  StringMap out = limitedConfig(config, facts);
  if (scope == ClientConfigScope::kFull) addFull(out, config);
  return out;
}

StringMap clientLicense() { return {{"IsLicensed", "false"}}; }

void registerClientConfigRoutes(http::Router& router, ApiContextPtr api) {
  using http_proto::verb;

  router.add(verb::get, "/api/v4/config/client",
             [api](http::Request& request) { return getClientConfig(*api, request); });

  router.add(verb::get, "/api/v4/license/client",
             [](http::Request& request) -> asio::awaitable<http::Response> {
               if (auto refused = requireOldFormat(
                       request, "api.license.client.old_format.app_error", "client license")) {
                 co_return std::move(*refused);
               }
               static const std::string kBody = nlohmann::json(clientLicense()).dump();
               co_return http::Response::json(200, kBody);
             });
}

}  // namespace parley::gateway::api
