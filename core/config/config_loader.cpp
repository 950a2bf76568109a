#include "core/config/config_loader.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <system_error>

#include "core/config/address.hpp"
#include "core/config/units.hpp"
#include "core/config/yaml_reader.hpp"

namespace parley::core::config {
namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = 1024 * kKiB;
constexpr std::uint64_t kGiB = 1024 * kMiB;
constexpr std::uint64_t kTiB = 1024 * kGiB;
constexpr milliseconds kDay = 24h;

constexpr std::array<std::string_view, 3> kDsnKeys = {"dsn", "dsn_file", "dsn_env"};

template <typename Target, typename Value>
void assign(Target& target, const std::optional<Value>& value) {
  if (value) target = static_cast<Target>(*value);
}

std::string joinWithAnd(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += (i + 1 == words.size()) ? " and " : ", ";
    out += words[i];
  }
  return out;
}

bool isEnvironmentName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front())) != 0) return false;
  return std::all_of(name.begin(), name.end(),
                     [](unsigned char c) { return std::isalnum(c) != 0 || c == '_'; });
}

// A value in dsn_file or dsn_env that is really a connection string. It must not be echoed in
// a message, and saying so is more useful than "no such file".
bool looksLikeConnectionString(std::string_view text) {
  return text.find('=') != std::string_view::npos || text.find("://") != std::string_view::npos;
}

bool isValidConnectionString(const std::string& dsn) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
  // libpq's message can quote parts of the string, which may be the password: it is dropped.
  if (error != nullptr) PQfreemem(error);
  if (options == nullptr) return false;
  PQconninfoFree(options);
  return true;
}

constexpr std::string_view kConnectionStringForm =
    "a valid PostgreSQL connection string (keyword=value pairs or a postgresql:// URI)";

class Loader {
 public:
  Loader(YamlReader& reader, std::filesystem::path baseDir, const EnvLookup& env)
      : r_(reader), baseDir_(std::move(baseDir)), env_(env) {}

  void load(const Field& root, Config& config) {
    const auto top = r_.map(root,
                            {"server", "database", "files", "security", "webhooks", "limits",
                             "websocket", "logging", "bridges", "links", "policy", "cluster"},
                            "a map of sections such as server and database");
    if (!top) return;
    if (const auto field = top->get("server")) server(*field, config.server);
    database(*top, config.database);
    if (const auto field = top->get("cluster")) cluster(*field, config.cluster);
    if (const auto field = top->get("files")) files(*field, config.files);
    if (const auto field = top->get("security")) security(*field, config.security);
    if (const auto field = top->get("webhooks")) webhooks(*field, config.webhooks);
    if (const auto field = top->get("limits")) limits(*field, config.limits);
    if (const auto field = top->get("websocket")) websocket(*field, config.websocket);
    if (const auto field = top->get("logging")) logging(*field, config.logging);
    if (const auto field = top->get("bridges")) {
      bridges(*field, config.bridges, config.xmpp, config.matrix);
    }
    if (const auto field = top->get("links")) links(*field, config.bridges, config.links);
    if (const auto field = top->get("policy")) policy(*field, config.policy);
  }

 private:
  void server(const Field& field, ServerConfig& out) {
    const auto m = r_.map(field, {"listen", "site_url", "threads", "enable_developer",
                                  "shutdown_grace", "tls", "trusted_proxies"});
    if (!m) return;
    if (const auto listen = m->get("listen")) {
      if (const auto text = r_.string(listen)) {
        auto parsed = parseListenAddress(*text);
        if (parsed) {
          out.listenHost = parsed->host;
          out.listenPort = parsed->port;
        } else {
          r_.report(*listen, parsed.error().message);
        }
      }
    }
    if (const auto siteUrl = m->get("site_url")) {
      if (const auto text = r_.string(siteUrl)) {
        auto parsed = parseSiteUrl(*text);
        if (parsed) {
          out.siteUrl = *parsed;
        } else {
          r_.report(*siteUrl, parsed.error().message);
        }
      }
    }
    assign(out.threads, r_.integer(m->get("threads"), 0, 256));
    assign(out.enableDeveloper, r_.boolean(m->get("enable_developer")));
    assign(out.shutdownGrace, r_.duration(m->get("shutdown_grace"), 0ms, 10min));
    if (const auto tlsField = m->get("tls")) tls(*tlsField, out.tls);
    if (const auto proxies = m->get("trusted_proxies")) networks(*proxies, out.trustedProxies);
  }

