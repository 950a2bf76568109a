#pragma once
// The validated contents of gateway.yaml. Loading (config_loader.hpp) checks every key, so the
// rest of Parley can rely on these values being present and in range.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/common/log.hpp"

namespace parley::core::config {

struct TlsConfig {
  std::filesystem::path certFile;
  std::filesystem::path keyFile;
  std::string minVersion = "1.2";  // "1.2" or "1.3"
};

struct ServerConfig {
  std::string listenHost = "127.0.0.1";
  std::uint16_t listenPort = 8065;
  std::string siteUrl = "http://127.0.0.1:8065";
  unsigned threads = 0;  // 0: one I/O thread per core
  std::optional<TlsConfig> tls;
  std::chrono::milliseconds shutdownGrace{5000};  // in-flight requests get this long on SIGTERM
  bool enableDeveloper = false;  // show detailed_error to clients, as Mattermost's EnableDeveloper
};

struct DatabaseConfig {
  std::string dsn;  // a libpq connection string or URI; a secret (may hold a password)
  unsigned poolSize = 8;
  std::chrono::milliseconds connectTimeout{5000};
  std::chrono::milliseconds statementTimeout{30000};
};

struct FilesConfig {
  std::filesystem::path directory = "data/files";
  std::uint64_t maxFileSize = 100ull * 1024 * 1024;  // bytes; Mattermost's MaxFileSize default
};

struct SecurityConfig {
  bool enableOpenServer = false;     // TeamSettings.EnableOpenServer
  bool enableUserCreation = true;    // TeamSettings.EnableUserCreation
  bool enableGuestAccounts = false;  // GuestAccountsSettings.Enable
  bool enableUserAccessTokens = true;
  bool enableBotAccountCreation = true;
  std::chrono::hours sessionLength{24 * 30};
};

struct LimitsConfig {
  std::uint64_t maxBodyBytes = 300'000;  // Mattermost's MaximumPayloadSizeBytes
  std::uint32_t maxHeaderBytes = 16 * 1024;
  double requestsPerSecond = 0;  // per client address; 0 = unlimited
  std::uint32_t requestBurst = 100;
  std::chrono::milliseconds idleTimeout{60000};  // keep-alive connection idle limit
  std::chrono::milliseconds requestTimeout{30000};  // reading one request's headers and body
  std::uint32_t maxConnections = 20000;
};

struct LoggingConfig {
  log::Level level = log::Level::kInfo;
  bool accessLog = false;  // one line per request (costly at high request rates)
};

// Bridge sections are parsed as opaque YAML-free descriptions until their issues define them;
// today we record only which are present and enabled.
struct BridgeConfig {
  std::string name;  // "matrix", "xmpp", "workspaces"
  bool enabled = false;
};

struct LinkConfig {
  std::string channel;  // "team-name/channel-name" or a channel id
  std::string bridge;   // a configured bridge name
  std::string remote;   // the room on that bridge (room id/alias, MUC JID, remote channel id)
  enum class Direction { kBoth, kInbound, kOutbound } direction = Direction::kBoth;
  bool readOnly = false;
};

struct PolicyConfig {
  std::vector<std::filesystem::path> files;
};

struct Config {
  std::filesystem::path sourceFile;  // where it was loaded from
  ServerConfig server;
  DatabaseConfig database;
  FilesConfig files;
  SecurityConfig security;
  LimitsConfig limits;
  LoggingConfig logging;
  std::vector<BridgeConfig> bridges;
  std::vector<LinkConfig> links;
  PolicyConfig policy;
};

}  // namespace parley::core::config
