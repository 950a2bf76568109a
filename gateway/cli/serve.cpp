// `parleyd serve`: wires core, gateway and bridges together and runs until SIGTERM.
//
// Signals are blocked in every thread and taken synchronously by the main thread (sigwait), so
// no handler runs in signal context and shutdown is ordinary code: stop accepting, drain the
// HTTP server, stop the bridges, close the database last (design brief §4).

#include <csignal>
#include <iostream>

#include "bridges/common/bridge.hpp"
#include "bridges/common/ingress_pipeline.hpp"
#include "bridges/common/outbox_drainer.hpp"
#include "core/common/log.hpp"
#include "core/config/config_loader.hpp"
#include "core/events/event_bus.hpp"
#include "core/events/pg_relay.hpp"
#include "core/model/id.hpp"
#include "core/policy/policy_holder.hpp"
#include "core/services/link_service.hpp"
#include "core/services/live_links.hpp"
#include "core/services/session_cache.hpp"
#include "core/store/postgres/database.hpp"
#include "core/store/postgres/listener.hpp"
#include "core/store/postgres/migrations.hpp"
#include "gateway/api/audit.hpp"
#include "gateway/api/bots.hpp"
#include "gateway/api/bridge_files.hpp"
#include "gateway/api/channels.hpp"
#include "gateway/api/client_config.hpp"
#include "gateway/api/client_support.hpp"
#include "gateway/api/custom_profile_attributes.hpp"
#include "gateway/api/files.hpp"
#include "gateway/api/links.hpp"
#include "gateway/api/policy_attributes.hpp"
#include "gateway/api/posts.hpp"
#include "gateway/api/reactions.hpp"
#include "gateway/api/roles.hpp"
#include "gateway/api/system.hpp"
#include "gateway/api/teams.hpp"
#include "gateway/api/users.hpp"
#include "gateway/api/version.hpp"
#include "gateway/api/webhooks.hpp"
#include "gateway/cli/commands.hpp"
#include "gateway/cli/systemd_notify.hpp"
#include "gateway/http/server.hpp"
#include "gateway/websocket/endpoint.hpp"
#include "gateway/websocket/event_renderer.hpp"
#include "gateway/websocket/member_cache.hpp"
#include "gateway/websocket/policy_filter.hpp"

