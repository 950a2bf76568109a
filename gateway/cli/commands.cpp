// The short subcommands: check-config, migrate, init-admin, verify and policy.

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "core/common/log.hpp"
#include "core/config/config_loader.hpp"
#include "core/policy/policy_holder.hpp"
#include "core/security/password.hpp"
#include "core/services/account_service.hpp"
#include "core/store/postgres/database.hpp"
#include "core/store/postgres/migrations.hpp"
#include "gateway/cli/commands.hpp"
#include "gateway/http/client.hpp"

namespace parley::gateway::cli {
namespace {

std::string listenUrl(const core::config::Config& config) {
  const auto& server = config.server;
  std::string host = server.listenHost;
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return std::string(server.tls ? "https" : "http") + "://" + host + ":" +
         std::to_string(server.listenPort);
}

std::optional<std::string> readPasswordFile(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string password;
  if (!in || !std::getline(in, password)) return std::nullopt;
  return password;
}

}  // namespace

std::optional<core::config::Config> loadConfigOrReport(const std::filesystem::path& file) {
  auto loaded = core::config::loadConfigFile(file);
  if (!loaded.ok()) {
    for (const auto& problem : loaded.problems) std::cerr << problem.toString() << '\n';
    return std::nullopt;
  }
  core::log::setLevel(loaded.config->logging.level);
  return std::move(loaded.config);
}

int checkConfig(const std::filesystem::path& file) {
  const auto config = loadConfigOrReport(file);
  if (!config) return kExitUsage;
  std::cout << file.string() << ": configuration is valid\n";
  return kExitOk;
}

int migrate(const core::config::Config& config) {
  auto report = core::store::postgres::migrate(config.database.dsn);
  if (!report) {
    std::cerr << "migrate: " << report.error().message;
    if (!report.error().detail.empty()) std::cerr << " (" << report.error().detail << ")";
    std::cerr << '\n';
    return kExitFailure;
  }
  if (report->applied.empty()) {
    std::cout << "database schema is current (version " << report->current << ")\n";
  } else {
    for (const auto& applied : report->applied)
      std::cout << "applied migration " << applied << '\n';
    std::cout << "database schema is now at version " << report->current << '\n';
  }
  return kExitOk;
}

int initAdmin(const core::config::Config& config, const InitAdminOptions& options) {
  std::string password;
  const bool generated = !options.passwordFile;
  if (options.passwordFile) {
    auto read = readPasswordFile(*options.passwordFile);
    if (!read) {
      std::cerr << "init-admin: cannot read a password from " << options.passwordFile->string()
                << '\n';
      return kExitUsage;
    }
    password = std::move(*read);
  } else {
    password = core::security::generatePassword();
  }

  const auto status = core::store::postgres::migrationStatus(config.database.dsn);
  if (!status) {
    std::cerr << "init-admin: " << status.error().message << '\n';
    return kExitFailure;
  }
  if (!status->pending.empty()) {
    std::cerr << "init-admin: the database schema is not current; run `parleyd migrate` first\n";
    return kExitFailure;
  }

  auto database =
      core::store::postgres::openDatabase(config.database, std::make_shared<core::SystemClock>());
  auto created = database->runAndWait([&](core::store::Store& store) {
    return core::services::initAdmin(store, options.username, options.email, password);
  });
  database->stop();

  if (!created) {
    if (created.error().code == core::ErrorCode::kConflict) {
      std::cerr << "init-admin: " << created.error().message << " Nothing changed.\n";
      return kExitAlreadyInitialised;
    }
    std::cerr << "init-admin: " << created.error().message << '\n';
    return created.error().code == core::ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  std::cout << "Created the first system administrator; open sign-up is now locked.\n"
            << "  username: " << created->username << '\n'
            << "  email:    " << created->email << '\n';
  if (generated) {
    std::cout << "  password: " << password << '\n'
              << "This password is shown once. Store it safely or change it after logging in.\n";
  }
  return kExitOk;
}

int verify(const core::config::Config& config, const VerifyOptions& options) {
  bool allPassed = true;
  const auto report = [&](bool passed, std::string_view check, const std::string& detail) {
    allPassed = allPassed && passed;
    std::cout << (passed ? "ok    " : "FAIL  ") << check << ": " << detail << '\n';
  };

  // 1. The running gateway answers its health check, with database and file store healthy.
  const std::string url = options.url.value_or(listenUrl(config));
  http::ClientRequest ping;
  ping.url = url + "/api/v4/system/ping?get_server_status=true";
  ping.verifyTls = options.verifyTls;
  if (auto response = http::fetch(ping); !response) {
    report(false, "ping", response.error().message);
  } else if (response->status != 200) {
    report(false, "ping",
           url + " answered " + std::to_string(response->status) + ": " + response->body);
  } else {
    report(true, "ping",
           url + " is up (database " + response->header("database_status") + ", file store " +
               response->header("filestore_status") + ")");
  }

  // 2. The database is reachable from here and its schema matches this binary.
  const auto status = core::store::postgres::migrationStatus(config.database.dsn);
  if (!status) {
    report(false, "database", status.error().message);
  } else if (!status->pending.empty()) {
    report(false, "database",
           "schema at version " + std::to_string(status->current) + ", this binary expects " +
               std::to_string(status->latest) + "; run `parleyd migrate`");
  } else {
    report(true, "database", "reachable, schema at version " + std::to_string(status->current));
  }

  // 3. Lockdown: an administrator exists and strangers cannot sign up.
  if (status) {
    auto database =
        core::store::postgres::openDatabase(config.database, std::make_shared<core::SystemClock>());
    auto lockdown = database->runAndWait(
        [](core::store::Store& store) { return core::services::lockdownStatus(store); });
    database->stop();
    if (!lockdown) {
      report(false, "lockdown", lockdown.error().message);
    } else if (!lockdown->adminExists) {
      report(false, "lockdown", "no system administrator exists; run `parleyd init-admin`");
    } else if (config.security.enableOpenServer && !lockdown->signupLocked) {
      report(false, "lockdown", "open sign-up is enabled (security.enable_open_server)");
    } else {
      report(true, "lockdown", "an administrator exists and open sign-up is off");
    }
  } else {
    report(false, "lockdown", "not checked: the database is unavailable");
  }

  if (::geteuid() == 0) {
    std::cout << "note  running verify as root; parleyd itself should run as its own user\n";
  }
  return allPassed ? kExitOk : kExitFailure;
}

namespace {

constexpr const char* kPolicyUsage = R"(Usage: parleyd policy <command> FILE...

Commands:
  test FILE...                       load the bundle and run every kind: PolicyTest file given
  check FILE...                      load the bundle (types, schema, reachability) and report it
  explain --request r.yaml FILE...   decide one request and explain the decision (JSON)

Exit codes: 0 success, 1 a test or property failed, 2 a file does not load (file:line on stderr)
            or a bad command line.
)";

int policyUsage(const std::string& problem) {
  std::cerr << "parleyd policy: " << problem << "\n\n" << kPolicyUsage;
  return kExitUsage;
}

}  // namespace

int policy(const std::vector<std::string>& args) {
  if (args.empty()) return policyUsage("missing command");
  const std::string& command = args[0];
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kPolicyUsage;
    return kExitOk;
  }
  std::optional<std::filesystem::path> requestFile;
  std::vector<std::filesystem::path> files;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--request" && command == "explain" && i + 1 < args.size()) {
      requestFile = args[++i];
    } else if (args[i].starts_with("--request=") && command == "explain") {
      requestFile = args[i].substr(10);
    } else if (args[i].starts_with("-")) {
      return policyUsage("unknown option " + args[i]);
    } else {
      files.emplace_back(args[i]);
    }
  }
  if (command != "test" && command != "check" && command != "explain")
    return policyUsage("unknown command \"" + command + "\"");
  if (files.empty()) return policyUsage("no policy files given");
  if (command == "explain" && !requestFile) return policyUsage("explain needs --request FILE");

  auto sources = policy::readSources(files);
  if (!sources) {
    std::cerr << sources.error().message << '\n';
    return kExitUsage;
  }
  auto loaded = policy::loadPolicy(*sources);
  if (!loaded) {
    std::cerr << loaded.error().message << '\n';
    return kExitUsage;
  }
  const auto& bundle = *loaded->bundle;

  if (command == "check") {
    std::cout << "bundle " << (bundle.name.empty() ? "(unnamed)" : bundle.name)
              << (bundle.version.empty() ? "" : " " + bundle.version) << ": " << bundle.rules.size()
              << " rules, " << bundle.bridges.size() << " bridges, " << bundle.channels.size()
              << " channels; sha256 " << bundle.hash << "\nno errors: every attribute is known, "
              << "every clause is well typed and guarded, every rule can match\n";
    return kExitOk;
  }
  if (command == "explain") {
    auto requestSources = policy::readSources({*requestFile});
    if (!requestSources) {
      std::cerr << requestSources.error().message << '\n';
      return kExitUsage;
    }
    auto request = policy::requestFromYaml(bundle, requestSources->front());
    if (!request) {
      std::cerr << request.error().message << '\n';
      return kExitUsage;
    }
    std::cout << policy::toAdminJson(policy::decide(bundle, *request)).dump(2) << '\n';
    return kExitOk;
  }
  if (loaded->tests.empty()) {
    std::cerr << "parleyd policy test: no kind: PolicyTest file among the files\n";
    return kExitUsage;
  }
  auto report = policy::runPolicyTests(bundle, loaded->tests);
  if (!report) {
    std::cerr << report.error().message << '\n';
    return kExitUsage;
  }
  for (const auto& failure : report->failures) std::cout << "FAIL " << failure << '\n';
  std::cout << report->summary() << '\n';
  return report->passed() ? kExitOk : kExitFailure;
}

}  // namespace parley::gateway::cli