  // A list of networks in CIDR form ("10.8.0.0/16", "fd00:8::/32") or single addresses.
  void networks(const Field& field, std::vector<Network>& out) {
    const auto items = r_.list(field, "a list of networks such as 10.8.0.0/16 or fd00:8::/32");
    if (!items) return;
    for (const Field& item : *items) {
      const auto text = r_.string(item);
      if (!text) continue;
      auto network = Network::parse(*text);
      if (network) {
        out.push_back(*network);
      } else {
        r_.report(item, network.error().message);
      }
    }
  }

  void tls(const Field& field, std::optional<TlsConfig>& out) {
    const auto m = r_.map(field, {"cert_file", "key_file", "min_version"});
    if (!m) return;
    TlsConfig tls;
    bool complete = true;
    for (const auto& [key, target] :
         {std::pair{"cert_file", &tls.certFile}, std::pair{"key_file", &tls.keyFile}}) {
      const auto file = m->get(key);
      if (!file) {
        r_.reportAtKey(m->self(), "missing required key " + quote(key));
        complete = false;
        continue;
      }
      const auto resolved = r_.path(file, baseDir_);
      if (!resolved || !r_.requireReadableFile(*file, *resolved)) {
        complete = false;
        continue;
      }
      *target = *resolved;
    }
    // YAML reads an unquoted 1.3 as a number; its text is still "1.3", which is what we accept.
    assign(tls.minVersion, r_.oneOf(m->get("min_version"), {"1.2", "1.3"}));
    if (complete) out = tls;
  }

  void database(const MapFields& top, DatabaseConfig& out) {
    const auto field = top.get("database");
    if (!field) {
      r_.report(top.self().line,
                "missing required section \"database\" (it needs one of dsn, dsn_file or dsn_env)");
      return;
    }
    const auto m = r_.map(*field, {"dsn", "dsn_file", "dsn_env", "pool_size", "connect_timeout",
                                   "statement_timeout"});
    if (!m) return;
    assign(out.poolSize, r_.integer(m->get("pool_size"), 1, 256));
    // libpq's connect_timeout counts whole seconds.
    assign(out.connectTimeout, r_.duration(m->get("connect_timeout"), 1s, 10min));
    // 0 turns PostgreSQL's statement_timeout off.
    assign(out.statementTimeout, r_.duration(m->get("statement_timeout"), 0ms, kDay));

    std::vector<std::string> present;
    for (const auto key : kDsnKeys) {
      if (m->get(key)) present.emplace_back(key);
    }
    std::sort(present.begin(), present.end(), [&](const std::string& a, const std::string& b) {
      return m->keyLine(a) < m->keyLine(b);
    });
    if (present.empty()) {
      r_.reportAtKey(m->self(), "one of dsn, dsn_file or dsn_env is required");
      return;
    }
    if (present.size() > 1) {
      r_.report(m->keyLine(present[1]),
                "database: only one of dsn, dsn_file or dsn_env may be set, found " +
                    joinWithAnd(present));
      return;
    }
    const Field source = *m->get(present.front());
    std::optional<std::string> dsn;
    std::string what;  // names where the DSN came from, for the invalid-DSN message
    if (present.front() == "dsn") {
      dsn = r_.string(source);
      what = "it is not ";
    } else if (present.front() == "dsn_file") {
      dsn = dsnFromFile(source);
      what = "the content of " + quote(source.node.Scalar()) + " is not ";
    } else {
      dsn = dsnFromEnvironment(source);
      what = "the value of " + source.node.Scalar() + " is not ";
    }
    if (!dsn) return;
    if (!isValidConnectionString(*dsn)) {
      r_.report(source, what + std::string(kConnectionStringForm));
      return;
    }
    out.dsn = *dsn;
  }