namespace parley::gateway::cli {
namespace {

constexpr auto kComponent = "main";

sigset_t handledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

// The schema must match this binary. An unreachable database is not fatal at start-up (the
// pool reconnects and ping reports it), but a database behind or ahead of the binary is.
bool schemaIsCurrent(const core::config::Config& config) {
  auto status = core::store::postgres::migrationStatus(config.database.dsn);
  if (!status && status.error().code == core::ErrorCode::kUnavailable) {
    core::log::warn(kComponent, "cannot reach the database to check its schema; starting anyway",
                    {{"error", status.error().message}});
    return true;
  }
  if (!status) {
    // A schema ahead of this binary or an edited migration: serving it could corrupt data.
    core::log::error(kComponent, status.error().message, {{"detail", status.error().detail}});
    return false;
  }
  if (!status->pending.empty()) {
    core::log::error(kComponent, "the database schema is not current: run `parleyd migrate`",
                     {{"current", status->current}, {"latest", status->latest}});
    return false;
  }
  return true;
}

// A gauge of one figure of `source->stats()`, 0 once the source is gone; returns a function
// that registers one, so that each gauge is a line.
template <typename Source>
auto statsGauges(core::metrics::Registry& metrics, const std::shared_ptr<Source>& source) {
  return [&metrics, weak = std::weak_ptr(source)](const char* name, const char* help, auto read) {
    metrics.gauge(name, help, {}, [weak, read] {
      const auto held = weak.lock();
      return held ? static_cast<double>(read(held->stats())) : 0.0;
    });
  };
}

void registerPoolGauges(core::metrics::Registry& metrics, core::store::DatabasePtr database) {
  const auto gauge = statsGauges(metrics, database);
  using core::store::PoolStats;
  gauge("parley_db_pool_size", "Database connections configured.",
        [](const PoolStats& s) { return s.size; });
  gauge("parley_db_pool_connected", "Database connections currently up.",
        [](const PoolStats& s) { return s.connected; });
  gauge("parley_db_pool_busy", "Database workers running a job.",
        [](const PoolStats& s) { return s.busy; });
  gauge("parley_db_pool_queued", "Database jobs waiting for a worker.",
        [](const PoolStats& s) { return s.queued; });
  gauge("parley_db_jobs_completed", "Database jobs completed since start.",
        [](const PoolStats& s) { return s.completed; });
  gauge("parley_db_reconnects", "Database reconnections since start.",
        [](const PoolStats& s) { return s.reconnects; });
}

// One sum over every pool (the drainer's too): what a crossing costs in waits for the server.
void registerRoundTripGauge(core::metrics::Registry& metrics,
                            const std::vector<core::store::DatabasePtr>& pools) {
  std::vector<std::weak_ptr<core::store::Database>> weak;
  for (const auto& pool : pools) {
    if (pool) weak.emplace_back(pool);
  }
  metrics.gauge("parley_db_round_trips",
                "Round trips of the database workers to the server since start (a pipeline is "
                "one), all pools.",
                {}, [weak] {
                  double sum = 0;
                  for (const auto& pool : weak) {
                    if (const auto db = pool.lock())
                      sum += static_cast<double>(db->stats().roundTrips);
                  }
                  return sum;
                });
}

void registerRelayGauges(core::metrics::Registry& metrics,
                         const std::shared_ptr<core::events::PgRelay>& relay) {
  const auto gauge = statsGauges(metrics, relay);
  using core::events::RelayStats;
  gauge("parley_events_relay_connected", "1 while the event relay is connected to the database.",
        [](const RelayStats& s) { return s.connected ? 1 : 0; });
  gauge("parley_events_relay_sent", "Events sent to the other nodes since start.",
        [](const RelayStats& s) { return s.sent; });
  gauge("parley_events_relay_stored", "Of those, events too large for a NOTIFY (ws_events).",
        [](const RelayStats& s) { return s.stored; });
  gauge("parley_events_relay_received", "Events of other nodes delivered here since start.",
        [](const RelayStats& s) { return s.received; });
  gauge("parley_events_relay_dropped", "Events not relayed because the queue overflowed.",
        [](const RelayStats& s) { return s.dropped; });
  gauge("parley_events_relay_reconnects", "Event relay reconnections since start.",
        [](const RelayStats& s) { return s.reconnects; });
}

void registerSessionCacheGauges(core::metrics::Registry& metrics,
                                const std::shared_ptr<core::services::SessionCache>& cache) {
  const auto gauge = statsGauges(metrics, cache);
  using core::services::SessionCacheStats;
  gauge("parley_session_cache_hits", "Requests whose session came from the cache.",
        [](const SessionCacheStats& s) { return s.hits; });
  gauge("parley_session_cache_misses", "Requests whose session was read from the database.",
        [](const SessionCacheStats& s) { return s.misses; });
  gauge("parley_session_cache_entries", "Sessions in the cache.",
        [](const SessionCacheStats& s) { return s.entries; });
  gauge("parley_session_cache_invalidations",
        "Changes to users, sessions or tokens announced by the database since start.",
        [](const SessionCacheStats& s) { return s.forgotten; });
  gauge("parley_session_cache_trusted",
        "1 while changes made elsewhere can be heard, so that the cache is used.",
        [](const SessionCacheStats& s) { return s.trusted ? 1 : 0; });
}

// Hears the changes other processes make to users, sessions and tokens (this node's own are
// heard by the pool's connections, synchronously): the cache is trusted only while it listens.
std::unique_ptr<core::store::postgres::PgListener> startSessionCacheListener(
    const core::config::Config& config, std::shared_ptr<core::services::SessionCache> cache,
    core::ClockPtr clock) {
  core::store::postgres::ListenerOptions options;
  options.dsn = config.database.dsn;
  options.applicationName = "parleyd-auth";
  options.component = "auth";
  options.channels = {std::string(core::services::kAuthChangedChannel)};
  core::store::postgres::ListenerHandlers handlers;
  handlers.linkChanged = [cache](bool listening) { cache->setTrusted(listening); };
  handlers.notified = [cache](core::store::postgres::Connection&, std::string_view,
                              std::string_view change) { cache->announced(change); };
  return core::store::postgres::PgListener::start(std::move(options), std::move(handlers),
                                                  std::move(clock));
}

// Loads (or reloads) the policy files into `holder`: compiled, their PolicyTest files run,
// swapped in only when all of that succeeds. False (and the file:line error logged) otherwise;
// the bundle in force, if any, stays.
bool loadPolicyBundle(policy::PolicyHolder& holder, const core::config::Config& config) {
  auto loaded = holder.reload(config.policy.files);
  if (!loaded) {
    core::log::error(kComponent,
                     holder.current() ? "policy reload refused; the bundle in force stays"
                                      : "cannot load the policy files",
                     {{"error", loaded.error().message}, {"detail", loaded.error().detail}});
    return false;
  }
  core::log::info(kComponent, "policy bundle in force",
                  {{"bundle_hash", holder.current()->hash},
                   {"files", static_cast<std::int64_t>(config.policy.files.size())}});
  return true;
}

// SIGHUP: re-read the configuration and apply what can change at run time: the log level and
// the contents of the policy files (the list of files is the one read at start-up, because
// turning enforcement on or off needs a restart). A bad file changes nothing.
void reload(const core::config::Config& running, policy::PolicyHolder* policyHolder) {
  if (policyHolder != nullptr) loadPolicyBundle(*policyHolder, running);
  auto loaded = core::config::loadConfigFile(running.sourceFile);
  if (!loaded.ok()) {
    for (const auto& problem : loaded.problems) {
      core::log::error(kComponent, "reload refused: invalid configuration",
                       {{"problem", problem.toString()}});
    }
    return;
  }
  core::log::setLevel(loaded.config->logging.level);
  core::log::info(kComponent, "configuration reloaded",
                  {{"log_level", core::log::levelName(loaded.config->logging.level)}});
}

// gateway.yaml's links into the links table; false when the database refused (a link whose
// channel does not exist is only reported).
bool syncLinks(core::store::Database& database, const core::config::Config& config) {
  auto synced = database.runAndWait([&config](core::store::Store& s) {
    return core::services::syncConfiguredLinks(s, config.links);
  });
  if (!synced) {
    if (synced.error().code == core::ErrorCode::kUnavailable) {
      core::log::warn(kComponent, "cannot reach the database to sync the links of gateway.yaml");
      return true;
    }
    core::log::error(kComponent, "cannot sync the links of gateway.yaml",
                     {{"error", synced.error().message}, {"detail", synced.error().detail}});
    return false;
  }
  for (const auto& problem : *synced) core::log::warn(kComponent, problem);
  return true;
}

// One call of a bridge's route: the request goes to the bridge and its reply comes back as it
// is. The reply may come from any thread: it is posted to the request's executor, where it
// cancels the timer the request waits on. A function (not a capturing coroutine lambda, whose
// captures g++ 12 may lose): the endpoint is a parameter, kept in the coroutine frame.
asio::awaitable<http::Response> callBridge(std::shared_ptr<const bridges::HttpEndpoint> endpoint,
                                           http::Request& request) {
  bridges::HttpCall call;
  call.method = endpoint->method;
  call.path = std::string(request.path());
  for (const auto& [name, value] : request.paramList()) {
    call.params.emplace(std::string(name), value);  // the router decoded them
  }
  for (const auto& name : endpoint->queryNames) {
    if (const auto value = request.query().get(name)) call.query.emplace(name, *value);
  }
  call.authorization = std::string(request.header("Authorization"));
  call.body = request.body();
  struct Waiting {
    explicit Waiting(const asio::any_io_executor& executor) : timer(executor) {}
    asio::steady_timer timer;
    std::optional<bridges::HttpReply> reply;
  };
  auto executor = co_await asio::this_coro::executor;
  auto waiting = std::make_shared<Waiting>(executor);
  waiting->timer.expires_at(asio::steady_timer::time_point::max());
  endpoint->handle(std::move(call), [executor, waiting](bridges::HttpReply answer) {
    asio::post(executor, [waiting, answer = std::move(answer)]() mutable {
      if (waiting->reply) return;
      waiting->reply = std::move(answer);
      waiting->timer.cancel();
    });
  });
  while (!waiting->reply) {
    boost::system::error_code ignored;
    co_await waiting->timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  co_return http::Response::text(waiting->reply->status, std::move(waiting->reply->body),
                                 std::move(waiting->reply->contentType));
}

// The routes bridges serve on this server (the Matrix AS API).
void registerBridgeRoutes(http::Router& router, std::vector<bridges::BridgePtr>& running) {
  for (auto& bridge : running) {
    for (auto& endpoint : bridge->httpEndpoints()) {
      auto shared = std::make_shared<const bridges::HttpEndpoint>(std::move(endpoint));
      const auto method = http_proto::string_to_verb(shared->method);
      auto handler = [shared](http::Request& request) { return callBridge(shared, request); };
      if (shared->maxBodyBytes == 0) {
        router.add(method, shared->pattern, std::move(handler));
        continue;
      }
      http::BodyLimit limit;
      limit.bytes = shared->maxBodyBytes;
      limit.tooLarge = core::makeError(
          core::ErrorCode::kTooLarge, "api.context.request_body_too_large.app_error",
          "The request body is too large.", "limit " + std::to_string(limit.bytes) + " bytes");
      limit.tooLargeBody = shared->tooLarge.body;
      limit.tooLargeContentType = shared->tooLarge.contentType;
      router.add(method, shared->pattern, std::move(handler), std::move(limit));
    }
  }
}

}  // namespace

int serve(const core::config::Config& loaded) {
  const sigset_t signals = handledSignals();
  // Before any thread starts, so every thread inherits the mask.
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A write to a peer that has just gone (the XMPP server restarting, a client that hung up) is
  // an error of that write, never the end of the process: not every library writes with
  // MSG_NOSIGNAL (libstrophe does not).
  std::signal(SIGPIPE, SIG_IGN);

  auto config = std::make_shared<const core::config::Config>(loaded);
  core::log::info(kComponent, "starting parleyd",
                  {{"version", PARLEY_VERSION},
                   {"mattermost_api", std::string(api::kMattermostApiVersion)},
                   {"config", config->sourceFile.string()}});

  if (!schemaIsCurrent(*config)) return kExitFailure;

  auto files = core::files::openLocalFileStore(config->files.directory);
  if (!files) {
    core::log::error(kComponent, files.error().message);
    return kExitFailure;
  }
  const core::ClockPtr clock = std::make_shared<core::SystemClock>();
  // Local enforcement (core/services/access_policy.hpp) is on only with policy files; a bundle
  // that does not load or fails its tests at start-up is fatal, as a bad configuration is.
  std::shared_ptr<policy::PolicyHolder> policyHolder;
  if (!config->policy.files.empty()) {
    policyHolder = std::make_shared<policy::PolicyHolder>(clock);
    if (!loadPolicyBundle(*policyHolder, *config)) return kExitFailure;
  } else {
    core::log::info(kComponent, "no policy files configured: local policy enforcement is off");
  }
  auto metrics = std::make_shared<core::metrics::Registry>();
  // Committed domain events become Mattermost WebSocket events on this bus (the WebSocket hub
  // and the cross-node relay subscribe to it).
  auto eventBus = std::make_shared<core::events::EventBus>();
  // A commit that may have queued outbox rows wakes the drainer (once it runs).
  auto drainerWakeup = std::make_shared<bridges::DrainerWakeup>();
  // Sessions of recent requests; every pooled connection hears the changes it commits itself.
  auto sessionCache = std::make_shared<core::services::SessionCache>();
  auto database = core::store::postgres::openDatabase(
      config->database, clock,
      bridges::wakingSink(websocket::publishingSink(eventBus), drainerWakeup), policyHolder,
      {{std::string(core::services::kAuthChangedChannel)},
       [sessionCache](std::string_view, std::string_view change) {
         sessionCache->announced(change);
       }});
  auto sessionCacheListener = startSessionCacheListener(*config, sessionCache, clock);
  registerSessionCacheGauges(*metrics, sessionCache);
  // Several nodes on one database: events cross between them through PostgreSQL.
  std::shared_ptr<core::events::PgRelay> relay;
  if (config->cluster.enabled) {
    core::events::RelayOptions relayOptions;
    relayOptions.dsn = config->database.dsn;
    relayOptions.nodeId =
        config->cluster.nodeId.empty() ? core::model::newId() : config->cluster.nodeId;
    core::log::info(kComponent, "relaying events between nodes",
                    {{"node_id", relayOptions.nodeId}});
    relay = core::events::PgRelay::start(eventBus, std::move(relayOptions), clock);
    registerRelayGauges(*metrics, relay);
  }
  registerPoolGauges(*metrics, database);
  auto bridges = bridges::createBridges(
      bridges::BridgeEnvironment{config, database, files.value(), metrics, clock});
  if (!bridges) {
    core::log::error(kComponent, bridges.error().message);
    database->stop();
    return kExitFailure;
  }
  if (!syncLinks(*database, *config)) {
    database->stop();
    return kExitFailure;
  }
  auto bridgeMetrics = std::make_shared<core::metrics::BridgeMetrics>(metrics.get());
  // Outlives every bridge and the database's last job: bridges hand it events until stop().
  auto ingress = std::make_unique<bridges::IngressPipeline>(database, bridgeMetrics);
  ingress->enableAttachments(
      bridges::inboundFileSettings(*config, files.value(), clock, bridges.value()));

  // The drainer says which links are caught up; the API's posts are decided for them as they
  // are written (the live crossing, core/services/outbox_writer.hpp).
  auto liveLinks = std::make_shared<core::services::LiveLinks>();
  auto context = std::make_shared<api::ApiContext>(api::ApiContext{
      config, database, files.value(), std::make_shared<asio::thread_pool>(2), metrics, clock,
      sessionCache, std::make_shared<core::services::PostLanes>(database, liveLinks)});
  auto router = std::make_shared<http::Router>(*metrics);
  api::registerSystemRoutes(*router, context);
  api::registerClientConfigRoutes(*router, context);
  api::registerClientSupportRoutes(*router, context);
  api::registerUserRoutes(*router, context);
  api::registerFileRoutes(*router, context);
  api::registerTeamRoutes(*router, context);
  api::registerChannelRoutes(*router, context);
  api::registerBotRoutes(*router, context);
  api::registerRoleRoutes(*router, context);
  api::registerPostRoutes(*router, context);
  api::registerReactionRoutes(*router, context);
  api::registerWebhookRoutes(*router, context);
  api::registerCustomProfileAttributeRoutes(*router, context);
  api::registerPolicyAttributeRoutes(*router, context);
  api::registerAuditRoutes(*router, context);
  api::registerLinkRoutes(*router, context);
  api::registerBridgeFileRoutes(*router, context);
  registerBridgeRoutes(*router, bridges.value());

  http::ServerOptions options;
  options.host = config->server.listenHost;
  options.port = config->server.listenPort;
  options.threads = config->server.threads;
  options.tls = config->server.tls;
  options.limits = config->limits;
  options.shutdownGrace = config->server.shutdownGrace;
  options.versionId = api::versionId(*config);
  options.showErrorDetail = config->server.enableDeveloper;
  options.accessLog = config->logging.accessLog;
  auto server = http::Server::create(options, router, *metrics, clock);
  if (!server) {
    core::log::error(kComponent, server.error().message);
    database->stop();
    return kExitFailure;
  }

  websocket::MemberLookupPtr members =
      websocket::MemberCache::create(websocket::databaseMemberLookup(database), clock);
  // With a policy, a channel's events go only to the members it lets read the channel.
  if (policyHolder) {
    // Every WebSocket connection has an origin; a VPN origin exists once networks are given.
    std::vector<core::model::ConnectionOrigin> origins = {core::model::ConnectionOrigin::kDirect};
    if (!config->policy.vpnNetworks.empty()) origins.push_back(core::model::ConnectionOrigin::kVpn);
    members = websocket::PolicyMemberFilter::create(
        std::move(members), policyHolder, websocket::databaseChannelReadDecider(database), clock,
        std::chrono::seconds(10), std::move(origins));
  }
  auto hub =
      websocket::Hub::create(websocket::hubOptions(*config), std::move(members), eventBus, clock);
  server.value()->setUpgradeHandler(websocket::makeEndpoint(context, hub));

  // The drainer has one connection of its own, used on its own thread: its drain locks belong to
  // that session. A second one, with a worker, decides a link's next batch while the current one
  // goes out.
  core::store::DatabasePtr drainDatabase;
  core::store::DatabasePtr prepareDatabase;
  std::unique_ptr<bridges::OutboxDrainer> drainer;
  if (!bridges.value().empty()) {
    auto drainConfig = config->database;
    drainConfig.poolSize = 1;
    // Its commits produce no outbox rows, only notices for the authors of denied changes.
    drainDatabase = core::store::postgres::openCallerThreadDatabase(
        drainConfig, clock, websocket::publishingSink(eventBus), policyHolder);
    prepareDatabase = core::store::postgres::openDatabase(
        drainConfig, clock, websocket::publishingSink(eventBus), policyHolder);
    std::vector<bridges::Bridge*> running;
    for (auto& bridge : bridges.value()) running.push_back(bridge.get());
    drainer = bridges::OutboxDrainer::start(drainDatabase, prepareDatabase, std::move(running),
                                            clock, bridgeMetrics, {}, liveLinks);
    drainerWakeup->set(
        [raw = drainer.get()](const core::events::OutboundQueued& queued) { raw->wake(queued); });
  }
  registerRoundTripGauge(*metrics, {database, drainDatabase, prepareDatabase});
  for (auto& bridge : bridges.value()) {
    if (auto started = bridge->start(*ingress); !started) {
      core::log::error(kComponent, started.error().message, {{"bridge", bridge->name()}});
      return kExitFailure;
    }
  }
  server.value()->start();
  notifySystemd("READY=1");

  for (;;) {
    int signal = 0;
    if (sigwait(&signals, &signal) != 0) continue;
    if (signal == SIGHUP) {
      notifySystemd("RELOADING=1");
      reload(*config, policyHolder.get());
      notifySystemd("READY=1");
      continue;
    }
    core::log::info(kComponent, "signal received; shutting down", {{"signal", strsignal(signal)}});
    break;
  }

  notifySystemd("STOPPING=1");
  // WebSocket clients get a close frame (1001) before the listener closes their connections.
  hub->stop(config->server.shutdownGrace / 2);
  server.value()->shutdown();
  // Nothing more goes out; items in flight stay pending and go again at the next start.
  drainerWakeup->clear();
  if (drainer) drainer->stop();
  if (drainDatabase) drainDatabase->stop();
  if (prepareDatabase) prepareDatabase->stop();
  for (auto& bridge : bridges.value()) bridge->stop();
  if (relay) relay->stop();
  sessionCacheListener->stop();
  context->blocking->join();
  // Last: queued database jobs still complete (their coroutines are gone, their results are
  // posted to stopped I/O contexts that the server object still owns).
  database->stop();
  server.value().reset();
  core::log::info(kComponent, "stopped");
  return kExitOk;
}

}  // namespace parley::gateway::cli
