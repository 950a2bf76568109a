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
#include "core/common/network.hpp"

namespace parley::core::config {

struct TlsConfig {
  std::filesystem::path certFile;
  std::filesystem::path keyFile;
  std::string minVersion = "1.2";  // "1.2" or "1.3"

  bool operator==(const TlsConfig&) const = default;
};

struct ServerConfig {
  std::string listenHost = "127.0.0.1";  // IPv4, IPv6 without brackets, or a host name
  std::uint16_t listenPort = 8065;
  std::string siteUrl = "http://127.0.0.1:8065";
  unsigned threads = 0;  // 0: one I/O thread per core
  std::optional<TlsConfig> tls;
  std::chrono::milliseconds shutdownGrace{5000};  // in-flight requests get this long on SIGTERM
  bool enableDeveloper = false;  // show detailed_error to clients, as Mattermost's EnableDeveloper
  // Reverse proxies whose X-Forwarded-For names the client (trusted_proxies). Empty: the
  // socket's peer is the client, and the header is ignored.
  std::vector<Network> trustedProxies;

  bool operator==(const ServerConfig&) const = default;
};

struct DatabaseConfig {
  std::string dsn;  // a libpq connection string or URI; a secret (may hold a password)
  unsigned poolSize = 8;
  std::chrono::milliseconds connectTimeout{5000};
  std::chrono::milliseconds statementTimeout{30000};  // 0: no limit

  bool operator==(const DatabaseConfig&) const = default;
};

// Several gateway nodes on one database (Mattermost's ClusterSettings): with it enabled, the
// events of every node reach the WebSocket clients of all nodes through PostgreSQL
// LISTEN/NOTIFY (core/events/pg_relay).
struct ClusterConfig {
  bool enabled = false;
  std::string nodeId;  // 1-64 of [A-Za-z0-9._-]; "" = a random id at each start

  bool operator==(const ClusterConfig&) const = default;
};

struct FilesConfig {
  // Absolute after loading (relative paths in the file are resolved against its directory).
  // The default is systemd's StateDirectory= of parleyd.service.
  std::filesystem::path directory = "/var/lib/parley/files";
  std::uint64_t maxFileSize = 100ull * 1024 * 1024;  // bytes; Mattermost's MaxFileSize default

  bool operator==(const FilesConfig&) const = default;
};

struct SecurityConfig {
  bool enableOpenServer = false;     // TeamSettings.EnableOpenServer
  bool enableUserCreation = true;    // TeamSettings.EnableUserCreation
  bool enableGuestAccounts = false;  // GuestAccountsSettings.Enable
  bool enableUserAccessTokens = true;
  bool enableBotAccountCreation = true;
  std::chrono::milliseconds sessionLength{std::chrono::hours(24 * 30)};

  bool operator==(const SecurityConfig&) const = default;
};

// Incoming webhooks (Mattermost's ServiceSettings of the same names).
struct WebhooksConfig {
  bool enableIncoming = true;               // EnableIncomingWebhooks
  bool enablePostUsernameOverride = false;  // EnablePostUsernameOverride
  bool enablePostIconOverride = false;      // EnablePostIconOverride
  double requestsPerSecond = 10;            // per hook; 0 = unlimited
  std::uint32_t requestBurst = 30;

  bool operator==(const WebhooksConfig&) const = default;
};

struct LimitsConfig {
  std::uint64_t maxBodyBytes = 300'000;  // Mattermost's MaximumPayloadSizeBytes
  std::uint32_t maxHeaderBytes = 16 * 1024;
  double requestsPerSecond = 0;  // per client address; 0 = unlimited
  std::uint32_t requestBurst = 100;
  std::chrono::milliseconds idleTimeout{60000};     // keep-alive connection idle limit
  std::chrono::milliseconds requestTimeout{30000};  // reading one request's headers and body
  std::uint32_t maxConnections = 20000;

  bool operator==(const LimitsConfig&) const = default;
};

// The WebSocket API (reference/mattermost-api.md §8): Mattermost's own constants as defaults.
struct WebsocketConfig {
  std::uint64_t maxMessageBytes = 64 * 1024;  // larger inbound messages close with 1009
  std::uint32_t sendQueueEvents = 256;        // unsent events beyond which a client is dropped
  std::chrono::milliseconds pingInterval{60000};
  std::chrono::milliseconds readTimeout{100000};   // nothing received (not even a pong) this long
  std::chrono::milliseconds writeTimeout{30000};   // one frame still unwritten after this long
  std::chrono::milliseconds authTimeout{5000};     // to authenticate with authentication_challenge
  std::uint32_t resumeEvents = 128;                // replayable events per connection
  std::chrono::milliseconds resumeWindow{300000};  // how long a closed connection can resume

  bool operator==(const WebsocketConfig&) const = default;
};

struct LoggingConfig {
  log::Level level = log::Level::kInfo;
  bool accessLog = false;  // one line per request (costly at high request rates)