  std::optional<std::string> dsnFromFile(const Field& field) {
    if (field.node.IsScalar() && looksLikeConnectionString(field.node.Scalar())) {
      r_.report(field,
                "expected the path of a file holding the connection string, got what looks like "
                "the connection string itself (use dsn for that)");
      return std::nullopt;
    }
    return secretFromFile(field);
  }

  std::optional<std::string> dsnFromEnvironment(const Field& field) {
    // The value is not echoed: a mistaken value here is often the connection string itself.
    if (field.node.IsScalar() && looksLikeConnectionString(field.node.Scalar())) {
      r_.report(field,
                "expected the name of an environment variable, got what looks like the "
                "connection string itself (use dsn for that)");
      return std::nullopt;
    }
    return secretFromEnvironment(field, "PARLEY_DATABASE_DSN");
  }

  // A secret kept out of gateway.yaml, in a file: its content without trailing white space
  // (editors end files with a newline, which would otherwise become part of the secret).
  std::optional<std::string> secretFromFile(const Field& field) {
    const auto resolved = r_.path(field, baseDir_);
    if (!resolved) return std::nullopt;
    std::string error;
    auto content = readWholeFile(*resolved, error);
    if (!content) {
      r_.requireReadableFile(field, *resolved);
      return std::nullopt;
    }
    while (!content->empty() && std::isspace(static_cast<unsigned char>(content->back())) != 0) {
      content->pop_back();
    }
    if (content->empty()) {
      r_.report(field, quote(field.node.Scalar()) + " is empty");
      return std::nullopt;
    }
    return content;
  }

  // A secret kept out of gateway.yaml, in the environment variable `field` names. A name that
  // is not one is not echoed: it may be the secret itself.
  std::optional<std::string> secretFromEnvironment(const Field& field, std::string_view example) {
    const auto name = r_.string(field);
    if (!name) return std::nullopt;
    if (!isEnvironmentName(*name)) {
      r_.report(field,
                "expected the name of an environment variable (letters, digits and underscores) "
                "such as " +
                    std::string(example));
      return std::nullopt;
    }
    auto value = env_ ? env_(*name) : std::nullopt;
    if (!value) {
      r_.report(field, "the environment variable " + *name + " is not set");
      return std::nullopt;
    }
    if (value->empty()) {
      r_.report(field, "the environment variable " + *name + " is empty");
      return std::nullopt;
    }
    return value;
  }

  void files(const Field& field, FilesConfig& out) {
    const auto m = r_.map(field, {"directory", "max_file_size"});
    if (!m) return;
    assign(out.directory, r_.path(m->get("directory"), baseDir_));
    assign(out.maxFileSize, r_.size(m->get("max_file_size"), kKiB, kTiB));
  }

  void security(const Field& field, SecurityConfig& out) {
    const auto m = r_.map(
        field, {"enable_open_server", "enable_user_creation", "enable_guest_accounts",
                "enable_user_access_tokens", "enable_bot_account_creation", "session_length"});
    if (!m) return;
    assign(out.enableOpenServer, r_.boolean(m->get("enable_open_server")));
    assign(out.enableUserCreation, r_.boolean(m->get("enable_user_creation")));
    assign(out.enableGuestAccounts, r_.boolean(m->get("enable_guest_accounts")));
    assign(out.enableUserAccessTokens, r_.boolean(m->get("enable_user_access_tokens")));
    assign(out.enableBotAccountCreation, r_.boolean(m->get("enable_bot_account_creation")));
    assign(out.sessionLength, r_.duration(m->get("session_length"), 1min, 3650 * kDay));
  }

