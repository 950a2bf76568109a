// parleyd: command-line parsing and dispatch only; the commands live in gateway/cli/.

#include <boost/program_options.hpp>

#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "gateway/cli/commands.hpp"

namespace po = boost::program_options;
namespace cli = parley::gateway::cli;

namespace {

constexpr const char* kUsage = R"(Usage: parleyd <command> [options]

Commands:
  serve          run the gateway until SIGTERM (SIGHUP reloads the configuration)
  migrate        apply pending database migrations (safe to run on several nodes at once)
  check-config   validate the configuration file and exit
  init-admin     create the first system administrator and lock open sign-up
  verify         check a running gateway: health, database, lockdown
  policy         test, check or explain policy files (parleyd policy --help)
  attributes     set policy attributes of a user or channel (parleyd attributes --help)
  matrix         `matrix registration [--output FILE]`: the Matrix AS registration YAML

Common options:
  -c, --config FILE   configuration file (default: $PARLEY_CONFIG, else /etc/parley/gateway.yaml)
  -h, --help          show help for a command
  --version           print the version

Exit codes: 0 success, 1 failure, 2 bad usage or invalid configuration,
            3 init-admin found an administrator already (nothing changed).
)";

std::string defaultConfigPath() {
  const char* fromEnv = std::getenv("PARLEY_CONFIG");
  return fromEnv && *fromEnv ? fromEnv : "/etc/parley/gateway.yaml";
}

po::options_description commonOptions() {
  po::options_description options("Options");
  options.add_options()("config,c", po::value<std::string>()->default_value(defaultConfigPath()),
                        "configuration file")("help,h", "show this help");
  return options;
}

int run(const std::string& command, const std::vector<std::string>& args) {
  // `policy` works on policy files alone: no gateway configuration.
  if (command == "policy") return cli::policy(args);
  po::options_description options = commonOptions();
  if (command == "init-admin") {
    options.add_options()("username", po::value<std::string>()->default_value("admin"),
                          "administrator user name")(
        "email", po::value<std::string>()->default_value("admin@localhost"), "administrator email")(
        "password-file", po::value<std::string>(),
        "read the password from this file instead of generating one");
  } else if (command == "verify") {
    options.add_options()("url", po::value<std::string>(),
                          "gateway base URL (default: the configured listen address)")(
        "insecure", "do not verify the gateway's TLS certificate");
  } else if (command == "attributes") {
    options.add_options()("user", po::value<std::string>(), "the user (username)")(
        "channel", po::value<std::string>(), "the channel (team/channel)")(
        "as", po::value<std::string>(), "act as this system administrator (username)")(
        "args", po::value<std::vector<std::string>>(), "set NAME=VALUE...");
  } else if (command == "matrix") {
    options.add_options()("output,o", po::value<std::string>(),
                          "write the registration to this file (mode 0600) instead of stdout")(
        "args", po::value<std::vector<std::string>>(), "registration");
  } else if (command != "serve" && command != "migrate" && command != "check-config") {
    std::cerr << "parleyd: unknown command \"" << command << "\"\n\n" << kUsage;
    return cli::kExitUsage;
  }

  po::variables_map vars;
  po::positional_options_description positional;
  if (command == "attributes" || command == "matrix") positional.add("args", -1);
  po::store(po::command_line_parser(args).options(options).positional(positional).run(), vars);
  po::notify(vars);
  if (vars.count("help")) {
    if (command == "attributes") {
      std::cout << cli::kAttributesUsage;
      return cli::kExitOk;
    }
    std::cout << "Usage: parleyd " << command << " [options]\n" << options;
    return cli::kExitOk;
  }

  const std::string configFile = vars["config"].as<std::string>();
  if (command == "check-config") return cli::checkConfig(configFile);

  const auto config = cli::loadConfigOrReport(configFile);
  if (!config) return cli::kExitUsage;

  if (command == "serve") return cli::serve(*config);
  if (command == "migrate") return cli::migrate(*config);
  if (command == "attributes") {
    cli::AttributesOptions set;
    auto rest = vars.count("args") ? vars["args"].as<std::vector<std::string>>()
                                   : std::vector<std::string>{};
    if (!rest.empty()) {
      set.command = rest.front();
      set.assignments.assign(rest.begin() + 1, rest.end());
    }
    if (vars.count("user")) set.user = vars["user"].as<std::string>();
    if (vars.count("channel")) set.channel = vars["channel"].as<std::string>();
    if (vars.count("as")) set.as = vars["as"].as<std::string>();
    return cli::attributes(*config, set);
  }
  if (command == "matrix") {
    const auto rest = vars.count("args") ? vars["args"].as<std::vector<std::string>>()
                                         : std::vector<std::string>{};
    std::optional<std::string> output;
    if (vars.count("output")) output = vars["output"].as<std::string>();
    return cli::matrix(*config, rest, output);
  }
  if (command == "init-admin") {
    cli::InitAdminOptions init;
    init.username = vars["username"].as<std::string>();
    init.email = vars["email"].as<std::string>();
    if (vars.count("password-file")) init.passwordFile = vars["password-file"].as<std::string>();
    return cli::initAdmin(*config, init);
  }
  cli::VerifyOptions verify;
  if (vars.count("url")) verify.url = vars["url"].as<std::string>();
  verify.verifyTls = vars.count("insecure") == 0;
  return cli::verify(*config, verify);
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? cli::kExitUsage : cli::kExitOk;
  }
  if (args[0] == "--version") {
    std::cout << "parleyd " PARLEY_VERSION "\n";
    return cli::kExitOk;
  }
  try {
    return run(args[0], {args.begin() + 1, args.end()});
  } catch (const po::error& e) {
    std::cerr << "parleyd " << args[0] << ": " << e.what() << "\n";
    return cli::kExitUsage;
  } catch (const std::exception& e) {
    // Start-up failures that are not expected values (house style §4) end here, with a message.
    std::cerr << "parleyd " << args[0] << ": " << e.what() << "\n";
    return cli::kExitFailure;
  }
}