  bool operator==(const LoggingConfig&) const = default;
};

// Bridge sections are parsed as opaque YAML-free descriptions until their issues define them;
// today we record only which are present and enabled.
struct BridgeConfig {
  std::string name;  // "matrix", "xmpp", "workspaces"
  bool enabled = false;

  bool operator==(const BridgeConfig&) const = default;
};

// The XMPP bridge (bridges/xmpp): parleyd as an XEP-0114 external component of an XMPP server,
// hosting one MUC room per linked channel under its own domain. Present when gateway.yaml has a
// bridges.xmpp map (enabled or not); every key has been checked then.
struct XmppBridgeConfig {
  bool enabled = false;
  std::string domain;  // the component's domain: rooms are <room>@domain, users <username>@domain
  std::string serverHost = "127.0.0.1";  // the XMPP server's component port (plaintext: loopback)
  std::uint16_t serverPort = 5347;
  std::string secret;  // the component's shared secret; a secret, never logged
  std::chrono::milliseconds reconnectMin{1000};   // first wait after the link drops, then doubled
  std::chrono::milliseconds reconnectMax{60000};  // the longest wait between attempts
  std::uint64_t maxStanzaBytes = 256 * 1024;      // larger stanzas are refused (policy-violation)
  std::uint32_t historyMessages = 20;             // messages sent to an occupant who joins
  // Attachments of inbound messages (fetched by bridges/common/file_fetcher): at most this
  // many bytes (0 = files.maxFileSize, which also caps it), within fetchTimeout, https only and
  // public addresses only unless allowed (a test server on loopback serves http).
  std::uint64_t maxFileBytes = 0;
  std::chrono::milliseconds fetchTimeout{60000};
  bool allowHttpUrls = false;
  bool allowPrivateAddresses = false;

  bool operator==(const XmppBridgeConfig&) const = default;
};

// The Matrix bridge (bridges/matrix): parleyd as an Application Service of a partner's
// homeserver. Present when gateway.yaml has a bridges.matrix map (enabled or not); every key has
// been checked then. The tokens are not here: `parleyd matrix registration` generates them once
// into token_file (0600), which serve reads.
struct MatrixBridgeConfig {
  bool enabled = false;
  std::string homeserverUrl;  // "https://matrix.example.org": the client-server API
  std::string serverName;     // the homeserver's server name: users are @x:<serverName>
  std::string id = "parley";  // the registration id (permanent)
  // Where the homeserver reaches Parley (the registration url): this server's origin and an
  // optional path under which the AS routes are served ("" or "/matrix").
  std::string url;
  std::string urlPath;
  std::string senderLocalpart = "parleybot";  // the bridge bot @<it>:<serverName>
  std::string userPrefix = "mm_";   // puppets of local users: @<prefix><username>:<serverName>
  std::string aliasPrefix = "mm_";  // room aliases Parley may own: #<prefix>...:<serverName>
  std::filesystem::path tokenFile;  // as_token and hs_token, generated once
  std::chrono::milliseconds requestTimeout{30000};  // one call to the homeserver
  // Media of inbound events (downloaded from the homeserver): at most this many bytes (0 =
  // files.maxFileSize, which also caps it); a larger file becomes a note in the post.
  std::uint64_t maxFileBytes = 0;

  bool operator==(const MatrixBridgeConfig&) const = default;
};

struct LinkConfig {
  std::string channel;  // "team-name/channel-name" or a channel id
  std::string bridge;   // a configured bridge name
  std::string remote;   // the room on that bridge (room id/alias, MUC JID, remote channel id)
  enum class Direction { kBoth, kInbound, kOutbound } direction = Direction::kBoth;
  bool readOnly = false;
  // The policy bundle's peer (its `bridges:` key) whose attributes decide crossings on this
  // link; "" = the bridge's own name.
  std::string peer;

  bool operator==(const LinkConfig&) const = default;
};

struct PolicyConfig {
  std::vector<std::filesystem::path> files;  // absolute; each existed and was readable at load
  // Clients in these networks connect over the VPN (subject.via_vpn, env.origin "vpn").
  std::vector<Network> vpnNetworks;

  bool operator==(const PolicyConfig&) const = default;
};

struct Config {
  std::filesystem::path sourceFile;  // where it was loaded from
  ServerConfig server;
  DatabaseConfig database;
  ClusterConfig cluster;
  FilesConfig files;
  SecurityConfig security;
  WebhooksConfig webhooks;
  LimitsConfig limits;
  WebsocketConfig websocket;
  LoggingConfig logging;
  std::vector<BridgeConfig> bridges;
  std::optional<XmppBridgeConfig> xmpp;      // bridges.xmpp, when written as a map
  std::optional<MatrixBridgeConfig> matrix;  // bridges.matrix, when written as a map
  std::vector<LinkConfig> links;
  PolicyConfig policy;

  bool operator==(const Config&) const = default;
};

}  // namespace parley::core::config