  void cluster(const Field& field, ClusterConfig& out) {
    const auto m = r_.map(field, {"enabled", "node_id"});
    if (!m) return;
    assign(out.enabled, r_.boolean(m->get("enabled")));
    if (const auto nodeField = m->get("node_id")) {
      // "" is allowed here and means a random id (the reader refuses empty strings).
      if (nodeField->node.IsScalar() && nodeField->node.Scalar().empty()) {
        out.nodeId.clear();
      } else if (const auto nodeId = r_.string(nodeField)) {
        const bool valid = nodeId->size() <= 64 &&
                           std::all_of(nodeId->begin(), nodeId->end(), [](unsigned char c) {
                             return std::isalnum(c) != 0 || c == '.' || c == '_' || c == '-';
                           });
        if (valid) {
          out.nodeId = *nodeId;
        } else {
          r_.report(*nodeField, "must be at most 64 letters, digits, dots, dashes and underscores");
        }
      }
    }
  }

  void webhooks(const Field& field, WebhooksConfig& out) {
    const auto m =
        r_.map(field, {"enable_incoming", "enable_post_username_override",
                       "enable_post_icon_override", "requests_per_second", "request_burst"});
    if (!m) return;
    assign(out.enableIncoming, r_.boolean(m->get("enable_incoming")));
    assign(out.enablePostUsernameOverride, r_.boolean(m->get("enable_post_username_override")));
    assign(out.enablePostIconOverride, r_.boolean(m->get("enable_post_icon_override")));
    assign(out.requestsPerSecond, r_.number(m->get("requests_per_second"), 0));
    assign(out.requestBurst, r_.integer(m->get("request_burst"), 1, 1'000'000));
  }

  void limits(const Field& field, LimitsConfig& out) {
    const auto m =
        r_.map(field, {"max_body_size", "max_header_size", "requests_per_second", "request_burst",
                       "idle_timeout", "request_timeout", "max_connections"});
    if (!m) return;
    assign(out.maxBodyBytes, r_.size(m->get("max_body_size"), kKiB, kGiB));
    assign(out.maxHeaderBytes, r_.size(m->get("max_header_size"), kKiB, kMiB));
    assign(out.requestsPerSecond, r_.number(m->get("requests_per_second"), 0));
    assign(out.requestBurst, r_.integer(m->get("request_burst"), 1, 1'000'000));
    assign(out.idleTimeout, r_.duration(m->get("idle_timeout"), 1s, 1h));
    assign(out.requestTimeout, r_.duration(m->get("request_timeout"), 1s, 1h));
    assign(out.maxConnections, r_.integer(m->get("max_connections"), 1, 1'000'000));
  }

  void websocket(const Field& field, WebsocketConfig& out) {
    const auto m =
        r_.map(field, {"max_message_size", "send_queue_events", "ping_interval", "read_timeout",
                       "write_timeout", "auth_timeout", "resume_events", "resume_window"});
    if (!m) return;
    assign(out.maxMessageBytes, r_.size(m->get("max_message_size"), kKiB, 64 * kMiB));
    assign(out.sendQueueEvents, r_.integer(m->get("send_queue_events"), 16, 100'000));
    assign(out.pingInterval, r_.duration(m->get("ping_interval"), 100ms, 1h));
    assign(out.readTimeout, r_.duration(m->get("read_timeout"), 100ms, 1h));
    assign(out.writeTimeout, r_.duration(m->get("write_timeout"), 100ms, 1h));
    assign(out.authTimeout, r_.duration(m->get("auth_timeout"), 100ms, 10min));
    assign(out.resumeEvents, r_.integer(m->get("resume_events"), 1, 100'000));
    assign(out.resumeWindow, r_.duration(m->get("resume_window"), 0ms, kDay));
  }

  void logging(const Field& field, LoggingConfig& out) {
    const auto m = r_.map(field, {"level", "access_log"});
    if (!m) return;
    if (const auto level = r_.oneOf(m->get("level"), {"debug", "info", "warn", "error"})) {
      log::parseLevel(*level, out.level);
    }
    assign(out.accessLog, r_.boolean(m->get("access_log")));
  }

  void bridges(const Field& field, std::vector<BridgeConfig>& out,
               std::optional<XmppBridgeConfig>& xmppOut,
               std::optional<MatrixBridgeConfig>& matrixOut) {
    // The bridges this version knows by name. xmpp and matrix can be enabled: the others arrive
    // with their own issues, and a config that asks for one must fail loudly rather than run
    // without it.
    const auto m = r_.map(field, {"matrix", "xmpp", "workspaces"});
    if (!m) return;
    for (const auto& name : m->keys()) {
      if (name == "xmpp") {
        const auto value = *m->get(name);
        bool enabled = false;
        if (!value.node.IsNull()) {
          XmppBridgeConfig xmpp;
          if (!xmppBridge(value, xmpp)) continue;
          enabled = xmpp.enabled;
          xmppOut = std::move(xmpp);
        }
        out.push_back(BridgeConfig{name, enabled});
        continue;
      }
      if (name == "matrix") {
        const auto value = *m->get(name);
        bool enabled = false;
        // `matrix: {enabled: false}` only lists the bridge (links may name it), as before this
        // version had it; any other map describes it in full.
        const bool listedOnly = value.node.IsMap() && value.node.size() == 1 &&
                                value.node["enabled"] && value.node["enabled"].IsScalar() &&
                                value.node["enabled"].Scalar() == "false";
        if (!value.node.IsNull() && !listedOnly) {
          MatrixBridgeConfig matrix;
          if (!matrixBridge(value, matrix)) continue;
          enabled = matrix.enabled;
          matrixOut = std::move(matrix);
        }
        out.push_back(BridgeConfig{name, enabled});
        continue;
      }
      const auto bridge = r_.map(*m->get(name), {"enabled"});
      if (!bridge) continue;
      const auto enabledField = bridge->get("enabled");
      const auto enabled = r_.boolean(enabledField);
      if (enabled && *enabled) {
        r_.report(*enabledField,
                  "the " + name + " bridge is not available in this version of parleyd");
        continue;
      }
      out.push_back(BridgeConfig{name, false});
    }
  }

  // bridges.xmpp written as a map: it names the component's domain and where its secret is,
  // enabled or not, so that enabling it later changes one line. False when anything is wrong.
  bool xmppBridge(const Field& field, XmppBridgeConfig& out) {
    const auto m = r_.map(
        field, {"enabled", "domain", "server_host", "server_port", "secret_file", "secret_env",
                "reconnect_min", "reconnect_max", "max_stanza_size", "history", "max_file_size",
                "fetch_timeout", "allow_http_urls", "allow_private_addresses"});
    if (!m) return false;
    const std::size_t problemsBefore = r_.problemCount();
    assign(out.enabled, r_.boolean(m->get("enabled")));
    if (const auto domainField = m->get("domain")) {
      if (const auto domain = r_.string(domainField)) {
        // A JID domainpart the component owns: a host name, lower case (JIDs compare their
        // domains case-insensitively; one spelling keeps room and user JIDs comparable).
        if (isHostName(*domain) && std::none_of(domain->begin(), domain->end(), [](char c) {
              return std::isupper(static_cast<unsigned char>(c)) != 0;
            })) {
          out.domain = *domain;
        } else {
          r_.report(*domainField,
                    "expected a lower-case host name such as "
                    "mattermost.example.org, got " +
                        quote(*domain));
        }
      }
    } else {
      r_.reportAtKey(m->self(), "missing required key \"domain\"");
    }
    if (const auto hostField = m->get("server_host")) {
      if (const auto host = r_.string(hostField)) {
        if (isHostName(*host) || isIpAddress(*host)) {
          out.serverHost = *host;
        } else {
          r_.report(*hostField, "expected a host name or an IP address, got " + quote(*host));
        }
      }
    }
    assign(out.serverPort, r_.integer(m->get("server_port"), 1, 65535));
    const auto fileField = m->get("secret_file");
    const auto envField = m->get("secret_env");
    if (fileField && envField) {
      r_.report(std::max(m->keyLine("secret_file"), m->keyLine("secret_env")),
                "bridges.xmpp: only one of secret_file or secret_env may be set");
    } else if (fileField) {
      assign(out.secret, secretFromFile(*fileField));
    } else if (envField) {
      assign(out.secret, secretFromEnvironment(*envField, "PARLEY_XMPP_SECRET"));
    } else {
      r_.reportAtKey(m->self(), "one of secret_file or secret_env is required");
    }
    assign(out.reconnectMin, r_.duration(m->get("reconnect_min"), 100ms, 1min));
    assign(out.reconnectMax, r_.duration(m->get("reconnect_max"), 1s, 1h));
    if (out.reconnectMin > out.reconnectMax) {
      r_.report(m->keyLine(m->get("reconnect_max") ? "reconnect_max" : "reconnect_min"),
                "bridges.xmpp: reconnect_min (" + formatDuration(out.reconnectMin) +
                    ") is longer than reconnect_max (" + formatDuration(out.reconnectMax) + ")");
    }
    assign(out.maxStanzaBytes, r_.size(m->get("max_stanza_size"), 4 * kKiB, 16 * kMiB));
    assign(out.historyMessages, r_.integer(m->get("history"), 0, 200));
    assign(out.maxFileBytes, r_.size(m->get("max_file_size"), 0, kTiB));
    assign(out.fetchTimeout, r_.duration(m->get("fetch_timeout"), 1s, 10min));
    assign(out.allowHttpUrls, r_.boolean(m->get("allow_http_urls")));
    assign(out.allowPrivateAddresses, r_.boolean(m->get("allow_private_addresses")));
    return r_.problemCount() == problemsBefore;
  }

  // bridges.matrix written as a map: the homeserver, the registration's names and where the
  // generated tokens are kept. False when anything is wrong.
  bool matrixBridge(const Field& field, MatrixBridgeConfig& out) {
    const auto m = r_.map(
        field, {"enabled", "homeserver_url", "server_name", "id", "url", "sender_localpart",
                "user_prefix", "alias_prefix", "token_file", "request_timeout", "max_file_size"});
    if (!m) return false;
    const std::size_t problemsBefore = r_.problemCount();
    assign(out.enabled, r_.boolean(m->get("enabled")));
    const auto required = [&](std::string_view key) {
      auto value = m->get(key);
      if (!value) r_.reportAtKey(m->self(), "missing required key " + quote(key));
      return value;
    };
    if (const auto hsField = required("homeserver_url")) {
      if (const auto text = r_.string(hsField)) {
        auto parsed = parseSiteUrl(*text);
        if (parsed) {
          out.homeserverUrl = *parsed;
        } else {
          r_.report(*hsField, parsed.error().message);
        }
      }
    }
    if (const auto nameField = required("server_name")) {
      if (const auto name = r_.string(nameField)) {
        // A Matrix server name: a host name or address with an optional port (lower case).
        auto parsed = parseSiteUrl("https://" + *name);
        if (parsed && std::none_of(name->begin(), name->end(), [](char c) {
              return std::isupper(static_cast<unsigned char>(c)) != 0;
            })) {
          out.serverName = *name;
        } else {
          r_.report(*nameField,
                    "expected a lower-case server name such as example.org, got " + quote(*name));
        }
      }
    }
    if (const auto urlField = required("url")) {
      if (const auto text = r_.string(urlField)) {
        // The origin, then an optional path of plain characters: the AS routes live under it.
        const auto scheme = text->find("://");
        const auto slash =
            scheme == std::string::npos ? std::string::npos : text->find('/', scheme + 3);
        std::string path = slash == std::string::npos ? std::string() : text->substr(slash);
        while (!path.empty() && path.back() == '/') path.pop_back();
        auto origin = parseSiteUrl(text->substr(0, slash));
        const bool pathOk = std::all_of(path.begin(), path.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '/' || c == '-' ||
                 c == '_' || c == '.';
        });
        if (origin && pathOk && path.find("//") == std::string::npos) {
          out.url = *origin + path;
          out.urlPath = path;
        } else {
          r_.report(*urlField,
                    "expected the URL the homeserver reaches Parley at, such as "
                    "http://parley.internal:8065 or http://parley.internal:8065/matrix, got " +
                        quote(*text));
        }
      }
    }
    if (const auto idField = m->get("id")) {
      if (const auto id = r_.string(idField)) {
        if (isMatrixName(*id)) {
          out.id = *id;
        } else {
          r_.report(*idField, "expected letters, digits, '.', '_' or '-', got " + quote(*id));
        }
      }
    }
    for (const auto& [key, target] :
         {std::pair{"sender_localpart", &out.senderLocalpart},
          std::pair{"user_prefix", &out.userPrefix}, std::pair{"alias_prefix", &out.aliasPrefix}}) {
      const auto keyField = m->get(key);
      const auto value = r_.string(keyField);
      if (!value) continue;
      // Matrix user localparts are lower case: a-z 0-9 . _ = - /; names are kept to a-z 0-9 . _ -
      if (isMatrixName(*value) && std::none_of(value->begin(), value->end(), [](char c) {
            return std::isupper(static_cast<unsigned char>(c)) != 0;
          })) {
        *target = *value;
      } else {
        r_.report(*keyField,
                  "expected lower-case letters, digits, '.', '_' or '-', got " + quote(*value));
      }
    }
    if (!out.senderLocalpart.empty() && out.senderLocalpart.starts_with(out.userPrefix)) {
      r_.report(m->keyLine(m->get("sender_localpart") ? "sender_localpart" : "user_prefix"),
                "bridges.matrix: sender_localpart must not start with user_prefix (the bot "
                "would be taken for a puppet)");
    }
    if (const auto tokenField = required("token_file")) {
      assign(out.tokenFile, r_.path(tokenField, baseDir_));
    }
    assign(out.requestTimeout, r_.duration(m->get("request_timeout"), 1s, 10min));
    assign(out.maxFileBytes, r_.size(m->get("max_file_size"), 0, kTiB));
    return r_.problemCount() == problemsBefore;
  }

  static bool isMatrixName(std::string_view text) {
    return !text.empty() && text.size() <= 64 && std::all_of(text.begin(), text.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
    });
  }

  void links(const Field& field, const std::vector<BridgeConfig>& bridges,
             std::vector<LinkConfig>& out) {
    const auto items = r_.list(field);
    if (!items) return;
    for (std::size_t i = 0; i < items->size(); ++i) {
      const Field& item = (*items)[i];
      const auto m = r_.map(item, {"channel", "bridge", "remote", "peer", "direction", "read_only"},
                            "a map with channel, bridge and remote");
      if (!m) continue;
      LinkConfig link;
      bool complete = true;
      for (const auto& [key, target] :
           {std::pair{"channel", &link.channel}, std::pair{"bridge", &link.bridge},
            std::pair{"remote", &link.remote}}) {
        if (!m->get(key)) {
          r_.reportAtKey(item, "missing required key " + quote(key));
          complete = false;
          continue;
        }
        const auto value = r_.string(m->get(key));
        if (!value) {
          complete = false;
          continue;
        }
        *target = *value;
      }
      if (const auto bridgeField = m->get("bridge"); bridgeField && !link.bridge.empty()) {
        const bool configured =
            std::any_of(bridges.begin(), bridges.end(),
                        [&](const BridgeConfig& b) { return b.name == link.bridge; });
        if (!configured) {
          r_.report(*bridgeField, quote(link.bridge) + " is not configured in bridges (" +
                                      configuredBridges(bridges) + ")");
          complete = false;
        }
      }
      if (const auto direction = r_.oneOf(m->get("direction"), {"both", "in", "out"})) {
        link.direction = *direction == "in"    ? LinkConfig::Direction::kInbound
                         : *direction == "out" ? LinkConfig::Direction::kOutbound
                                               : LinkConfig::Direction::kBoth;
      }
      assign(link.readOnly, r_.boolean(m->get("read_only")));
      if (const auto peerField = m->get("peer")) {
        if (const auto peer = r_.string(peerField)) {
          const bool valid =
              peer->size() <= 64 && std::all_of(peer->begin(), peer->end(), [](char c) {
                return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
                       c == '_';
              });
          if (valid) {
            link.peer = *peer;
          } else {
            r_.report(*peerField,
                      "a peer is 1 to 64 of a-z 0-9 . - _ (the policy bundle's "
                      "bridges: key)");
            complete = false;
          }
        }
      }
      if (!complete) continue;
      const auto same = std::find_if(out.begin(), out.end(), [&](const LinkConfig& other) {
        return other.channel == link.channel && other.bridge == link.bridge &&
               other.remote == link.remote;
      });
      if (same != out.end()) {
        r_.report(item, "links " + quote(link.channel) + " to " + quote(link.remote) + " on " +
                            link.bridge + " a second time");
        continue;
      }
      out.push_back(std::move(link));
    }
  }

  static std::string configuredBridges(const std::vector<BridgeConfig>& bridges) {
    if (bridges.empty()) return "no bridge is configured";
    std::vector<std::string> names;
    names.reserve(bridges.size());
    for (const auto& bridge : bridges) names.push_back(bridge.name);
    return "configured: " + joinWithAnd(names);
  }

  void policy(const Field& field, PolicyConfig& out) {
    const auto m = r_.map(field, {"files", "vpn_networks"});
    if (!m) return;
    if (const auto vpn = m->get("vpn_networks")) networks(*vpn, out.vpnNetworks);
    const auto filesField = m->get("files");
    if (!filesField) return;
    const auto items = r_.list(*filesField, "a list of file paths");
    if (!items) return;
    for (const Field& item : *items) {
      const auto resolved = r_.path(item, baseDir_);
      if (resolved && r_.requireReadableFile(item, *resolved)) out.files.push_back(*resolved);
    }
  }

  YamlReader& r_;
  std::filesystem::path baseDir_;
  const EnvLookup& env_;
};

}  // namespace

std::string Problem::toString() const { return file + ":" + std::to_string(line) + ": " + message; }

EnvLookup processEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

LoadResult loadConfigString(std::string_view yaml, std::string_view fileName,
                            const std::filesystem::path& baseDir, const EnvLookup& env) {
  LoadResult result;
  YamlReader reader(std::string(fileName), result.problems);
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(yaml));
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) {
      reader.report(1, "YAML syntax error: " + e.msg);
    } else {
      reader.report(e.mark.line + 1, "YAML syntax error at column " +
                                         std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
    return result;
  }
  if (documents.empty()) {
    reader.report(1, "the file is empty; it needs at least a database section");
    return result;
  }
  if (documents.size() > 1) {
    reader.report(documents[1].Mark().is_null() ? 1 : documents[1].Mark().line + 1,
                  "expected one YAML document, found " + std::to_string(documents.size()));
    return result;
  }
  const YAML::Node& root = documents.front();
  const int rootLine = root.Mark().is_null() ? 1 : root.Mark().line + 1;

  Config config;
  config.sourceFile = std::filesystem::path(fileName);
  Loader(reader, baseDir, env).load(Field{"", root, rootLine, rootLine}, config);
  std::stable_sort(result.problems.begin(), result.problems.end(),
                   [](const Problem& a, const Problem& b) { return a.line < b.line; });
  if (result.problems.empty()) result.config = std::move(config);
  return result;
}

LoadResult loadConfigFile(const std::filesystem::path& file, const EnvLookup& env) {
  std::error_code error;
  auto absolute = std::filesystem::absolute(file, error);
  if (error) absolute = file;
  std::string reason;
  const auto text = readWholeFile(absolute, reason);
  if (!text) {
    LoadResult result;
    result.problems.push_back(Problem{file.string(), 1, "cannot read the file: " + reason});
    return result;
  }
  auto result = loadConfigString(*text, file.string(), absolute.parent_path(), env);
  if (result.config) result.config->sourceFile = absolute.lexically_normal();
  return result;
}

}  // namespace parley::core::config
